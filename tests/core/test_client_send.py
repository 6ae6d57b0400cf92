"""The client against the sandbox portal: webhook sends (v1, v2), bots, batch, settings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from b24notify import __version__
from b24notify.core.api_errors import ApiError, AuthError, UnknownOutcome
from b24notify.core.client import B24Client, ClientSettings
from b24notify.core.errors import ConfigError, UsageError
from b24notify.core.ratelimit import LeakyBucket, bucket_for
from b24notify.sandbox.app import create_app
from b24notify.sandbox.config import SandboxBot, SandboxConfig
from b24notify.sandbox.runner import RunningSandbox, start_sandbox

CLIENT_ID = "sandbox-client-id"
BOT_TOKEN = "sandbox-bot-token"


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with start_sandbox(SandboxConfig()) as running:
        yield running


@pytest.fixture
async def client(sandbox: RunningSandbox) -> AsyncIterator[B24Client]:
    settings = ClientSettings(base_url=sandbox.webhook_url, backoff_base=0.01)
    async with B24Client(settings, bucket=LeakyBucket(2.0, 50)) as c:
        yield c


async def inbox(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    async with httpx.AsyncClient() as http:
        messages: list[dict[str, Any]] = (
            await http.get(f"{sandbox.base_url}/sandbox/messages")
        ).json()
        return messages


async def stats(sandbox: RunningSandbox) -> dict[str, Any]:
    async with httpx.AsyncClient() as http:
        counts: dict[str, Any] = (await http.get(f"{sandbox.base_url}/sandbox/stats")).json()
        return counts


def v1_params(dialog: str = "chat12", message: str = "Hello", **extra: Any) -> dict[str, Any]:
    return {"BOT_ID": 7, "DIALOG_ID": dialog, "MESSAGE": message, "CLIENT_ID": CLIENT_ID, **extra}


async def test_v1_webhook_send_lands_once_with_exact_fields(
    client: B24Client, sandbox: RunningSandbox
) -> None:
    attach = {
        "COLOR_TOKEN": "alert",
        "BLOCKS": [{"GRID": [{"DISPLAY": "ROW", "NAME": "a", "VALUE": 'q"&<'}]}],
    }
    keyboard = [{"TEXT": "Open", "LINK": "https://help.example.com/t/1"}]
    result = await client.send(
        "imbot.message.add",
        v1_params(
            message="[b]Incident #7[/b]\nSeverity: «high»",
            ATTACH=attach,
            KEYBOARD=keyboard,
            SYSTEM="N",
            URL_PREVIEW="N",
        ),
    )
    assert result.http_status == 200
    assert result.attempts == 1
    assert result.moved_to is None
    assert isinstance(result.message_id, int)
    assert result.operating is not None  # the sandbox reports operating time
    [stored] = await inbox(sandbox)
    assert stored["id"] == result.message_id
    assert (stored["bot_id"], stored["dialog_id"], stored["api"]) == (7, "chat12", "v1")
    assert stored["message"] == "[b]Incident #7[/b]\nSeverity: «high»"
    assert stored["attach"] == attach
    assert stored["keyboard"][0]["TEXT"] == "Open"
    assert stored["keyboard"][0]["LINK"] == "https://help.example.com/t/1"
    assert (stored["system"], stored["url_preview"]) == (False, False)
    assert (await stats(sandbox))["by_method"] == {"imbot.message.add": 1}


async def test_v2_webhook_send_lands_once_with_exact_fields(
    client: B24Client, sandbox: RunningSandbox
) -> None:
    result = await client.send(
        "imbot.v2.Chat.Message.send",
        {
            "botId": 7,
            "botToken": BOT_TOKEN,
            "dialogId": "42",
            "fields": {
                "message": "v2 [i]text[/i]",
                "attach": [{"MESSAGE": "card"}],
                "urlPreview": False,
                "system": True,
            },
        },
    )
    assert result.result["id"] == result.message_id
    [stored] = await inbox(sandbox)
    assert stored["id"] == result.message_id
    assert (stored["bot_id"], stored["dialog_id"], stored["api"]) == (7, "42", "v2")
    assert stored["message"] == "v2 [i]text[/i]"
    assert stored["attach"] in ([{"MESSAGE": "card"}], {"BLOCKS": [{"MESSAGE": "card"}]})
    assert (stored["system"], stored["url_preview"]) == (True, False)
    assert (await stats(sandbox))["requests"] == 1


async def test_portal_refusals_are_typed_failures_with_hints(
    client: B24Client, sandbox: RunningSandbox
) -> None:
    with pytest.raises(ApiError) as caught:
        await client.send("imbot.message.add", v1_params(CLIENT_ID=""))
    err = caught.value
    assert (err.code, err.http_status, err.outcome) == ("ACCESS_DENIED", 403, "failed")
    assert "CLIENT_ID" in err.hint
    assert err.attempts == 1
    assert "127.0.0.1" in str(err)

    with pytest.raises(ApiError) as caught:
        await client.send("imbot.message.add", v1_params(message="   "))
    assert caught.value.code == "MESSAGE_EMPTY"
    assert caught.value.outcome == "failed"
    assert await inbox(sandbox) == []
    # Refusals are never retried.
    assert (await stats(sandbox))["by_method"] == {"imbot.message.add": 2}


async def test_a_wrong_webhook_code_is_an_auth_error(sandbox: RunningSandbox) -> None:
    settings = ClientSettings(base_url=f"{sandbox.base_url}/rest/1/not-the-code/")
    async with B24Client(settings, bucket=LeakyBucket(2.0, 50)) as c:
        with pytest.raises(AuthError) as caught:
            await c.send("imbot.message.add", v1_params())
    assert caught.value.outcome == "failed"
    assert "not-the-code" not in str(caught.value)
    assert "not-the-code" not in (caught.value.detail or "")


async def test_unknown_methods_fail_with_the_portals_code(client: B24Client) -> None:
    with pytest.raises(ApiError) as caught:
        await client.call("imbot.no.such.method", {})
    assert caught.value.code == "ERROR_METHOD_NOT_FOUND"
    assert "API version" in caught.value.hint


async def test_bots_are_listed_alike_in_both_apis(sandbox: RunningSandbox) -> None:
    config = SandboxConfig(
        bots=[
            SandboxBot(9, "Ops", "ops", client_id=CLIENT_ID, bot_token=BOT_TOKEN),
            SandboxBot(7, "Support Bot", "support_bot", client_id=CLIENT_ID, bot_token=BOT_TOKEN),
        ]
    )
    with start_sandbox(config) as running:
        settings = ClientSettings(base_url=running.webhook_url)
        async with B24Client(settings, bucket=LeakyBucket(2.0, 50)) as c:
            v1 = await c.list_bots("v1", client_id=CLIENT_ID)
            v2 = await c.list_bots("v2", bot_token=BOT_TOKEN)
    expected = [
        {"id": 7, "name": "Support Bot", "code": "support_bot"},
        {"id": 9, "name": "Ops", "code": "ops"},
    ]
    assert v1 == expected
    assert v2 == expected


async def test_no_bots_is_an_empty_list() -> None:
    app = create_app(SandboxConfig(bots=[]))
    settings = ClientSettings(
        base_url="http://127.0.0.1:1/rest/1/sandbox/", transport=httpx.ASGITransport(app=app)
    )
    async with B24Client(settings, bucket=LeakyBucket(2.0, 50)) as c:
        assert await c.list_bots("v1") == []
        assert await c.list_bots("v2") == []
        with pytest.raises(UsageError, match="v3"):
            await c.list_bots("v3")


async def test_batch_maps_results_and_errors_per_key(
    client: B24Client, sandbox: RunningSandbox
) -> None:
    batch = await client.batch(
        {
            "row1": (
                "imbot.message.add",
                v1_params("chat1", "first", ATTACH=[{"MESSAGE": "a&b=c"}]),
            ),
            "row2": ("imbot.message.add", v1_params("chat1", "")),
            "row3": ("imbot.message.add", v1_params("not a dialog", "third")),
            "row4": ("imbot.message.add", v1_params("42", "fourth", URL_PREVIEW="N")),
            "bots": ("imbot.bot.list", {"CLIENT_ID": CLIENT_ID}),
        }
    )
    assert set(batch.results) == {"row1", "row4", "bots"}
    assert {k: e.code for k, e in batch.errors.items()} == {
        "row2": "MESSAGE_EMPTY",
        "row3": "DIALOG_ID_EMPTY",
    }
    assert batch.errors["row3"].method == "imbot.message.add"
    assert "chat123" in batch.errors["row3"].hint
    assert [batch.status(k) for k in ("row1", "row2", "row3", "row4")] == [
        "sent",
        "failed",
        "failed",
        "sent",
    ]
    assert batch.missing == ()
    assert batch.call.attempts == 1
    stored = await inbox(sandbox)
    assert [(m["id"], m["dialog_id"], m["message"]) for m in stored] == [
        (batch.results["row1"], "chat1", "first"),
        (batch.results["row4"], "42", "fourth"),
    ]
    assert stored[0]["attach"] == {"BLOCKS": [{"MESSAGE": "a&b=c"}]}
    assert stored[1]["url_preview"] is False
    counts = await stats(sandbox)
    assert counts["by_method"] == {"batch": 1}  # one HTTP request for five commands


async def test_batch_with_halt_stops_at_the_first_error(
    client: B24Client, sandbox: RunningSandbox
) -> None:
    batch = await client.batch(
        {
            "a": ("imbot.message.add", v1_params("chat1", "one")),
            "b": ("imbot.message.add", v1_params("chat1", "")),
            "c": ("imbot.message.add", v1_params("chat1", "three")),
        },
        halt=True,
    )
    assert list(batch.results) == ["a"]
    assert list(batch.errors) == ["b"]
    assert batch.missing == ("c",)
    assert batch.status("c") == "failed"  # never ran
    assert [m["message"] for m in await inbox(sandbox)] == ["one"]


@pytest.mark.parametrize(
    ("commands", "message"),
    [
        ({}, "at least one command"),
        (
            {f"m{i}": ("imbot.bot.list", {}) for i in range(51)},
            "at most 50 commands; this one has 51",
        ),
        ({"x": ("batch", {})}, "cannot contain a batch"),
        ({"x": ("imbot.bot.list?a=1", {})}, "not a REST method name"),
        ({"": ("imbot.bot.list", {})}, "non-empty strings"),
    ],
)
async def test_bad_batches_are_refused_before_sending(
    client: B24Client, sandbox: RunningSandbox, commands: dict[str, Any], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        await client.batch(commands)
    assert (await stats(sandbox))["requests"] == 0


async def test_fifty_commands_fit_in_one_batch(client: B24Client, sandbox: RunningSandbox) -> None:
    batch = await client.batch(
        {f"m{i}": ("imbot.message.add", v1_params(str(100 + i), f"n{i}")) for i in range(50)}
    )
    assert len(batch.results) == 50
    assert len({*batch.results.values()}) == 50
    assert len(await inbox(sandbox)) == 50


async def test_requests_are_json_posts_with_our_user_agent() -> None:
    """A real server on loopback that shows what arrived (the sandbox does not echo headers)."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    seen: list[dict[str, Any]] = []

    async def echo(request: Request) -> JSONResponse:
        seen.append(
            {
                "method": request.method,
                "path": request.url.path,
                "type": request.headers.get("content-type"),
                "agent": request.headers.get("user-agent"),
                "body": await request.json(),
            }
        )
        return JSONResponse({"result": True, "time": {}})

    app = Starlette(routes=[Route("/{path:path}", echo, methods=["POST"])])
    settings = ClientSettings(
        base_url="http://127.0.0.1/rest/1/code/", transport=httpx.ASGITransport(app=app)
    )
    async with B24Client(settings, bucket=LeakyBucket(2.0, 50)) as c:
        result = await c.call("imbot.message.delete", {"MESSAGE_ID": 5, "COMPLETE": "Y"})
    assert result.result is True
    assert result.time == {}  # missing fields are fine
    assert seen == [
        {
            "method": "POST",
            "path": "/rest/1/code/imbot.message.delete.json",
            "type": "application/json",
            "agent": f"b24notify/{__version__}",
            "body": {"MESSAGE_ID": 5, "COMPLETE": "Y"},
        }
    ]


async def test_clients_of_one_portal_share_one_bucket(sandbox: RunningSandbox) -> None:
    a = B24Client(ClientSettings(base_url=sandbox.webhook_url))
    b = B24Client(ClientSettings(base_url=sandbox.webhook_url.replace("127.0.0.1", "127.0.0.1")))
    other = B24Client(ClientSettings(base_url="https://elsewhere.example/rest/1/x/"))
    try:
        assert a.bucket is b.bucket
        assert a.bucket is bucket_for(f"127.0.0.1:{sandbox.port}", 2.0, 50)
        assert other.bucket is not a.bucket
    finally:
        for c in (a, b, other):
            await c.aclose()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (ClientSettings(base_url="ftp://x.example/rest/1/abc/"), "is not an http"),
        (
            ClientSettings(base_url="http://portal.example/rest/1/abcsecret/"),
            "must use https://",
        ),
        (ClientSettings(base_url="https://portal.example/rest/abcsecret"), "must look like"),
        (ClientSettings(base_url="https://p.example", auth="oauth"), "client_id"),
        (
            ClientSettings(base_url="https://p.example", auth="oauth", client_id="app"),
            "access_token or a refresh_token",
        ),
        (
            ClientSettings(
                base_url="https://p.example",
                auth="oauth",
                client_id="app",
                refresh_token="r",
                token_url="http://oauth.example/oauth/token/",
            ),
            "token URL",
        ),
        (ClientSettings(base_url="https://p.example/rest/1/c/", drain=0), "Rate limits"),
    ],
)
def test_unusable_settings_are_config_errors(settings: ClientSettings, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        B24Client(settings)
    assert "abcsecret" not in str(caught.value)


def test_loopback_portals_may_use_plain_http() -> None:
    for url in (
        "http://127.0.0.1:8080/rest/1/c/",
        "http://localhost/rest/1/c/",
        "http://[::1]:9/rest/1/c/",
    ):
        ClientSettings(base_url=url).check()


@pytest.mark.parametrize(
    ("base", "auth", "url"),
    [
        ("https://p.example/rest/1/code", "webhook", "https://p.example/rest/1/code/"),
        ("https://p.example/rest/1/code/", "webhook", "https://p.example/rest/1/code/"),
        ("https://p.example", "oauth", "https://p.example/rest/"),
        ("https://p.example/", "oauth", "https://p.example/rest/"),
        ("https://p.example/rest/", "oauth", "https://p.example/rest/"),
    ],
)
def test_method_urls(base: str, auth: str, url: str) -> None:
    assert ClientSettings(base_url=base, auth=auth).rest_base() == url  # type: ignore[arg-type]


async def test_a_result_the_client_cannot_read_is_unknown_for_sends() -> None:
    """A 200 whose body has no result: delivered or not, nobody can tell."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    calls = 0

    async def odd(request: object) -> JSONResponse:
        nonlocal calls
        calls += 1
        return JSONResponse({"time": {}})

    app = Starlette(routes=[Route("/{path:path}", odd, methods=["POST"])])
    settings = ClientSettings(
        base_url="http://127.0.0.1/rest/1/code/",
        transport=httpx.ASGITransport(app=app),
        backoff_base=0.001,
    )
    async with B24Client(settings, bucket=LeakyBucket(100.0, 100)) as c:
        with pytest.raises(UnknownOutcome) as caught:
            await c.send("imbot.message.add", v1_params())
        assert caught.value.code == "INVALID_RESPONSE"
        assert calls == 1
        # A read-only method may ask again (and then gives up, typed).
        with pytest.raises(ApiError) as refused:
            await c.call("imbot.bot.list", {})
        assert calls == 1 + 1 + settings.max_retries
        assert refused.value.outcome == "failed"
        assert "try again" in refused.value.hint


async def test_the_in_process_sandbox_works_through_an_asgi_transport() -> None:
    app = create_app(SandboxConfig())
    settings = ClientSettings(
        base_url="http://127.0.0.1/rest/1/sandbox/", transport=httpx.ASGITransport(app=app)
    )
    async with B24Client(settings, bucket=LeakyBucket(50.0, 50)) as c:
        result = await c.send("imbot.message.add", v1_params("chat9", "in process"))
    [stored] = app.state.sandbox.messages_json()
    assert (stored["id"], stored["message"]) == (result.message_id, "in process")


async def test_a_lost_answer_in_process_is_unknown_too() -> None:
    app = create_app(SandboxConfig())
    app.state.sandbox.faults.update({"next": ["lost_answer"]})
    settings = ClientSettings(
        base_url="http://127.0.0.1/rest/1/sandbox/", transport=httpx.ASGITransport(app=app)
    )
    async with B24Client(settings, bucket=LeakyBucket(50.0, 50)) as c:
        with pytest.raises(UnknownOutcome) as caught:
            await c.send("imbot.message.add", v1_params("chat9", "stored, answer lost"))
    assert caught.value.code == "CONNECTION_LOST"
    assert [m["message"] for m in app.state.sandbox.messages_json()] == ["stored, answer lost"]


def test_settings_from_a_webhook_profile() -> None:
    from b24notify.core.config import Profile

    profile = Profile(
        name="prod",
        webhook="https://example.bitrix24.com/rest/1/hookcode/",
        client_id="cid-value",
        bot_token="tok-value",
        plan="enterprise",
        connect_timeout=3.0,
        read_timeout=30.0,
        max_retries=2,
    )
    settings = ClientSettings.from_profile(profile)
    assert settings.base_url == "https://example.bitrix24.com/rest/1/hookcode/"
    assert settings.auth == "webhook"
    assert (settings.drain, settings.burst) == (5.0, 250)
    assert (settings.connect_timeout, settings.read_timeout, settings.max_retries) == (3.0, 30.0, 2)
    assert {"hookcode", "cid-value", "tok-value"} <= set(settings.secrets())
    assert settings.portal_key() == profile.portal_key
    assert ClientSettings.from_profile(profile, drain=1.0, burst=5).burst == 5


def test_settings_from_an_oauth_profile() -> None:
    from b24notify.core.config import OAuth, Profile

    calls: list[tuple[str, str, float]] = []
    profile = Profile(
        name="app",
        oauth=OAuth(
            portal="https://example.bitrix24.com",
            client_id="local.app",
            client_secret="secret-value",
            access_token="access-value",
            refresh_token="refresh-value",
            expires_at=123.0,
        ),
    )
    settings = ClientSettings.from_profile(
        profile, on_tokens=lambda a, r, e: calls.append((a, r, e))
    )
    assert settings.auth == "oauth"
    assert settings.rest_base() == "https://example.bitrix24.com/rest/"
    assert (settings.client_id, settings.client_secret) == ("local.app", "secret-value")
    assert (settings.access_token, settings.refresh_token) == ("access-value", "refresh-value")
    assert settings.token_url == "https://oauth.bitrix.info/oauth/token/"
    assert settings.token_expires_at == 123.0
    assert (settings.drain, settings.burst) == (2.0, 50)
    assert settings.on_tokens is not None
    settings.check()


@pytest.mark.parametrize(
    ("value", "reason"), [(object(), "not JSON serializable"), (float("nan"), "not JSON compliant")]
)
async def test_params_that_are_not_json_are_refused_before_sending(
    client: B24Client, sandbox: RunningSandbox, value: Any, reason: str
) -> None:
    with pytest.raises(UsageError, match=reason):
        await client.send("imbot.message.add", v1_params(EXTRA=value))
    assert (await stats(sandbox))["requests"] == 0
