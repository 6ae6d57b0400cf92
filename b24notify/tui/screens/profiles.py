"""The Profiles screen: list the profiles, add or edit one, test its connection, pick the default.

The list shows every profile with the default starred; the form edits one
(``ProfileForm``) and shows the rules ``profile_problems`` finds on the
fields. "Test connection" lists the bots through ``Service.check_connection``
with the profile exactly as typed, in a worker; picking a listed bot fills
the bot id. Saving writes the whole config with ``save_config`` (mode 0600;
typed secrets go to the file or, when the form says so, to the OS keyring;
secrets from the environment or the keyring stay there) and hands the new
config to the service. Below the list, the config file's place: where it is
saved, or where the first save will put it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Header, OptionList, Static
from textual.widgets.option_list import Option, OptionDoesNotExist

from b24notify.core.errors import B24NotifyError, ConfigError
from b24notify.tui.widgets.editor_dialogs import DISCARD, SAVE, UnsavedChangesDialog
from b24notify.tui.widgets.key_bar import KeyBar
from b24notify.tui.widgets.profile_build import (
    FIELDS,
    as_saved,
    build_profile,
    list_line,
    sending_gaps,
)
from b24notify.tui.widgets.profile_form import ProfileForm, field_label

if TYPE_CHECKING:
    from pathlib import Path

    from b24notify.core.config import Config, Profile
    from b24notify.core.service import BotInfo, Service
    from b24notify.tui.app import PaletteCommand

NEW = "\x00new"  # option id of the "new profile" entry (no profile can be named so)


class ProfilesScreen(Screen[None]):
    """Profile list on the left, the selected profile's form and connection test on the right."""

    SCREEN_TITLE = "Profiles"
    BINDINGS: ClassVar[list[Any]] = [
        Binding("ctrl+s", "save", "Save", id="profiles.save", priority=True),
        Binding("ctrl+n", "new", "New profile", id="profiles.new"),
        # f9, not ctrl+t: that is the app's Theme key; ctrl+e is the end of line in an input.
        Binding("f9", "test", "Test connection", id="profiles.test"),
        Binding("ctrl+r", "toggle_secrets", "Show secrets", show=False, id="profiles.secrets"),
        Binding("ctrl+delete", "delete", "Delete profile", show=False, id="profiles.delete"),
    ]
    DEFAULT_CSS = """
    ProfilesScreen #profiles-main { height: 1fr; }
    ProfilesScreen #profiles-side {
        width: 32;
        height: 1fr;
        border-right: vkey $panel-lighten-1;
    }
    ProfilesScreen #profile-list { height: 1fr; border: none; }
    ProfilesScreen #profiles-file {
        height: auto;
        padding: 0 1;
        color: $text-muted;
    }
    ProfilesScreen #profiles-file.-loose { color: $text-warning; }
    ProfilesScreen #profile-scroll { width: 1fr; height: 1fr; padding: 0 1; }
    ProfilesScreen #profile-heading { height: auto; margin: 1 0; }
    ProfilesScreen #profile-buttons { height: auto; margin: 0 0 1 0; }
    ProfilesScreen #profile-buttons Button { margin: 0 1 0 0; }
    /* At 80 columns four bordered buttons need 57 cells of the 50 there are: one line each. */
    ProfilesScreen.-narrow #profile-buttons Button {
        min-width: 0;
        height: 1;
        border: none;
    }
    ProfilesScreen.-narrow #profile-buttons Button:last-child { margin: 0; }
    ProfilesScreen.-narrow #profile-buttons { margin: 1 0; }
    ProfilesScreen #profile-test { height: auto; }
    ProfilesScreen #profile-test.-ok { color: $text-success; }
    ProfilesScreen #profile-test.-bad { color: $text-error; }
    ProfilesScreen #profile-bots { height: auto; max-height: 8; margin: 0 0 1 0; }
    ProfilesScreen #profile-gaps { height: auto; color: $text-warning; margin: 0 0 1 0; }
    ProfilesScreen.-narrow #profiles-side { width: 26; }
    ProfilesScreen.-narrow #profile-scroll { scrollbar-size-vertical: 1; }
    """

    class Tested(Message):
        """A connection test finished: the bots, or the error explained."""

        def __init__(
            self, seq: int, profile: Profile, bots: list[BotInfo] | None, error: str | None
        ) -> None:
            super().__init__()
            self.seq = seq
            self.profile = profile
            self.bots = bots
            self.error = error

    class ProfilesChanged(Message):
        """The config was saved with changed profiles (posted to the app)."""

        def __init__(self, config: Config) -> None:
            super().__init__()
            self.config = config

    def __init__(self, service: Service) -> None:
        super().__init__()
        self.service = service
        self.editing: str | None = None
        """Name of the saved profile in the form; None while adding a new one."""
        self.tested: list[BotInfo] | None = None
        self.test_error: str | None = None
        self._test_seq = 0
        self._asking = False

    # ---- layout -------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="profiles-main"):
            with Vertical(id="profiles-side"):
                yield Static("Profiles", classes="pane-title")
                yield OptionList(id="profile-list")
                yield Static(id="profiles-file")
            with VerticalScroll(id="profile-scroll"):
                yield Static(id="profile-heading")
                yield ProfileForm(id="profile-form")
                with Horizontal(id="profile-buttons"):
                    yield Button("Save", id="profile-save", variant="primary")
                    yield Button("Test connection", id="profile-test-button")
                    yield Button("Make default", id="profile-default")
                    yield Button("Delete", id="profile-delete", variant="error")
                yield Static(id="profile-test")
                yield OptionList(id="profile-bots")
                yield Static(id="profile-gaps")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#profile-bots").display = False
        config = self.service.config
        self._fill_list()
        self._show_file()
        first = config.default_name
        if first is not None and first in config.profiles:
            self.load_profile(first)
        else:
            self.load_profile(None)
            self.query_one("#profile-test", Static).update(
                Text("No profiles yet: fill in this form and save (ctrl+s).", "italic")
            )

    @property
    def form(self) -> ProfileForm:
        return self.query_one(ProfileForm)

    @property
    def modified(self) -> bool:
        """True when the form holds edits that are not saved."""
        return self.form.modified

    has_unsaved_changes = modified

    def quit_warning(self) -> str | None:
        """What quitting now would lose (None: nothing)."""
        return "The profile form has unsaved changes." if self.modified else None

    def _base(self) -> Profile | None:
        return self.service.config.profiles.get(self.editing) if self.editing else None

    # ---- the list -----------------------------------------------------------

    def _fill_list(self) -> None:
        config = self.service.config
        options = self.query_one("#profile-list", OptionList)
        options.clear_options()
        default = config.default_name
        for name, profile in config.profiles.items():
            prompt = Text()
            prompt.append("★ " if name == default else "  ", "bold yellow")
            prompt.append(name, "bold")
            prompt.append("\n  " + _fit(list_line(profile), 20), "dim")
            options.add_option(Option(prompt, id=name))
        options.add_option(Option(Text("+ New profile", "italic"), id=NEW))
        self._mark_current()

    def _mark_current(self) -> None:
        options = self.query_one("#profile-list", OptionList)
        with contextlib.suppress(OptionDoesNotExist):
            options.highlighted = options.get_option_index(self.editing or NEW)

    def _show_file(self) -> None:
        """Where the config is saved, and its mode; before the first save, where it will be."""
        import os
        import stat

        from b24notify.core import paths

        path = self.service.config.path or paths.config_file()
        widget = self.query_one("#profiles-file", Static)
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError:
            widget.set_class(False, "-loose")
            widget.update(
                Text.assemble("Will be saved to\n", (str(path), "italic"), "\nreadable by you only")
            )
            return
        posix = os.name != "nt"
        loose = posix and bool(mode & 0o077)
        widget.set_class(loose, "-loose")
        text = Text.assemble("Saved in\n", (str(path), "italic"))
        if loose:
            text.append(f"\nmode {mode:04o}: others can read it; a save makes it 0600")
        elif posix:
            text.append(f"\nmode {mode:04o}, readable by you only")
        widget.update(text)

    @on(OptionList.OptionSelected, "#profile-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        name = None if event.option_id == NEW else event.option_id
        if name == self.editing and name is not None:
            self.form.focus_field("name")
            return
        self.when_left(
            f"opening {name or 'a new profile'}", lambda: self.load_profile(name), keep=True
        )

    # ---- the form -----------------------------------------------------------

    def load_profile(self, name: str | None) -> None:
        """Show the saved profile ``name`` in the form (None: a new, empty profile)."""
        config = self.service.config
        profile = config.profiles.get(name) if name is not None else None
        self.editing = profile.name if profile is not None else None
        self.form.load(profile, is_default=profile is not None and name == config.default_name)
        self.tested = None
        self.test_error = None
        self._test_seq += 1
        self.query_one("#profile-test", Static).update("")
        self.query_one("#profile-bots").display = False
        self._mark_current()
        self._show_heading()
        self._show_gaps(profile)
        self.query_one("#profile-delete", Button).disabled = profile is None
        self.query_one("#profile-default", Button).disabled = (
            profile is None or name == config.default_name
        )

    def _show_heading(self) -> None:
        heading = Text()
        if self.editing is None:
            heading.append("New profile", "bold")
        else:
            heading.append(f"Profile {self.editing}", "bold")
            if self.editing == self.service.config.default_name:
                heading.append("  ★ default", "yellow")
        if self.modified:
            heading.append("  ● modified", "bold yellow")
        self.query_one("#profile-heading", Static).update(heading)

    def _show_gaps(self, profile: Profile | None) -> None:
        gaps = sending_gaps(profile) if profile is not None else []
        widget = self.query_one("#profile-gaps", Static)
        widget.update("\n".join(f"▲ {gap[:1].upper()}{gap[1:]}." for gap in gaps))
        widget.display = bool(gaps)

    @on(ProfileForm.Changed)
    def _form_changed(self, event: ProfileForm.Changed) -> None:
        event.stop()
        self._show_heading()

    # ---- leaving with unsaved changes ---------------------------------------

    def when_left(self, action: str, then: Callable[[], Any], *, keep: bool = False) -> None:
        """Run ``then`` once the form may be left: saved, discarded or unchanged."""
        if not self.modified:
            then()
            return
        if self._asking:
            return
        self._asking = True
        what = f"Profile {self.editing}" if self.editing else "The new profile"

        async def answered(choice: str | None) -> None:
            self._asking = False
            if choice == SAVE:
                if await self.save():
                    then()
                    return
            elif choice == DISCARD:
                then()
                return
            if keep:
                self._mark_current()

        self.app.push_screen(UnsavedChangesDialog(what, action=action), answered)

    # ---- saving -------------------------------------------------------------

    async def action_save(self) -> None:
        await self.save()

    @on(Button.Pressed, "#profile-save")
    async def _save_pressed(self) -> None:
        await self.save()

    async def save(self) -> bool:
        """Validate the form, write the config (0600) and switch the service to it.

        Typed secrets go to the OS keyring instead when the form says so; without
        a usable keyring the save is refused on that choice and nothing is written.
        """
        from b24notify.core.config import save_config, upsert_profile
        from b24notify.core.secrets import SecretUnavailable

        form = self.form
        base = self._base()
        profile, errors = build_profile(form.values(), base)
        form.show_errors(errors)
        if profile is None:
            self._explain_errors(errors)
            return False
        previous = self.editing
        if previous is None and profile.name in self.service.config.profiles:
            # upsert_profile would take a new profile with a used name for an edit of it.
            reason = "a profile with this name already exists; pick another name"
            form.show_errors({"name": reason})
            form.focus_field("name")
            self.notify(f"name: {reason}", title="Not saved", severity="error")
            return False
        try:
            config = upsert_profile(
                self.service.config, profile, previous_name=previous, make_default=form.make_default
            )
            path = save_config(config)
        except SecretUnavailable as err:
            # The keyring is missing or broken: nothing was written (the file comes last).
            reason = _sentence(str(err))
            form.show_errors({"store": reason})
            form.focus_field("store")
            self.notify(reason, title="Not saved", severity="error", timeout=15)
            return False
        except ConfigError as err:
            field = _field_of_config_key(err.key, profile.name)
            form.show_errors({field: _reason(err, field)})
            form.focus_field(field)
            self.notify(str(err), title="Not saved", severity="error")
            return False
        config = _as_saved(config, path)
        self._move_tokens(previous, profile.name, removed=False)
        await self.service.use_config(config)
        self._fill_list()
        self._show_file()
        self.load_profile(profile.name)
        saved = config.profiles[profile.name]
        where = " (secrets in the OS keyring)" if _in_keyring(saved) else " (readable by you only)"
        self.notify(f"Saved profile {profile.name} to {path}{where}.", title="Saved")
        if previous is not None and previous != profile.name:
            self._warn_env_after_rename(base, profile.name)
        self.app.post_message(self.ProfilesChanged(config))
        return True

    def _explain_errors(self, errors: dict[str, str]) -> None:
        field = next(k for k in FIELDS if k in errors)
        self.form.focus_field(field)
        count = len(errors)
        label = field_label(field)
        reason = errors[field]
        # Some reasons already start with the field ("name may use …").
        alone = reason.lower().startswith((label.lower(), field))
        self.notify(
            _sentence(reason) if alone else f"{label}: {reason}",
            title=f"Fix {'the marked field' if count == 1 else f'{count} marked fields'} first",
            severity="error",
        )

    def _move_tokens(self, old: str | None, new: str | None, *, removed: bool) -> None:
        """Keep stored OAuth tokens with the profile: move them on rename, drop them on delete."""
        store = self.service.token_store
        if store is None or old is None or (old == new and not removed):
            return
        try:
            pair = None if removed else store.load(old)
            if pair is not None and new is not None:
                store.save(new, pair.access_token, pair.refresh_token, pair.expires_at)
            store.forget(old)
        except (B24NotifyError, OSError) as err:
            self.notify(f"The stored OAuth tokens were not moved: {err}", severity="warning")

    def _warn_env_after_rename(self, base: Profile | None, name: str) -> None:
        from b24notify.core.secrets import env_prefix

        if base is None:
            return
        from_env = [k for k, s in base.sources.items() if s.origin == "env"]
        if from_env:
            self.notify(
                f"Some secrets came from environment variables named after the old profile "
                f"({', '.join(sorted(from_env))}); set them as {env_prefix(name)}… now.",
                title="Renamed",
                severity="warning",
                timeout=15,
            )

    # ---- default, delete ----------------------------------------------------

    @on(Button.Pressed, "#profile-default")
    async def action_make_default(self) -> None:
        from b24notify.core.config import save_config, set_default

        name = self.editing
        if name is None:
            self.notify("Save the profile first.", severity="warning")
            return
        try:
            config = set_default(self.service.config, name)
            path = save_config(config)
        except ConfigError as err:
            self.notify(str(err), title="Not changed", severity="error")
            return
        config = _as_saved(config, path)
        await self.service.use_config(config)
        self._show_file()
        modified = self.form.modified
        self._fill_list()
        if not modified:
            self.load_profile(name)
        else:
            self._show_heading()
        self.notify(f"{name} is now the default profile.", title="Default")
        self.app.post_message(self.ProfilesChanged(config))

    @on(Button.Pressed, "#profile-delete")
    def action_delete(self) -> None:
        from b24notify.tui.screens.dialogs import ConfirmDialog

        name = self.editing
        if name is None:
            self.notify("This profile is not saved; pick another one to leave it.")
            return

        async def answered(yes: bool | None) -> None:
            if yes:
                await self.delete(name)

        message = "It is removed from the config file; history keeps its sends."
        profile = self.service.config.profiles.get(name)
        users = _keyring_users(profile) if profile is not None else []
        if users:
            # The keyring backend offers no delete; say what stays behind.
            message += f" Its secrets stay in the OS keyring ({', '.join(users)})."
        self.app.push_screen(
            ConfirmDialog(
                f"Delete profile {name}?",
                message=message,
                confirm_label="Delete",
                danger=True,
            ),
            answered,
        )

    async def delete(self, name: str) -> bool:
        """Remove profile ``name`` from the config file and forget its stored tokens."""
        from b24notify.core.config import remove_profile, save_config

        try:
            config = remove_profile(self.service.config, name)
            path = save_config(config)
        except ConfigError as err:
            self.notify(str(err), title="Not deleted", severity="error")
            return False
        config = _as_saved(config, path)
        self._move_tokens(name, None, removed=True)
        await self.service.use_config(config)
        self._show_file()
        self._fill_list()
        self.load_profile(config.default_name)
        self.notify(f"Deleted profile {name}.", title="Deleted")
        self.app.post_message(self.ProfilesChanged(config))
        return True

    # ---- new, secrets -------------------------------------------------------

    def action_new(self) -> None:
        self.when_left("adding a new profile", lambda: self._start_new())

    def _start_new(self) -> None:
        self.load_profile(None)
        self.form.focus_field("name")

    def action_toggle_secrets(self) -> None:
        from textual.widgets import Checkbox

        box = self.form.query_one("#pf-show-secrets", Checkbox)
        box.value = not box.value

    # ---- test connection ----------------------------------------------------

    @on(Button.Pressed, "#profile-test-button")
    def action_test(self) -> None:
        profile, errors = build_profile(self.form.values(), self._base())
        self.form.show_errors(errors)
        if profile is None:
            self._explain_errors(errors)
            return
        # One quick try: a test should answer in seconds, not after every retry.
        profile = replace(profile, max_retries=min(profile.max_retries, 1))
        self._test_seq += 1
        seq = self._test_seq
        status = self.query_one("#profile-test", Static)
        status.set_classes("")
        status.update(Text(f"Testing the connection to {profile.portal_key}…", "italic"))
        self.query_one("#profile-bots").display = False

        self._run_test(profile, seq)

    @work(group="profile-test", exclusive=True, exit_on_error=False)
    async def _run_test(self, profile: Profile, seq: int) -> None:
        try:
            bots = await self.service.check_connection(profile)
        except B24NotifyError as err:
            self.post_message(self.Tested(seq, profile, None, profile.mask(str(err))))
            return
        self.post_message(self.Tested(seq, profile, bots, None))

    def on_profiles_screen_tested(self, message: Tested) -> None:
        if message.seq != self._test_seq:
            return  # a newer test (or another profile) superseded it
        status = self.query_one("#profile-test", Static)
        bots_list = self.query_one("#profile-bots", OptionList)
        self.tested = message.bots
        self.test_error = message.error
        if message.bots is None:
            status.set_classes("-bad")
            status.update(f"✖ Could not connect: {message.error}")
            bots_list.display = False
            return
        status.set_classes("-ok")
        bots = message.bots
        where = message.profile.portal_key
        profile = message.profile
        if not bots:
            status.set_classes("-bad")
            if profile.api == "v2" and profile.bot_token:
                status.update(
                    f"✖ Connected to {where}, but no bot is registered with this bot token: "
                    "check the token (it is the botToken the bot was registered with)."
                )
            else:
                status.update(f"✖ Connected to {where}, but this app has no bots there yet.")
            bots_list.display = False
            return
        current = message.profile.bot_id
        line = f"✔ Connected to {where}: {len(bots)} bot{'s' if len(bots) > 1 else ''}."
        if current is not None and all(b.id != current for b in bots):
            line += f" ▲ Bot {current} is not among them."
        line += " Pick one to send as it."
        if profile.auth_kind == "webhook" and profile.api == "v1":
            line += " (The bot's CLIENT_ID is only checked when a message is sent.)"
        status.update(line)
        bots_list.clear_options()
        for bot in bots:
            prompt = Text()
            prompt.append("● " if bot.id == current else "  ", "green")
            prompt.append(f"#{bot.id} ", "bold")
            prompt.append(bot.name)
            if bot.code:
                prompt.append(f"  {bot.code}", "dim")
            bots_list.add_option(Option(prompt, id=str(bot.id)))
        bots_list.display = True

    @on(OptionList.OptionSelected, "#profile-bots")
    def _bot_picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_id is not None:
            self.form.set_bot(int(event.option_id))
            self.notify(f"Bot {event.option_id} set; ctrl+s saves the profile.")

    def palette_commands(self) -> list[PaletteCommand]:
        """Palette-only entries: make the edited profile the default, delete it."""
        return [
            ("Make this profile the default", "Used when no profile is named", self._default_job),
            ("Delete this profile…", "Remove it from the config file", self.action_delete),
        ]

    @work(group="profile-default", exit_on_error=False)
    async def _default_job(self) -> None:
        await self.action_make_default()


def _as_saved(config: Config, path: Path) -> Config:
    """The config as just written to ``path``: keyring secrets settled, found on disk."""
    profiles = {name: as_saved(profile) for name, profile in config.profiles.items()}
    return replace(config, profiles=profiles, path=path, found=True)


def _in_keyring(profile: Profile) -> bool:
    return bool(_keyring_users(profile))


def _keyring_users(profile: Profile) -> list[str]:
    """The keyring users (``ops.webhook``) holding this profile's secrets."""
    from b24notify.core.secrets import SecretRef, keyring_user

    users = []
    for key, source in profile.sources.items():
        if source.origin == "keyring" and isinstance(source.spec, SecretRef):
            users.append(source.where or keyring_user(profile.name, key, source.spec))
    return sorted(users)


def _sentence(text: str) -> str:
    """``text`` with a capital first letter and a full stop."""
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _field_of_config_key(key: str | None, name: str) -> str:
    """``profiles.main.webhook`` → ``webhook``; anything about the profile itself → ``name``."""
    if not key:
        return "name"
    rest = key.removeprefix(f"profiles.{name}").lstrip(".")
    return rest if rest in FIELDS else "name"


def _reason(err: ConfigError, field: str) -> str:
    """The reason part of a config error (after ``file: key:``)."""
    text = str(err)
    if err.key and f"{err.key}: " in text:
        return text.split(f"{err.key}: ", 1)[1]
    return text
