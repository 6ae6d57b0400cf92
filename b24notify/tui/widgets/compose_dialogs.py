"""Compose's own modal dialogs: a send with an unknown outcome, a draft whose template is gone."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Label, Static

from b24notify.core.models import Draft

UNKNOWN_ACTIONS = ("history", "inbox", "resend", "close")
"""What ``UnknownOutcomeDialog`` answers: the id of the button pressed."""


class UnknownOutcomeDialog(ModalScreen[str]):
    """The request left and no answer came back: say so, and offer the ways to check.

    Nothing is resent from here by itself: "Resend anyway" only answers
    ``"resend"``, and the screen asks again before sending a second message.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "choose('close')", "Close", id="unknown.close"),
    ]
    DEFAULT_CSS = """
    UnknownOutcomeDialog #unknown-dialog {
        width: 76;
        max-width: 95%;
        height: auto;
        max-height: 90%;
        padding: 1 2;
        background: $surface;
        border: thick $warning;
    }
    UnknownOutcomeDialog .unknown-row {
        height: auto;
        align-horizontal: right;
        margin: 1 0 0 0;
    }
    UnknownOutcomeDialog .unknown-row Button {
        margin: 0 0 0 2;
    }
    """

    def __init__(
        self,
        *,
        history_id: int | None,
        dialog: str | None,
        reason: str | None,
        sandbox: bool,
        can_resend: bool,
        edit: bool = False,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.history_id = history_id
        self.dialog = dialog or "the chat"
        self.reason = reason
        self.sandbox = sandbox
        self.can_resend = can_resend
        self.edit = edit

    @property
    def message(self) -> str:
        """What happened and what to do, in the product's words."""
        what = "The update" if self.edit else "The message"
        row = f" (history #{self.history_id})" if self.history_id is not None else ""
        why = f" ({_plain_reason(self.reason)})" if self.reason else ""
        where = "the sandbox inbox" if self.sandbox else self.dialog
        tail = (
            "Look at it before trying again."
            if self.edit
            else "Resend only if the message is missing there."
        )
        return (
            f"{what}{row} left, but no answer came back{why}. It may or may not have "
            f"reached {self.dialog}, and it was not resent. Check {where} first. {tail}"
        )

    def compose(self) -> ComposeResult:
        with Vertical(id="unknown-dialog"):
            yield Label("Unknown — check the chat", id="dialog-title")
            yield Static(self.message, id="dialog-message", markup=False)
            # Ways to check first, then what to do about it.
            with Horizontal(classes="unknown-row"):
                yield Button("Open in History", id="history", compact=True)
                if self.sandbox:
                    yield Button("Check the sandbox inbox", id="inbox", compact=True)
            with Horizontal(classes="unknown-row"):
                if self.can_resend:
                    yield Button("Resend anyway…", id="resend", variant="warning", compact=True)
                yield Button("Close", id="close", variant="primary", compact=True)

    def on_mount(self) -> None:
        # Enter by reflex checks; it never sends.
        self.query_one("#inbox" if self.sandbox else "#history", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_choose(event.button.id or "close")

    def action_choose(self, action: str) -> None:
        self.dismiss(action if action in UNKNOWN_ACTIONS else "close")


class MissingTemplateDialog(ModalScreen[None]):
    """A draft from history whose template no longer exists: its stored values, read-only.

    Compose cannot rebuild the form without the template, so it keeps the draft
    it had and shows here what the send used: nothing is lost, nothing is guessed.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="missing.close"),
        Binding("c", "copy", "Copy values", id="missing.copy"),
    ]

    def __init__(self, draft: Draft, *, editing: bool = False) -> None:
        super().__init__(classes="dialog-screen")
        self.draft = draft
        self.editing = editing

    @property
    def title_text(self) -> str:
        name = self.draft.template
        return f"The template {name!r} no longer exists" if name else "This send has no template"

    @property
    def message(self) -> str:
        what = "edited" if self.editing else "opened as a draft"
        return (
            f"The send cannot be {what} in Compose: its form comes from the template. "
            "Below are the values it was sent with; History's detail pane shows the whole "
            "request as sent. Restore the template (or save one under that name) to use them "
            "again."
        )

    def rows(self) -> list[tuple[str, str]]:
        """The draft's destination and values, as shown."""
        options = self.draft.options
        out = [
            ("Dialog", options.dialog_id or "?"),
            ("Bot", f"#{options.bot_id}" if options.bot_id else "profile's bot"),
        ]
        if self.draft.api:
            out.append(("API", self.draft.api))
        out += [(name, _shown(value)) for name, value in self.draft.values.items()]
        return out

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="error"):
            yield Label(self.title_text, id="dialog-title")
            yield Static(self.message, id="dialog-message", markup=False)
            yield DataTable(
                id="dialog-rows", show_header=False, cursor_type="row", zebra_stripes=True
            )
            with Horizontal(id="dialog-buttons"):
                yield Button("Copy values", id="copy")
                yield Button("Close", id="close", variant="primary")

    def on_mount(self) -> None:
        table: DataTable[str] = self.query_one("#dialog-rows", DataTable)
        table.add_columns("what", "value")
        for key, value in self.rows():
            table.add_row(key, value)
        self.query_one("#close", Button).focus()

    @on(Button.Pressed, "#copy")
    def action_copy(self) -> None:
        self.app.copy_to_clipboard(values_json(self.draft.values))
        self.notify("Copied the values as JSON.")

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)


def _plain_reason(reason: str) -> str:
    """The client's reason without an exception's class name: "Server disconnected …"."""
    return re.sub(r"^[A-Za-z]+(Error|Exception|Timeout): ", "", reason.strip()).rstrip(".")


def values_json(values: Mapping[str, Any]) -> str:
    """A draft's values as indented JSON (dates as text)."""
    return json.dumps(dict(values), indent=2, ensure_ascii=False, default=str)


def _shown(value: Any) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
    text = text.replace("\n", " ⏎ ")
    return text if len(text) <= 60 else text[:59] + "…"
