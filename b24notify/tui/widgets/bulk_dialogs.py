"""The Bulk screen's modal dialogs: resume a run, a run's failed rows, pick a data file.

- :class:`ResumeDialog` shows what resuming a run would do and lists its
  unknown rows with checkboxes: only the ticked ones are sent again.
- :class:`RunRowsDialog` lists a run's failed and unknown rows with their
  errors; one can be opened as a draft in Compose, or all of them in History.
- :class:`DataFilePicker` is a folder tree showing only folders and data files.

They use the app's dialog styles (``dialog-screen``, ``#dialog``) and return
their answer through ``dismiss``; the screen does the work.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, DirectoryTree, Label, SelectionList, Static

from b24notify.tui.widgets.bulk_setup import DATA_SUFFIXES
from b24notify.tui.widgets.bulk_text import FAILED_STYLE, UNKNOWN_STYLE, count

if TYPE_CHECKING:
    from b24notify.core.bulk import ResumePlan
    from b24notify.core.history_schema import SendRecord

UNKNOWN_LISTED = 500  # rows a dialog lists; more are summed up (the CLI lists 20)


class ResumeDialog(ModalScreen["list[int] | None"]):
    """What a resume sends and skips; tick unknown rows to send them again. Answers the ticks."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="bulk_resume.cancel"),
        Binding("ctrl+a", "tick_all", "Tick all unknown", id="bulk_resume.tick_all"),
    ]
    DEFAULT_CSS = """
    ResumeDialog #dialog { width: 90; }
    ResumeDialog #resume-unknown-note { color: $text-warning; margin: 0 0 1 0; }
    ResumeDialog #resume-unknown { height: auto; max-height: 10; margin: 0 0 1 0; }
    """

    def __init__(self, plan: ResumePlan) -> None:
        super().__init__(classes="dialog-screen")
        self.plan = plan

    @property
    def chosen(self) -> list[int]:
        found = self.query("#resume-unknown")
        if not found:
            return []
        return sorted(found.first(SelectionList).selected)

    def rows(self) -> list[tuple[str, str]]:
        """The run and what resuming does with each kind of row."""
        record, check, counts = self.plan.record, self.plan.check, self.plan.state.counts
        never = max(0, check.ready - sum(counts.get(s, 0) for s in ("sent", "failed", "unknown")))
        return [
            ("Template", record.template),
            ("Data file", record.data),
            ("Profile", f"{record.profile} ({record.api})"),
            ("Started", record.created_at[:19].replace("T", " ")),
            ("Sent earlier", f"{counts.get('sent', 0):,} (skipped)"),
            ("Failed", f"{counts.get('failed', 0):,} (sent again)"),
            ("Never tried", f"{never:,} (sent)"),
            ("Unknown", f"{counts.get('unknown', 0):,} (skipped unless ticked below)"),
        ]

    def compose(self) -> ComposeResult:
        plan = self.plan
        record = plan.record
        with Vertical(id="dialog", classes="confirm"):
            yield Label(f"Resume run {record.run_id}?", id="dialog-title")
            if plan.template_changed:
                yield Static(
                    f"The template {record.template} changed since the run started: the rows "
                    "left are sent with the current version.",
                    id="dialog-message",
                    markup=False,
                )
            yield DataTable(
                id="dialog-rows", show_header=False, cursor_type="none", zebra_stripes=False
            )
            unknown = plan.unknown_rows
            if unknown:
                yield Static(
                    "Unknown rows may or may not have arrived. Check these chats, then tick "
                    "the rows to send again (space ticks, ctrl+a ticks all):",
                    id="resume-unknown-note",
                )
                yield SelectionList[int](
                    *(
                        (_unknown_label(u.row, u.dialog, u.history_id, u.error), u.row, False)
                        for u in unknown[:UNKNOWN_LISTED]
                    ),
                    id="resume-unknown",
                )
                if len(unknown) > UNKNOWN_LISTED:
                    yield Static(f"… and {len(unknown) - UNKNOWN_LISTED:,} more (not listed).")
            with Horizontal(id="dialog-buttons"):
                yield Button("Send", id="confirm", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        table = self.query_one("#dialog-rows", DataTable)
        table.add_columns("what", "value")
        for key, value in self.rows():
            table.add_row(key, value)
        self._relabel()
        found = self.query("#resume-unknown")
        (found.first() if found else self.query_one("#confirm", Button)).focus()

    def _relabel(self) -> None:
        total = self.plan.check.to_send + len(self.chosen)
        button = self.query_one("#confirm", Button)
        button.label = f"Send {count(total, 'row')}"
        button.disabled = total == 0

    @on(SelectionList.SelectedChanged)
    def _ticked(self) -> None:
        self._relabel()

    def action_tick_all(self) -> None:
        found = self.query("#resume-unknown")
        if found:
            found.first(SelectionList).select_all()

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        self.dismiss(self.chosen)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def _unknown_label(row: int, dialog: str, history_id: int, error: str) -> Text:
    text = Text()
    text.append(f"row {row:<6}", "bold")
    text.append(f" → {dialog:<12}")
    text.append(f" history #{history_id}", "dim")
    if error:
        text.append(f"  {error}", UNKNOWN_STYLE)
    return text


RowsAnswer = tuple[str, int | None]
"""What :class:`RunRowsDialog` answers: ("draft", history id) or ("history", None)."""


class RunRowsDialog(ModalScreen["RowsAnswer | None"]):
    """A run's failed and unknown rows with their errors (the latest attempt of each row)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="bulk_rows.close"),
        Binding("o", "open_draft", "Open as draft", id="bulk_rows.open_draft"),
        Binding("h", "history", "Show in History", id="bulk_rows.history"),
    ]
    DEFAULT_CSS = """
    RunRowsDialog #dialog { width: 110; height: 80%; }
    RunRowsDialog #rows-table { height: 1fr; }
    """

    def __init__(self, run_id: str, records: Iterable[SendRecord]) -> None:
        super().__init__(classes="dialog-screen")
        self.run_id = run_id
        self.records = [r for r in records if r.status in ("failed", "unknown")]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="help"):
            yield Label(
                f"Run {self.run_id}: {count(len(self.records), 'row')} failed or unknown",
                id="dialog-title",
            )
            yield DataTable(id="rows-table", cursor_type="row", zebra_stripes=True)
            yield Static(
                "o opens the highlighted row as a draft in Compose (fix it, send it alone); "
                "h shows the run in History.",
                id="help-note",
            )
            with Horizontal(id="dialog-buttons"):
                yield Button("Open as draft", id="rows-draft", disabled=not self.records)
                yield Button("Show in History", id="rows-history")
                yield Button("Close", id="close", variant="primary")

    def on_mount(self) -> None:
        table: DataTable[str | Text] = self.query_one(DataTable)
        table.add_columns("Row", "Dialog", "Status", "Error")
        for record in self.records:
            error = record.error_code or ""
            if record.error_description:
                error = (
                    f"{error}: {record.error_description}" if error else record.error_description
                )
            style = FAILED_STYLE if record.status == "failed" else UNKNOWN_STYLE
            table.add_row(
                str(record.row_number),
                record.dialog_id,
                Text(record.status, style),
                error or "—",
                key=str(record.id),
            )
        table.focus()

    def _selected(self) -> int | None:
        table: DataTable[str | Text] = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        value = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return int(value) if value is not None else None

    @on(Button.Pressed, "#rows-draft")
    def action_open_draft(self) -> None:
        chosen = self._selected()
        if chosen is not None:
            self.dismiss(("draft", chosen))

    @on(Button.Pressed, "#rows-history")
    def action_history(self) -> None:
        self.dismiss(("history", None))

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)


class DataTree(DirectoryTree):
    """A folder tree that lists folders and data files only (no hidden entries)."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [
            path
            for path in paths
            if not path.name.startswith(".")
            and (_safe_is_dir(path) or path.suffix.lower() in DATA_SUFFIXES)
        ]


def _safe_is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


class DataFilePicker(ModalScreen["Path | None"]):
    """Browse folders from ``start`` and pick a CSV or JSONL file; answers its path."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="bulk_pick.cancel"),
        Binding("backspace", "up", "Parent folder", id="bulk_pick.up"),
    ]
    DEFAULT_CSS = """
    DataFilePicker #dialog { width: 90; height: 80%; }
    DataFilePicker #pick-where { color: $text-muted; margin: 0 0 1 0; }
    DataFilePicker DataTree { height: 1fr; }
    """

    def __init__(self, start: Path) -> None:
        super().__init__(classes="dialog-screen")
        self.start = start

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="help"):
            yield Label("Pick the data file", id="dialog-title")
            yield Static(str(self.start), id="pick-where", markup=False)
            yield DataTree(self.start, id="pick-tree")
            with Horizontal(id="dialog-buttons"):
                yield Button("Parent folder", id="pick-up")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one(DataTree).focus()

    @on(DirectoryTree.FileSelected)
    def _picked(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.dismiss(event.path)

    @on(Button.Pressed, "#pick-up")
    def action_up(self) -> None:
        tree = self.query_one(DataTree)
        current = Path(tree.path).resolve()
        if current.parent != current:
            tree.path = current.parent
            self.query_one("#pick-where", Static).update(str(current.parent))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
