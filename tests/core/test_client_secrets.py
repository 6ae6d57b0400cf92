"""No error of the client ever shows a secret: webhook code, CLIENT_ID, botToken, tokens."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from b24notify.core.api_errors import ApiError
from b24notify.core.client import B24Client, ClientSettings
from b24notify.core.models import V2_SEND
from b24notify.core.ratelimit import LeakyBucket
from b24notify.sandbox.config import SandboxBot, SandboxConfig
from b24notify.sandbox.runner import RunningSandbox, start_sandbox

HOOK = "hook-code-s3cret"
CLIENT_ID = "client-id-s3cret"
BOT_TOKEN = "bot-token-s3cret"
WRONG_CLIENT_ID = "wrong-client-id-s3cret"
WRONG_TOKEN = "wrong-bot-token-s3cret"
SECRETS = (HOOK, CLIENT_ID, BOT_TOKEN, WRONG_CLIENT_ID, WRONG_TOKEN)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    config = SandboxConfig(
        webhook_code=HOOK,
        bots=[SandboxBot(7, "Bot", "bot", client_id=CLIENT_ID, bot_token=BOT_TOKEN)],
    )
    with start_sandbox(config) as running:
        yield running


def v1(client_id: str | None = CLIENT_ID, **extra: Any) -> dict[str, Any]:
    params = {"BOT_ID": 7, "DIALOG_ID": "chat1", "MESSAGE": "x", **extra}
    if client_id is not None:
        params["CLIENT_ID"] = client_id
    return params


def v2(token: str) -> dict[str, Any]:
    return {"botId": 7, "botToken": token, "dialogId": "chat1", "fields": {"message": "x"}}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def echo_secrets(request: Request) -> Response:
    """A portal that repeats what it got in its error text (some proxies and portals do)."""
    body = await request.json()
    return JSONResponse(
        {"error": "WRONG_REQUEST", "error_description": f"{request.url.path} {body}"}, 400
    )


async def redirect_insecure(request: Request) -> Response:
    return RedirectResponse(f"http://moved.example{request.url.path}", status_code=302)


def asgi(endpoint: Callable[[Request], Awaitable[Response]]) -> httpx.ASGITransport:
    app = Starlette(routes=[Route("/{path:path}", endpoint, methods=["POST"])])
    return httpx.ASGITransport(app=app)


Case = tuple[str, Callable[[RunningSandbox], tuple[ClientSettings, str, Any, list[str]]]]

CASES: list[Case] = [
    ("no CLIENT_ID", lambda s: (ClientSettings(s.webhook_url), "imbot.message.add", v1(None), [])),
    (
        "wrong CLIENT_ID",
        lambda s: (ClientSettings(s.webhook_url), "imbot.message.add", v1(WRONG_CLIENT_ID), []),
    ),
    (
        "wrong botToken",
        lambda s: (
            ClientSettings(s.webhook_url),
            "imbot.v2.Chat.Message.send",
            v2(WRONG_TOKEN),
            [],
        ),
    ),
    (
        "wrong webhook code",
        lambda s: (
            ClientSettings(f"{s.base_url}/rest/1/{HOOK}x/"),
            "imbot.message.add",
            v1(),
            [],
        ),
    ),
    ("dropped", lambda s: (ClientSettings(s.webhook_url), "imbot.message.add", v1(), ["drop"])),
    ("html page", lambda s: (ClientSettings(s.webhook_url), "imbot.message.add", v1(), ["html"])),
    (
        "read timeout",
        lambda s: (
            ClientSettings(s.webhook_url, read_timeout=0.3),
            "imbot.message.add",
            v1(),
            ["timeout"],
        ),
    ),
    (
        "connection refused",
        lambda s: (
            ClientSettings(
                f"http://127.0.0.1:{closed_port()}/rest/1/{HOOK}/", max_retries=1, backoff_base=0.01
            ),
            "imbot.message.add",
            v1(),
            [],
        ),
    ),
    (
        "portal echoes the request",
        lambda s: (
            ClientSettings(f"http://127.0.0.1/rest/1/{HOOK}/", transport=asgi(echo_secrets)),
            V2_SEND,
            v2(BOT_TOKEN) | {"CLIENT_ID": CLIENT_ID},
            [],
        ),
    ),
    (
        "redirect to plain http",
        lambda s: (
            ClientSettings(f"http://127.0.0.1/rest/1/{HOOK}/", transport=asgi(redirect_insecure)),
            "imbot.message.add",
            v1(),
            [],
        ),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[name for name, _ in CASES])
async def test_no_secret_in_any_error(sandbox: RunningSandbox, case: Case) -> None:
    _name, build = case
    settings, method, params, faults = build(sandbox)
    if faults:
        async with httpx.AsyncClient() as http:
            await http.post(f"{sandbox.base_url}/sandbox/faults", json={"next": faults})
    async with B24Client(settings, bucket=LeakyBucket(100.0, 100)) as c:
        with pytest.raises(ApiError) as caught:
            await c.call(method, params)
    err = caught.value
    shown = " ".join(
        str(part) for part in (err, repr(err), err.detail, err.hint, err.description, err.portal)
    )
    for secret in SECRETS:
        assert secret not in shown, (secret, shown)


async def test_no_secret_in_batch_errors(sandbox: RunningSandbox) -> None:
    async with B24Client(ClientSettings(sandbox.webhook_url), bucket=LeakyBucket(100, 100)) as c:
        batch = await c.batch(
            {
                "a": ("imbot.message.add", v1(WRONG_CLIENT_ID)),
                "b": (V2_SEND, v2(WRONG_TOKEN)),
                "c": ("imbot.message.add", v1(MESSAGE="")),
            }
        )
    assert set(batch.errors) == {"a", "b", "c"}
    for err in batch.errors.values():
        shown = f"{err} {err.detail} {err.description}"
        for secret in SECRETS:
            assert secret not in shown
