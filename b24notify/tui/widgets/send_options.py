"""Send options: profile, API version, bot, dialog (with completion) and the three flags."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, Select, Static, Switch

from b24notify.core.models import SendOptions
from b24notify.tui.widgets.profile_select import (
    NO_PROFILE,
    profile_picker,
    refresh_profile_picker,
)
from b24notify.tui.widgets.variable_form import FieldInput

if TYPE_CHECKING:
    from b24notify.core.service import BotInfo

_FLAGS = (
    ("system", "SYSTEM", "system message"),
    ("url_preview", "URL_PREVIEW", "rich link cards"),
    ("skip_connector", "SKIP_CONNECTOR", "not to connectors"),
)


class SendOptionsPanel(Vertical):
    """Where the message goes and how; posts ``Changed`` / ``ProfileChanged``."""

    class Changed(Message):
        """An option changed; read ``panel.options()``, ``panel.api``."""

    class ProfileChanged(Message):
        """Another profile was picked: its bots need loading."""

        def __init__(self, profile: str | None) -> None:
            super().__init__()
            self.profile = profile

    def __init__(
        self,
        profiles: Sequence[str],
        *,
        profile: str | None,
        api: str = "v1",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._profiles = list(profiles)
        self._profile = profile
        self._api = api
        self._base = SendOptions()
        self._default_bot: int | None = None
        self._bot_choices: list[tuple[str, int]] = []
        self._dialog_error: str | None = None

    def compose(self) -> ComposeResult:
        yield Label("Send options", classes="section-title")
        with Horizontal(classes="option-row"):
            yield Label("Profile", classes="option-label")
            yield profile_picker(
                self._profiles, self._profile, id="opt-profile", none_text=NO_PROFILE
            )
        with Horizontal(classes="option-row"):
            yield Label("API", classes="option-label")
            yield Select(
                [("v1  imbot.message.add", "v1"), ("v2  imbot.v2.Chat.Message.send", "v2")],
                value=self._api,
                allow_blank=False,
                compact=True,
                id="opt-api",
            )
        with Horizontal(classes="option-row"):
            yield Label("Bot", classes="option-label")
            yield Select([], prompt="profile's bot", allow_blank=True, compact=True, id="opt-bot")
        with Vertical(classes="field", id="field-dialog"):
            yield Label("Dialog *", classes="field-label")
            yield FieldInput(
                placeholder="42 (a user) or chat123 (a chat)",
                id="opt-dialog",
                classes="field-input",
            )
            yield Static("", classes="field-error", markup=False)
        for attr, name, help_text in _FLAGS:
            with Horizontal(classes="option-row switch-row"):
                yield Switch(value=attr == "url_preview", id=f"opt-{attr}")
                yield Label(name, classes="switch-label")
                yield Label(help_text, classes="switch-help")

    # ---- attributes down ----------------------------------------------------

    @property
    def profile(self) -> str | None:
        found = self.query("#opt-profile")
        if not found:
            return None
        value = found.first(Select).value
        return value if isinstance(value, str) else None

    @property
    def api(self) -> str:
        value = self.query_one("#opt-api", Select).value
        return value if isinstance(value, str) else "v1"

    async def set_profiles(self, profiles: Sequence[str], keep: str | None) -> None:
        """Offer ``profiles``, on ``keep`` when it is among them (posts no message)."""
        self._profiles = list(profiles)
        await refresh_profile_picker(self, profiles, keep, id="opt-profile", none_text=NO_PROFILE)

    def set_api(self, api: str) -> None:
        with self.prevent(Select.Changed):
            self.query_one("#opt-api", Select).value = api

    def load(self, options: SendOptions) -> None:
        """Show ``options`` (fields the panel has no control for are kept as they are)."""
        self._base = dataclasses.replace(options)
        with self.prevent(Input.Changed, Switch.Changed, Select.Changed):
            self.query_one("#opt-dialog", Input).value = options.dialog_id or ""
            for attr, _name, _help in _FLAGS:
                self.query_one(f"#opt-{attr}", Switch).value = bool(getattr(options, attr))
            self._select_bot(options.bot_id)

    def options(self) -> SendOptions:
        dialog = self.query_one("#opt-dialog", Input).value.strip()
        bot = self.query_one("#opt-bot", Select).value
        flags: dict[str, Any] = {
            attr: self.query_one(f"#opt-{attr}", Switch).value for attr, _n, _h in _FLAGS
        }
        return dataclasses.replace(
            self._base,
            dialog_id=dialog or None,
            bot_id=bot if isinstance(bot, int) else None,
            **flags,
        )

    def set_bots(self, bots: Sequence[BotInfo], default_bot: int | None) -> None:
        """Fill the bot picker; keeps the current choice when it is still there."""
        current = self.query_one("#opt-bot", Select).value
        self._default_bot = default_bot
        self._bot_choices = [(f"{b.name or 'bot'}  #{b.id}", b.id) for b in bots]
        select = self.query_one("#opt-bot", Select)
        with self.prevent(Select.Changed):
            select.set_options(self._bot_choices)
            select.prompt = f"profile's bot (#{default_bot})" if default_bot else "profile's bot"
            if isinstance(current, int) and any(b.id == current for b in bots):
                select.value = current
            elif isinstance(self._base.bot_id, int):
                self._select_bot(self._base.bot_id)

    def _select_bot(self, bot_id: int | None) -> None:
        select = self.query_one("#opt-bot", Select)
        if bot_id is None:
            select.value = Select.NULL
            return
        if all(bot_id != v for _p, v in self._bot_choices):
            # A bot the list doesn't know yet (drafts from history, an offline portal).
            self._bot_choices.append((f"bot #{bot_id}", bot_id))
            select.set_options(self._bot_choices)
        select.value = bot_id

    def set_dialog_suggestions(self, dialogs: Sequence[str]) -> None:
        self.query_one("#opt-dialog", Input).suggester = SuggestFromList(
            list(dialogs), case_sensitive=False
        )

    def show_dialog_error(self, message: str | None) -> None:
        if message == self._dialog_error:
            return
        self._dialog_error = message
        field = self.query_one("#field-dialog")
        field.set_class(message is not None, "-invalid")
        self.query_one("#field-dialog .field-error", Static).update(message or "")

    def focus_option(self, name: str) -> None:
        wid = {"dialog": "#opt-dialog", "bot": "#opt-bot", "profile": "#opt-profile"}.get(
            name, f"#opt-{name}"
        )
        found = self.query(wid)
        if found:
            found.first().focus()
            found.first().scroll_visible()

    # ---- messages up --------------------------------------------------------

    @on(Select.Changed, "#opt-profile")
    def _profile_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.post_message(self.ProfileChanged(self.profile))

    @on(Select.Changed, "#opt-api, #opt-bot")
    @on(Input.Changed, "#opt-dialog")
    @on(Switch.Changed)
    def _changed(self, event: Message) -> None:
        event.stop()
        self.post_message(self.Changed())
