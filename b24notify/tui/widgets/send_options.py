"""Send options: profile, API version, bot, dialog (with completion and its portal name), flags.

The dialog field looks what is typed up on the portal (``Service.lookup_dialog``)
300 ms after the last keystroke, in a worker, and shows the answer under the
field: the dialog's name and type, dim, or a warning when the portal says there
is no such dialog. Found dialogs join the field's completions. Without a
service the panel works as before, with completions from history only.
"""

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

from b24notify.core.dialogs import MISSING_TEXT, DialogInfo, normalise, well_formed
from b24notify.core.errors import B24NotifyError
from b24notify.core.models import SendOptions
from b24notify.tui.widgets.profile_select import (
    NO_PROFILE,
    profile_picker,
    refresh_profile_picker,
)
from b24notify.tui.widgets.variable_inputs import FieldInput

if TYPE_CHECKING:
    from textual.timer import Timer

    from b24notify.core.service import BotInfo, Service

_FLAGS = (
    ("system", "SYSTEM", "system message"),
    ("url_preview", "URL_PREVIEW", "rich link cards"),
    ("skip_connector", "SKIP_CONNECTOR", "not to connectors"),
)

LOOKUP_DELAY = 0.3
"""Seconds after the last keystroke in the dialog field before the portal is asked."""


class SendOptionsPanel(Vertical):
    """Where the message goes and how.

    Posts ``Changed``, ``ProfileChanged`` and ``DialogLookedUp`` (a dialog's portal name).
    """

    DEFAULT_CSS = """
    SendOptionsPanel .dialog-info {
        display: none;
        height: 1;
        color: $text-muted;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    SendOptionsPanel .dialog-info.-shown {
        display: block;
    }
    SendOptionsPanel .dialog-info.-missing {
        color: $text-warning;
    }
    """

    class Changed(Message):
        """An option changed; read ``panel.options()``, ``panel.api``."""

    class ProfileChanged(Message):
        """Another profile was picked: its bots need loading."""

        def __init__(self, profile: str | None) -> None:
            super().__init__()
            self.profile = profile

    class DialogLookedUp(Message):
        """The portal answered about a dialog; ``info`` is None when it could not tell."""

        def __init__(self, profile: str, dialog_id: str, info: DialogInfo | None) -> None:
            super().__init__()
            self.profile = profile
            self.dialog_id = dialog_id
            self.info = info

    def __init__(
        self,
        profiles: Sequence[str],
        *,
        profile: str | None,
        api: str = "v1",
        service: Service | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._service = service
        self._lookup_timer: Timer | None = None
        # Definite answers (found or missing) by profile name, then dialog id.
        self._looked_up: dict[str, dict[str, DialogInfo]] = {}
        self._history_dialogs: list[str] = []
        self._suggestion_list: list[str] = []
        self._info_shown: tuple[str, bool] = ("", False)
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
            yield Static("", id="dialog-info", classes="dialog-info", markup=False)
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
        # A profile of the same name may now reach another portal: ask again.
        self._looked_up.clear()
        self._refresh_suggestions()
        self._dialog_typed()

    def set_service(self, service: Service | None) -> None:
        """Look dialogs up through ``service`` from now on (None: no portal lookups)."""
        self._service = service
        self._looked_up.clear()
        if not self.is_mounted:
            return
        self._refresh_suggestions()
        self._dialog_typed()

    @property
    def dialog_info(self) -> DialogInfo | None:
        """What the portal said about the dialog in the field (None: nothing known yet)."""
        profile = self.profile
        if profile is None:
            return None
        return self._looked_up.get(profile, {}).get(self._dialog_value())

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
        self._dialog_typed()

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
        """Complete the dialog field from ``dialogs`` (recent history) and found dialogs."""
        self._history_dialogs = list(dialogs)
        self._refresh_suggestions()

    def show_dialog_error(self, message: str | None) -> None:
        if message == self._dialog_error:
            return
        self._dialog_error = message
        field = self.query_one("#field-dialog")
        field.set_class(message is not None, "-invalid")
        self.query_one("#field-dialog .field-error", Static).update(message or "")
        self._refresh_info()

    # ---- the dialog's name from the portal ------------------------------------

    def _dialog_value(self) -> str:
        return normalise(self.query_one("#opt-dialog", Input).value)

    def _refresh_suggestions(self, profile: str | None = None) -> None:
        """Rebuild the completions: history's dialogs first, then those found, each once."""
        if profile is None:
            profile = self.profile
        found = [i.dialog_id for i in self._looked_up.get(profile or "", {}).values() if i.found]
        seen: set[str] = set()
        dialogs: list[str] = []
        for dialog in (*self._history_dialogs, *found):
            if dialog.lower() not in seen:
                seen.add(dialog.lower())
                dialogs.append(dialog)
        self._suggestion_list = dialogs
        self.query_one("#opt-dialog", Input).suggester = SuggestFromList(
            dialogs, case_sensitive=False
        )

    def _dialog_typed(self) -> None:
        """Show what is known about the field's dialog; ask the portal after a pause."""
        if self._lookup_timer is not None:
            self._lookup_timer.stop()
            self._lookup_timer = None
        # Once per keystroke: each read of the profile queries the picker.
        profile, dialog = self.profile, self._dialog_value()
        known = self._refresh_info(profile, dialog)
        if known or self._service is None or profile is None or not well_formed(dialog):
            return
        self._lookup_timer = self.set_timer(LOOKUP_DELAY, self._start_lookup)

    def _start_lookup(self) -> None:
        self._lookup_timer = None
        service, profile, dialog = self._service, self.profile, self._dialog_value()
        if service is None or profile is None or not well_formed(dialog):
            return
        # A newer lookup replaces an older one; the older request still fills the cache.
        self.run_worker(
            self._look_up(service, profile, dialog),
            name="dialog-lookup",
            group="dialog-lookup",
            exclusive=True,
            exit_on_error=False,
        )

    async def _look_up(self, service: Service, profile: str, dialog: str) -> None:
        try:
            info = await service.lookup_dialog(dialog, profile=service.profile(profile))
        except B24NotifyError:
            return  # the profile is gone or broken: sending will say why
        self.post_message(self.DialogLookedUp(profile, dialog, info))

    @on(DialogLookedUp)
    def _dialog_looked_up(self, event: DialogLookedUp) -> None:
        # Not stopped: the screen may use the name too.
        if event.info is None:
            return
        self._looked_up.setdefault(event.profile, {})[event.dialog_id] = event.info
        profile = self.profile
        if event.info.found:
            self._refresh_suggestions(profile)
        if event.profile == profile:
            self._refresh_info(profile, self._dialog_value())

    def _refresh_info(self, profile: str | None = None, typed: str | None = None) -> bool:
        """Show the line under the field; True when the typed dialog's answer is known.

        A field error hides it. Until the typed dialog is known, the completion
        the field offers is named when it is a dialog found on the portal.
        """
        if profile is None:
            profile = self.profile
        if typed is None:
            typed = self._dialog_value()
        known = self._looked_up.get(profile or "", {})
        info = known.get(typed)
        text, missing = "", False
        if info is not None:
            text, missing = (info.describe(), False) if info.found else (MISSING_TEXT, True)
        elif typed and known:
            # The first completion that fits, as the field's suggester picks it.
            match = next((d for d in self._suggestion_list if d.lower().startswith(typed)), None)
            offered = known.get(match.lower()) if match and match.lower() != typed else None
            if offered is not None and offered.found:
                text = f"→ {offered.describe()}"
        if self._dialog_error is not None:
            text, missing = "", False
        self._show_info(text, missing)
        return info is not None

    def _show_info(self, text: str, missing: bool) -> None:
        if (text, missing) == self._info_shown:
            return
        line = self.query_one("#dialog-info", Static)
        # One line of fixed height: only showing or hiding it changes the layout.
        line.update(text, layout=bool(text) != bool(self._info_shown[0]))
        line.set_class(bool(text), "-shown")
        line.set_class(missing, "-missing")
        self._info_shown = (text, missing)

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
        self._refresh_suggestions()
        self._dialog_typed()

    @on(Input.Changed, "#opt-dialog")
    def _dialog_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed())
        self._dialog_typed()

    @on(Select.Changed, "#opt-api, #opt-bot")
    @on(Switch.Changed)
    def _changed(self, event: Message) -> None:
        event.stop()
        self.post_message(self.Changed())
