"""Shared constants and small helpers for the sandbox tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from b24notify.sandbox.app import create_app
from b24notify.sandbox.config import SandboxConfig
from b24notify.sandbox.limits import ManualClock
from b24notify.sandbox.state import SandboxState

WEBHOOK = "/rest/1/sandbox/"
CLIENT_ID = "sandbox-client-id"
BOT_TOKEN = "sandbox-bot-token"
BOT_ID = 7
START = 1_800_000_000.0


def v1(message: str = "Hello", dialog: str = "chat42", **extra: Any) -> dict[str, Any]:
    """imbot.message.add params for a webhook call."""
    return {"DIALOG_ID": dialog, "MESSAGE": message, "CLIENT_ID": CLIENT_ID, **extra}


def v2(message: str = "Hello", dialog: str = "chat42", **fields: Any) -> dict[str, Any]:
    """imbot.v2.Chat.Message.send params for a webhook call."""
    return {
        "botId": BOT_ID,
        "botToken": BOT_TOKEN,
        "dialogId": dialog,
        "fields": {"message": message, **fields},
    }


async def call(
    client: httpx.AsyncClient, method: str, params: dict[str, Any] | None = None
) -> httpx.Response:
    """POST a JSON webhook call."""
    return await client.post(f"{WEBHOOK}{method}", json=params or {})


async def messages(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get("/sandbox/messages")
    assert response.status_code == 200
    result: list[dict[str, Any]] = response.json()
    return result


async def stats(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/sandbox/stats")
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


@asynccontextmanager
async def in_process(
    config: SandboxConfig, clock: ManualClock | None = None
) -> AsyncIterator[tuple[httpx.AsyncClient, SandboxState]]:
    """A client for a fresh in-process sandbox with ``config``, and its state."""
    app = create_app(config, clock=clock or ManualClock(START))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as c:
        yield c, app.state.sandbox
