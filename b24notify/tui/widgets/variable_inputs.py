"""The text inputs of the variable form, which let the preview follow in the same frame.

Both call the screen's ``live`` hook while handling their own change, before
the Changed message bubbles, and mark the field around them as touched (its
errors may show from then on).
"""

from __future__ import annotations

from collections.abc import Callable

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widget import Widget
from textual.widgets import Input, TextArea


class FieldInput(Input):
    """An Input whose growing text repaints the field instead of re-laying out the screen.

    Input records its text width as ``virtual_size`` on every change, and Widget
    declares that reactive with ``layout=True``: each keystroke would re-arrange
    every widget on the screen. The field's box never changes size (width 100%,
    height 3) and scrolling reads ``virtual_size`` live, so a repaint is enough.
    """

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    live: Callable[[], object] | None = None
    """Set by the screen: called on each change in this widget's own turn (see FieldArea)."""

    def on_input_changed(self, event: Input.Changed) -> None:
        # Runs before the Changed message bubbles and before this Input goes idle, so
        # the preview is redrawn in the same frame as the typed character. The
        # message still bubbles up as usual.
        _touch(self)
        if self.live is not None:
            self.live()


class FieldArea(TextArea):
    """A TextArea that, like FieldInput, lets the screen preview in the same frame as the edit."""

    live: Callable[[], object] | None = None

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        _touch(self)
        if self.live is not None:
            self.live()


def _touch(widget: Widget) -> None:
    """The field around an edited input counts as touched (before the preview shows errors)."""
    field = widget.parent
    # The form's Field has ``touched``; an input placed elsewhere has no field to mark.
    if field is not None and hasattr(field, "touched"):
        field.touched = True
