"""Injected trouble: which fault a request meets, the fault answers, and cutting a connection.

A request first takes the next queued fault (``POST /sandbox/faults
{"next": [...]}``; message requests only, so tests are deterministic), else
draws from the random rates. Cutting a connection without an answer needs the
server's socket: under uvicorn the raw ASGI ``send`` belongs to the request
cycle, whose transport ``ConnectionCutter`` closes — the client then sees the
connection end before any response byte (httpx: ``RemoteProtocolError``
"Server disconnected without sending a response", or ``ReadError`` if the
close turns into a reset). Where no transport is reachable (in-process
``httpx.ASGITransport``, other servers) it starts a response with a
Content-Length and raises ``httpx.RemoteProtocolError`` before the body: the
in-process client gets that same exception, a real server closes the
connection mid-response.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from b24notify.sandbox.config import FAULT_KINDS, RATE_FIELDS, Faults
from b24notify.sandbox.envelope import internal_error, query_limit

CUT_KEY = "b24notify.sandbox.cut"

# Faults answered (or hung) before the portal sees the request: nothing is stored.
BEFORE_PROCESSING = ("drop", "timeout", "error_500", "html", "html_500", "error_503")

_HTML_PAGE = """<html>
<head><title>{status} {reason}</title></head>
<body>
<center><h1>{status} {reason}</h1></center>
<hr><center>nginx</center>
</body>
</html>
"""


class FaultPlan:
    """The current fault rates, the queue of forced faults and the seeded random source."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self.queue: deque[str] = deque()
        self._random = random.Random(faults.seed)

    def update(self, changes: Mapping[str, Any], *, replace: bool = False) -> None:
        """Merge new rates (or replace all of them); ``next`` replaces the queue.

        ValueError names the first unknown key, bad rate or unknown fault kind.
        """
        rates = {k: v for k, v in changes.items() if k not in ("next", "replace")}
        queue = changes.get("next")
        if queue is not None:
            queue = check_kinds(queue)
        base = Faults(hang_seconds=self.faults.hang_seconds) if replace else self.faults
        faults = base.merged(rates)
        self.faults = faults
        if "seed" in rates or replace:
            self._random = random.Random(faults.seed)
        if queue is not None:
            self.queue = deque(queue)

    def next_fault(self, *, message_request: bool) -> str | None:
        """The fault this request meets, or None."""
        if message_request and self.queue:
            return self.queue.popleft()
        draw = self._random.random()
        threshold = 0.0
        for kind in RATE_FIELDS:
            threshold += getattr(self.faults, kind)
            if draw < threshold:
                return kind
        return None

    def describe(self) -> dict[str, Any]:
        """Rates, latency, seed and queue as JSON."""
        data: dict[str, Any] = {
            "latency": self.faults.latency,
            "seed": self.faults.seed,
            "hang_seconds": self.faults.hang_seconds,
            **self.faults.rates(),
        }
        data["next"] = list(self.queue)
        return data


def check_kinds(kinds: Iterable[Any] | Any) -> list[str]:
    """The queued fault kinds, or ValueError naming the first unknown one."""
    if isinstance(kinds, str) or not isinstance(kinds, list | tuple):
        raise ValueError("'next' must be a list of fault kinds.")
    for kind in kinds:
        if kind not in FAULT_KINDS:
            raise ValueError(f"'{kind}' is not a fault kind (known: {', '.join(FAULT_KINDS)}).")
    return list(kinds)


def fault_response(kind: str) -> Response:
    """The answer of a fault that answers: a JSON 500, an HTML gateway page or a 503."""
    if kind == "error_500":
        err = internal_error()
        return JSONResponse(err.body(), status_code=err.status)
    if kind == "error_503":
        err = query_limit()
        return JSONResponse(err.body(), status_code=err.status)
    status, reason = (500, "Internal Server Error") if kind == "html_500" else (502, "Bad Gateway")
    return HTMLResponse(_HTML_PAGE.format(status=status, reason=reason), status_code=status)


class _Cutter:
    """Closes one request's connection: the transport if reachable, else a broken response."""

    def __init__(self, receive: Receive, send: Send) -> None:
        owner = getattr(send, "__self__", None)
        transport = getattr(owner, "transport", None)
        usable = hasattr(transport, "close") and hasattr(transport, "is_closing")
        self._transport: Any = transport if usable else None
        self._receive = receive
        self._send = send
        self.done = False

    async def __call__(self) -> None:
        if self.done:
            return
        self.done = True
        if self._transport is not None:
            self._transport.close()
            # Let the server notice the disconnect so it does not answer for us.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._receive(), timeout=1.0)
            return
        await self._send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"64")],
            }
        )

    @property
    def needs_raise(self) -> bool:
        return self.done and self._transport is None


class ConnectionCutter:
    """Outermost ASGI layer: lets a handler cut its connection without answering."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cutter = _Cutter(receive, send)
        scope[CUT_KEY] = cutter

        async def guarded_send(message: Message) -> None:
            if not cutter.done:
                await send(message)

        await self.app(scope, receive, guarded_send)
        if cutter.needs_raise:
            import httpx

            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")


class CutConnection(Response):
    """A "response" that closes the connection instead of answering."""

    def __init__(self) -> None:
        super().__init__(status_code=200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cutter = scope.get(CUT_KEY)
        if cutter is None:
            raise RuntimeError("CutConnection needs the ConnectionCutter layer")
        await cutter()


async def hang(receive: Receive, seconds: float, stopping: threading.Event | None = None) -> bool:
    """Wait until the client goes away or ``seconds`` pass; True when the client left."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        left = deadline - loop.time()
        if left <= 0 or (stopping is not None and stopping.is_set()):
            return False
        try:
            message = await asyncio.wait_for(receive(), timeout=min(left, 0.2))
        except TimeoutError:
            continue
        if message.get("type") == "http.disconnect":
            return True
