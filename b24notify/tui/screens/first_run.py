"""The first-run offer: with no profile configured, try a local sandbox or add a profile.

``b24notify`` on a fresh machine has nothing to send with. Instead of a form
that can only fail, the app asks once, after its first frame: a sandbox portal
started beside the app (as ``b24notify demo`` does, but over the user's own
templates and history), or the Profiles screen with a new profile form.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

Choice = Literal["sandbox", "profile"]

MESSAGE = (
    "There is no portal profile yet, so there is nothing to send with.\n\n"
    "Try it on a sandbox: a Bitrix24 stand-in runs on this machine while the app "
    "is open; messages arrive in its inbox (f5) and go nowhere else.\n\n"
    "Or add a profile: a webhook or OAuth app of your portal, saved to your config."
)


class FirstRunDialog(ModalScreen[Choice | None]):
    """Sandbox, profile, or later (esc)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "later", "Later", id="first_run.later"),
        Binding("s", "choose('sandbox')", "Sandbox", show=False, id="first_run.sandbox"),
        Binding("p", "choose('profile')", "Profile", show=False, id="first_run.profile"),
    ]

    def __init__(self) -> None:
        super().__init__(classes="dialog-screen")

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="confirm"):
            yield Label("Welcome to b24notify", id="dialog-title")
            yield Static(MESSAGE, id="dialog-message", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button("Try a sandbox", id="first-sandbox", variant="primary")
                yield Button("Add a profile", id="first-profile")
                yield Button("Later", id="first-later")

    def on_mount(self) -> None:
        self.query_one("#first-sandbox", Button).focus()

    @on(Button.Pressed, "#first-sandbox")
    def _sandbox(self) -> None:
        self.dismiss("sandbox")

    @on(Button.Pressed, "#first-profile")
    def _profile(self) -> None:
        self.dismiss("profile")

    @on(Button.Pressed, "#first-later")
    def action_later(self) -> None:
        self.dismiss(None)

    def action_choose(self, choice: Choice) -> None:
        self.dismiss(choice)
