"""Modal dialogs: confirm an action, show an error with its details, list the keys."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Collapsible, DataTable, Label, Static


class ConfirmDialog(ModalScreen[bool]):
    """Ask before doing something that leaves the machine (send, delete, resend)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
        Binding("y", "confirm", "Yes", show=False, id="dialog.yes"),
        Binding("n", "cancel", "No", show=False, id="dialog.no"),
    ]

    def __init__(
        self,
        title: str,
        rows: Sequence[tuple[str, str]] = (),
        *,
        message: str = "",
        confirm_label: str = "Send",
        danger: bool = False,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.rows = list(rows)
        self.message = message
        self.confirm_label = confirm_label
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="confirm"):
            yield Label(self.title_text, id="dialog-title")
            if self.message:
                yield Static(self.message, id="dialog-message", markup=False)
            if self.rows:
                table: DataTable[str] = DataTable(
                    id="dialog-rows", show_header=False, cursor_type="none", zebra_stripes=False
                )
                yield table
            with Horizontal(id="dialog-buttons"):
                yield Button(
                    self.confirm_label,
                    id="confirm",
                    variant="error" if self.danger else "primary",
                )
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        if self.rows:
            table = self.query_one("#dialog-rows", DataTable)
            table.add_columns("what", "value")
            for key, value in self.rows:
                table.add_row(key, value)
        self.query_one("#confirm", Button).focus()

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)


class ErrorDialog(ModalScreen[None]):
    """The one place errors are shown in full: a title, one sentence, optional details."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="dialog.close"),
        Binding("c", "copy", "Copy details", id="dialog.copy"),
    ]

    def __init__(self, title: str, message: str, detail: str | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.message = message
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="error"):
            yield Label(self.title_text, id="dialog-title")
            yield Static(self.message, id="dialog-message", markup=False)
            if self.detail:
                with Collapsible(title="Details", id="dialog-detail"), VerticalScroll():
                    yield Static(self.detail, markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button("Close", id="close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)

    def action_copy(self) -> None:
        text = f"{self.title_text}\n{self.message}"
        if self.detail:
            text += f"\n\n{self.detail}"
        self.app.copy_to_clipboard(text)
        self.notify("Copied the error to the clipboard.")


class HelpScreen(ModalScreen[None]):
    """Every key in reach on the screen below, grouped by where it works."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "close", "Close", id="help.close"),
    ]

    def __init__(self, sections: Iterable[tuple[str, Sequence[tuple[str, str, str]]]]) -> None:
        super().__init__(classes="dialog-screen")
        self.sections = [(title, list(rows)) for title, rows in sections]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="help"):
            yield Label("Keys", id="dialog-title")
            yield DataTable(id="help-keys", cursor_type="row", zebra_stripes=True)
            yield Static(
                "Every action is also in the command palette (ctrl+p). Remap a key in the "
                'config file\'s [keys] table by its id, e.g. "compose.send" = "ctrl+j".',
                id="help-note",
                markup=False,
            )
            with Horizontal(id="dialog-buttons"):
                yield Button("Close", id="close", variant="primary")

    def on_mount(self) -> None:
        table = self.query_one("#help-keys", DataTable)
        table.add_columns("Key", "Action", "Where", "Id")
        for title, rows in self.sections:
            for key, description, binding_id in rows:
                table.add_row(key, description, title, binding_id)
        table.focus()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)
