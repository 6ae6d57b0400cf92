"""OAuth token pair of one profile and the coordination of its refreshes.

Bitrix24 rotates the refresh token on every refresh, so two refreshes racing
with the same old token break the pair. :class:`OAuthSession` lets exactly one
refresh run at a time: every call remembers the ``generation`` of the token it
sent; when a 401 comes back it asks :meth:`OAuthSession.refresh` with that
generation, and whoever arrives after a newer pair exists simply uses it. The
rotated pair goes to ``on_tokens`` at once, before anyone retries, so the
caller can persist it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from b24notify.core.api_errors import (
    CONNECT_ERROR,
    INVALID_RESPONSE,
    TOKEN_REFRESH_FAILED,
    AuthError,
    TransportError,
    explain,
    portal_host,
    scrub,
)

if TYPE_CHECKING:
    import httpx

TokenCallback = Callable[[str, str, float], None]

DEFAULT_TOKEN_URL = "https://oauth.bitrix.info/oauth/token/"
# Access tokens live one hour; used when the server names no expiry.
DEFAULT_LIFETIME = 3600.0


class OAuthSession:
    """The current access/refresh pair and a single-flight refresh through the token server."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        access_token: str,
        refresh_token: str,
        token_url: str = DEFAULT_TOKEN_URL,
        expires_at: float = 0.0,
        on_tokens: TokenCallback | None = None,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.access_token = access_token
        self.refresh_token = refresh_token
        self.token_url = token_url
        self.expires_at = expires_at
        self.on_tokens = on_tokens
        self.generation = 0
        self.refreshes = 0
        self._lock: asyncio.Lock | None = None

    def stale(self, now: float | None = None) -> bool:
        """True when there is no access token yet, or it is known to have expired.

        Only then is a refresh made before a call; otherwise the portal's 401
        says when (Bitrix24 warns against refreshing on a schedule).
        """
        if not self.access_token:
            return True
        now = time.time() if now is None else now
        return 0 < self.expires_at <= now

    def secrets(self) -> tuple[str, ...]:
        """Every secret this session knows (for scrubbing messages)."""
        return (self.client_id, self.client_secret, self.access_token, self.refresh_token)

    async def refresh(self, seen_generation: int, http: httpx.AsyncClient) -> bool:
        """Make sure a pair newer than ``seen_generation`` exists; True if this call refreshed.

        However many calls wait here, one request goes to the token server;
        the others find the generation moved on and return at once.
        """
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self.generation != seen_generation:
                return False
            if not (self.refresh_token and self.client_secret):
                raise AuthError(
                    TOKEN_REFRESH_FAILED,
                    method="token refresh",
                    portal=portal_host(self.token_url),
                    hint="The access token expired and the profile has no refresh_token and "
                    "client_secret to renew it: authorise the application again.",
                )
            access, refresh, expires_at = await self._request(http)
            self.access_token, self.refresh_token, self.expires_at = access, refresh, expires_at
            self.generation += 1
            self.refreshes += 1
            if self.on_tokens is not None:
                # Persist before anything else can happen: the old refresh token is dead now.
                self.on_tokens(access, refresh, expires_at)
            return True

    async def _request(self, http: httpx.AsyncClient) -> tuple[str, str, float]:
        import httpx

        params = {
            "grant_type": "refresh_token",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": self.refresh_token,
        }
        host = portal_host(self.token_url)
        try:
            # The documented form: a GET with the parameters in the query.
            response = await http.get(self.token_url, params=params)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as err:
            raise TransportError(
                CONNECT_ERROR,
                self._scrub(str(err)),
                method="token refresh",
                portal=host,
                hint="Could not reach the OAuth server to renew the access token: check the "
                "network and try again.",
            ) from None
        except httpx.HTTPError as err:
            raise AuthError(
                TOKEN_REFRESH_FAILED,
                self._scrub(f"{type(err).__name__}: {err}"),
                method="token refresh",
                portal=host,
                hint="The OAuth server did not answer the token refresh: try again; if calls "
                "then fail with invalid_grant, authorise the application again.",
            ) from None
        payload = _json_object(response.content)
        if response.status_code == 200 and payload is not None:
            access = payload.get("access_token")
            refresh = payload.get("refresh_token")
            if isinstance(access, str) and access and isinstance(refresh, str) and refresh:
                return access, refresh, _expires_at(payload)
        if payload is not None and isinstance(payload.get("error"), str):
            code = payload["error"]
            description = str(payload.get("error_description") or "")
            raise AuthError(
                code,
                self._scrub(description),
                http_status=response.status_code,
                method="token refresh",
                portal=host,
                hint=explain(code, response.status_code, context=("token_server",)),
            )
        raise AuthError(
            INVALID_RESPONSE,
            f"unreadable token server answer (HTTP {response.status_code})",
            http_status=response.status_code,
            method="token refresh",
            portal=host,
            hint="The OAuth server's answer could not be read: try again later.",
        )

    def _scrub(self, text: str) -> str:
        return scrub(text, self.secrets())


def _json_object(content: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(content)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _expires_at(payload: dict[str, Any]) -> float:
    """Unix time the new access token expires: ``expires``, else now + ``expires_in``."""
    expires = _positive(payload.get("expires"))
    if expires is not None:
        return expires
    expires_in = _positive(payload.get("expires_in"))
    return time.time() + (expires_in if expires_in is not None else DEFAULT_LIFETIME)


def _positive(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number > 0 and number == number and number != float("inf") else None
