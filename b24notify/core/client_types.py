"""Settings and results of the Bitrix24 client: ClientSettings, CallResult, BatchResult.

Kept apart from the request loop so callers that only build settings or read
results (the service, history, the UI) need not think about transports.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from b24notify import __version__
from b24notify.core.api_errors import ApiError, mask_url, portal_host
from b24notify.core.errors import ConfigError
from b24notify.core.oauth import DEFAULT_TOKEN_URL, TokenCallback
from b24notify.core.rest import is_loopback, message_id_of

if TYPE_CHECKING:
    import httpx

    from b24notify.core.config import Profile

AuthKind = Literal["webhook", "oauth"]

_WEBHOOK_PATH = re.compile(r"^(?P<prefix>.*?/rest/)(?P<user>[^/]+)/(?P<code>[^/]+)/?$")


@dataclass
class ClientSettings:
    """How to reach one portal: address, auth, timeouts, limits and retry policy.

    ``base_url`` is the webhook URL (``https://portal/rest/USER_ID/CODE/``) or,
    with ``auth="oauth"``, the portal URL (``https://portal.bitrix24.com``).
    ``on_tokens(access, refresh, expires_at)`` is called at once after every
    OAuth refresh so the caller persists the rotated pair.
    """

    base_url: str
    auth: AuthKind = "webhook"
    #: The OAuth application's client id (not the bot's CLIENT_ID, which is a call parameter).
    client_id: str | None = None
    client_secret: str | None = None
    access_token: str | None = None
    refresh_token: str | None = None
    token_url: str = DEFAULT_TOKEN_URL
    token_expires_at: float = 0.0
    on_tokens: TokenCallback | None = None
    connect_timeout: float = 10.0
    # The cloud cuts a request off after 60 s; waiting a little longer turns
    # fewer slow answers into "unknown".
    read_timeout: float = 65.0
    write_timeout: float = 30.0
    pool_timeout: float = 30.0
    drain: float = 2.0
    burst: int = 50
    max_retries: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    # Longest wait for a rate or operating limit before giving up with RateLimited.
    max_wait: float = 90.0
    operating_limit: float = 480.0
    # The portal advises against parallel request series from one host.
    max_connections: int = 10
    transport: httpx.AsyncBaseTransport | None = None
    user_agent: str = f"b24notify/{__version__}"
    #: More values to mask in messages (the bot's CLIENT_ID / botToken).
    extra_secrets: Sequence[str] = field(default_factory=tuple)

    @classmethod
    def from_profile(
        cls,
        profile: Profile,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        drain: float | None = None,
        burst: int | None = None,
        on_tokens: TokenCallback | None = None,
    ) -> ClientSettings:
        """Settings for a configured profile (limits from its plan unless given)."""
        plan_drain, plan_burst = profile.rate()
        common: dict[str, Any] = {
            "connect_timeout": profile.connect_timeout,
            "read_timeout": profile.read_timeout,
            "max_retries": profile.max_retries,
            "drain": drain if drain is not None else plan_drain,
            "burst": burst if burst is not None else plan_burst,
            "transport": transport,
            "extra_secrets": tuple(profile.secrets()),
        }
        oauth = profile.oauth
        if oauth is None:
            return cls(base_url=profile.webhook or "", auth="webhook", **common)
        return cls(
            base_url=oauth.portal,
            auth="oauth",
            client_id=oauth.client_id,
            client_secret=oauth.client_secret,
            access_token=oauth.access_token,
            refresh_token=oauth.refresh_token,
            token_url=oauth.oauth_server,
            token_expires_at=oauth.expires_at or 0.0,
            on_tokens=on_tokens,
            **common,
        )

    def webhook_code(self) -> str | None:
        match = _WEBHOOK_PATH.match(urlsplit(self.base_url).path)
        return match.group("code") if match else None

    def secrets(self) -> tuple[str, ...]:
        """Every secret in these settings (for scrubbing messages)."""
        values = [
            self.webhook_code(),
            self.client_id,
            self.client_secret,
            self.access_token,
            self.refresh_token,
            *self.extra_secrets,
        ]
        return tuple(v for v in values if v)

    def portal_key(self) -> str:
        """Lower-case ``host[:port]`` of the portal: the rate bucket's key (as ``Profile``'s)."""
        return urlsplit(self.base_url).netloc.rpartition("@")[2].lower()

    def rest_base(self) -> str:
        """The URL a method name is appended to (ends with ``/``)."""
        parts = urlsplit(self.base_url)
        if self.auth == "webhook":
            return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}/"
        path = parts.path.rstrip("/")
        if path.endswith("/rest"):
            path = path[: -len("/rest")]
        return f"{parts.scheme}://{parts.netloc}{path}/rest/"

    def check(self) -> None:
        """Raise ConfigError (one sentence, secrets masked) when these settings cannot work."""
        parts = urlsplit(self.base_url)
        shown = mask_url(self.base_url)
        key = "webhook" if self.auth == "webhook" else "portal"
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"The portal address {shown!r} is not an http(s) URL.", key=key)
        if parts.scheme != "https" and not is_loopback(parts.hostname):
            raise ConfigError(
                f"The portal address {shown} must use https:// (Bitrix24 refuses plain HTTP; "
                "only loopback addresses may use http).",
                key=key,
            )
        if self.auth == "webhook":
            if not _WEBHOOK_PATH.match(parts.path):
                # Unrecognised shape: the code can't be told apart, so show the host only.
                raise ConfigError(
                    f"The webhook URL for {portal_host(self.base_url)} must look like "
                    "https://PORTAL/rest/USER_ID/CODE/.",
                    key="webhook",
                )
        elif self.auth == "oauth":
            if not self.client_id:
                raise ConfigError(
                    f"OAuth for {portal_host(self.base_url)} needs the application's client_id.",
                    key="client_id",
                )
            if not (self.access_token or self.refresh_token):
                raise ConfigError(
                    f"OAuth for {portal_host(self.base_url)} needs an access_token or a "
                    "refresh_token: authorise the application first.",
                    key="access_token",
                )
            token = urlsplit(self.token_url)
            if token.scheme != "https" and not is_loopback(token.hostname or ""):
                raise ConfigError(
                    f"The OAuth token URL {mask_url(self.token_url)} must use https://.",
                    key="token_url",
                )
        else:
            raise ConfigError(f"Unknown auth kind {self.auth!r}: use webhook or oauth.", key="auth")
        if self.drain <= 0 or self.burst < 1:
            raise ConfigError("Rate limits need drain > 0 and burst >= 1.", key="plan")


@dataclass(frozen=True)
class CallResult:
    """A successful call: the portal's ``result`` and how it went."""

    method: str
    result: Any
    time: dict[str, Any]
    http_status: int
    attempts: int
    duration: float
    moved_to: str | None = None
    total: int | None = None
    next: int | None = None

    @property
    def operating(self) -> float | None:
        value = self.time.get("operating")
        return float(value) if isinstance(value, int | float) else None

    @property
    def operating_reset_at(self) -> float | None:
        value = self.time.get("operating_reset_at")
        return float(value) if isinstance(value, int | float) else None

    @property
    def message_id(self) -> int | None:
        """The new message's id for a send (v1 answers the id, v2 ``{"id": …}``)."""
        return message_id_of(self.result)


BatchStatus = Literal["sent", "failed", "unknown"]


@dataclass(frozen=True)
class BatchResult:
    """Per-command results of a batch, keyed like the commands that were given."""

    results: dict[str, Any]
    errors: dict[str, ApiError]
    times: dict[str, dict[str, Any]]
    totals: dict[str, Any]
    nexts: dict[str, Any]
    #: Keys the portal did not answer: skipped after an error with ``halt``.
    missing: tuple[str, ...]
    halt: bool
    call: CallResult

    def status(self, key: str) -> BatchStatus:
        """``sent``, ``failed`` (refused, or skipped by ``halt``) or ``unknown`` for one key."""
        if key in self.results:
            return "sent"
        if key in self.errors:
            return self.errors[key].outcome if self.errors[key].outcome == "unknown" else "failed"
        # With halt the portal stops at the first error and never runs the rest.
        return "failed" if self.halt and self.errors else "unknown"
