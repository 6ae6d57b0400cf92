"""Screens of the terminal UI; top-level ones are registered in ``b24notify.tui.app.SCREENS``."""
