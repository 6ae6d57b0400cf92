"""OAuth against the sandbox: token in the body, one coalesced refresh, rotated pairs persisted."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from b24notify.core.api_errors import AuthError, TransportError
from b24notify.core.client import B24Client, ClientSettings
from b24notify.core.ratelimit import LeakyBucket
from b24notify.sandbox.config import SandboxConfig
from b24notify.sandbox.runner import RunningSandbox, start_sandbox

OAUTH_CLIENT = "local.sandbox"
OAUTH_SECRET = "sandbox-secret"


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with start_sandbox(SandboxConfig()) as running:
        yield running


def control(sandbox: RunningSandbox, path: str, body: dict[str, Any] | None = None) -> Any:
    """Sandbox controls, synchronously (also usable inside an ``on_tokens`` callback)."""
    with httpx.Client(base_url=sandbox.base_url) as http:
        response = http.get(path) if body is None else http.post(path, json=body)
        assert response.status_code == 200, response.text
        return response.json()


def issue_tokens(sandbox: RunningSandbox) -> tuple[str, str]:
    pair = control(sandbox, "/sandbox/oauth/issue", {})
    return pair["access_token"], pair["refresh_token"]


def oauth_settings(sandbox: RunningSandbox, access: str, refresh: str, **kw: Any) -> ClientSettings:
    values: dict[str, Any] = {
        "base_url": sandbox.base_url,
        "auth": "oauth",
        "client_id": OAUTH_CLIENT,
        "client_secret": OAUTH_SECRET,
        "access_token": access,
        "refresh_token": refresh,
        "token_url": sandbox.token_url,
        "backoff_base": 0.01,
        **kw,
    }
    return ClientSettings(**values)


def send_params(dialog: str, message: str) -> dict[str, Any]:
    # No CLIENT_ID: with OAuth the application itself is the caller.
    return {"BOT_ID": 7, "DIALOG_ID": dialog, "MESSAGE": message}


async def test_an_oauth_send_carries_the_token_and_lands(sandbox: RunningSandbox) -> None:
    access, refresh = issue_tokens(sandbox)
    async with B24Client(oauth_settings(sandbox, access, refresh), bucket=LeakyBucket(50, 50)) as c:
        result = await c.send("imbot.message.add", send_params("chat3", "via oauth"))
        v2 = await c.send(
            "imbot.v2.Chat.Message.send",
            {"botId": 7, "dialogId": "chat3", "fields": {"message": "v2 via oauth"}},
        )
    messages = control(sandbox, "/sandbox/messages")
    assert [(m["id"], m["message"]) for m in messages] == [
        (result.message_id, "via oauth"),
        (v2.message_id, "v2 via oauth"),
    ]
    assert control(sandbox, "/sandbox/stats")["oauth_refreshes"] == 0


async def test_an_expired_token_is_refreshed_once_for_twenty_waiting_sends(
    sandbox: RunningSandbox,
) -> None:
    access, refresh = issue_tokens(sandbox)
    control(sandbox, "/sandbox/oauth/expire", {})
    persisted: list[tuple[str, str, float]] = []
    stored_when_persisted: list[int] = []

    def on_tokens(new_access: str, new_refresh: str, expires_at: float) -> None:
        persisted.append((new_access, new_refresh, expires_at))
        # Called at once: before any send is retried with the new token.
        stored_when_persisted.append(len(control(sandbox, "/sandbox/messages")))

    settings = oauth_settings(sandbox, access, refresh, on_tokens=on_tokens)
    async with B24Client(settings, bucket=LeakyBucket(50, 50)) as c:
        results = await asyncio.gather(
            *(c.send("imbot.message.add", send_params(str(100 + i), f"m{i}")) for i in range(20))
        )
        assert c.oauth is not None and c.oauth.refreshes == 1
    assert control(sandbox, "/sandbox/stats")["oauth_refreshes"] == 1
    assert len(persisted) == 1
    new_access, new_refresh, expires_at = persisted[0]
    assert new_refresh != refresh and new_access != access
    assert expires_at > 0
    assert stored_when_persisted == [0]
    messages = control(sandbox, "/sandbox/messages")
    assert sorted(m["message"] for m in messages) == sorted(f"m{i}" for i in range(20))
    assert sorted(m["id"] for m in messages) == sorted(r.message_id or 0 for r in results)

    # The persisted pair is what the next run uses; the old refresh token is dead.
    async with B24Client(
        oauth_settings(sandbox, new_access, new_refresh), bucket=LeakyBucket(50, 50)
    ) as c:
        await c.send("imbot.message.add", send_params("chat1", "next run"))
    control(sandbox, "/sandbox/oauth/expire", {})
    async with B24Client(oauth_settings(sandbox, access, refresh), bucket=LeakyBucket(50, 50)) as c:
        with pytest.raises(AuthError) as caught:
            await c.send("imbot.message.add", send_params("chat1", "stale pair"))
    assert caught.value.code == "invalid_grant"
    assert "authorise the application again" in caught.value.hint


async def test_an_unknown_token_is_refreshed_too(sandbox: RunningSandbox) -> None:
    _access, refresh = issue_tokens(sandbox)
    async with B24Client(
        oauth_settings(sandbox, "not-a-token", refresh), bucket=LeakyBucket(50, 50)
    ) as c:
        result = await c.send("imbot.message.add", send_params("chat1", "hi"))
    assert result.attempts == 2
    assert control(sandbox, "/sandbox/stats")["oauth_refreshes"] == 1


@pytest.mark.parametrize(
    ("access", "expires_at"),
    [("", 0.0), ("stale-but-unknown-to-the-portal", 1.0)],
)
async def test_a_missing_or_known_expired_token_is_refreshed_first(
    sandbox: RunningSandbox, access: str, expires_at: float
) -> None:
    _access, refresh = issue_tokens(sandbox)
    settings = oauth_settings(sandbox, access, refresh, token_expires_at=expires_at)
    async with B24Client(settings, bucket=LeakyBucket(50, 50)) as c:
        result = await c.send("imbot.message.add", send_params("chat1", "hi"))
    assert result.attempts == 1  # no request wasted on a 401
    assert control(sandbox, "/sandbox/stats")["oauth_refreshes"] == 1


async def test_a_token_that_fails_again_after_refresh_is_not_refreshed_twice() -> None:
    # Tokens that expire the moment they are issued.
    with start_sandbox(SandboxConfig(access_token_ttl=0)) as sandbox:
        access, refresh = issue_tokens(sandbox)
        async with B24Client(
            oauth_settings(sandbox, access, refresh), bucket=LeakyBucket(50, 50)
        ) as c:
            with pytest.raises(AuthError) as caught:
                await c.send("imbot.message.add", send_params("chat1", "never"))
        stats = control(sandbox, "/sandbox/stats")
    err = caught.value
    assert (err.code, err.http_status, err.outcome) == ("expired_token", 401, "failed")
    assert "sign in" in err.hint
    assert stats["oauth_refreshes"] == 1
    assert stats["by_method"] == {"imbot.message.add": 2}
    assert stats["messages"] == 0


async def test_a_refused_refresh_is_an_auth_error_without_secrets(sandbox: RunningSandbox) -> None:
    access, refresh = issue_tokens(sandbox)
    control(sandbox, "/sandbox/oauth/expire", {})
    settings = oauth_settings(sandbox, access, refresh, client_secret="wrong-secret-value")
    async with B24Client(settings, bucket=LeakyBucket(50, 50)) as c:
        with pytest.raises(AuthError) as caught:
            await c.send("imbot.message.add", send_params("chat1", "x"))
    err = caught.value
    assert err.code == "invalid_client"
    assert err.outcome == "failed"
    assert "client id and secret" in err.hint
    text = f"{err} {err.detail} {err.hint}"
    for secret in (access, refresh, "wrong-secret-value"):
        assert secret not in text
    assert control(sandbox, "/sandbox/messages") == []


async def test_an_unreachable_token_server_fails_the_call(sandbox: RunningSandbox) -> None:
    access, refresh = issue_tokens(sandbox)
    control(sandbox, "/sandbox/oauth/expire", {})
    settings = oauth_settings(sandbox, access, refresh, token_url="http://127.0.0.1:9/oauth/token/")
    async with B24Client(settings, bucket=LeakyBucket(50, 50)) as c:
        with pytest.raises(TransportError) as caught:
            await c.send("imbot.message.add", send_params("chat1", "x"))
    assert caught.value.method == "token refresh"
    assert caught.value.outcome == "failed"
    assert refresh not in f"{caught.value} {caught.value.detail}"


async def test_an_oauth_batch_carries_the_token_once(sandbox: RunningSandbox) -> None:
    access, refresh = issue_tokens(sandbox)
    control(sandbox, "/sandbox/oauth/expire", {})
    async with B24Client(oauth_settings(sandbox, access, refresh), bucket=LeakyBucket(50, 50)) as c:
        batch = await c.batch(
            {f"m{i}": ("imbot.message.add", send_params(f"chat{i + 1}", f"b{i}")) for i in range(3)}
        )
    assert list(batch.results) == ["m0", "m1", "m2"]
    stats = control(sandbox, "/sandbox/stats")
    assert stats["oauth_refreshes"] == 1
    assert stats["by_method"] == {"batch": 2}  # refused once (expired), then done
    assert stats["messages"] == 3
