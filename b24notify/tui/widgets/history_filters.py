"""History's extra filters: the dialog that sets template, dialog and dates, and their chips."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Static

from b24notify.core import when
from b24notify.core.history_query import to_utc_iso

FILTER_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("template", "Template", "e.g. incident/opened"),
    ("dialog", "Dialog", "e.g. chat42 or 15"),
    ("since", "Since", "a day or time: 2025-03-01, yesterday, -2h"),
    ("until", "Until", "through that day, or up to that time"),
)
"""Key (a ``History.search`` keyword), label and placeholder of each extra filter."""
DATE_KEYS = ("since", "until")


def chip_label(key: str, value: str) -> str:
    """How an active filter reads on its chip: ``Template incident/opened``."""
    label = dict((k, name) for k, name, _ in FILTER_FIELDS)[key]
    return f"{label} {value}"


def resolve_filters(
    values: dict[str, str], now: datetime
) -> tuple[dict[str, str], tuple[str, str] | None]:
    """``values`` with Since and Until as ISO text, and the first problem as (key, sentence).

    A bound may be typed as a day or a time, or relative to ``now``
    (``yesterday``, ``-1w``, ``-2h``); it is kept as the fixed moment it names.
    """
    resolved = dict(values)
    for key in DATE_KEYS:
        text = values.get(key, "")
        if not text:
            continue
        try:
            resolved[key] = when.bound(text, now)
        except ValueError as err:
            return values, (key, f"{key.capitalize()} {text!r}: {err}.")
    if "since" in resolved and "until" in resolved:
        # As History reads them: a day starts at midnight, and as Until ends at the next.
        start = to_utc_iso(resolved["since"], name="since")
        end = to_utc_iso(resolved["until"], name="until", end_of_day=True)
        if end <= start:  # stored timestamps sort as text
            return values, ("until", "Until is before Since: no send can match.")
    return resolved, None


class FilterChip(Static):
    """``Template x ×``: one active filter; a click clears it."""

    class Cleared(Message):
        """The user asked to drop this filter."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, key: str, value: str) -> None:
        super().__init__(Text(f" {chip_label(key, value)} × ", style="bold reverse"))
        self.key = key
        self.tooltip = "Click to drop this filter (ctrl+l changes the filters)."
        self.styles.width = "auto"
        self.styles.height = 3
        self.styles.padding = (1, 0, 1, 1)

    def on_click(self, event: object) -> None:
        self.post_message(self.Cleared(self.key))


class FilterDialog(ModalScreen[dict[str, str] | None]):
    """Set the template, dialog and date range filters; answers the new set, or None."""

    DEFAULT_CSS = """
    FilterDialog .history-filter-row {
        height: 1;
        margin-bottom: 1;
    }
    FilterDialog .history-filter-label {
        width: 10;
    }
    FilterDialog #history-filter-error {
        height: auto;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="history_filter.cancel"),
    ]

    def __init__(self, values: dict[str, str], templates: Sequence[str] = ()) -> None:
        super().__init__(classes="dialog-screen")
        self.values = dict(values)
        self.templates = list(templates)
        self.clock: Callable[[], datetime] = datetime.now
        """What "yesterday" and "-2h" count from (a test sets a fixed one)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="confirm"):
            yield Label("Filter History", id="dialog-title")
            for key, label, placeholder in FILTER_FIELDS:
                with Horizontal(classes="history-filter-row"):
                    yield Label(label, classes="history-filter-label")
                    yield Input(
                        self.values.get(key, ""),
                        placeholder=placeholder,
                        id=f"history-filter-{key}",
                        suggester=SuggestFromList(self.templates) if key == "template" else None,
                        compact=True,
                    )
            yield Static("", id="history-filter-error")
            with Horizontal(id="dialog-buttons"):
                yield Button("Apply", id="apply", variant="primary")
                yield Button("Clear all", id="clear")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#history-filter-template", Input).focus()

    def typed(self) -> dict[str, str]:
        """The non-empty fields, stripped."""
        out = {}
        for key, _label, _placeholder in FILTER_FIELDS:
            value = self.query_one(f"#history-filter-{key}", Input).value.strip()
            if value:
                out[key] = value
        return out

    @on(Input.Submitted)
    @on(Button.Pressed, "#apply")
    def action_apply(self) -> None:
        values, problem = resolve_filters(self.typed(), self.clock())
        if problem is not None:
            key, sentence = problem
            self.query_one("#history-filter-error", Static).update(Text(sentence, "red"))
            self.query_one(f"#history-filter-{key}", Input).focus()
            return
        self.dismiss(values)

    @on(Button.Pressed, "#clear")
    def _clear(self) -> None:
        self.dismiss({})

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
