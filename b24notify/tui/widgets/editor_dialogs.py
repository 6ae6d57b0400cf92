"""Dialogs of the editor and profiles screens: unsaved changes, a name, a changed file, open.

They reuse the app's dialog layout (``#dialog``, ``#dialog-title``,
``#dialog-buttons`` in ``app.tcss``) so they look like the other dialogs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from b24notify.tui.widgets.template_list import TemplateList

SAVE, DISCARD, CANCEL = "save", "discard", "cancel"
RELOAD, OVERWRITE = "reload", "overwrite"


class UnsavedChangesDialog(ModalScreen[str]):
    """Ask what to do with unsaved changes before leaving: ``save``, ``discard`` or ``cancel``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "choose('cancel')", "Cancel", id="unsaved.cancel"),
        Binding("s", "choose('save')", "Save", show=False, id="unsaved.save"),
        Binding("d", "choose('discard')", "Discard", show=False, id="unsaved.discard"),
    ]

    def __init__(self, what: str, *, action: str = "leaving") -> None:
        super().__init__(classes="dialog-screen")
        self.what = what
        self.action = action

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="unsaved"):
            yield Label("Unsaved changes", id="dialog-title")
            yield Static(
                f"{self.what} has changes that are not saved. Save them before {self.action}?",
                id="dialog-message",
                markup=False,
            )
            with Horizontal(id="dialog-buttons"):
                yield Button("Save", id="save", variant="primary")
                yield Button("Discard", id="discard", variant="error")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#save", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or CANCEL)

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)


class ChangedOnDiskDialog(ModalScreen[str]):
    """The file changed behind the editor: ``reload`` it, ``overwrite`` it, or ``cancel``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "choose('cancel')", "Cancel", id="changed.cancel"),
    ]

    def __init__(self, what: str, path: str, *, edited: bool) -> None:
        super().__init__(classes="dialog-screen")
        self.what = what
        self.path = path
        self.edited = edited

    def compose(self) -> ComposeResult:
        if self.edited:
            message = (
                f"{self.what} was changed on disk by something else ({self.path}) while you "
                "were editing it. Reload it (your edits are lost) or keep your version "
                "(saving overwrites the other changes)?"
            )
        else:
            message = f"{self.what} was changed on disk by something else ({self.path})."
        with Vertical(id="dialog", classes="error"):
            yield Label("Template changed on disk", id="dialog-title")
            yield Static(message, id="dialog-message", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button("Reload from disk", id="reload", variant="primary")
                yield Button("Keep mine", id="overwrite", variant="warning")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#reload", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or CANCEL)

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)


class NameDialog(ModalScreen[str | None]):
    """Ask for a name; ``check`` returns why a name can't be used (shown under the box) or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="name.cancel"),
    ]

    def __init__(
        self,
        title: str,
        *,
        prompt: str,
        value: str = "",
        confirm_label: str = "OK",
        check: Callable[[str], str | None] | None = None,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.prompt = prompt
        self.value = value
        self.confirm_label = confirm_label
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="name"):
            yield Label(self.title_text, id="dialog-title")
            yield Static(self.prompt, id="dialog-message", markup=False)
            yield Input(self.value, id="name-input")
            yield Static("", id="name-error", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button(self.confirm_label, id="confirm", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#name-error").display = False
        self.query_one("#name-input", Input).focus()

    @on(Input.Submitted, "#name-input")
    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        name = self.query_one("#name-input", Input).value.strip()
        problem = "a name is needed" if not name else (self.check(name) if self.check else None)
        error = self.query_one("#name-error", Static)
        if problem is not None:
            error.update(f"✖ {problem[:1].upper()}{problem[1:]}.")
            error.display = True
            return
        self.dismiss(name)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class OpenTemplateDialog(ModalScreen[str | None]):
    """Pick a template to edit from the searchable, grouped template list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="open.cancel"),
    ]
    DEFAULT_CSS = """
    OpenTemplateDialog #dialog { height: 80%; }
    OpenTemplateDialog TemplateList { height: 1fr; width: 1fr; border-right: none; }
    """

    def __init__(self, load: Callable[[], list[Any]], *, current: str | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self.load = load
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="open"):
            yield Label("Open a template", id="dialog-title")
            yield TemplateList(id="open-templates")
            with Horizontal(id="dialog-buttons"):
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one(TemplateList).focus_search()
        self._load()

    @work(thread=True, exit_on_error=False)
    def _load(self) -> None:
        infos = self.load()
        self.app.call_from_thread(self._show, infos)

    def _show(self, infos: list[Any]) -> None:
        templates = self.query_one(TemplateList)
        templates.set_templates(infos)
        if self.current is not None:
            templates.mark_current(self.current)

    @on(TemplateList.Selected)
    def _selected(self, event: TemplateList.Selected) -> None:
        event.stop()
        self.dismiss(event.name)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
