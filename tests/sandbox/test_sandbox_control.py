"""The ``/sandbox/*`` controls and the inbox page."""

from __future__ import annotations

import httpx
import pytest
from sandbox_support import CLIENT_ID, call, messages, stats, v1


async def test_messages_filters(client: httpx.AsyncClient) -> None:
    for text, dialog in (("a", "chat1"), ("b", "chat2"), ("c", "chat1")):
        await call(client, "imbot.message.add", v1(text, dialog))
    await call(client, "imbot.message.delete", {"MESSAGE_ID": 1003, "CLIENT_ID": CLIENT_ID})

    async def texts(query: str) -> list[str]:
        response = await client.get(f"/sandbox/messages?{query}")
        assert response.status_code == 200
        return [m["message"] for m in response.json()]

    assert await texts("") == ["a", "b", "c"]
    assert await texts("dialog_id=chat1") == ["a", "c"]
    assert await texts("since_id=1001") == ["b", "c"]
    assert await texts("include_deleted=0") == ["a", "b"]
    assert await texts("bot_id=8") == []


async def test_messages_bad_filter(client: httpx.AsyncClient) -> None:
    response = await client.get("/sandbox/messages?since_id=yesterday")
    assert response.status_code == 400
    assert "'since_id'" in response.json()["error_description"]


async def test_stats_shape(client: httpx.AsyncClient) -> None:
    await call(client, "imbot.message.add", v1())
    await call(client, "imbot.message.add", {"MESSAGE": "x"})
    await call(client, "imbot.nope")
    counters = await stats(client)
    assert counters["requests"] == 3
    assert counters["by_method"] == {"imbot.message.add": 2, "imbot.nope": 1}
    assert counters["errors"] == {"ACCESS_DENIED": 1, "ERROR_METHOD_NOT_FOUND": 1}
    assert counters["messages"] == 1
    assert (counters["rejected_by_limit"], counters["operating_rejections"]) == (0, 0)
    assert counters["faults"] == {}
    assert counters["bucket"]["burst"] == 50


async def test_control_calls_are_not_portal_requests(client: httpx.AsyncClient) -> None:
    await client.get("/sandbox/messages")
    await client.get("/sandbox/faults")
    await client.get("/sandbox/limits")
    assert (await stats(client))["requests"] == 0


async def test_reset_forgets_everything_but_ids_keep_increasing(client: httpx.AsyncClient) -> None:
    await client.post("/sandbox/limits", json={"burst": 2})
    await call(client, "imbot.message.add", v1("before"))
    await call(client, "imbot.message.add", v1("fills the bucket"))
    await client.post("/sandbox/faults", json={"next": ["drop"]})
    response = await client.post("/sandbox/reset")
    assert response.json() == {"reset": True, "next_id": 1003}
    assert await messages(client) == []
    counters = await stats(client)
    assert (counters["requests"], counters["messages"], counters["bucket"]["level"]) == (0, 0, 0)
    assert (await client.get("/sandbox/faults")).json()["next"] == []
    answer = await call(client, "imbot.message.add", v1("after"))
    assert answer.json()["result"] == 1003


async def test_control_bodies_must_be_json_objects(client: httpx.AsyncClient) -> None:
    for body in (b"{", b"[1]"):
        response = await client.post("/sandbox/faults", content=body)
        assert response.status_code == 400
        assert response.json()["error"] == "INVALID_REQUEST"


async def test_home_leads_to_the_inbox(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert (response.status_code, response.headers["location"]) == (302, "/sandbox/inbox")


async def test_inbox_renders_chats_safely(client: httpx.AsyncClient) -> None:
    attach = [
        {"MESSAGE": "card [i]text[/i]"},
        {"GRID": [{"DISPLAY": "ROW", "NAME": "Status", "VALUE": "[b]open[/b]"}]},
        {"LINK": {"NAME": "Ticket", "LINK": "https://help.example.com/t/1"}},
    ]
    keyboard = [{"TEXT": "Open <now>", "LINK": "https://example.com"}]
    text = (
        "[b]Bold[/b] <script>alert(1)</script> [url=javascript:alert(1)]x[/url] "
        "[color=#f00]red[/color]"
    )
    await call(client, "imbot.message.add", v1(text, "chat5", ATTACH=attach, KEYBOARD=keyboard))
    await call(client, "imbot.message.add", v1("other dialog", "9"))
    page = (await client.get("/sandbox/inbox")).text
    assert "<b>Bold</b>" in page
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "javascript:" not in page
    assert '<span style="color:#f00">red</span>' in page
    assert "<i>text</i>" in page
    assert "<th>Status</th><td><b>open</b></td>" in page
    assert '<a href="https://help.example.com/t/1">Ticket</a>' in page
    assert "Open &lt;now&gt;" in page
    assert "Dialog chat5" in page and "Dialog 9" in page
    one = (await client.get("/sandbox/inbox?dialog_id=9")).text
    assert "other dialog" in one and "Bold" not in one


@pytest.mark.parametrize("path", ["/sandbox/reset", "/sandbox/oauth/expire"])
async def test_state_changing_controls_need_post(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(path)).status_code == 405


async def test_secrets_never_reach_what_the_sandbox_shows(client: httpx.AsyncClient) -> None:
    await call(client, "imbot.message.add", v1("v1"))
    await call(
        client,
        "imbot.v2.Chat.Message.send",
        {"botId": 7, "botToken": "sandbox-bot-token", "dialogId": "1", "fields": {"message": "v2"}},
    )
    await call(client, "imbot.message.add", {"MESSAGE": "x", "CLIENT_ID": "wrong-secret"})
    await call(client, "imbot.message.add", v1("", ATTACH="{"))
    shown = " ".join(
        [
            (await client.get("/sandbox/messages")).text,
            (await client.get("/sandbox/stats")).text,
            (await client.get("/sandbox/inbox")).text,
        ]
    )
    for secret in ("sandbox-client-id", "sandbox-bot-token", "wrong-secret"):
        assert secret not in shown


async def test_stats_name_unknown_paths_as_received(client: httpx.AsyncClient) -> None:
    await client.post("/rest/sandbox/imbot.message.add", json={})
    assert (await stats(client))["by_method"] == {"sandbox/imbot.message.add": 1}
