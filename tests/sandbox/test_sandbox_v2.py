"""v2 imbot methods in-process: Chat.Message send/update/delete, Bot.list, every error code."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sandbox_support import BOT_ID, BOT_TOKEN, call, in_process, messages, v2

from b24notify.sandbox.config import SandboxBot, SandboxConfig

SEND = "imbot.v2.Chat.Message.send"
UPDATE = "imbot.v2.Chat.Message.update"
DELETE = "imbot.v2.Chat.Message.delete"


async def test_send_answers_id_and_uuid_map(client: httpx.AsyncClient) -> None:
    response = await call(client, SEND, v2("[b]Hi[/b]", replyId=77))
    assert response.status_code == 200
    body = response.json()
    assert body["result"] == {"id": 1001, "uuidMap": {}}
    assert {"start", "finish", "operating", "operating_reset_at"} <= set(body["time"])
    [stored] = await messages(client)
    assert (stored["api"], stored["method"], stored["dialog_id"]) == ("v2", SEND, "chat42")
    assert stored["fields"] == {
        "message": "[b]Hi[/b]",
        "system": False,
        "urlPreview": True,
        "skipConnector": False,
        "replyId": 77,
    }
    assert stored["author_id"] == BOT_ID


async def test_attach_only_message_is_fine_in_v2(client: httpx.AsyncClient) -> None:
    response = await call(client, SEND, v2("", attach=[{"MESSAGE": "card"}]))
    assert response.status_code == 200
    [stored] = await messages(client)
    assert stored["message"] == ""
    assert stored["attach"]["BLOCKS"] == [{"MESSAGE": "card"}]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"system": True, "urlPreview": False, "skipConnector": True}, (True, False, True)),
        ({"system": "Y", "urlPreview": "N", "skipConnector": "Y"}, (True, False, True)),
        ({"system": "N", "urlPreview": "Y"}, (False, True, False)),
    ],
)
async def test_booleans_and_yn_strings(
    client: httpx.AsyncClient, flags: dict[str, Any], expected: tuple[bool, bool, bool]
) -> None:
    assert (await call(client, SEND, v2(**flags))).status_code == 200
    [stored] = await messages(client)
    assert (stored["system"], stored["url_preview"], stored["skip_connector"]) == expected


async def test_long_text_is_cut_at_20000_with_a_mark(client: httpx.AsyncClient) -> None:
    await call(client, SEND, v2("a" * 20_050))
    [stored] = await messages(client)
    assert stored["message"] == "a" * 20_000 + " (...)"


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({k: v for k, v in v2().items() if k != "botToken"}, 400, "BOT_TOKEN_NOT_SPECIFIED"),
        ({**v2(), "botToken": ""}, 400, "BOT_TOKEN_NOT_SPECIFIED"),
        ({k: v for k, v in v2().items() if k != "botId"}, 400, "BOT_ID_REQUIRED"),
        ({**v2(), "botId": 999}, 400, "BOT_NOT_FOUND"),
        ({**v2(), "botId": "x"}, 400, "BOT_NOT_FOUND"),
        ({**v2(), "botToken": "stolen"}, 403, "BOT_OWNERSHIP_ERROR"),
        (v2(dialog="nobody"), 400, "DIALOG_ID_EMPTY"),
        ({k: v for k, v in v2().items() if k != "dialogId"}, 400, "DIALOG_ID_EMPTY"),
        (v2(""), 400, "EMPTY_MESSAGE"),
        (v2("  "), 400, "EMPTY_MESSAGE"),
        (v2(attach="{"), 400, "ATTACH_ERROR"),
        (v2(attach=[{"MESSAGE": "x" * 31_000}]), 400, "ATTACH_OVERSIZE"),
        (v2(keyboard=[{"TEXT": "nothing"}]), 400, "KEYBOARD_ERROR"),
        ({**v2(), "fields": "text"}, 400, "EMPTY_MESSAGE"),
        (v2(system=[1]), 400, "FIELD_TYPE_ERROR"),
    ],
)
async def test_send_errors_store_nothing(
    client: httpx.AsyncClient, params: dict[str, Any], status: int, code: str
) -> None:
    response = await call(client, SEND, params)
    assert response.status_code == status
    assert response.json()["error"] == code
    assert await messages(client) == []


async def test_a_bots_token_does_not_open_another_bot() -> None:
    bots = [SandboxBot(7, "A", "a", bot_token="t-a"), SandboxBot(8, "B", "b", bot_token="t-b")]
    async with in_process(SandboxConfig(bots=bots)) as (client, _):
        params = {"botId": 8, "botToken": "t-a", "dialogId": "1", "fields": {"message": "x"}}
        response = await call(client, SEND, params)
        assert response.json()["error"] == "BOT_OWNERSHIP_ERROR"


async def _sent(client: httpx.AsyncClient, **fields: Any) -> int:
    response = await call(client, SEND, v2(**fields))
    assert response.status_code == 200
    result: int = response.json()["result"]["id"]
    return result


def _edit(message_id: int, **fields: Any) -> dict[str, Any]:
    return {"botId": BOT_ID, "botToken": BOT_TOKEN, "messageId": message_id, "fields": fields}


async def test_update(client: httpx.AsyncClient) -> None:
    message_id = await _sent(client, keyboard=[{"TEXT": "a", "LINK": "/a"}])
    response = await call(
        client,
        UPDATE,
        _edit(
            message_id, message="edited", attach=[{"MESSAGE": "c"}], keyboard="N", urlPreview=False
        ),
    )
    assert response.json()["result"] == {"result": True}
    [stored] = await messages(client)
    assert stored["message"] == "edited"
    assert stored["attach"]["BLOCKS"] == [{"MESSAGE": "c"}]
    assert stored["keyboard"] is None
    assert stored["url_preview"] is False
    assert stored["updated"] is True


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"attach": "{"}, "ATTACH_ERROR"),
        ({"message": ""}, "EMPTY_MESSAGE"),
    ],
)
async def test_bad_update_changes_nothing(
    client: httpx.AsyncClient, fields: dict[str, Any], code: str
) -> None:
    message_id = await _sent(client)
    response = await call(client, UPDATE, _edit(message_id, **fields))
    assert response.json()["error"] == code
    [stored] = await messages(client)
    assert (stored["message"], stored["updated"]) == ("Hello", False)


async def test_system_messages_cannot_be_updated(client: httpx.AsyncClient) -> None:
    message_id = await _sent(client, system=True)
    response = await call(client, UPDATE, _edit(message_id, message="no"))
    assert (response.status_code, response.json()["error"]) == (403, "ACCESS_DENIED")


@pytest.mark.parametrize("complete", [True, False])
async def test_delete(client: httpx.AsyncClient, complete: bool) -> None:
    message_id = await _sent(client)
    params = {"botId": BOT_ID, "botToken": BOT_TOKEN, "messageId": message_id, "complete": complete}
    response = await call(client, DELETE, params)
    assert response.json()["result"] == {"result": True}
    [stored] = await messages(client)
    assert (stored["deleted"], stored["complete"]) == (True, complete)


@pytest.mark.parametrize("method", [UPDATE, DELETE])
async def test_unknown_message(client: httpx.AsyncClient, method: str) -> None:
    response = await call(client, method, _edit(4242, message="x"))
    assert response.json()["error"] == "MESSAGE_ID_ERROR"


@pytest.mark.parametrize("method", [UPDATE, DELETE])
async def test_edits_check_the_bot_token(client: httpx.AsyncClient, method: str) -> None:
    message_id = await _sent(client)
    params = {"botId": BOT_ID, "messageId": message_id, "fields": {"message": "x"}}
    response = await call(client, method, params)
    assert response.json()["error"] == "BOT_TOKEN_NOT_SPECIFIED"
    assert (await messages(client))[0]["message"] == "Hello"


async def test_v1_and_v2_see_the_same_messages(client: httpx.AsyncClient) -> None:
    message_id = await _sent(client)
    params = {"MESSAGE_ID": message_id, "MESSAGE": "via v1", "CLIENT_ID": "sandbox-client-id"}
    assert (await call(client, "imbot.message.update", params)).status_code == 200
    assert (await messages(client))[0]["message"] == "via v1"


async def test_bot_list_pages() -> None:
    bots = [SandboxBot(i, f"Bot {i}", f"bot{i}", bot_token="tok") for i in range(1, 6)]
    async with in_process(SandboxConfig(bots=bots)) as (client, _):
        first = (await call(client, "imbot.v2.Bot.list", {"limit": 2})).json()["result"]
        assert [b["id"] for b in first["bots"]] == [1, 2]
        assert first["hasNextPage"] is True
        assert [u["name"] for u in first["users"]] == ["Bot 1", "Bot 2"]
        last = (await call(client, "imbot.v2.Bot.list", {"limit": 2, "offset": 4})).json()
        assert [b["id"] for b in last["result"]["bots"]] == [5]
        assert last["result"]["hasNextPage"] is False
        other = (await call(client, "imbot.v2.Bot.list", {"botToken": "other"})).json()
        assert other["result"]["bots"] == []


async def test_bot_list_fields(client: httpx.AsyncClient) -> None:
    result = (await call(client, "imbot.v2.Bot.list", {"botToken": BOT_TOKEN})).json()["result"]
    assert result["bots"] == [
        {
            "id": 7,
            "code": "support_bot",
            "type": "bot",
            "eventMode": "fetch",
            "isHidden": False,
            "language": "en",
        }
    ]
