"""The configuration's data: Profile, OAuth, SandboxDefaults and Config, and what they derive.

Secret fields are hidden from ``repr``; ``Profile.describe`` is the safe way to
show a profile and ``Profile.secrets`` lists every secret value for masking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from b24notify.core import paths
from b24notify.core.config_keys import did_you_mean
from b24notify.core.config_urls import DEFAULT_OAUTH_SERVER, code_in_webhook
from b24notify.core.errors import ConfigError
from b24notify.core.models import ApiVersion
from b24notify.core.secrets import (
    OAUTH_SECRET_KEYS,
    PROFILE_SECRET_KEYS,
    Origin,
    SecretSource,
    env_var,
    mask,
    mask_webhook_url,
)

Plan = Literal["standard", "enterprise"]
AuthKind = Literal["webhook", "oauth"]

API_VERSIONS: tuple[ApiVersion, ...] = ("v1", "v2")
#: Leaky-bucket limits per plan: (drain per second, burst) — bitrix24-api.md §7.1.
PLAN_RATES: dict[str, tuple[float, int]] = {"standard": (2.0, 50), "enterprise": (5.0, 250)}
DEFAULT_CONNECT_TIMEOUT = 5.0
# The cloud portal cuts a request at 60 s and answers with an error; waiting a
# little longer lets that answer arrive, so the send is "failed" not "unknown".
DEFAULT_READ_TIMEOUT = 65.0
DEFAULT_MAX_RETRIES = 5


@dataclass(frozen=True)
class OAuth:
    """OAuth 2.0 credentials of an application installed on the portal."""

    portal: str
    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    #: Unix time the access token expires; None when unknown.
    expires_at: float | None = None
    oauth_server: str = DEFAULT_OAUTH_SERVER
    #: Keys present in the config file (written back on save even at default values).
    file_keys: frozenset[str] = field(default=frozenset(), repr=False, compare=False)


@dataclass(frozen=True)
class Profile:
    """One way to reach a portal: auth, API version, bot and its secret, limits, timeouts.

    Secret fields are hidden from ``repr``; :meth:`describe` is the safe way to
    show a profile, :meth:`secrets` lists every secret value for masking.
    """

    name: str
    #: Inbound webhook URL ``https://portal/rest/USER_ID/CODE/`` (exclusive with ``oauth``).
    webhook: str | None = field(default=None, repr=False)
    oauth: OAuth | None = None
    api: ApiVersion = "v1"
    bot_id: int | None = None
    #: The bot's CLIENT_ID: v1 calls through a webhook must carry it.
    client_id: str | None = field(default=None, repr=False)
    #: The bot's botToken: v2 calls through a webhook must carry it.
    bot_token: str | None = field(default=None, repr=False)
    plan: Plan = "standard"
    rate_drain: float | None = None
    rate_burst: int | None = None
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    #: A throwaway profile pointing at the local sandbox portal (set by the demo).
    sandbox: bool = False
    #: Lives only in this session (a sandbox started by the app): never saved.
    ephemeral: bool = field(default=False, compare=False)
    #: Where each secret came from (file, environment, keyring, token store).
    sources: dict[str, SecretSource] = field(default_factory=dict, repr=False, compare=False)
    file_keys: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    @property
    def auth_kind(self) -> AuthKind:
        return "oauth" if self.oauth is not None else "webhook"

    def _url(self) -> str:
        return self.oauth.portal if self.oauth is not None else (self.webhook or "")

    @property
    def portal_url(self) -> str:
        """Scheme and host (with port when given) of the portal: ``https://example.bitrix24.com``."""
        parts = urlsplit(self._url())
        return f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""

    @property
    def portal_key(self) -> str:
        """Lower-case ``host[:port]``: profiles with the same key share one rate bucket."""
        return urlsplit(self._url()).netloc.lower()

    @property
    def portal_host(self) -> str:
        """The portal's lower-case host name alone (what history records as the portal)."""
        return (urlsplit(self._url()).hostname or "").lower()

    @property
    def base_url(self) -> str:
        """Where method calls go: the webhook URL, or the portal's ``/rest/`` for OAuth."""
        if self.oauth is not None:
            return self.portal_url + "/rest/"
        return self.webhook or ""

    def method_url(self, method: str) -> str:
        """The URL a method is POSTed to (holds the webhook code: mask before showing)."""
        return self.base_url + method

    @property
    def webhook_code(self) -> str | None:
        return code_in_webhook(self.webhook)

    def rate(self) -> tuple[float, int]:
        """(drain per second, burst) of the portal's leaky bucket for this profile."""
        drain, burst = PLAN_RATES.get(self.plan, PLAN_RATES["standard"])
        return (
            self.rate_drain if self.rate_drain is not None else drain,
            self.rate_burst if self.rate_burst is not None else burst,
        )

    def secrets(self) -> list[str]:
        """Every secret value this profile holds (longest first), for masking."""
        values = [self.webhook_code, self.client_id, self.bot_token]
        if self.oauth is not None:
            values += [self.oauth.client_secret, self.oauth.access_token, self.oauth.refresh_token]
        return sorted({v for v in values if v}, key=len, reverse=True)

    def mask(self, text: str) -> str:
        """``text`` with this profile's secrets replaced by ``***``."""
        return mask(text, self.secrets())

    def secret_origin(self, key: str) -> Origin | None:
        """Where a secret's value came from (``file``/``env``/``keyring``/``store``), or None."""
        source = self.sources.get(key)
        if source is not None:
            return source.origin
        value = secret_value(self, key)
        return "file" if value else None

    def describe(self) -> str:
        """One line for lists and logs; shows no secret."""
        if self.oauth is not None:
            auth = f"OAuth {self.portal_url} (app {self.oauth.client_id})"
        else:
            auth = f"webhook {mask_webhook_url(self.webhook or '')}"
        drain, burst = self.rate()
        parts = [auth, f"API {self.api}"]
        if self.bot_id is not None:
            parts.append(f"bot {self.bot_id}")
        parts.append(f"{self.plan} plan ({drain:g}/s, burst {burst})")
        for key, source in self.sources.items():
            if source.origin == "env" and secret_value(self, key):
                parts.append(f"{key} from {source.where}")
            elif source.origin == "keyring" and secret_value(self, key):
                parts.append(f"{key} from the keyring")
        if self.sandbox:
            parts.append("sandbox")
        return f"{self.name}: " + ", ".join(parts)

    def problems(self) -> list[str]:
        """What would stop this profile from sending (missing bot secret or tokens)."""
        return send_gaps(self, tokens=True)


def secret_value(profile: Profile, key: str) -> str | None:
    """The value a profile holds for secret ``key`` (a profile or oauth secret key), or None."""
    if key in PROFILE_SECRET_KEYS:
        return getattr(profile, key)
    if profile.oauth is not None and key in OAUTH_SECRET_KEYS:
        return getattr(profile.oauth, key)
    return None


def send_gaps(profile: Profile, *, tokens: bool) -> list[str]:
    """Why a valid profile still could not send: a missing bot secret, or (``tokens``) no tokens."""
    gaps = []
    name = profile.name
    if profile.oauth is None and profile.api == "v1" and not profile.client_id:
        gaps.append(
            f"profile {name!r}: webhook calls on API v1 need client_id (the bot's CLIENT_ID); "
            f"set it in the profile or in {env_var(name, 'client_id')}"
        )
    if profile.oauth is None and profile.api == "v2" and not profile.bot_token:
        gaps.append(
            f"profile {name!r}: webhook calls on API v2 need bot_token (the bot's botToken); "
            f"set it in the profile or in {env_var(name, 'bot_token')}"
        )
    oauth = profile.oauth
    if tokens and oauth is not None and not (oauth.access_token or oauth.refresh_token):
        gaps.append(
            f"profile {name!r}: no OAuth tokens yet; set access_token and refresh_token "
            f"(or {env_var(name, 'refresh_token')})"
        )
    return gaps


@dataclass(frozen=True)
class SandboxDefaults:
    """Defaults for ``b24notify sandbox`` (every one can be overridden on the command line)."""

    host: str = "127.0.0.1"
    #: 0 picks a free port.
    port: int = 0
    drain: float = 2.0
    burst: int = 50
    #: Keep the sandbox's received messages in this SQLite file across restarts.
    state_file: Path | None = None
    file_keys: frozenset[str] = field(default=frozenset(), repr=False, compare=False)


@dataclass
class Config:
    """The whole configuration: profiles (in file order) and application settings."""

    profiles: dict[str, Profile] = field(default_factory=dict)
    #: The profile used when none is named; None means the first one.
    default_profile: str | None = None
    #: Extra template directories, searched after the user's own and before the shipped ones.
    template_dirs: list[Path] = field(default_factory=list)
    #: Ask before sending, showing dialog and bot.
    confirm_send: bool = True
    theme: str | None = None
    #: Delete history rows older than this many days; None keeps everything.
    history_retention_days: int | None = None
    #: Key remapping: binding id → key string (``send = "ctrl+s"``).
    keys: dict[str, str] = field(default_factory=dict)
    sandbox: SandboxDefaults = field(default_factory=SandboxDefaults)
    #: The file this was loaded from (the default target of a save).
    path: Path | None = field(default=None, compare=False)
    #: False when no config file existed (first run).
    found: bool = field(default=False, compare=False)
    #: Things worth telling the user that don't stop the app (loose file mode, missing bot secret).
    warnings: list[str] = field(default_factory=list, compare=False)
    file_keys: frozenset[str] = field(default=frozenset(), repr=False, compare=False)
    #: How each template dir was written in the file (``~/t``), to write it back the same way.
    dir_spellings: dict[Path, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def default_name(self) -> str | None:
        """The default profile's name: the configured one, else the first profile."""
        if self.default_profile is not None:
            return self.default_profile
        return next(iter(self.profiles), None)

    def profile(self, name: str | None = None) -> Profile:
        """A profile by name, or the default one; ConfigError when there is none."""
        where = str(self.path or paths.config_file())
        if name is None:
            name = self.default_name
            if name is None:
                raise ConfigError(
                    f"{where}: no profiles are configured; add one (see config.example.toml) "
                    "or try `b24notify demo`",
                    path=where,
                    key="profiles",
                )
        try:
            return self.profiles[name]
        except KeyError:
            raise ConfigError(
                f"{where}: no profile named {name!r}{did_you_mean(name, self.profiles)}",
                path=where,
                key=f"profiles.{name}",
            ) from None
