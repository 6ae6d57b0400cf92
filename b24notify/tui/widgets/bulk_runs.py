"""The Runs tab of the Bulk screen: recent bulk runs from history, each with its rows by status.

The screen reads ``History.runs()`` in a worker and sets the result here;
the table posts ``Picked`` when a run is chosen (enter or double click), and
the buttons under it act on the highlighted run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, DataTable, Static

from b24notify.tui.widgets.bulk_text import FAILED_STYLE, SENT_STYLE, UNKNOWN_STYLE

if TYPE_CHECKING:
    from b24notify.core.history_schema import RunSummary

COLUMNS = ("Run", "Template", "Sent", "Failed", "Unknown", "Rows")
"""The run id tells when it started (``r20261124-153012-ab12``); the profile is in its details."""


def _number(value: int, style: str) -> Text:
    return Text(f"{value:,}", style if value else "dim", justify="right")


class RunsList(Vertical):
    """Recent runs, newest first; Resume, Failed rows and History act on the highlighted one."""

    DEFAULT_CSS = """
    RunsList { height: 1fr; }
    RunsList #runs-table { height: 1fr; }
    RunsList #runs-note { height: auto; padding: 0 1; color: $text-muted; }
    RunsList #runs-buttons { height: auto; padding: 0 1; }
    RunsList #runs-buttons Button { margin: 0 1 0 0; }
    """

    class Picked(Message):
        """A run was chosen in the table (enter): resume it."""

        def __init__(self, run_id: str) -> None:
            super().__init__()
            self.run_id = run_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.runs: list[RunSummary] = []

    def compose(self) -> ComposeResult:
        yield DataTable(id="runs-table", cursor_type="row", zebra_stripes=True)
        yield Static("Loading runs…", id="runs-note")
        with Horizontal(id="runs-buttons"):
            yield Button("Resume…", id="runs-resume", variant="primary")
            yield Button("Failed rows", id="runs-failures")
            yield Button("Show in History", id="runs-history")

    def on_mount(self) -> None:
        table: DataTable[str | Text] = self.query_one(DataTable)
        for label in COLUMNS:
            table.add_column(label, key=label.lower())

    def set_runs(self, runs: list[RunSummary]) -> None:
        """Show ``runs`` (newest first), keeping the highlighted run when it is still there."""
        keep = self.selected
        self.runs = list(runs)
        table: DataTable[str | Text] = self.query_one(DataTable)
        table.clear()
        for run in self.runs:
            counts = run.counts
            table.add_row(
                run.run_id,
                run.template,
                _number(counts.get("sent", 0), SENT_STYLE),
                _number(counts.get("failed", 0), FAILED_STYLE),
                _number(counts.get("unknown", 0) + counts.get("pending", 0), UNKNOWN_STYLE),
                Text(f"{run.total:,}", justify="right"),
                key=run.run_id,
            )
        ids = [run.run_id for run in self.runs]
        if keep in ids:
            table.move_cursor(row=ids.index(keep))
        note = self.query_one("#runs-note", Static)
        note.update(
            "No bulk runs yet."
            if not self.runs
            else "Resume sends what a run has not sent: rows never tried and failed rows; "
            "unknown rows only when you choose them."
        )
        for button in self.query(Button):
            button.disabled = not self.runs

    @property
    def selected(self) -> str | None:
        """The highlighted run's id."""
        table: DataTable[str | Text] = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        value = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return str(value) if value is not None else None

    @on(DataTable.RowSelected, "#runs-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.Picked(str(event.row_key.value)))
