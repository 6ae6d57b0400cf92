"""The profile form: name, webhook or OAuth, API, bot, bot secret, where secrets go, plan.

Secrets are password inputs (``Show secrets`` reveals them); secrets that
came from the environment or the token store are shown masked and read-only
with their origin, those from the OS keyring stay editable with a note that
says so. "Secrets go to" chooses where a save puts typed secrets: the config
file (mode 0600) or the OS keyring. Errors show on their field. The form only
holds text: the Profiles screen turns it into a ``Profile`` with
``profile_build.build_profile``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static

from b24notify.tui.widgets.profile_build import (
    FIELDS,
    SECRET_FIELDS,
    STORE_FILE,
    STORE_KEYRING,
    Locked,
    form_values,
    keyring_notes,
    locked_secrets,
)

if TYPE_CHECKING:
    from b24notify.core.config import Profile

AUTH_CHOICES = [("Inbound webhook", "webhook"), ("OAuth application", "oauth")]
API_CHOICES = [("v1 · imbot.message.add", "v1"), ("v2 · imbot.v2.Chat.Message.send", "v2")]
STORE_CHOICES = [
    ("Config file (readable by you only)", STORE_FILE),
    ("OS keyring", STORE_KEYRING),
]
_STORE_HELP = {
    STORE_FILE: "Typed secrets are saved in the config file, mode 0600.",
    STORE_KEYRING: "Saving moves typed secrets to the OS keyring; the file keeps references.",
}
PLAN_CHOICES = [
    ("Standard (2/s, burst 50)", "standard"),
    ("Enterprise (5/s, burst 250)", "enterprise"),
]
_LABELS = {
    "name": ("Name", "Letters, digits, '-' and '_'; also names its B24NOTIFY_<NAME>_… variables"),
    "auth": ("Connects with", ""),
    "webhook": (
        "Webhook URL",
        "Copied whole from the portal: Developer resources → Other → Inbound webhook "
        "(with the imbot scope)",
    ),
    "oauth.portal": ("Portal", "The portal's address, like https://example.bitrix24.com"),
    "oauth.client_id": ("Application client_id", "The OAuth application's id, like local.5f…"),
    "oauth.client_secret": ("Client secret", "Needed to refresh the tokens"),
    "oauth.access_token": ("Access token", ""),
    "oauth.refresh_token": ("Refresh token", "Rotates on every refresh; b24notify keeps it"),
    "api": ("API", ""),
    "bot_id": ("Bot id", "The bot that sends; Test connection lists the bots"),
    "client_id": ("Bot CLIENT_ID", "API v1 through a webhook: the CLIENT_ID the bot registered"),
    "bot_token": ("Bot token", "API v2 through a webhook: the bot's botToken"),
    "store": ("Secrets go to", ""),
    "plan": ("Plan", "The portal's plan: b24notify keeps under its rate limit"),
}
_PLACEHOLDERS = {
    "name": "support",
    "webhook": "https://example.bitrix24.com/rest/1/CODE/",
    "oauth.portal": "https://example.bitrix24.com",
    "bot_id": "7",
}


def field_id(key: str) -> str:
    """The widget id of a form field (``oauth.portal`` → ``pf-oauth-portal``)."""
    return "pf-" + key.replace(".", "-").replace("_", "-")


def field_label(key: str) -> str:
    """The label a form field shows (``bot_id`` → ``Bot id``)."""
    return _LABELS[key][0]


class ProfileForm(Vertical):
    """Every field of one profile; ``values()`` is its text, ``show_errors`` marks fields."""

    # Unscoped, so the ``.-narrow`` rules (a class of the screen above) can match.
    SCOPED_CSS = False
    DEFAULT_CSS = """
    ProfileForm { height: auto; }
    ProfileForm #pf-oauth { height: auto; }
    ProfileForm .pf-field { height: auto; margin: 0 0 1 0; }
    ProfileForm .pf-row { height: auto; }
    ProfileForm .pf-label { width: 18; text-style: bold; padding: 0 1 0 0; }
    ProfileForm .pf-row Input, ProfileForm .pf-row Select { width: 1fr; }
    ProfileForm .pf-help, ProfileForm .pf-error { margin: 0 0 0 18; }
    ProfileForm .pf-help { display: none; color: $text-muted; text-style: italic; }
    ProfileForm .pf-field:focus-within .pf-help { display: block; }
    ProfileForm .pf-field.-locked .pf-help { display: block; color: $text-warning; }
    ProfileForm .pf-field.-keyring .pf-help { display: block; }
    ProfileForm #pf-store-field .pf-help { display: block; }
    ProfileForm .pf-error { display: none; color: $text-error; }
    ProfileForm .pf-field.-invalid .pf-error { display: block; }
    ProfileForm .pf-field.-invalid Input { background: $error 25%; }
    ProfileForm Checkbox { border: none; padding: 0; margin: 0 0 0 18; }
    .-narrow ProfileForm .pf-label { width: 14; }
    .-narrow ProfileForm .pf-help, .-narrow ProfileForm .pf-error { margin: 0 0 0 14; }
    .-narrow ProfileForm Checkbox { margin: 0 0 0 14; }
    """

    class Changed(Message):
        """A field was edited by the user."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.loaded: dict[str, str] = form_values(None)
        self.locked: dict[str, Locked] = {}
        self.notes: dict[str, str] = {}
        """Field → where in the keyring its secret lives (secrets loaded from there)."""
        self._default_loaded = False
        self._loading = False

    def compose(self) -> ComposeResult:
        yield self._field("name", Input(placeholder=_PLACEHOLDERS["name"], compact=True))
        yield self._field(
            "auth", Select(AUTH_CHOICES, allow_blank=False, value="webhook", compact=True)
        )
        yield self._field("webhook", self._secret("webhook"))
        with Vertical(id="pf-oauth"):
            yield self._field(
                "oauth.portal", Input(placeholder=_PLACEHOLDERS["oauth.portal"], compact=True)
            )
            yield self._field("oauth.client_id", Input(compact=True))
            for key in ("oauth.client_secret", "oauth.access_token", "oauth.refresh_token"):
                yield self._field(key, self._secret(key))
        yield self._field("api", Select(API_CHOICES, allow_blank=False, value="v1", compact=True))
        bot = Input(
            type="integer", placeholder=_PLACEHOLDERS["bot_id"], valid_empty=True, compact=True
        )
        yield self._field("bot_id", bot)
        yield self._field("client_id", self._secret("client_id"))
        yield self._field("bot_token", self._secret("bot_token"))
        store = Select(STORE_CHOICES, allow_blank=False, value=STORE_FILE, compact=True)
        yield self._field("store", store)
        yield self._field(
            "plan", Select(PLAN_CHOICES, allow_blank=False, value="standard", compact=True)
        )
        yield Checkbox("Default profile", id="pf-default")
        yield Checkbox("Show secrets", id="pf-show-secrets")

    def _secret(self, key: str) -> Input:
        return Input(password=True, placeholder=_PLACEHOLDERS.get(key, ""), compact=True)

    def _field(self, key: str, widget: Widget) -> Vertical:
        """Label and input on one line; help (while focused) and error below."""
        label, help_text = _LABELS[key]
        widget.id = field_id(key)
        row = Horizontal(Label(label, classes="pf-label"), widget, classes="pf-row")
        return Vertical(
            row,
            Static(help_text, classes="pf-help", markup=False),
            Static("", classes="pf-error", markup=False),
            classes="pf-field",
            id=f"{field_id(key)}-field",
        )

    def on_mount(self) -> None:
        self._sync_visibility()

    # ---- state --------------------------------------------------------------

    def load(self, profile: Profile | None, *, is_default: bool = False) -> None:
        """Show ``profile`` (None: an empty form for a new one)."""
        self._loading = True
        try:
            self.loaded = form_values(profile)
            self.locked = locked_secrets(profile)
            self.notes = keyring_notes(profile)
            for key in FIELDS:
                self._set(key, self.loaded[key])
            for key in SECRET_FIELDS:
                self._lock(key, self.locked.get(key))
            self._show_store_help()
            default = self.query_one("#pf-default", Checkbox)
            default.value = is_default
            default.disabled = is_default
            default.tooltip = (
                "This is the default profile; make another one default to change it."
                if is_default
                else None
            )
            self._default_loaded = is_default
            self.show_errors({})
            self._sync_visibility()
        finally:
            self._loading = False

    def _set(self, key: str, value: str) -> None:
        widget = self.query_one(f"#{field_id(key)}")
        if isinstance(widget, Input | Select):
            widget.value = value

    def _lock(self, key: str, locked: Locked | None) -> None:
        widget = self.query_one(f"#{field_id(key)}", Input)
        container = self.query_one(f"#{field_id(key)}-field")
        help_line = container.query_one(".pf-help", Static)
        note = self.notes.get(key)
        container.set_class(locked is not None, "-locked")
        container.set_class(locked is None and note is not None, "-keyring")
        widget.disabled = locked is not None
        if locked is not None:
            widget.value = locked.shown
            widget.password = False
            help_line.update(locked.note)
        else:
            widget.password = not self.query_one("#pf-show-secrets", Checkbox).value
            help_line.update(note or _LABELS[key][1])

    def values(self) -> dict[str, str]:
        """The text of every field (locked secrets as loaded, never as shown)."""
        out: dict[str, str] = {}
        for key in FIELDS:
            if key in self.locked:
                out[key] = self.loaded[key]
                continue
            widget = self.query_one(f"#{field_id(key)}")
            if isinstance(widget, Input):
                out[key] = widget.value
            elif isinstance(widget, Select):
                value = widget.value
                out[key] = value if isinstance(value, str) else ""
        return out

    @property
    def make_default(self) -> bool:
        return bool(self.query_one("#pf-default", Checkbox).value)

    @property
    def modified(self) -> bool:
        """True when a field differs from what was loaded."""
        now = self.values()
        changed = any(now[k].strip() != self.loaded[k].strip() for k in FIELDS)
        return changed or self.make_default != self._default_loaded

    def show_errors(self, errors: Mapping[str, str]) -> None:
        """Mark each field in ``errors`` with its reason; clear the others."""
        for key in FIELDS:
            container = self.query_one(f"#{field_id(key)}-field")
            reason = errors.get(key)
            container.set_class(reason is not None, "-invalid")
            if reason is not None:
                container.query_one(".pf-error", Static).update(f"✖ {reason}")

    def focus_field(self, key: str) -> None:
        self.query_one(f"#{field_id(key)}").focus()

    def set_bot(self, bot_id: int) -> None:
        """Fill the bot id (a bot picked from Test connection)."""
        self.query_one(f"#{field_id('bot_id')}", Input).value = str(bot_id)

    # ---- reactions ----------------------------------------------------------

    def _sync_visibility(self) -> None:
        values = self.values()
        oauth = values["auth"] == "oauth"
        self.query_one("#pf-oauth").display = oauth
        self.query_one(f"#{field_id('webhook')}-field").display = not oauth
        # The bot secret travels with webhook calls only: CLIENT_ID on v1, botToken on v2.
        v2 = values["api"] == "v2"
        self.query_one(f"#{field_id('client_id')}-field").display = not oauth and not v2
        self.query_one(f"#{field_id('bot_token')}-field").display = not oauth and v2

    @on(Checkbox.Changed, "#pf-show-secrets")
    def _reveal(self, event: Checkbox.Changed) -> None:
        event.stop()
        for key in SECRET_FIELDS:
            if key not in self.locked:
                self.query_one(f"#{field_id(key)}", Input).password = not event.value

    def _show_store_help(self) -> None:
        store = self.values()["store"]
        help_line = self.query_one(f"#{field_id('store')}-field .pf-help", Static)
        help_line.update(_STORE_HELP.get(store, ""))

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self._sync_visibility()
        if event.select.id == field_id("store"):
            self._show_store_help()
            # A refusal shown here (no keyring) is about the previous choice.
            self.query_one(f"#{field_id('store')}-field").remove_class("-invalid")
        self._changed()

    @on(Input.Changed)
    @on(Checkbox.Changed, "#pf-default")
    def _input_changed(self, event: Message) -> None:
        event.stop()
        self._changed()

    def _changed(self) -> None:
        if not self._loading:
            self.post_message(self.Changed())
