"""Configuration: profiles, validation with clear messages, and loading/saving ``config.toml``.

Every key is documented in ``config.example.toml`` at the repository root.
Errors name the file, the dotted key (``profiles.main.api``) and the reason,
and never show a secret. Secrets may come from the file, the environment or
the OS keyring (see :mod:`b24notify.core.secrets`); a save writes back only
what the file held, never a value that came from elsewhere.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from b24notify.core import paths
from b24notify.core.errors import ConfigError
from b24notify.core.models import ApiVersion
from b24notify.core.secrets import (
    OAUTH_SECRET_KEYS,
    PROFILE_SECRET_KEYS,
    KeyringBackend,
    Origin,
    SecretRef,
    SecretSource,
    SecretSpec,
    SecretUnavailable,
    TokenPair,
    TokenStore,
    env_prefix,
    env_var,
    is_env_name,
    keyring_set,
    keyring_user,
    mask,
    mask_webhook_url,
    resolve_secret,
)

# TokenStore and TokenPair live with the other secrets; importable from here too.
__all__ = [
    "API_VERSIONS",
    "DEFAULT_OAUTH_SERVER",
    "PLAN_RATES",
    "Config",
    "OAuth",
    "Profile",
    "SandboxDefaults",
    "TokenPair",
    "TokenStore",
    "check_config",
    "check_portal",
    "check_webhook",
    "config_to_toml",
    "is_loopback",
    "keep_in_keyring",
    "load_config",
    "profile_problems",
    "remove_profile",
    "save_config",
    "set_default",
    "upsert_profile",
    "validate_profile",
]

Plan = Literal["standard", "enterprise"]
AuthKind = Literal["webhook", "oauth"]

API_VERSIONS: tuple[ApiVersion, ...] = ("v1", "v2")
#: Leaky-bucket limits per plan: (drain per second, burst) — bitrix24-api.md §7.1.
PLAN_RATES: dict[str, tuple[float, int]] = {"standard": (2.0, 50), "enterprise": (5.0, 250)}
DEFAULT_OAUTH_SERVER = "https://oauth.bitrix.info/oauth/token/"
DEFAULT_CONNECT_TIMEOUT = 5.0
# The cloud portal cuts a request at 60 s and answers with an error; waiting a
# little longer lets that answer arrive, so the send is "failed" not "unknown".
DEFAULT_READ_TIMEOUT = 65.0
DEFAULT_MAX_RETRIES = 5

_PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_WEBHOOK_PATH = re.compile(r"(?P<prefix>.*?)/rest/(?P<user>\d+)/(?P<code>[^/\s]+)(?P<rest>/.*)?")
_WEBHOOK_SHAPE = "https://example.bitrix24.com/rest/1/CODE/"


# ---------------------------------------------------------------- URLs


def is_loopback(host: str) -> bool:
    """True for ``localhost``, 127.0.0.0/8 and ``::1`` — the only hosts allowed over http."""
    import ipaddress

    host = host.lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_url(url: str, what: str, example: str) -> tuple[str, str]:
    """(scheme, netloc) of an http(s) URL, or ValueError; https unless loopback."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ValueError(f"is not a valid URL (expected something like {example})") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError(f"is not a valid URL (expected something like {example})")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not contain a user name or password")
    if parts.query or parts.fragment:
        raise ValueError("must not have a query (?…) or fragment (#…)")
    if parts.scheme != "https" and not is_loopback(host):
        raise ValueError(f"must use https (plain http is only allowed for loopback {what}s)")
    return parts.scheme, parts.netloc


def check_webhook(url: str) -> str:
    """The inbound webhook URL normalised (ending in ``/rest/<user>/<code>/``).

    Raises ValueError with a reason that never shows the webhook code.
    """
    url = url.strip()
    scheme, netloc = _check_url(url, "portal", _WEBHOOK_SHAPE)
    match = _WEBHOOK_PATH.fullmatch(urlsplit(url).path)
    if match is None:
        raise ValueError(
            f"must contain /rest/<user id>/<code>/, like {_WEBHOOK_SHAPE} "
            "(copy it whole from the portal's inbound webhook page)"
        )
    base = f"{scheme}://{netloc}{match['prefix']}/rest/{match['user']}/{match['code']}/"
    rest = (match["rest"] or "/").strip("/")
    if rest:
        raise ValueError(
            f"ends with a method name ({rest!r}); keep only the part up to the code: "
            f"{mask_webhook_url(base)}"
        )
    return base


def check_portal(url: str) -> str:
    """An OAuth portal address (``https://example.bitrix24.com``) normalised to scheme + host."""
    url = url.strip()
    scheme, netloc = _check_url(url, "portal", "https://example.bitrix24.com")
    if urlsplit(url).path.rstrip("/") not in ("", "/rest"):
        raise ValueError("must be the portal address only, like https://example.bitrix24.com")
    return f"{scheme}://{netloc}"


def check_oauth_server(url: str) -> str:
    url = url.strip()
    _check_url(url, "server", DEFAULT_OAUTH_SERVER)
    return url


# ---------------------------------------------------------------- data


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
        match = _WEBHOOK_PATH.fullmatch(urlsplit(self.webhook).path) if self.webhook else None
        return match["code"] if match else None

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
        value = _secret_value(self, key)
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
            if source.origin == "env" and _secret_value(self, key):
                parts.append(f"{key} from {source.where}")
            elif source.origin == "keyring" and _secret_value(self, key):
                parts.append(f"{key} from the keyring")
        if self.sandbox:
            parts.append("sandbox")
        return f"{self.name}: " + ", ".join(parts)

    def problems(self) -> list[str]:
        """What would stop this profile from sending (missing bot secret or tokens)."""
        return _send_gaps(self, tokens=True)


def _secret_value(profile: Profile, key: str) -> str | None:
    if key in PROFILE_SECRET_KEYS:
        return getattr(profile, key)
    if profile.oauth is not None and key in OAUTH_SECRET_KEYS:
        return getattr(profile.oauth, key)
    return None


def _send_gaps(profile: Profile, *, tokens: bool) -> list[str]:
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
                f"{where}: no profile named {name!r}{_did_you_mean(name, self.profiles)}",
                path=where,
                key=f"profiles.{name}",
            ) from None


def _did_you_mean(word: str, options: Iterable[str]) -> str:
    import difflib

    options = list(options)
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    if options:
        return "; known: " + ", ".join(options)
    return ""


# ---------------------------------------------------------------- value rules


def _origin_note(profile: Profile, key: str) -> str:
    source = profile.sources.get(key)
    if source is None or source.origin != "env":
        return ""
    return f" (from {source.where})"


def profile_problems(profile: Profile) -> list[tuple[str, str]]:
    """Every rule a profile breaks, as (key inside the profile, reason); empty when valid."""
    found: list[tuple[str, str]] = []
    if not _PROFILE_NAME.fullmatch(profile.name):
        found.append(("", "name may use letters, digits, '-' and '_' only (at most 64)"))
    if profile.api not in API_VERSIONS:
        found.append(("api", f'must be "v1" or "v2", not {_show(profile.api)}'))
    if profile.plan not in PLAN_RATES:
        found.append(("plan", f'must be "standard" or "enterprise", not {_show(profile.plan)}'))
    if profile.bot_id is not None and profile.bot_id <= 0:
        found.append(("bot_id", f"must be a positive bot id, not {profile.bot_id}"))
    if profile.rate_drain is not None and profile.rate_drain <= 0:
        found.append(("rate_drain", "must be a number of requests per second above 0"))
    if profile.rate_burst is not None and profile.rate_burst < 1:
        found.append(("rate_burst", "must be a whole number of requests, at least 1"))
    for key in ("connect_timeout", "read_timeout"):
        if getattr(profile, key) <= 0:
            found.append((key, "must be a number of seconds above 0"))
    if not 0 <= profile.max_retries <= 100:
        found.append(("max_retries", "must be a whole number from 0 to 100"))
    for key in ("client_id", "bot_token"):
        if getattr(profile, key) == "":
            found.append((key, "is empty" + _origin_note(profile, key)))
    if profile.webhook is not None and profile.oauth is not None:
        found.append(
            (
                "",
                "has both webhook and an oauth table; keep one" + _origin_note(profile, "webhook"),
            )
        )
    elif profile.webhook is None and profile.oauth is None:
        found.append(
            (
                "",
                f'needs webhook = "{_WEBHOOK_SHAPE}" or an oauth table '
                f"(or the environment variable {env_var(profile.name, 'webhook')})",
            )
        )
    if profile.webhook is not None:
        try:
            check_webhook(profile.webhook)
        except ValueError as exc:
            found.append(("webhook", f"{exc}{_origin_note(profile, 'webhook')}"))
    if profile.oauth is not None:
        found += _oauth_problems(profile)
    return found


def _oauth_problems(profile: Profile) -> list[tuple[str, str]]:
    oauth = profile.oauth
    assert oauth is not None
    found: list[tuple[str, str]] = []
    try:
        check_portal(oauth.portal)
    except ValueError as exc:
        found.append(("oauth.portal", str(exc)))
    if not oauth.client_id.strip():
        found.append(("oauth.client_id", "is empty (the application's client_id, like local.5f…)"))
    try:
        check_oauth_server(oauth.oauth_server)
    except ValueError as exc:
        found.append(("oauth.oauth_server", str(exc)))
    return found


def validate_profile(profile: Profile, *, path: Path | str | None = None) -> Profile:
    """The profile with its URLs normalised, or ConfigError naming the first broken rule."""
    where = str(path or paths.config_file())
    problems = profile_problems(profile)
    if problems:
        key, reason = problems[0]
        dotted = f"profiles.{profile.name}" + (f".{key}" if key else "")
        raise ConfigError(f"{where}: {dotted}: {reason}", path=where, key=dotted)
    return _normalised(profile)


def _normalised(profile: Profile) -> Profile:
    changes: dict[str, Any] = {}
    if profile.webhook is not None:
        changes["webhook"] = check_webhook(profile.webhook)
    if profile.oauth is not None:
        changes["oauth"] = replace(profile.oauth, portal=check_portal(profile.oauth.portal))
    return replace(profile, **changes) if changes else profile


def _show(value: Any) -> str:
    text = f'"{value}"' if isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


# ---------------------------------------------------------------- loading

TOP_KEYS = (
    "default_profile",
    "confirm_send",
    "theme",
    "history_retention_days",
    "template_dirs",
    "keys",
    "sandbox",
    "profiles",
)
PROFILE_KEYS = (
    "webhook",
    "oauth",
    "api",
    "bot_id",
    "client_id",
    "bot_token",
    "plan",
    "rate_drain",
    "rate_burst",
    "connect_timeout",
    "read_timeout",
    "max_retries",
    "sandbox",
)
OAUTH_KEYS = (
    "portal",
    "client_id",
    "client_secret",
    "access_token",
    "refresh_token",
    "expires_at",
    "oauth_server",
)
SANDBOX_KEYS = ("host", "port", "drain", "burst", "state_file")
#: Every key the loader knows, as dotted paths (``*`` for a profile name).
KNOWN_KEYS = frozenset(
    list(TOP_KEYS)
    + [f"sandbox.{k}" for k in SANDBOX_KEYS]
    + ["keys.*"]
    + [f"profiles.*.{k}" for k in PROFILE_KEYS]
    + [f"profiles.*.oauth.{k}" for k in OAUTH_KEYS]
)

_ARTICLE = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "table": "a table",
    "array": "an array",
}


def _kind_of(value: Any) -> str:
    import datetime

    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, datetime.date | datetime.time):
        return "a date/time"
    return type(value).__name__


def _fits(value: Any, kind: str) -> bool:
    if isinstance(value, bool):
        return kind == "boolean"
    return {
        "string": isinstance(value, str),
        "integer": isinstance(value, int),
        "number": isinstance(value, int | float),
        "table": isinstance(value, dict),
        "array": isinstance(value, list),
    }.get(kind, False)


class _Loader:
    """Turns parsed TOML into a Config, collecting every problem with its dotted key."""

    def __init__(
        self, file: Path, environ: Mapping[str, str], keyring: KeyringBackend | None
    ) -> None:
        self.file = file
        self.environ = environ
        self.keyring = keyring
        self.errors: list[tuple[str, str]] = []
        self.warnings: list[str] = []

    def fail(self, key: str, reason: str) -> None:
        self.errors.append((key, reason))

    def known(self, table: Mapping[str, Any], prefix: str, known: tuple[str, ...]) -> None:
        for key in table:
            if key not in known:
                self.fail(_join(prefix, key), "unknown key" + _did_you_mean(key, known))

    def get(self, table: Mapping[str, Any], key: str, prefix: str, kind: str) -> Any:
        """``table[key]`` when it has the right kind; None when absent or wrong (recorded).

        Only for keys that are never secret: the wrong value is quoted back.
        """
        if key not in table:
            return None
        value = table[key]
        if _fits(value, kind):
            return float(value) if kind == "number" else value
        self.fail(
            _join(prefix, key),
            f"must be {_ARTICLE[kind]}, not {_kind_of(value)} ({_show(value)})",
        )
        return None

    def load(self, data: dict[str, Any]) -> Config:
        self.known(data, "", TOP_KEYS)
        profiles: dict[str, Profile] = {}
        raw_profiles = self.get(data, "profiles", "", "table") or {}
        for name, raw in raw_profiles.items():
            profile = self.profile(name, raw)
            if profile is not None:
                profiles[name] = profile
        self.prefix_clashes(list(raw_profiles))
        default = self.get(data, "default_profile", "", "string")
        if default is not None and default not in raw_profiles:
            self.fail(
                "default_profile",
                f"names no profile ({_show(default)}){_did_you_mean(default, raw_profiles)}",
            )
        dirs, spellings = self.template_dirs(data)
        keys = self.keys(data)
        retention = self.get(data, "history_retention_days", "", "integer")
        if retention is not None and retention < 1:
            self.fail("history_retention_days", "must be at least 1 (leave it out to keep all)")
        theme = self.get(data, "theme", "", "string")
        confirm = self.get(data, "confirm_send", "", "boolean")
        return Config(
            profiles=profiles,
            default_profile=default,
            template_dirs=dirs,
            confirm_send=True if confirm is None else confirm,
            theme=theme,
            history_retention_days=retention,
            keys=keys,
            sandbox=self.sandbox(data),
            file_keys=frozenset(data),
            dir_spellings=spellings,
        )

    def prefix_clashes(self, names: list[str]) -> None:
        seen: dict[str, str] = {}
        for name in names:
            prefix = env_prefix(name)
            if prefix in seen:
                self.fail(
                    f"profiles.{name}",
                    f"shares the environment prefix {prefix} with profile {seen[prefix]!r}; "
                    "rename one",
                )
            seen.setdefault(prefix, name)

    def template_dirs(self, data: dict[str, Any]) -> tuple[list[Path], dict[Path, str]]:
        raw = self.get(data, "template_dirs", "", "array") or []
        dirs: list[Path] = []
        spellings: dict[Path, str] = {}
        for index, item in enumerate(raw):
            key = f"template_dirs[{index}]"
            if not isinstance(item, str) or not item.strip():
                self.fail(key, f"must be a directory path, not {_kind_of(item)}")
                continue
            path = Path(item).expanduser()
            if not path.is_absolute():
                path = self.file.parent / path
            if not path.is_dir():
                self.warnings.append(f"{self.file}: {key}: {path} is not a directory")
            dirs.append(path)
            spellings[path] = item
        return dirs, spellings

    def keys(self, data: dict[str, Any]) -> dict[str, str]:
        table = self.get(data, "keys", "", "table") or {}
        keys: dict[str, str] = {}
        for binding, value in table.items():
            if isinstance(value, str) and value.strip():
                keys[binding] = value.strip()
            else:
                self.fail(f"keys.{binding}", f'must be a key such as "ctrl+s", not {_show(value)}')
        return keys

    def sandbox(self, data: dict[str, Any]) -> SandboxDefaults:
        table = self.get(data, "sandbox", "", "table") or {}
        self.known(table, "sandbox", SANDBOX_KEYS)
        values: dict[str, Any] = {}
        for key, kind in (("host", "string"), ("port", "integer"), ("drain", "number")):
            value = self.get(table, key, "sandbox", kind)
            if value is not None:
                values[key] = value
        burst = self.get(table, "burst", "sandbox", "integer")
        if burst is not None:
            values["burst"] = burst
        state = self.get(table, "state_file", "sandbox", "string")
        if state is not None:
            path = Path(state).expanduser()
            values["state_file"] = path if path.is_absolute() else self.file.parent / path
        if not 0 <= values.get("port", 0) <= 65535:
            self.fail("sandbox.port", "must be a port from 0 (any free port) to 65535")
        if values.get("drain", 1) <= 0 or values.get("burst", 1) < 1:
            key = "sandbox.drain" if values.get("drain", 1) <= 0 else "sandbox.burst"
            self.fail(key, "must be above 0")
        return SandboxDefaults(**values, file_keys=frozenset(table))

    def secret(
        self,
        profile: str,
        table: Mapping[str, Any],
        key: str,
        prefix: str,
        sources: dict[str, SecretSource],
    ) -> str | None:
        spec = self.secret_spec(table, key, prefix)
        try:
            source = resolve_secret(profile, key, spec, self.environ, self.keyring)
        except SecretUnavailable as exc:
            self.fail(_join(prefix, key), exc.message)
            return None
        if source is None:
            return None
        sources[key] = source
        return source.value

    def secret_spec(self, table: Mapping[str, Any], key: str, prefix: str) -> SecretSpec | None:
        if key not in table:
            return None
        value = table[key]
        dotted = _join(prefix, key)
        if isinstance(value, str):
            if not value.strip():
                self.fail(dotted, "is empty (leave the key out, or set the value)")
                return None
            return value
        if not isinstance(value, dict):
            self.fail(
                dotted,
                f"must be a string or a table such as {{ keyring = true }}, not {_kind_of(value)}",
            )
            return None
        self.known(value, dotted, ("keyring", "env"))
        if len(value.keys() & {"keyring", "env"}) != 1:
            self.fail(dotted, 'needs exactly one of keyring = true or env = "VARIABLE"')
            return None
        if "env" in value:
            name = value["env"]
            if not isinstance(name, str) or not is_env_name(name):
                self.fail(f"{dotted}.env", "must be the name of an environment variable")
                return None
            return SecretRef("env", name)
        user = value["keyring"]
        if user is True:
            return SecretRef("keyring")
        if isinstance(user, str) and user.strip():
            return SecretRef("keyring", user.strip())
        self.fail(f"{dotted}.keyring", "must be true or a keyring user name")
        return None

    def profile(self, name: str, raw: Any) -> Profile | None:
        prefix = f"profiles.{name}"
        if not isinstance(raw, dict):
            self.fail(prefix, f"must be a table ([{prefix}]), not {_kind_of(raw)}")
            return None
        before = len(self.errors)
        self.known(raw, prefix, PROFILE_KEYS)
        values: dict[str, Any] = {}
        for key, kind in (
            ("api", "string"),
            ("plan", "string"),
            ("bot_id", "integer"),
            ("rate_drain", "number"),
            ("rate_burst", "integer"),
            ("connect_timeout", "number"),
            ("read_timeout", "number"),
            ("max_retries", "integer"),
            ("sandbox", "boolean"),
        ):
            value = self.get(raw, key, prefix, kind)
            if value is not None:
                values[key] = value
        sources: dict[str, SecretSource] = {}
        for key in PROFILE_SECRET_KEYS:
            values[key] = self.secret(name, raw, key, prefix, sources)
        if "oauth" in raw:
            values["oauth"] = self.oauth(name, raw["oauth"], f"{prefix}.oauth", sources)
        if len(self.errors) > before:
            return None
        profile = Profile(name=name, **values, sources=sources, file_keys=frozenset(raw))
        problems = profile_problems(profile)
        for key, reason in problems:
            self.fail(_join(prefix, key), reason)
        if problems:
            return None
        for gap in _send_gaps(profile, tokens=False):
            self.warnings.append(f"{self.file}: {gap}")
        return _normalised(profile)

    def oauth(
        self, profile: str, raw: Any, prefix: str, sources: dict[str, SecretSource]
    ) -> OAuth | None:
        if not isinstance(raw, dict):
            self.fail(prefix, f"must be a table ([{prefix}]), not {_kind_of(raw)}")
            return None
        self.known(raw, prefix, OAUTH_KEYS)
        portal = self.get(raw, "portal", prefix, "string")
        client_id = self.get(raw, "client_id", prefix, "string")
        for key, value, what in (
            ("portal", portal, "the portal address, like https://example.bitrix24.com"),
            ("client_id", client_id, "the application's client_id"),
        ):
            if value is None and key not in raw:
                self.fail(f"{prefix}.{key}", f"is required ({what})")
        values: dict[str, Any] = {}
        for key in OAUTH_SECRET_KEYS:
            values[key] = self.secret(profile, raw, key, prefix, sources)
        server = self.get(raw, "oauth_server", prefix, "string")
        if server is not None:
            values["oauth_server"] = server
        values["expires_at"] = self.expires_at(raw, prefix)
        if portal is None or client_id is None:
            return None
        return OAuth(portal=portal, client_id=client_id, **values, file_keys=frozenset(raw))

    def expires_at(self, raw: Mapping[str, Any], prefix: str) -> float | None:
        import datetime

        value = raw.get("expires_at")
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, datetime.datetime) and value.tzinfo is not None:
            return value.timestamp()
        self.fail(
            f"{prefix}.expires_at",
            "must be a unix time or a date-time with a time zone "
            f"(2026-01-31T12:00:00Z), not {_kind_of(value)}",
        )
        return None


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix and key else prefix or key


def _toml_error_where(exc: tomllib.TOMLDecodeError) -> tuple[str, str]:
    """(where, reason) from a TOMLDecodeError: 'line 3, column 5' and the bare message."""
    text = str(exc)
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)\s*$", text)
    if match is None:
        match = re.search(r"\s*\(at end of document\)\s*$", text)
        return ("end of file" if match else "", text[: match.start()] if match else text)
    return f"line {match[1]}, column {match[2]}", text[: match.start()]


def load_config(
    path: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    keyring: KeyringBackend | None = None,
) -> Config:
    """Read and validate the config file (``paths.config_file()`` when None).

    A missing file gives an empty Config (first run). Any problem raises one
    ConfigError naming the file and dotted key of the first one; ``detail``
    lists all of them. ``environ`` defaults to ``os.environ``; ``keyring`` to
    the ``keyring`` package, imported only when the file asks for it.
    """
    file = path if path is not None else paths.config_file()
    environ = os.environ if environ is None else environ
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        return Config(path=file, found=False)
    except OSError as exc:
        raise ConfigError(
            f"{file}: could not read the config file: {exc.strerror or exc}", path=str(file)
        ) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{file}: not UTF-8 text (bad byte at offset {exc.start}); save it as UTF-8",
            path=str(file),
        ) from None
    except tomllib.TOMLDecodeError as exc:
        where, reason = _toml_error_where(exc)
        raise ConfigError(
            f"{file}: {where}: not valid TOML: {reason}" if where else f"{file}: {reason}",
            path=str(file),
        ) from None
    loader = _Loader(file, environ, keyring)
    config = loader.load(data)
    if loader.errors:
        key, reason = loader.errors[0]
        message = f"{file}: {key}: {reason}"
        detail = None
        if len(loader.errors) > 1:
            message += f" (and {len(loader.errors) - 1} more)"
            detail = "\n".join(f"{k}: {r}" for k, r in loader.errors)
        raise ConfigError(message, path=str(file), key=key, detail=detail)
    config.path = file
    config.found = True
    config.warnings = _mode_warnings(file, config) + loader.warnings
    return config


def _file_secret_keys(config: Config) -> list[str]:
    keys = []
    for profile in config.profiles.values():
        for key, source in profile.sources.items():
            if isinstance(source.spec, str):
                inner = "oauth." if key in OAUTH_SECRET_KEYS else ""
                keys.append(f"profiles.{profile.name}.{inner}{key}")
    return keys


def _mode_warnings(file: Path, config: Config) -> list[str]:
    if os.name == "nt":
        return []
    held = _file_secret_keys(config)
    try:
        mode = file.stat().st_mode & 0o777
    except OSError:
        return []
    if not held or not mode & 0o077:
        return []
    return [
        f"{file}: holds secrets ({', '.join(held)}) but other users can read it "
        f"(mode {mode:04o}); run chmod 600 {file}"
    ]


# ---------------------------------------------------------------- saving


def _secret_out(
    profile: Profile, key: str, value: str | None, keyring: KeyringBackend | None
) -> Any:
    """What to write for one secret key: the value, the file's reference, or nothing."""
    if value is None:
        return None
    source = profile.sources.get(key)
    if source is None:
        return value
    spec = source.spec
    if source.origin != "file" and value == source.value:
        # Unchanged and not from the file: write back what the file held, if anything.
        return spec.to_toml() if isinstance(spec, SecretRef) else spec
    if isinstance(spec, SecretRef) and spec.kind == "keyring":
        user = keyring_user(profile.name, key, spec)
        keyring_set(user, value, keyring, hint_env=env_var(profile.name, key))
        return spec.to_toml()
    return value


def _put(out: dict[str, Any], keys: frozenset[str], key: str, value: Any, default: Any) -> None:
    if value is not None and (key in keys or value != default):
        out[key] = value


def _profile_table(profile: Profile, keyring: KeyringBackend | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    keys = profile.file_keys
    for key in ("webhook",):
        _put(out, keys, key, _secret_out(profile, key, profile.webhook, keyring), None)
    _put(out, keys, "api", profile.api, "v1")
    _put(out, keys, "bot_id", profile.bot_id, None)
    for key in ("client_id", "bot_token"):
        _put(out, keys, key, _secret_out(profile, key, getattr(profile, key), keyring), None)
    _put(out, keys, "plan", profile.plan, "standard")
    _put(out, keys, "rate_drain", profile.rate_drain, None)
    _put(out, keys, "rate_burst", profile.rate_burst, None)
    _put(out, keys, "connect_timeout", profile.connect_timeout, DEFAULT_CONNECT_TIMEOUT)
    _put(out, keys, "read_timeout", profile.read_timeout, DEFAULT_READ_TIMEOUT)
    _put(out, keys, "max_retries", profile.max_retries, DEFAULT_MAX_RETRIES)
    _put(out, keys, "sandbox", profile.sandbox, False)
    oauth = profile.oauth
    if oauth is not None:
        table: dict[str, Any] = {"portal": oauth.portal, "client_id": oauth.client_id}
        for key in OAUTH_SECRET_KEYS:
            value = _secret_out(profile, key, getattr(oauth, key), keyring)
            _put(table, oauth.file_keys, key, value, None)
        # A stored (rotated) expiry belongs to the token store, not the file.
        expires = oauth.expires_at
        if profile.sources.get("access_token", SecretSource("file")).origin == "store":
            expires = None
        _put(table, oauth.file_keys, "expires_at", expires, None)
        _put(table, oauth.file_keys, "oauth_server", oauth.oauth_server, DEFAULT_OAUTH_SERVER)
        out["oauth"] = table
    return out


def config_to_toml(config: Config, *, keyring: KeyringBackend | None = None) -> dict[str, Any]:
    """The TOML document for a config (secrets from env/keyring left as their references).

    Keyring-backed secrets that were edited are written to the keyring here.
    """
    out: dict[str, Any] = {}
    keys = config.file_keys
    _put(out, keys, "default_profile", config.default_profile, None)
    _put(out, keys, "confirm_send", config.confirm_send, True)
    _put(out, keys, "theme", config.theme, None)
    _put(out, keys, "history_retention_days", config.history_retention_days, None)
    dirs = [config.dir_spellings.get(d, str(d)) for d in config.template_dirs]
    _put(out, keys, "template_dirs", dirs, [])
    _put(out, keys, "keys", dict(config.keys), {})
    sandbox = config.sandbox
    table: dict[str, Any] = {}
    for key, default in (("host", "127.0.0.1"), ("port", 0), ("drain", 2.0), ("burst", 50)):
        _put(table, sandbox.file_keys, key, getattr(sandbox, key), default)
    if sandbox.state_file is not None:
        table["state_file"] = str(sandbox.state_file)
    _put(out, keys, "sandbox", table, {})
    out["profiles"] = {
        name: _profile_table(profile, keyring) for name, profile in config.profiles.items()
    }
    return out


def check_config(config: Config, *, path: Path | str | None = None) -> None:
    """Raise ConfigError for the first rule the config breaks (what a save would refuse)."""
    where = str(path or config.path or paths.config_file())
    seen: dict[str, str] = {}
    for name, profile in config.profiles.items():
        if name != profile.name:
            raise ConfigError(
                f"{where}: profiles.{name}: holds a profile named {profile.name!r}",
                path=where,
                key=f"profiles.{name}",
            )
        validate_profile(profile, path=where)
        prefix = env_prefix(name)
        if prefix in seen:
            raise ConfigError(
                f"{where}: profiles.{name}: shares the environment prefix {prefix} "
                f"with profile {seen[prefix]!r}; rename one",
                path=where,
                key=f"profiles.{name}",
            )
        seen[prefix] = name
    default = config.default_profile
    if default is not None and default not in config.profiles:
        raise ConfigError(
            f"{where}: default_profile: names no profile ({_show(default)})"
            + _did_you_mean(default, config.profiles),
            path=where,
            key="default_profile",
        )


_HEADER = "# b24notify configuration; every key is explained in config.example.toml.\n\n"


def save_config(
    config: Config, path: Path | None = None, *, keyring: KeyringBackend | None = None
) -> Path:
    """Validate and write the config atomically with mode 0600; returns the file written.

    Secrets that came from the environment or the keyring are never written
    into the file; what the file held for them is kept. Comments in the old
    file are not kept (tomli-w writes plain TOML).
    """
    import tomli_w

    from b24notify.core.secrets import write_private_file

    target = path or config.path or paths.config_file()
    check_config(config, path=target)
    text = _HEADER + tomli_w.dumps(config_to_toml(config, keyring=keyring))
    write_private_file(target, text.encode("utf-8"))
    return target


# ---------------------------------------------------------------- editing (Profiles screen)


def upsert_profile(
    config: Config,
    profile: Profile,
    *,
    previous_name: str | None = None,
    make_default: bool = False,
) -> Config:
    """A copy of ``config`` with ``profile`` added or replaced (renamed from ``previous_name``).

    The profile keeps its place when replaced or renamed; the first profile
    becomes the default. Raises ConfigError (nothing changed) when invalid.
    """
    where = config.path or paths.config_file()
    profile = validate_profile(profile, path=where)
    old = previous_name if previous_name is not None else profile.name
    if old != profile.name and profile.name in config.profiles:
        raise ConfigError(
            f"{where}: profiles.{profile.name}: a profile with this name already exists",
            path=str(where),
            key=f"profiles.{profile.name}",
        )
    for other in config.profiles:
        if other not in (old, profile.name) and env_prefix(other) == env_prefix(profile.name):
            raise ConfigError(
                f"{where}: profiles.{profile.name}: shares the environment prefix "
                f"{env_prefix(other)} with profile {other!r}; pick another name",
                path=str(where),
                key=f"profiles.{profile.name}",
            )
    profiles: dict[str, Profile] = {}
    for name, existing in config.profiles.items():
        profiles[profile.name if name == old else name] = profile if name == old else existing
    profiles.setdefault(profile.name, profile)
    default = config.default_profile
    if make_default or (default is not None and default == old):
        default = profile.name
    if default is None and len(profiles) == 1:
        default = profile.name
    return replace(config, profiles=profiles, default_profile=default, warnings=[])


def remove_profile(config: Config, name: str) -> Config:
    """A copy of ``config`` without profile ``name`` (the default moves to the first left)."""
    if name not in config.profiles:
        config.profile(name)  # raises the did-you-mean error
    profiles = {k: v for k, v in config.profiles.items() if k != name}
    default = config.default_profile
    if default == name:
        default = next(iter(profiles), None)
    return replace(config, profiles=profiles, default_profile=default, warnings=[])


def set_default(config: Config, name: str) -> Config:
    """A copy of ``config`` whose default profile is ``name``."""
    config.profile(name)
    return replace(config, default_profile=name)


def keep_in_keyring(profile: Profile, key: str, *, user: str | None = None) -> Profile:
    """The profile with secret ``key`` marked to live in the OS keyring from the next save."""
    if key not in PROFILE_SECRET_KEYS + OAUTH_SECRET_KEYS:
        raise ValueError(f"{key!r} is not a secret key")
    sources = dict(profile.sources)
    sources[key] = SecretSource("keyring", SecretRef("keyring", user), None)
    return replace(profile, sources=sources)
