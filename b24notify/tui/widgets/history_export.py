"""History's export dialog: where to write the matching sends, and as CSV, JSON or JSON lines."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

FORMATS = [("CSV (spreadsheets)", "csv"), ("JSON", "json"), ("JSON lines", "jsonl")]


def default_target(fmt: str, *, folder: Path | None = None, now: datetime | None = None) -> Path:
    """``<folder or cwd>/history-YYYYmmdd-HHMMSS.<fmt>``."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return (folder or Path.cwd()) / f"history-{stamp}.{fmt}"


def check_target(text: str, fmt: str) -> tuple[Path | None, str]:
    """The file to write for what was typed, or None and one sentence saying why not.

    A folder gets a stamped file name inside it; ``~`` is expanded.
    """
    if not text.strip():
        return None, "Type the file to write."
    path = Path(text.strip()).expanduser()
    if path.is_dir():
        path = default_target(fmt, folder=path)
    if not path.parent.is_dir():
        return None, f"The folder {path.parent} does not exist."
    return path.absolute(), ""


class ExportDialog(ModalScreen[tuple[Path, str] | None]):
    """Ask where to export and in which format; answers (file, format) or None."""

    DEFAULT_CSS = """
    ExportDialog #history-export-path {
        width: 1fr;
    }
    ExportDialog #history-export-error {
        height: auto;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="history_export.cancel"),
    ]

    def __init__(self, fmt: str = "csv", count: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.fmt = fmt
        self.count = count

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="confirm"):
            title = "Export the sends shown"
            yield Label(f"{title} ({self.count} rows)" if self.count else title, id="dialog-title")
            yield Select(FORMATS, value=self.fmt, allow_blank=False, id="history-export-format")
            yield Input(str(default_target(self.fmt)), id="history-export-path")
            yield Static("", id="history-export-error")
            with Horizontal(id="dialog-buttons"):
                yield Button("Export", id="export", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#history-export-path", Input).focus()

    @on(Select.Changed, "#history-export-format")
    def _format(self, event: Select.Changed) -> None:
        fmt = str(event.value)
        field = self.query_one("#history-export-path", Input)
        path = Path(field.value)
        if path.suffix.lstrip(".") in {f for _, f in FORMATS} and fmt != self.fmt:
            field.value = str(path.with_suffix(f".{fmt}"))  # the extension follows the format
        self.fmt = fmt

    @on(Input.Submitted)
    @on(Button.Pressed, "#export")
    def action_export(self) -> None:
        path, why = check_target(self.query_one("#history-export-path", Input).value, self.fmt)
        if path is None:
            self.query_one("#history-export-error", Static).update(Text(why, "red"))
            return
        self.dismiss((path, self.fmt))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
