"""Webhook codes, OAuth tokens on method calls, and the rotating refresh at ``/oauth/token/``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sandbox_support import BOT_ID, call, messages, stats, v1

from b24notify.sandbox.limits import ManualClock
from b24notify.sandbox.runner import RunningSandbox
from b24notify.sandbox.state import SandboxState

NO_AUTH = {"error": "NO_AUTH_FOUND", "error_description": "Wrong authorization data"}


@pytest.mark.parametrize(
    "path",
    [
        "/rest/1/wrong/imbot.bot.list",
        "/rest/2/sandbox/imbot.bot.list",
        "/rest/1/SANDBOX/imbot.bot.list",
    ],
)
async def test_wrong_webhook_is_refused(client: httpx.AsyncClient, path: str) -> None:
    response = await client.post(path, json={})
    assert (response.status_code, response.json()) == (401, NO_AUTH)


async def _issue(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.post("/sandbox/oauth/issue")
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def _refresh_query(refresh_token: str) -> dict[str, str]:
    return {
        "grant_type": "refresh_token",
        "client_id": "local.sandbox",
        "client_secret": "sandbox-secret",
        "refresh_token": refresh_token,
    }


async def test_oauth_token_in_query_body_or_form(client: httpx.AsyncClient) -> None:
    token = (await _issue(client))["access_token"]
    params = {"DIALOG_ID": "chat1", "MESSAGE": "via oauth"}
    in_query = await client.post(f"/rest/imbot.message.add.json?auth={token}", json=params)
    in_body = await client.post("/rest/imbot.message.add", json={**params, "auth": token})
    in_form = await client.post("/rest/imbot.message.add", data={**params, "auth": token})
    assert [r.status_code for r in (in_query, in_body, in_form)] == [200, 200, 200]
    stored = await messages(client)
    assert [m["bot_id"] for m in stored] == [BOT_ID] * 3
    assert all("auth" not in m["fields"] for m in stored)


async def test_oauth_needs_no_bot_secret_in_v2(client: httpx.AsyncClient) -> None:
    token = (await _issue(client))["access_token"]
    params = {"auth": token, "botId": BOT_ID, "dialogId": "5", "fields": {"message": "x"}}
    response = await client.post("/rest/imbot.v2.Chat.Message.send", json=params)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("auth", "status", "code"),
    [
        (None, 401, "NO_AUTH_FOUND"),
        ("", 401, "NO_AUTH_FOUND"),
        ("not-a-token", 401, "invalid_token"),
    ],
)
async def test_missing_or_unknown_tokens(
    client: httpx.AsyncClient, auth: str | None, status: int, code: str
) -> None:
    body: dict[str, Any] = {"DIALOG_ID": "1", "MESSAGE": "x"}
    if auth is not None:
        body["auth"] = auth
    response = await client.post("/rest/imbot.message.add", json=body)
    assert (response.status_code, response.json()["error"]) == (status, code)
    assert await messages(client) == []


async def test_tokens_expire_with_time(client: httpx.AsyncClient, clock: ManualClock) -> None:
    token = (await _issue(client))["access_token"]
    assert (await client.post(f"/rest/imbot.bot.list?auth={token}")).status_code == 200
    clock.advance(3601)
    response = await client.post(f"/rest/imbot.bot.list?auth={token}")
    assert response.status_code == 401
    assert response.json() == {
        "error": "expired_token",
        "error_description": "The access token provided has expired.",
    }


async def test_expire_endpoint_expires_the_current_token(client: httpx.AsyncClient) -> None:
    token = (await _issue(client))["access_token"]
    assert (await client.post("/sandbox/oauth/expire")).json() == {"expired": 1}
    response = await client.post(f"/rest/imbot.bot.list?auth={token}")
    assert response.json()["error"] == "expired_token"


async def test_refresh_rotates_the_pair(client: httpx.AsyncClient, state: SandboxState) -> None:
    first = await _issue(client)
    await client.post("/sandbox/oauth/expire")
    response = await client.get("/oauth/token/", params=_refresh_query(first["refresh_token"]))
    assert response.status_code == 200
    second = response.json()
    assert set(second) >= {
        "access_token", "refresh_token", "expires_in", "expires", "domain", "member_id",
        "scope", "client_endpoint", "server_endpoint", "status",
    }  # fmt: skip
    assert second["expires_in"] == 3600
    assert second["client_endpoint"] == "http://sandbox.test/rest/"
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert (
        await client.post(f"/rest/imbot.bot.list?auth={second['access_token']}")
    ).status_code == 200
    reused = await client.get("/oauth/token/", params=_refresh_query(first["refresh_token"]))
    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")
    assert (await stats(client))["oauth_refreshes"] == 1


async def test_refresh_by_post_form(client: httpx.AsyncClient) -> None:
    first = await _issue(client)
    response = await client.post("/oauth/token", data=_refresh_query(first["refresh_token"]))
    assert response.status_code == 200
    assert response.json()["refresh_token"] != first["refresh_token"]


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"client_secret": "guess"}, 401, "invalid_client"),
        ({"client_id": "other.app"}, 401, "invalid_client"),
        ({"refresh_token": "made-up"}, 400, "invalid_grant"),
        ({"grant_type": "authorization_code"}, 400, "invalid_request"),
    ],
)
async def test_refresh_errors(
    client: httpx.AsyncClient, changes: dict[str, str], status: int, code: str
) -> None:
    first = await _issue(client)
    query = {**_refresh_query(first["refresh_token"]), **changes}
    response = await client.get("/oauth/token/", params=query)
    assert (response.status_code, response.json()["error"]) == (status, code)
    assert "sandbox-secret" not in response.text


async def test_refresh_tokens_expire_after_180_days(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    first = await _issue(client)
    clock.advance(181 * 24 * 3600)
    response = await client.get("/oauth/token/", params=_refresh_query(first["refresh_token"]))
    assert response.json()["error"] == "invalid_grant"


async def test_oauth_over_loopback(wire: httpx.AsyncClient, running: RunningSandbox) -> None:
    first = (await wire.post("/sandbox/oauth/issue")).json()
    await wire.post("/sandbox/oauth/expire")
    expired = await wire.post("/rest/imbot.message.add", json={"auth": first["access_token"]})
    assert expired.json()["error"] == "expired_token"
    refreshed = await wire.get(running.token_url, params=_refresh_query(first["refresh_token"]))
    pair = refreshed.json()
    assert pair["client_endpoint"] == f"{running.base_url}/rest/"
    params = {"auth": pair["access_token"], "DIALOG_ID": "3", "MESSAGE": "after refresh"}
    response = await wire.post(f"{pair['client_endpoint']}imbot.message.add.json", json=params)
    assert response.json()["result"] == 1001


async def test_webhook_call_ignores_an_auth_param(client: httpx.AsyncClient) -> None:
    response = await call(client, "imbot.message.add", v1(auth="whatever"))
    assert response.status_code == 200
