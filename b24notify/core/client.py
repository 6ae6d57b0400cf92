"""Async Bitrix24 REST client: webhook/OAuth auth, rate limits, retries that never send twice.

One :class:`B24Client` per profile holds one ``httpx.AsyncClient`` (connection
reuse). Every call goes through the portal's shared :class:`LeakyBucket` and
the per-method operating budget, and follows the retry table of the product
spec (§5):

- connect error / connect timeout / pool timeout: nothing reached the portal,
  so retry with backoff, then fail (``outcome="failed"``);
- 503 ``QUERY_LIMIT_EXCEEDED`` and any 429: wait (bucket, ``Retry-After``,
  ``operating_reset_at`` or backoff with jitter) and retry;
- 401 ``expired_token`` / ``invalid_token`` with OAuth: one coalesced refresh,
  then retry;
- 301/302/307/308: re-POST once to ``Location`` and report ``moved_to``;
- read timeout, write timeout, a connection lost after the request went out,
  an unreadable 2xx body, a 5xx without a code that proves refusal: no retry,
  :class:`UnknownOutcome` (``outcome="unknown"``). A write timeout or write
  error counts as "may have been sent": part of the request left and the
  client cannot know how much the portal read. Calls marked
  ``safe_to_retry`` (read-only methods by default) retry these instead;
- anything else: no retry, :class:`ApiError` with the portal's code.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from b24notify.core.api_errors import (
    CONNECT_ERROR,
    CONNECT_TIMEOUT,
    CONNECTION_LOST,
    INSECURE_REDIRECT,
    INVALID_RESPONSE,
    POOL_TIMEOUT,
    PORTAL_MOVED,
    READ_TIMEOUT,
    TRANSPORT_ERROR,
    WRITE_TIMEOUT,
    ApiError,
    AuthError,
    PortalMovedError,
    RateLimited,
    TransportError,
    UnknownOutcome,
    explain,
    mask_url,
    portal_host,
    scrub,
)
from b24notify.core.client_types import (
    AuthKind,
    BatchResult,
    BatchStatus,
    CallResult,
    ClientSettings,
)
from b24notify.core.errors import UsageError
from b24notify.core.oauth import OAuthSession
from b24notify.core.ratelimit import LeakyBucket, OperatingBudget, bucket_for
from b24notify.core.rest import (
    BotInfo,
    bot_info,
    check_method,
    decode_envelope,
    encode_command,
    int_or_none,
    is_loopback,
    is_read_only,
    retry_after,
    secret_values,
    section,
    user_names,
)

if TYPE_CHECKING:
    import httpx

__all__ = [
    "MAX_BATCH",
    "AuthKind",
    "B24Client",
    "BatchResult",
    "BatchStatus",
    "BotInfo",
    "CallResult",
    "ClientSettings",
    "encode_command",
    "is_read_only",
]

MAX_BATCH = 50

_MOVED = frozenset({301, 302, 307, 308})
_RATE_CODES = frozenset({"QUERY_LIMIT_EXCEEDED", "OPERATION_TIME_LIMIT"})
# 5xx codes that prove the portal refused the request before doing anything.
_REFUSED_5XX = frozenset({"QUERY_LIMIT_EXCEEDED", "OVERLOAD_LIMIT", "PORTAL_DELETED"})
# Codes inside batch results that leave the command's effect unknown.
_UNKNOWN_CODES = frozenset({"INTERNAL_SERVER_ERROR", "ERROR_UNEXPECTED_ANSWER"})
_REFRESH_CODES = frozenset({"EXPIRED_TOKEN", "INVALID_TOKEN"})
_AUTH_CODES = frozenset(
    {
        "EXPIRED_TOKEN",
        "INVALID_TOKEN",
        "NO_AUTH_FOUND",
        "INSUFFICIENT_SCOPE",
        "INVALID_CREDENTIALS",
        "USER_ACCESS_ERROR",
        "WRONG_AUTH_TYPE",
        "AUTHORIZATION_ERROR",
        "AUTHORIZE_ERROR",
        "APPLICATION_NOT_FOUND",
        "ERROR_OAUTH",
        "NOT_INSTALLED",
        "PAYMENT_REQUIRED",
        "WRONG_CLIENT",
        "INVALID_GRANT",
        "INVALID_CLIENT",
    }
)

# ---- the client --------------------------------------------------------------


@dataclass
class _Attempts:
    """Bookkeeping of one logical call across its HTTP requests."""

    started: float
    requests: int = 0
    retries: int = 0
    refreshed: bool = False
    redirected: bool = False


class B24Client:
    """Calls REST methods on one portal; see the module docstring for the retry rules."""

    def __init__(
        self,
        settings: ClientSettings,
        *,
        bucket: LeakyBucket | None = None,
        operating: OperatingBudget | None = None,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        settings.check()
        self.settings = settings
        self.bucket = bucket or bucket_for(settings.portal_key(), settings.drain, settings.burst)
        self.operating = operating or OperatingBudget(settings.operating_limit)
        self._sleep = sleep
        self._base = settings.rest_base()
        self._moved_to: str | None = None
        self._host = portal_host(settings.base_url)
        self.oauth: OAuthSession | None = None
        if settings.auth == "oauth":
            self.oauth = OAuthSession(
                client_id=settings.client_id or "",
                client_secret=settings.client_secret or "",
                access_token=settings.access_token or "",
                refresh_token=settings.refresh_token or "",
                token_url=settings.token_url,
                expires_at=settings.token_expires_at,
                on_tokens=settings.on_tokens,
            )
        # Imported here: httpx is heavy (and pulls in its CLI's dependencies),
        # and this module is imported long before anything is sent.
        import httpx

        self._http = httpx.AsyncClient(
            transport=settings.transport,
            follow_redirects=False,
            timeout=httpx.Timeout(
                connect=settings.connect_timeout,
                read=settings.read_timeout,
                write=settings.write_timeout,
                pool=settings.pool_timeout,
            ),
            # Idle connections close before the server's keep-alive timeout
            # (5 s on common servers), so a send rarely meets a connection
            # the server has just dropped: that would make its outcome unknown.
            limits=httpx.Limits(
                max_connections=settings.max_connections,
                max_keepalive_connections=settings.max_connections,
                keepalive_expiry=4.0,
            ),
            headers={"User-Agent": settings.user_agent, "Accept": "application/json"},
        )

    async def __aenter__(self) -> B24Client:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()

    @property
    def moved_to(self) -> str | None:
        """The new portal address after a redirect (calls go there directly since)."""
        return self._moved_to

    # ---- public calls ------------------------------------------------------

    async def call(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        safe_to_retry: bool | None = None,
    ) -> CallResult:
        """Call one REST method; returns its result or raises a typed :class:`ApiError`.

        ``safe_to_retry`` (default: True for read-only methods only) lets
        outcomes that may have been processed be retried: never for sends.
        """
        check_method(method)
        safe = is_read_only(method) if safe_to_retry is None else safe_to_retry
        return await self._call(method, dict(params or {}), safe=safe, budget_methods=[method])

    async def send(self, method: str, params: Mapping[str, Any]) -> CallResult:
        """Send (or change) a message: never retried when it may have arrived."""
        return await self.call(method, params, safe_to_retry=False)

    async def batch(
        self,
        commands: Mapping[str, tuple[str, Mapping[str, Any]]],
        halt: bool = False,
        *,
        safe_to_retry: bool | None = None,
    ) -> BatchResult:
        """Run up to 50 commands in one request; results and errors come back per key."""
        if not commands:
            raise UsageError("A batch needs at least one command.")
        if len(commands) > MAX_BATCH:
            raise UsageError(
                f"A batch may hold at most {MAX_BATCH} commands; this one has {len(commands)}."
            )
        cmd: dict[str, str] = {}
        methods: dict[str, str] = {}
        for key, (method, params) in commands.items():
            if not isinstance(key, str) or not key:
                raise UsageError(f"Batch command keys must be non-empty strings, not {key!r}.")
            check_method(method)
            if method.lower() == "batch":
                raise UsageError(f"Batch command {key!r}: a batch cannot contain a batch.")
            cmd[key] = encode_command(method, params)
            methods[key] = method
        safe = (
            all(is_read_only(m) for m in methods.values())
            if safe_to_retry is None
            else safe_to_retry
        )
        outer = await self._call(
            "batch",
            {"halt": 1 if halt else 0, "cmd": cmd},
            safe=safe,
            budget_methods=sorted(set(methods.values())),
            secret_params=[params for _method, params in commands.values()],
        )
        return self._batch_result(outer, methods, halt, safe)

    async def list_bots(
        self,
        api: str = "v1",
        *,
        client_id: str | None = None,
        bot_token: str | None = None,
    ) -> list[BotInfo]:
        """The portal's bots as ``{id, name, code}``, sorted by id (``imbot.bot.list`` / v2)."""
        if api == "v2":
            return await self._list_bots_v2(bot_token)
        if api != "v1":
            raise UsageError(f"Unknown API version {api!r}: use v1 or v2.")
        params: dict[str, Any] = {}
        if client_id:
            params["CLIENT_ID"] = client_id
        result = (await self.call("imbot.bot.list", params)).result
        rows: Iterable[tuple[Any, Any]]
        if isinstance(result, Mapping):
            rows = result.items()
        elif isinstance(result, list):
            rows = ((None, item) for item in result)
        else:
            raise self._invalid("imbot.bot.list", "the bot list is not a list or object", True)
        bots = [
            bot
            for key, item in rows
            if (bot := bot_info(item, key, ("ID", "id"), ("NAME", "name"), ("CODE", "code")))
        ]
        return sorted(bots, key=lambda b: b["id"])

    async def _list_bots_v2(self, bot_token: str | None) -> list[BotInfo]:
        bots: dict[int, BotInfo] = {}
        offset = 0
        for _page in range(100):
            params: dict[str, Any] = {"limit": 50, "offset": offset}
            if bot_token:
                params["botToken"] = bot_token
            result = (await self.call("imbot.v2.Bot.list", params)).result
            if not isinstance(result, Mapping) or not isinstance(result.get("bots", []), list):
                raise self._invalid("imbot.v2.Bot.list", "the answer has no bots list", True)
            page = result.get("bots") or []
            names = user_names(result.get("users"))
            for item in page:
                bot = bot_info(item, None, ("id", "ID"), ("name", "NAME"), ("code", "CODE"))
                if bot:
                    bot["name"] = bot["name"] or names.get(bot["id"], "") or bot["code"]
                    bots[bot["id"]] = bot
            if not result.get("hasNextPage") or not page:
                break
            offset += len(page)
        return sorted(bots.values(), key=lambda b: b["id"])

    # ---- the request loop --------------------------------------------------

    async def _call(
        self,
        method: str,
        params: dict[str, Any],
        *,
        safe: bool,
        budget_methods: list[str],
        secret_params: Iterable[Mapping[str, Any]] = (),
    ) -> CallResult:
        """Send until the retry table says stop: a result, or a typed error."""
        track = _Attempts(started=time.monotonic())
        url = self._url(method)
        secrets = self._secrets(params, *secret_params)
        _json_body(method, params)  # refuse what cannot be sent before taking a rate token
        while True:
            await self._respect_operating(budget_methods, method, track)
            await self.bucket.acquire()
            body = dict(params)
            generation = 0
            if self.oauth is not None:
                if self.oauth.stale() and not track.refreshed:
                    track.refreshed = True
                    await self.oauth.refresh(self.oauth.generation, self._http)
                generation = self.oauth.generation
                body["auth"] = self.oauth.access_token
            content = _json_body(method, body)
            track.requests += 1
            try:
                response = await self._http.post(
                    url, content=content, headers={"Content-Type": "application/json"}
                )
            except Exception as err:  # the transport's failure, whatever it is: classified below
                await self._transport_failed(err, method, track, safe, secrets)
                continue
            if response.status_code in _MOVED:
                url = self._follow_redirect(response, url, method, track)
                continue
            result = await self._answer(response, method, track, safe, secrets, generation)
            if result is not None:
                return result

    async def _transport_failed(
        self, err: Exception, method: str, track: _Attempts, safe: bool, secrets: Sequence[str]
    ) -> None:
        """Return (after a backoff) when the failed request may be sent again; else raise."""
        code, kind = _classify_exception(err)
        if (kind == "not_sent" or (kind == "maybe" and safe)) and await self._retry_later(track):
            return
        description = scrub(f"{type(err).__name__}: {err}".rstrip(": "), secrets)
        # A read-only call that keeps failing is just unreachable; for anything
        # else a request that may have gone out is "unknown".
        error_class = {"not_sent": TransportError, "refused": ApiError}.get(
            kind, TransportError if safe else UnknownOutcome
        )
        raise self._error(error_class, code, description, None, method, track, safe) from None

    async def _answer(
        self,
        response: httpx.Response,
        method: str,
        track: _Attempts,
        safe: bool,
        secrets: Sequence[str],
        generation: int,
    ) -> CallResult | None:
        """The call's result from a response, None to send again (after waiting), or raise."""
        status = response.status_code
        payload, problem = decode_envelope(
            status, response.content, response.headers.get("content-type", "")
        )
        code: Any = ""
        if payload is not None:
            time_info = payload.get("time")
            self.operating.record(method, time_info if isinstance(time_info, Mapping) else None)
            code = payload.get("error") or ""
        if payload is not None and isinstance(code, str) and code:
            description = scrub(str(payload.get("error_description") or ""), secrets)
            await self._portal_error(response, code, description, method, track, safe, generation)
            return None
        if 200 <= status < 300 and payload is not None and "result" in payload:
            return self._result(method, payload, status, track)
        if status == 429:
            await self._rate_limited(response, "HTTP_429", "", method, track)
            return None
        if 400 <= status < 500:
            cls = AuthError if status == 401 else ApiError
            raise self._error(cls, f"HTTP_{status}", problem, status, method, track, safe)
        # 2xx without a result, 5xx without a code, 1xx/other 3xx: it may have been processed.
        if safe and await self._retry_later(track):
            return None
        code = INVALID_RESPONSE if status < 500 else f"HTTP_{status}"
        raise self._error(self._maybe_class(safe), code, problem, status, method, track, safe)

    async def _portal_error(
        self,
        response: httpx.Response,
        code: str,
        description: str,
        method: str,
        track: _Attempts,
        safe: bool,
        generation: int,
    ) -> None:
        """Act on an ``{"error": …}`` answer: refresh, wait, or raise the typed error."""
        status = response.status_code
        key = code.upper()
        oauth = self.oauth
        if oauth is not None and status == 401 and key in _REFRESH_CODES and not track.refreshed:
            track.refreshed = True
            await oauth.refresh(generation, self._http)
            return
        if key in _RATE_CODES or status == 429:
            await self._rate_limited(response, code, description, method, track)
            return
        if 500 <= status < 600 and key not in _REFUSED_5XX:
            # The portal failed without saying it refused: the request may have taken effect.
            if safe and await self._retry_later(track):
                return
            cls = self._maybe_class(safe)
        elif key in _AUTH_CODES or status == 401:
            cls = AuthError
        else:
            cls = ApiError
        raise self._error(cls, code, description, status, method, track, safe)

    async def _retry_later(self, track: _Attempts) -> bool:
        """Back off and return True while retries are left; False when they are used up."""
        if track.retries >= self.settings.max_retries:
            return False
        track.retries += 1
        await self._sleep(self._backoff(track.retries))
        return True

    def _result(
        self, method: str, payload: dict[str, Any], status: int, track: _Attempts
    ) -> CallResult:
        time_info = payload.get("time")
        return CallResult(
            method=method,
            result=payload["result"],
            time=dict(time_info) if isinstance(time_info, Mapping) else {},
            http_status=status,
            attempts=track.requests,
            duration=time.monotonic() - track.started,
            moved_to=self._moved_to,
            total=int_or_none(payload.get("total")),
            next=int_or_none(payload.get("next")),
        )

    async def _respect_operating(
        self, budget_methods: list[str], method: str, track: _Attempts
    ) -> None:
        """Wait for the operating reset of a method that is near its limit (or give up)."""
        wait = self.operating.wait_needed(*budget_methods)
        if wait <= 0:
            return
        if wait > self.settings.max_wait:
            # Sending now would only collect a 429: nothing is sent.
            raise self._error(
                RateLimited,
                "OPERATION_TIME_LIMIT",
                f"the method's execution budget resets in {wait:.0f} s",
                None,
                method,
                track,
                False,
                retry_at=time.time() + wait,
            )
        await self._sleep(wait)
        self.operating.forget(*budget_methods)

    async def _rate_limited(
        self,
        response: httpx.Response,
        code: str,
        description: str,
        method: str,
        track: _Attempts,
    ) -> None:
        """Wait before retrying a request the portal refused for its limits (or give up)."""
        delay_hint = retry_after(response.headers.get("retry-after"))
        if code.upper() == "OPERATION_TIME_LIMIT":
            wait = self.operating.seconds_until_reset(method)
            if wait is None:
                wait = delay_hint if delay_hint is not None else self._backoff(track.retries + 1)
        else:
            # The shared bucket slows every caller, not just this one.
            self.bucket.note_rejection()
            if delay_hint is not None:
                self.bucket.penalize(delay_hint)
            wait = self._backoff(track.retries + 1)
        if track.retries >= self.settings.max_retries or wait > self.settings.max_wait:
            raise self._error(
                RateLimited,
                code,
                description,
                response.status_code,
                method,
                track,
                False,
                retry_at=time.time() + wait,
            )
        track.retries += 1
        await self._sleep(wait)

    def _follow_redirect(
        self, response: httpx.Response, url: str, method: str, track: _Attempts
    ) -> str:
        """The address to re-POST to after a redirect (once per call), or a PortalMovedError."""
        location = response.headers.get("location", "")
        status = response.status_code
        if track.redirected or not location:
            raise self._error(
                PortalMovedError,
                PORTAL_MOVED,
                f"redirected to {mask_url(urljoin(url, location)) if location else 'nowhere'}",
                status,
                method,
                track,
                False,
            )
        target = urljoin(url, location)
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise self._error(
                PortalMovedError, PORTAL_MOVED, "bad redirect target", status, method, track, False
            )
        if parts.scheme != "https" and not is_loopback(parts.hostname):
            raise self._error(
                PortalMovedError,
                INSECURE_REDIRECT,
                f"redirected to {mask_url(target)}",
                status,
                method,
                track,
                False,
            )
        track.redirected = True
        origin = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
        old = urlsplit(url)
        if parts.path == old.path:
            # Same REST path on a new host: the portal's domain changed; go there from now on.
            self._base = origin + urlsplit(self._base).path
        self._moved_to = origin
        return target

    def _batch_result(
        self, outer: CallResult, methods: dict[str, str], halt: bool, safe: bool
    ) -> BatchResult:
        body = outer.result
        if isinstance(body, list) and not body:
            body = {}
        if not isinstance(body, Mapping):
            raise self._invalid("batch", "the batch answer is not an object", safe)
        results = section(body.get("result"))
        raw_errors = section(body.get("result_error"))
        times = {k: v for k, v in section(body.get("result_time")).items() if isinstance(v, dict)}
        errors: dict[str, ApiError] = {}
        for key, raw in raw_errors.items():
            method = methods.get(key, "batch")
            errors[key] = self._command_error(method, raw)
        for key, time_info in times.items():
            if key in methods:
                self.operating.record(methods[key], time_info)
        known = {k: v for k, v in results.items() if k in methods}
        missing = tuple(k for k in methods if k not in known and k not in errors)
        return BatchResult(
            results=known,
            errors={k: v for k, v in errors.items() if k in methods},
            times=times,
            totals=section(body.get("result_total")),
            nexts=section(body.get("result_next")),
            missing=missing,
            halt=halt,
            call=outer,
        )

    def _command_error(self, method: str, raw: Any) -> ApiError:
        if isinstance(raw, Mapping):
            code = str(raw.get("error") or "UNKNOWN_ERROR")
            description = str(raw.get("error_description") or "")
        else:
            code, description = (str(raw) or "UNKNOWN_ERROR"), ""
        description = scrub(description, self._secrets())
        key = code.upper()
        cls: type[ApiError] = ApiError
        if key in _UNKNOWN_CODES:
            cls = UnknownOutcome
        elif key in _RATE_CODES:
            cls = RateLimited
        elif key in _AUTH_CODES:
            cls = AuthError
        retry_at = None
        if key == "OPERATION_TIME_LIMIT":
            wait = self.operating.seconds_until_reset(method)
            retry_at = time.time() + wait if wait is not None else None
        return cls(
            code,
            description,
            method=method,
            portal=self._host,
            hint=explain(code, None, description=description, method=method, context=self._ctx()),
            retry_at=retry_at,
        )

    # ---- helpers ---------------------------------------------------------------

    def _url(self, method: str) -> str:
        return f"{self._base}{method}.json"

    def _secrets(self, *params: Mapping[str, Any]) -> tuple[str, ...]:
        values = list(self.settings.secrets())
        if self.oauth is not None:
            values.extend(self.oauth.secrets())
        for group in params:
            values.extend(secret_values(group))
        return tuple(v for v in values if v)

    def _ctx(self, safe: bool = False) -> tuple[str, ...]:
        return (("read_only",) if safe else ()) + (self.settings.auth,)

    def _backoff(self, retry: int) -> float:
        """Exponential backoff with jitter (half fixed, half random) for the n-th retry."""
        delay = min(self.settings.backoff_max, self.settings.backoff_base * 2 ** (retry - 1))
        return delay * (0.5 + random.random() / 2)

    def _error(
        self,
        cls: type[ApiError],
        code: str,
        description: str,
        status: int | None,
        method: str,
        track: _Attempts,
        safe: bool,
        *,
        retry_at: float | None = None,
    ) -> ApiError:
        return cls(
            code,
            description,
            http_status=status,
            hint=explain(
                code, status, description=description, method=method, context=self._ctx(safe)
            ),
            method=method,
            portal=self._host,
            attempts=track.requests,
            retry_at=retry_at,
        )

    @staticmethod
    def _maybe_class(safe: bool) -> type[ApiError]:
        """The error for an answer that may mean "processed": unknown, unless nothing changes."""
        return ApiError if safe else UnknownOutcome

    def _invalid(self, method: str, problem: str, safe: bool) -> ApiError:
        cls = self._maybe_class(safe)
        return cls(
            INVALID_RESPONSE,
            problem,
            method=method,
            portal=self._host,
            hint=explain(INVALID_RESPONSE, None, context=self._ctx(safe)),
        )


def _json_body(method: str, body: Mapping[str, Any]) -> bytes:
    """The request body; UsageError (nothing sent) when the params are not plain JSON."""
    try:
        return json.dumps(body, ensure_ascii=False, allow_nan=False).encode()
    except (TypeError, ValueError) as err:
        raise UsageError(f"{method}: the parameters cannot be sent as JSON ({err}).") from None


def _classify_exception(err: Exception) -> tuple[str, str]:
    """(code, kind) for a failed exchange; kind is ``not_sent``, ``refused`` or ``maybe``.

    ``not_sent``: no byte reached the portal (retry); ``refused``: our side
    could not form the request (no retry, nothing sent); ``maybe``: the
    request, or part of it, went out, so the portal may have processed it.
    """
    import httpx

    if isinstance(err, httpx.ConnectTimeout):
        return CONNECT_TIMEOUT, "not_sent"
    if isinstance(err, httpx.ConnectError):
        return CONNECT_ERROR, "not_sent"
    if isinstance(err, httpx.PoolTimeout):
        return POOL_TIMEOUT, "not_sent"
    if isinstance(err, httpx.LocalProtocolError | httpx.UnsupportedProtocol | httpx.ProxyError):
        # Raised before anything left (our side's protocol error, an
        # unsupported scheme, a proxy refusing us): retrying won't help.
        return TRANSPORT_ERROR, "refused"
    if isinstance(err, httpx.ReadTimeout):
        return READ_TIMEOUT, "maybe"
    if isinstance(err, httpx.WriteTimeout):
        return WRITE_TIMEOUT, "maybe"
    if isinstance(err, httpx.NetworkError | httpx.RemoteProtocolError):
        return CONNECTION_LOST, "maybe"
    if isinstance(err, httpx.DecodingError):
        return INVALID_RESPONSE, "maybe"
    # Anything else (an in-process app failing, an unknown transport error).
    return TRANSPORT_ERROR, "maybe"
