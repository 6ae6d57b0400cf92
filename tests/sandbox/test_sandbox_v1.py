"""v1 imbot methods in-process: add/update/delete, bot list, dialog details, every error code."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sandbox_support import BOT_ID, CLIENT_ID, START, call, in_process, messages, v1

from b24notify.sandbox.config import SandboxBot, SandboxConfig
from b24notify.sandbox.limits import ManualClock

TIME_KEYS = {
    "start",
    "finish",
    "duration",
    "processing",
    "date_start",
    "date_finish",
    "operating",
    "operating_reset_at",
}


async def test_add_stores_the_message_and_answers_its_id(client: httpx.AsyncClient) -> None:
    response = await call(client, "imbot.message.add", v1("  [b]Incident[/b] #12 \n"))
    assert response.status_code == 200
    body = response.json()
    assert body["result"] == 1001
    assert set(body["time"]) == TIME_KEYS
    assert body["time"]["start"] == START
    [stored] = await messages(client)
    assert stored["id"] == 1001
    assert stored["bot_id"] == BOT_ID
    assert stored["dialog_id"] == "chat42"
    assert (stored["method"], stored["api"]) == ("imbot.message.add", "v1")
    assert stored["message"] == "[b]Incident[/b] #12"
    assert stored["fields"] == {
        "MESSAGE": "[b]Incident[/b] #12",
        "SYSTEM": "N",
        "URL_PREVIEW": "Y",
        "SKIP_CONNECTOR": "N",
    }
    assert (stored["updated"], stored["deleted"]) == (False, False)


async def test_ids_increase(client: httpx.AsyncClient) -> None:
    ids = [
        (await call(client, "imbot.message.add", v1(f"m{i}"))).json()["result"] for i in range(3)
    ]
    assert ids == [1001, 1002, 1003]


@pytest.mark.parametrize(
    "attach",
    [
        {"COLOR": "#29619b", "BLOCKS": [{"MESSAGE": "Card"}, {"LINK": {"LINK": "ftp://x"}}]},
        [{"MESSAGE": "Card"}, {"LINK": {"LINK": "ftp://x"}}],
        json.dumps([{"MESSAGE": "Card"}, {"LINK": {"LINK": "ftp://x"}}]),
    ],
    ids=["full", "short", "json-string"],
)
async def test_attach_is_stored_as_the_portal_keeps_it(
    client: httpx.AsyncClient, attach: Any
) -> None:
    response = await call(client, "imbot.message.add", v1(ATTACH=attach))
    assert response.status_code == 200
    [stored] = await messages(client)
    # The link block with a non-http link is dropped silently; the rest is kept in full form.
    assert stored["attach"]["BLOCKS"] == [{"MESSAGE": "Card"}]
    assert stored["fields"]["ATTACH"] == stored["attach"]


async def test_keyboard_and_menu_keep_valid_items_with_the_bot(client: httpx.AsyncClient) -> None:
    keyboard = {
        "BUTTONS": [
            {"TEXT": "Open", "LINK": "https://example.com/t/1"},
            {"TEXT": "No action"},
            {"TYPE": "NEWLINE"},
            {"TEXT": "Done", "ACTION": "SEND", "ACTION_VALUE": "done"},
        ]
    }
    menu = [{"TEXT": "Site", "LINK": "https://example.com"}]
    response = await call(client, "imbot.message.add", v1(KEYBOARD=keyboard, MENU=menu))
    assert response.status_code == 200
    [stored] = await messages(client)
    texts = [b.get("TEXT") for b in stored["keyboard"] if b.get("TYPE") != "NEWLINE"]
    assert texts == ["Open", "Done"]
    assert all(b.get("BOT_ID") == BOT_ID for b in stored["keyboard"] if "TEXT" in b)
    assert [i["TEXT"] for i in stored["menu"]] == ["Site"]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"SYSTEM": "Y", "URL_PREVIEW": "N", "SKIP_CONNECTOR": "Y"}, (True, False, True)),
        ({"SYSTEM": "N", "URL_PREVIEW": "n", "SKIP_CONNECTOR": "N"}, (False, True, False)),
        ({"URL_PREVIEW": "0"}, (False, True, False)),
        ({}, (False, True, False)),
    ],
)
async def test_flags(
    client: httpx.AsyncClient, extra: dict[str, str], expected: tuple[bool, bool, bool]
) -> None:
    await call(client, "imbot.message.add", v1(**extra))
    [stored] = await messages(client)
    assert (stored["system"], stored["url_preview"], stored["skip_connector"]) == expected


async def test_from_to_mode_goes_to_the_private_dialog_as_system(
    client: httpx.AsyncClient,
) -> None:
    params = {"FROM_USER_ID": 3, "TO_USER_ID": "5", "MESSAGE": "hi", "CLIENT_ID": CLIENT_ID}
    assert (await call(client, "imbot.message.add", params)).status_code == 200
    [stored] = await messages(client)
    assert stored["dialog_id"] == "5"
    assert stored["system"] is True
    assert stored["fields"]["FROM_USER_ID"] == 3
    assert stored["fields"]["TO_USER_ID"] == 5


async def test_names_are_case_insensitive_and_method_too(client: httpx.AsyncClient) -> None:
    params = {"dialog_id": "CHAT7", "message": "lower", "client_id": CLIENT_ID}
    response = await client.post("/rest/1/sandbox/IMBOT.Message.Add.json", json=params)
    assert response.status_code == 200
    [stored] = await messages(client)
    assert (stored["dialog_id"], stored["message"]) == ("chat7", "lower")


_BIG = "x" * (31 * 1024)


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"DIALOG_ID": "chat1", "MESSAGE": "hi"}, 403, "ACCESS_DENIED"),
        (v1(CLIENT_ID=""), 403, "ACCESS_DENIED"),
        (v1(BOT_ID=BOT_ID, CLIENT_ID="someone-else"), 400, "APP_ID_ERROR"),
        (v1(CLIENT_ID="someone-else"), 400, "BOT_ID_ERROR"),
        (v1(BOT_ID=999), 400, "BOT_ID_ERROR"),
        (v1(BOT_ID="seven"), 400, "BOT_ID_ERROR"),
        (v1(BOT_ID=""), 400, "BOT_ID_ERROR"),
        ({"MESSAGE": "hi", "CLIENT_ID": CLIENT_ID}, 400, "DIALOG_ID_EMPTY"),
        (v1(dialog="group42"), 400, "DIALOG_ID_EMPTY"),
        (v1("   \n "), 400, "MESSAGE_EMPTY"),
        (v1("", ATTACH=[{"MESSAGE": "card only"}]), 400, "MESSAGE_EMPTY"),
        (v1(ATTACH="{not json"), 400, "ATTACH_ERROR"),
        (v1(ATTACH=[{"LINK": {"LINK": "ftp://x"}}]), 400, "ATTACH_ERROR"),
        (v1(ATTACH=[{"MESSAGE": _BIG}]), 400, "ATTACH_OVERSIZE"),
        (v1(KEYBOARD=[{"TEXT": "no action"}]), 400, "KEYBOARD_ERROR"),
        (v1(KEYBOARD=[{"TEXT": "b", "LINK": "https://e.com/" + _BIG}]), 400, "KEYBOARD_OVERSIZE"),
        (v1(MENU=[{"LINK": "https://e.com"}]), 400, "MENU_ERROR"),
        (v1(MENU=[{"TEXT": "m", "LINK": "https://e.com/" + _BIG}]), 400, "MENU_OVERSIZE"),
    ],
)
async def test_add_errors_answer_like_the_portal_and_store_nothing(
    client: httpx.AsyncClient, params: dict[str, Any], status: int, code: str
) -> None:
    response = await call(client, "imbot.message.add", params)
    assert response.status_code == status
    body = response.json()
    assert body["error"] == code
    assert body["error_description"]
    assert "time" not in body
    assert await messages(client) == []


async def test_access_denied_says_client_id_not_specified(client: httpx.AsyncClient) -> None:
    response = await call(client, "imbot.message.add", {"DIALOG_ID": "1", "MESSAGE": "x"})
    assert response.json()["error_description"] == "Access denied! Client ID not specified"


async def test_omitted_bot_id_picks_the_first_bot_of_the_calling_app() -> None:
    bots = [
        SandboxBot(7, "Support", "support", "app-one", "t1"),
        SandboxBot(8, "Ops", "ops", "app-two", "t2"),
        SandboxBot(9, "Ops 2", "ops2", "app-two", "t3"),
    ]
    async with in_process(SandboxConfig(bots=bots)) as (client, _):
        response = await call(client, "imbot.message.add", v1(CLIENT_ID="app-two"))
        assert response.status_code == 200
        [stored] = await messages(client)
        assert stored["bot_id"] == 8
        mismatch = await call(client, "imbot.message.add", v1(BOT_ID=7, CLIENT_ID="app-two"))
        assert mismatch.json()["error"] == "APP_ID_ERROR"


async def _sent(client: httpx.AsyncClient, **extra: Any) -> int:
    response = await call(client, "imbot.message.add", v1(**extra))
    assert response.status_code == 200
    result: int = response.json()["result"]
    return result


async def test_update_changes_text_and_parts(client: httpx.AsyncClient) -> None:
    message_id = await _sent(
        client, ATTACH=[{"MESSAGE": "old card"}], KEYBOARD=[{"TEXT": "a", "LINK": "/x"}]
    )
    params = {
        "BOT_ID": BOT_ID,
        "MESSAGE_ID": message_id,
        "MESSAGE": "new text",
        "ATTACH": [{"MESSAGE": "new card"}],
        "KEYBOARD": "N",
        "URL_PREVIEW": "N",
        "CLIENT_ID": CLIENT_ID,
    }
    response = await call(client, "imbot.message.update", params)
    assert response.status_code == 200
    assert response.json()["result"] is True
    [stored] = await messages(client)
    assert stored["message"] == "new text"
    assert stored["attach"]["BLOCKS"] == [{"MESSAGE": "new card"}]
    assert stored["keyboard"] is None
    assert stored["url_preview"] is False
    assert stored["updated"] is True
    assert stored["deleted"] is False


async def test_update_without_message_keeps_the_text(client: httpx.AsyncClient) -> None:
    message_id = await _sent(client, ATTACH=[{"MESSAGE": "card"}])
    params = {"MESSAGE_ID": message_id, "ATTACH": "", "CLIENT_ID": CLIENT_ID}
    assert (await call(client, "imbot.message.update", params)).status_code == 200
    [stored] = await messages(client)
    assert (stored["message"], stored["attach"]) == ("Hello", None)


async def test_update_with_empty_message_deletes(client: httpx.AsyncClient) -> None:
    message_id = await _sent(client)
    params = {"MESSAGE_ID": message_id, "MESSAGE": "", "CLIENT_ID": CLIENT_ID}
    assert (await call(client, "imbot.message.update", params)).json()["result"] is True
    [stored] = await messages(client)
    assert stored["deleted"] is True
    assert stored["complete"] is False


async def test_update_with_a_bad_part_changes_nothing(client: httpx.AsyncClient) -> None:
    message_id = await _sent(client)
    params = {"MESSAGE_ID": message_id, "MESSAGE": "x", "ATTACH": "{", "CLIENT_ID": CLIENT_ID}
    response = await call(client, "imbot.message.update", params)
    assert (response.status_code, response.json()["error"]) == (400, "ATTACH_ERROR")
    [stored] = await messages(client)
    assert (stored["message"], stored["updated"]) == ("Hello", False)


@pytest.mark.parametrize("complete", ["Y", "N"])
async def test_delete(client: httpx.AsyncClient, complete: str) -> None:
    message_id = await _sent(client)
    params = {"MESSAGE_ID": message_id, "COMPLETE": complete, "CLIENT_ID": CLIENT_ID}
    response = await call(client, "imbot.message.delete", params)
    assert response.json()["result"] is True
    [stored] = await messages(client)
    assert stored["deleted"] is True
    assert stored["complete"] is (complete == "Y")
    again = await call(client, "imbot.message.delete", params)
    assert again.json()["error"] == "MESSAGE_ID_ERROR"


@pytest.mark.parametrize("method", ["imbot.message.update", "imbot.message.delete"])
@pytest.mark.parametrize("message_id", [None, 0, 99999, "abc"])
async def test_unknown_message_ids(client: httpx.AsyncClient, method: str, message_id: Any) -> None:
    await _sent(client)
    params = {"MESSAGE": "x", "CLIENT_ID": CLIENT_ID}
    if message_id is not None:
        params["MESSAGE_ID"] = message_id
    response = await call(client, method, params)
    assert (response.status_code, response.json()["error"]) == (400, "MESSAGE_ID_ERROR")


async def test_another_bots_message_cannot_be_changed() -> None:
    bots = [SandboxBot(7, "A", "a", "cid", "t"), SandboxBot(8, "B", "b", "cid", "t")]
    async with in_process(SandboxConfig(bots=bots)) as (client, _):
        message_id = await _sent(client, BOT_ID=7, CLIENT_ID="cid")
        params = {"BOT_ID": 8, "MESSAGE_ID": message_id, "MESSAGE": "x", "CLIENT_ID": "cid"}
        response = await call(client, "imbot.message.update", params)
        assert response.json()["error"] == "MESSAGE_ID_ERROR"


@pytest.mark.parametrize("method", ["imbot.message.update", "imbot.message.delete"])
async def test_old_messages_cannot_be_edited(method: str) -> None:
    clock = ManualClock(START)
    async with in_process(SandboxConfig(), clock) as (client, _):
        message_id = await _sent(client)
        clock.advance(3 * 24 * 3600 + 1)
        params = {"MESSAGE_ID": message_id, "MESSAGE": "late", "CLIENT_ID": CLIENT_ID}
        response = await call(client, method, params)
        assert (response.status_code, response.json()["error"]) == (403, "CANT_EDIT_MESSAGE")


async def test_update_and_delete_check_the_client_id(client: httpx.AsyncClient) -> None:
    message_id = await _sent(client)
    for method in ("imbot.message.update", "imbot.message.delete"):
        response = await call(client, method, {"MESSAGE_ID": message_id, "MESSAGE": "x"})
        assert (response.status_code, response.json()["error"]) == (403, "ACCESS_DENIED")


async def test_bot_list_is_keyed_by_id(client: httpx.AsyncClient) -> None:
    response = await call(client, "imbot.bot.list")
    assert response.json()["result"] == {
        "7": {"ID": 7, "NAME": "Support Bot", "CODE": "support_bot", "OPENLINE": "N"}
    }


async def test_bot_list_without_bots_is_an_empty_array() -> None:
    async with in_process(SandboxConfig(bots=[])) as (client, _):
        response = await call(client, "imbot.bot.list")
        assert response.json()["result"] == []
        add = await call(client, "imbot.message.add", v1())
        assert add.json()["error"] == "BOT_ID_ERROR"


@pytest.mark.parametrize(
    ("dialog", "expected"),
    [
        ("chat42", ("chat", 42, "chat42")),
        ("42", ("private", 42, "42")),
        ("Chat9", ("chat", 9, "chat9")),
    ],
)
async def test_dialog_get(
    client: httpx.AsyncClient, dialog: str, expected: tuple[str, int, str]
) -> None:
    response = await call(client, "imbot.dialog.get", {"DIALOG_ID": dialog})
    result = response.json()["result"]
    assert (result["type"], result["id"], result["dialog_id"]) == expected


@pytest.mark.parametrize("dialog", [None, "", "chatx", "user1"])
async def test_dialog_get_rejects_bad_ids(client: httpx.AsyncClient, dialog: str | None) -> None:
    params = {} if dialog is None else {"DIALOG_ID": dialog}
    response = await call(client, "imbot.dialog.get", params)
    assert (response.status_code, response.json()["error"]) == (400, "DIALOG_ID_EMPTY")


@pytest.mark.parametrize(
    "path",
    [
        "/rest/1/sandbox/imbot.nothing",
        "/rest/1/sandbox/",
        "/rest/sandbox/imbot.message.add",
        "/rest/1/sandbox/x/imbot.message.add",
    ],
)
async def test_unknown_methods_and_paths(client: httpx.AsyncClient, path: str) -> None:
    response = await client.post(path, json={})
    assert response.status_code == 404
    assert response.json() == {
        "error": "ERROR_METHOD_NOT_FOUND",
        "error_description": "Method not found!",
    }
