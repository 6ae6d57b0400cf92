"""The dry run on the Bulk screen: totals and a table of bad rows; the first requests as chats.

:class:`CheckView` shows a ``BulkCheck``'s summary over a table of its
problems (row, line, column, reason); :class:`PreviewsView` lists the first
rendered rows and draws the highlighted one with the same chat preview as
Compose. Both only display what the screen sets on them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Static

from b24notify.tui.widgets.bulk_text import bot_of, check_summary, count, rendered_of
from b24notify.tui.widgets.chat_preview import ChatPreview

if TYPE_CHECKING:
    from b24notify.core.bulk_check import BulkCheck, RowPreview

PROBLEM_COLUMNS = ("Row", "Line", "Column", "Problem")


class CheckView(Vertical):
    """A check's totals, then every kept problem as a table row (row, line, column, reason)."""

    DEFAULT_CSS = """
    CheckView { height: 1fr; }
    CheckView #bc-summary { height: auto; padding: 0 1 1 1; }
    CheckView #bc-summary.-bad { color: $text-error; }
    CheckView #bc-problems { height: 1fr; overflow-x: hidden; }
    CheckView #bc-more { height: auto; padding: 0 1; color: $text-muted; }
    CheckView #bc-detail {
        height: auto;
        max-height: 4;
        padding: 0 1;
        background: $panel;
        color: $text;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.check: BulkCheck | None = None

    def compose(self) -> ComposeResult:
        yield Static(
            Text(
                "Fill in the setup and press Check (ctrl+r): every row is rendered and "
                "validated, nothing is sent.",
                "dim italic",
            ),
            id="bc-summary",
        )
        yield DataTable(id="bc-problems", cursor_type="row", zebra_stripes=True)
        yield Static("", id="bc-more")
        yield Static("", id="bc-detail", markup=False)

    def on_mount(self) -> None:
        table: DataTable[str | Text] = self.query_one(DataTable)
        for label in PROBLEM_COLUMNS:
            table.add_column(label, key=label.lower())
        table.display = False
        self.query_one("#bc-more").display = False
        self.query_one("#bc-detail").display = False

    def show(self, check: BulkCheck) -> None:
        """The check's summary and its problems (warnings are summed up in the summary)."""
        self.check = check
        summary = self.query_one("#bc-summary", Static)
        summary.set_class(False, "-bad")
        summary.update(check_summary(check))
        table: DataTable[str | Text] = self.query_one(DataTable)
        table.clear()
        for index, problem in enumerate(check.problems):
            table.add_row(
                str(problem.row),
                str(problem.line),
                Text(problem.column or "—", "bold" if problem.column else "dim", justify="left"),
                Text(
                    problem.reason,
                    "red" if problem.severity == "error" else "yellow",
                    justify="left",
                    no_wrap=True,
                ),
                key=str(index),
            )
        table.display = bool(check.problems)
        self._show_detail(0 if check.problems else None)
        more = self.query_one("#bc-more", Static)
        listed = {p.row for p in check.problems}
        hidden = check.bad - len(listed)
        more.display = hidden > 0
        if hidden > 0:
            more.update(f"… and {count(hidden, 'more row')} with problems not listed.")

    def show_error(self, sentence: str) -> None:
        """Why the file could not be checked at all (unreadable file, missing column …)."""
        self.check = None
        summary = self.query_one("#bc-summary", Static)
        summary.set_class(True, "-bad")
        summary.update(Text(sentence))
        self.query_one(DataTable).display = False
        self.query_one("#bc-more").display = False
        self._show_detail(None)

    def _show_detail(self, index: int | None) -> None:
        """The highlighted problem in full (the table cuts long reasons at its edge)."""
        detail = self.query_one("#bc-detail", Static)
        problems = self.check.problems if self.check is not None else []
        detail.display = index is not None and 0 <= index < len(problems)
        if index is not None and detail.display:
            detail.update(str(problems[index]))

    @on(DataTable.RowHighlighted, "#bc-problems")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.row_key.value is not None:
            self._show_detail(int(event.row_key.value))

    def show_note(self, note: str) -> None:
        summary = self.query_one("#bc-summary", Static)
        summary.set_class(False, "-bad")
        summary.update(Text(note, "italic"))

    @property
    def problem_rows(self) -> list[tuple[str, ...]]:
        """The problems table as plain cells (what a reader sees)."""
        table: DataTable[str | Text] = self.query_one(DataTable)
        return [
            tuple(str(cell) for cell in table.get_row_at(index)) for index in range(table.row_count)
        ]


class PreviewsView(Horizontal):
    """The first rendered rows on the left; the highlighted one drawn as the chat will show it."""

    DEFAULT_CSS = """
    PreviewsView { height: 1fr; }
    PreviewsView #bp-list { width: 22; height: 1fr; }
    PreviewsView #bp-chat { width: 1fr; height: 1fr; border-left: vkey $panel-lighten-1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.previews: list[RowPreview] = []
        self.shown: int | None = None
        """Row number of the preview in the chat pane."""

    def compose(self) -> ComposeResult:
        yield DataTable(id="bp-list", cursor_type="row", zebra_stripes=True)
        yield ChatPreview(id="bp-chat")

    def on_mount(self) -> None:
        table: DataTable[str] = self.query_one(DataTable)
        table.add_column("Row", key="row")
        table.add_column("Dialog", key="dialog")
        self.query_one(ChatPreview).clear("The first rows of a check are drawn here as chats.")

    def show(self, previews: list[RowPreview]) -> None:
        self.previews = list(previews)
        table: DataTable[str] = self.query_one(DataTable)
        table.clear()
        for preview in self.previews:
            table.add_row(str(preview.row), preview.dialog, key=str(preview.row))
        if self.previews:
            table.move_cursor(row=0)
            self._draw(self.previews[0])
        else:
            self.shown = None
            self.query_one(ChatPreview).clear("No row rendered: fix the rows the check lists.")

    def _draw(self, preview: RowPreview) -> None:
        self.shown = preview.row
        bot = bot_of(preview.params)
        who = f"Bot #{bot}" if bot is not None else "Bot"
        self.query_one(ChatPreview).show(
            rendered_of(preview.params),
            sender=f"{who} → {preview.dialog} · row {preview.row}",
            bot_id=bot,
        )

    @on(DataTable.RowHighlighted, "#bp-list")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        key = event.row_key.value
        for preview in self.previews:
            if str(preview.row) == key and preview.row != self.shown:
                self._draw(preview)
