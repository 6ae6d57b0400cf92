"""The pure core of b24notify: templates, payloads, client, history and use cases.

Nothing in this package imports textual or rich; a test enforces it.
"""
