"""OAuth tokens of the sandbox's one application: issue, check, rotate on refresh, expire.

Like Bitrix24's OAuth server, every refresh returns a new refresh token and
the used one stops working (``invalid_grant``); access tokens live
``access_token_ttl`` seconds and stay valid until then even after a refresh.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from b24notify.sandbox.config import SandboxConfig
from b24notify.sandbox.credentials import same_secret
from b24notify.sandbox.envelope import CallError
from b24notify.sandbox.limits import Clock

TokenCheck = Literal["ok", "expired", "unknown"]


@dataclass(frozen=True)
class TokenPair:
    """An access token and the refresh token issued with it."""

    access_token: str
    refresh_token: str
    expires_at: float


class TokenStore:
    """Live tokens by value with their expiry times (unix seconds).

    ``on_change(access, refresh)`` is called after every change so a state
    file can keep the tables.
    """

    def __init__(
        self,
        config: SandboxConfig,
        clock: Clock,
        *,
        access: Mapping[str, float] | None = None,
        refresh: Mapping[str, float] | None = None,
        on_change: Callable[[dict[str, float], dict[str, float]], None] | None = None,
    ) -> None:
        self._config = config
        self._clock = clock
        self.access: dict[str, float] = dict(access or {})
        self.refresh: dict[str, float] = dict(refresh or {})
        self._on_change = on_change
        self.latest: TokenPair | None = None

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change(dict(self.access), dict(self.refresh))

    def _prune(self) -> None:
        now = self._clock()
        self.access = {t: exp for t, exp in self.access.items() if exp > now - 86400}
        self.refresh = {t: exp for t, exp in self.refresh.items() if exp > now}

    def issue(self) -> TokenPair:
        """A fresh pair (what an install or the sandbox's start hands out)."""
        self._prune()
        now = self._clock()
        pair = TokenPair(
            access_token=secrets.token_hex(16),
            refresh_token=secrets.token_hex(16),
            expires_at=now + self._config.access_token_ttl,
        )
        self.access[pair.access_token] = pair.expires_at
        self.refresh[pair.refresh_token] = now + self._config.refresh_token_ttl
        self.latest = pair
        self._changed()
        return pair

    def check(self, token: str) -> TokenCheck:
        expires_at = self.access.get(token)
        if expires_at is None:
            return "unknown"
        return "ok" if expires_at > self._clock() else "expired"

    def expire_access(self) -> int:
        """Expire every live access token now; the number expired."""
        now = self._clock()
        live = [t for t, exp in self.access.items() if exp > now]
        for token in live:
            self.access[token] = now
        self._changed()
        return len(live)

    def refresh_pair(self, client_id: str, client_secret: str, refresh_token: str) -> TokenPair:
        """Rotate: a new pair for a live refresh token, which then stops working (or CallError)."""
        config = self._config
        if not (
            same_secret(client_id, config.oauth_client_id)
            and same_secret(client_secret, config.oauth_client_secret)
        ):
            raise CallError("invalid_client", "Invalid client id or client secret.", 401)
        expires_at = self.refresh.get(refresh_token) if refresh_token else None
        if expires_at is None or expires_at <= self._clock():
            raise CallError("invalid_grant", "Invalid refresh token or it has expired.", 400)
        del self.refresh[refresh_token]
        return self.issue()

    def token_answer(self, pair: TokenPair, base_url: str) -> dict[str, Any]:
        """The OAuth server's JSON for a pair (what ``/oauth/token/`` returns)."""
        domain = base_url.split("://", 1)[-1]
        return {
            "access_token": pair.access_token,
            "expires": int(pair.expires_at),
            "expires_in": int(self._config.access_token_ttl),
            "scope": "imbot",
            "domain": domain,
            "server_endpoint": f"{base_url}/oauth/",
            "status": "L",
            "client_endpoint": f"{base_url}/rest/",
            "member_id": self._config.member_id,
            "user_id": self._config.webhook_user,
            "refresh_token": pair.refresh_token,
        }
