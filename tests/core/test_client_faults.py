"""The retry table against real faults: what is retried, what is "unknown", what failed.

Every case runs over real loopback HTTP against the sandbox (or a second tiny
server that answers redirects), and counts on the sandbox's own statistics
how many requests really arrived: a message must never be sent twice.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from b24notify.core.api_errors import (
    ApiError,
    PortalMovedError,
    RateLimited,
    TransportError,
    UnknownOutcome,
)
from b24notify.core.client import B24Client, ClientSettings
from b24notify.core.ratelimit import LeakyBucket
from b24notify.sandbox.config import SandboxConfig
from b24notify.sandbox.runner import RunningSandbox, start_sandbox

CLIENT_ID = "sandbox-client-id"


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with start_sandbox(SandboxConfig()) as running:
        yield running


def fast_settings(base_url: str, **kwargs: Any) -> ClientSettings:
    values: dict[str, Any] = {"backoff_base": 0.01, "read_timeout": 1.0, **kwargs}
    return ClientSettings(base_url=base_url, **values)


@pytest.fixture
async def client(sandbox: RunningSandbox) -> AsyncIterator[B24Client]:
    async with B24Client(fast_settings(sandbox.webhook_url), bucket=LeakyBucket(50.0, 50)) as c:
        yield c


async def control(sandbox: RunningSandbox, path: str, body: dict[str, Any] | None = None) -> Any:
    async with httpx.AsyncClient(base_url=sandbox.base_url) as http:
        if body is None:
            return (await http.get(path)).json()
        response = await http.post(path, json=body)
        assert response.status_code == 200, response.text
        return response.json()


def v1_params(dialog: str = "chat5", message: str = "Hello") -> dict[str, Any]:
    return {"BOT_ID": 7, "DIALOG_ID": dialog, "MESSAGE": message, "CLIENT_ID": CLIENT_ID}


@pytest.mark.parametrize(
    ("fault", "code", "status", "stored"),
    [
        # The connection is cut before any answer: maybe the portal got it.
        ("drop", "CONNECTION_LOST", None, 0),
        # The portal stored the message, then the answer was lost.
        ("lost_answer", "CONNECTION_LOST", None, 1),
        # A gateway's HTML page: nobody can say what happened behind it.
        ("html", "HTTP_502", 502, 0),
        ("html_500", "HTTP_500", 500, 0),
        # A 500 whose code does not prove the portal refused.
        ("error_500", "INTERNAL_SERVER_ERROR", 500, 0),
        # No answer within the read timeout.
        ("timeout", "READ_TIMEOUT", None, 0),
    ],
)
async def test_maybe_delivered_is_unknown_and_never_resent(
    client: B24Client,
    sandbox: RunningSandbox,
    fault: str,
    code: str,
    status: int | None,
    stored: int,
) -> None:
    await control(sandbox, "/sandbox/faults", {"next": [fault]})
    with pytest.raises(UnknownOutcome) as caught:
        await client.send("imbot.message.add", v1_params())
    err = caught.value
    assert (err.code, err.http_status, err.outcome) == (code, status, "unknown")
    assert err.delivered_maybe
    assert "may or may not have been delivered" in err.hint
    assert err.attempts == 1
    stats = await control(sandbox, "/sandbox/stats")
    assert stats["by_method"] == {"imbot.message.add": 1}  # exactly one request
    assert len(await control(sandbox, "/sandbox/messages")) == stored


async def test_a_lost_answer_in_batch_is_unknown_for_the_whole_batch(
    client: B24Client, sandbox: RunningSandbox
) -> None:
    await control(sandbox, "/sandbox/faults", {"next": ["lost_answer"]})
    with pytest.raises(UnknownOutcome):
        await client.batch(
            {f"m{i}": ("imbot.message.add", v1_params(str(10 + i))) for i in range(3)}
        )
    assert (await control(sandbox, "/sandbox/stats"))["by_method"] == {"batch": 1}
    assert len(await control(sandbox, "/sandbox/messages")) == 3


async def test_query_limit_503_is_retried_and_delivered_once(
    client: B24Client, sandbox: RunningSandbox
) -> None:
    await control(sandbox, "/sandbox/faults", {"next": ["error_503", "error_503"]})
    result = await client.send("imbot.message.add", v1_params(message="after two 503s"))
    assert result.attempts == 3
    messages = await control(sandbox, "/sandbox/messages")
    assert [m["message"] for m in messages] == ["after two 503s"]
    assert messages[0]["id"] == result.message_id
    assert (await control(sandbox, "/sandbox/stats"))["by_method"] == {"imbot.message.add": 3}


async def test_endless_503s_give_up_as_rate_limited_and_not_delivered(
    sandbox: RunningSandbox,
) -> None:
    settings = fast_settings(sandbox.webhook_url, max_retries=2)
    await control(sandbox, "/sandbox/faults", {"next": ["error_503"] * 5})
    async with B24Client(settings, bucket=LeakyBucket(50.0, 50)) as c:
        with pytest.raises(RateLimited) as caught:
            await c.send("imbot.message.add", v1_params())
    err = caught.value
    assert (err.code, err.http_status, err.outcome) == ("QUERY_LIMIT_EXCEEDED", 503, "failed")
    assert err.retryable
    assert err.attempts == 3
    assert await control(sandbox, "/sandbox/messages") == []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_connect_refused_is_retried_then_failed_not_unknown() -> None:
    port = free_port()  # nothing listens there any more
    settings = fast_settings(f"http://127.0.0.1:{port}/rest/1/s3cr3t-code/", max_retries=2)
    started = time.monotonic()
    async with B24Client(settings, bucket=LeakyBucket(50.0, 50)) as c:
        with pytest.raises(TransportError) as caught:
            await c.send("imbot.message.add", v1_params())
    err = caught.value
    assert (err.code, err.outcome, err.attempts) == ("CONNECT_ERROR", "failed", 3)
    assert not err.delivered_maybe
    assert "Nothing was sent" in err.hint
    assert "s3cr3t-code" not in f"{err} {err.detail}"
    assert time.monotonic() - started < 5


async def test_a_read_only_call_is_retried_through_dropped_connections(
    client: B24Client, sandbox: RunningSandbox
) -> None:
    # Queued faults only hit message requests; a rate hits everything.
    await control(sandbox, "/sandbox/faults", {"drop": 1.0})
    with pytest.raises(TransportError) as caught:
        await client.list_bots("v1", client_id=CLIENT_ID)
    assert caught.value.code == "CONNECTION_LOST"
    assert caught.value.outcome == "failed"  # nothing to deliver, so not "unknown"
    assert "try again" in caught.value.hint
    retries = client.settings.max_retries
    stats = await control(sandbox, "/sandbox/stats")
    assert stats["by_method"] == {"imbot.bot.list": 1 + retries}

    await control(sandbox, "/sandbox/faults", {"drop": 0.0})
    assert await client.list_bots("v1", client_id=CLIENT_ID)


# ---- redirects from a moved portal -------------------------------------------------


@contextmanager
def serve(app: Starlette) -> Iterator[str]:
    """A real uvicorn server on a free loopback port, in a thread; yields its base URL."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_config=None, access_log=False, lifespan="off", http="h11")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def redirector(target: str, status: int = 302) -> tuple[Starlette, list[str]]:
    """A moved portal: answers every REST call with a redirect to ``target`` + same path."""
    hits: list[str] = []

    async def moved(request: Request) -> Response:
        hits.append(request.url.path)
        return RedirectResponse(f"{target}{request.url.path}", status_code=status)

    app = Starlette(routes=[Route("/{path:path}", moved, methods=["GET", "POST"])])
    return app, hits


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_a_moved_portal_is_re_posted_once_and_reported(
    sandbox: RunningSandbox, status: int
) -> None:
    app, hits = redirector(sandbox.base_url, status)
    with serve(app) as old_portal:
        settings = fast_settings(f"{old_portal}/rest/1/sandbox/")
        async with B24Client(settings, bucket=LeakyBucket(50.0, 50)) as c:
            first = await c.send("imbot.message.add", v1_params(message="one"))
            second = await c.send("imbot.message.add", v1_params(message="two"))
    assert first.moved_to == sandbox.base_url
    assert first.attempts == 2
    # The client remembers the new address: the second call goes straight there.
    assert second.moved_to == sandbox.base_url
    assert second.attempts == 1
    assert hits == ["/rest/1/sandbox/imbot.message.add.json"]
    messages = await control(sandbox, "/sandbox/messages")
    assert [m["message"] for m in messages] == ["one", "two"]  # the POST body survived


async def test_a_second_redirect_is_not_followed(sandbox: RunningSandbox) -> None:
    app_b, hits_b = redirector(sandbox.base_url)
    with serve(app_b) as portal_b:
        app_a, hits_a = redirector(portal_b)
        with serve(app_a) as portal_a:
            settings = fast_settings(f"{portal_a}/rest/1/sandbox/")
            async with B24Client(settings, bucket=LeakyBucket(50.0, 50)) as c:
                with pytest.raises(PortalMovedError) as caught:
                    await c.send("imbot.message.add", v1_params())
    assert caught.value.code == "PORTAL_MOVED"
    assert caught.value.outcome == "failed"
    assert (len(hits_a), len(hits_b)) == (1, 1)
    assert await control(sandbox, "/sandbox/messages") == []


async def test_a_redirect_to_plain_http_elsewhere_is_refused() -> None:
    app, hits = redirector("http://moved.example")
    with serve(app) as old_portal:
        settings = fast_settings(f"{old_portal}/rest/1/hook-secret-code/")
        async with B24Client(settings, bucket=LeakyBucket(50.0, 50)) as c:
            with pytest.raises(PortalMovedError) as caught:
                await c.send("imbot.message.add", v1_params())
    err = caught.value
    assert err.code == "INSECURE_REDIRECT"
    assert "http://moved.example/rest/1/***/imbot.message.add.json" in (err.detail or "")
    assert "hook-secret-code" not in f"{err} {err.detail}"
    assert len(hits) == 1


# ---- other answers -------------------------------------------------------------------


async def test_other_errors_fail_at_once_with_the_code(
    client: B24Client, sandbox: RunningSandbox
) -> None:
    params = v1_params()
    params["BOT_ID"] = 999
    with pytest.raises(ApiError) as caught:
        await client.send("imbot.message.add", params)
    assert caught.value.code == "BOT_ID_ERROR"
    assert caught.value.outcome == "failed"
    assert (await control(sandbox, "/sandbox/stats"))["by_method"] == {"imbot.message.add": 1}


async def test_operating_limit_429_is_not_waited_for_beyond_the_limit(
    sandbox: RunningSandbox,
) -> None:
    # A budget the third call exceeds; the window resets minutes later.
    await control(sandbox, "/sandbox/limits", {"operating_budget": 0.08, "operating_cost": 0.05})
    settings = fast_settings(sandbox.webhook_url, max_wait=2.0)
    async with B24Client(settings, bucket=LeakyBucket(50.0, 50)) as c:
        await c.send("imbot.message.add", v1_params(message="1"))
        await c.send("imbot.message.add", v1_params(message="2"))
        with pytest.raises(RateLimited) as caught:
            await c.send("imbot.message.add", v1_params(message="3"))
    err = caught.value
    assert (err.code, err.http_status, err.outcome) == ("OPERATION_TIME_LIMIT", 429, "failed")
    assert err.retry_at is not None and err.retry_at > time.time() + 2
    assert (await control(sandbox, "/sandbox/stats"))["by_method"] == {"imbot.message.add": 3}
    assert len(await control(sandbox, "/sandbox/messages")) == 2


async def test_a_method_known_to_be_over_budget_is_not_even_sent(
    sandbox: RunningSandbox,
) -> None:
    await control(sandbox, "/sandbox/limits", {"operating_budget": 0.08, "operating_cost": 0.05})
    settings = fast_settings(sandbox.webhook_url, max_wait=2.0, operating_limit=0.08)
    async with B24Client(settings, bucket=LeakyBucket(50.0, 50)) as c:
        await c.send("imbot.message.add", v1_params(message="1"))
        await c.send("imbot.message.add", v1_params(message="2"))
        with pytest.raises(RateLimited) as caught:
            await c.send("imbot.message.add", v1_params(message="3"))
        assert caught.value.http_status is None  # decided here, from the portal's numbers
        assert caught.value.code == "OPERATION_TIME_LIMIT"
        # Other methods keep their own budget.
        assert await c.list_bots("v1", client_id=CLIENT_ID)
    stats = await control(sandbox, "/sandbox/stats")
    assert stats["by_method"] == {"imbot.message.add": 2, "imbot.bot.list": 1}
