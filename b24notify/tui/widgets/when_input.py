"""The input of a date or datetime variable: arrow keys step it, words name it, a line says it.

↑/↓ move the value a day, shift+↑/↓ an hour (a week for a date); an empty
field starts at today or the next whole hour. Relative entries such as
``tomorrow 10:00`` or ``+2h`` (``core/when.py``) are read as typed and become
ISO text when the field is left or Enter is pressed, so the draft, the preview
and history all hold the same fixed moment. The line under the input says the
value in words ("Wed 25 Nov 2026, 10:00 · tomorrow") or names the mistake.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from b24notify.core import when
from b24notify.tui.widgets.variable_inputs import FieldInput

HINTS: dict[when.Kind, str] = {
    "date": "↑↓ a day, shift+↑↓ a week · or type today, fri, +3d",
    "datetime": "↑↓ a day, shift+↑↓ an hour · or type tomorrow 10:00, fri 22:00, +2h",
}


def local_now() -> datetime:
    """The moment date fields count from: the local time (snapshot tests pin it)."""
    return datetime.now()


class WhenInput(FieldInput):
    """A FieldInput for a ``date`` or ``datetime`` variable."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "step(1, 0)", "Day later", show=False, id="form.when.day_later"),
        Binding("down", "step(-1, 0)", "Day earlier", show=False, id="form.when.day_earlier"),
        Binding("shift+up", "step(0, 1)", "Hour (week) later", show=False, id="form.when.later"),
        Binding(
            "shift+down", "step(0, -1)", "Hour (week) earlier", show=False, id="form.when.earlier"
        ),
    ]

    def __init__(self, value: str, *, kind: when.Kind, **kwargs: object) -> None:
        super().__init__(value, **kwargs)  # type: ignore[arg-type]
        self.kind: when.Kind = kind
        self.clock: Callable[[], datetime] = local_now
        """Where "now" comes from (a test sets a fixed one)."""
        self.hint: Static | None = None
        """The line under the input (see :meth:`make_hint`)."""

    @property
    def absolute(self) -> str:
        """The text with a relative entry resolved (what the form reports as the value)."""
        try:
            return when.absolute(self.value, self.kind, self.clock()) or self.value
        except ValueError:
            return self.value

    def action_step(self, days: int, hours: int) -> None:
        """Move the value by ``days``, or by an hour (a week, for a date) per ``hours``."""
        if self.kind == "date":
            days, minutes = days + 7 * hours, 0
        else:
            minutes = 60 * hours
        self.value = when.step(self.value, self.kind, self.clock(), days=days, minutes=minutes)
        self.cursor_position = len(self.value)

    def settle(self) -> None:
        """Replace a relative entry with the ISO text it names (on leaving the field, on Enter)."""
        fixed = self.absolute
        if fixed != self.value:
            self.value = fixed
            self.cursor_position = len(fixed)

    # Textual calls the handler of every class in the MRO, so FieldInput's and
    # Input's own handlers run after these without a super() call (one would
    # run them twice: two previews per step, two Blurred messages).
    def on_input_changed(self, event: Input.Changed) -> None:
        self.show_hint()

    def _on_blur(self, event: events.Blur) -> None:
        self.settle()

    async def action_submit(self) -> None:
        self.settle()
        await super().action_submit()

    def make_hint(self) -> Static:
        """The line under the input, made once by the field that holds both."""
        self.hint = Static(self.hint_line(), classes="field-when")
        return self.hint

    def show_hint(self) -> None:
        """Update the line under the input (see :meth:`hint_line`)."""
        hint = self.hint
        if hint is None:
            return
        line, shown = self.hint_line(), hint.content
        width = hint.size.width
        # The hint wraps in a narrow form; while old and new text fit on one
        # line a repaint is enough, without a layout pass per keystroke.
        fits = width > 0 and isinstance(shown, Text) and max(line.cell_len, shown.cell_len) <= width
        hint.update(line, layout=not fits)

    def hint_line(self) -> Text:
        """The value in words, the mistake in a relative entry, or the keys (when empty)."""
        text = self.value.strip()
        if not text:
            return Text(HINTS[self.kind], style="dim")
        now = self.clock()
        try:
            value = when.read(text, self.kind, now)
        except ValueError as err:
            return Text(str(err), style="italic")
        if value is None:
            return Text(HINTS[self.kind], style="dim")
        return Text(when.describe(value, now))
