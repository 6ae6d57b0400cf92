"""Widgets of the terminal UI, one area each: templates, form, options, preview tabs."""
