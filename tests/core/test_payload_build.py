"""Building exact v1/v2 params: keys, key order, flags, secrets, update/delete/bot list, sizes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from b24notify.core import payload
from b24notify.core.errors import UsageError
from b24notify.core.models import V1_SEND, V2_SEND, Rendered, SendOptions

ATTACH = {"BLOCKS": [{"MESSAGE": "Status: ok"}]}
KEYBOARD = [{"TEXT": "Open", "LINK": "https://example.com/t/1"}]
MENU = [{"TEXT": "Copy id", "ACTION": "COPY", "ACTION_VALUE": "1"}]
FULL = Rendered(message="[b]Hi[/b]", attach=ATTACH, keyboard=KEYBOARD, menu=MENU)
TEXT_ONLY = Rendered(message="Hi")


def items(params: dict[str, Any]) -> list[tuple[str, Any]]:
    """Key order matters (users see it), so compare ordered items."""
    return list(params.items())


@pytest.mark.parametrize(("api", "method"), [("v1", V1_SEND), ("v2", V2_SEND)])
def test_method_for(api: Any, method: str) -> None:
    assert payload.method_for(api) == method


V1_SEND_CASES = [
    pytest.param(
        FULL,
        SendOptions(dialog_id="chat42", bot_id=7),
        {"client_id": "cid"},
        [
            ("BOT_ID", 7),
            ("DIALOG_ID", "chat42"),
            ("MESSAGE", "[b]Hi[/b]"),
            ("ATTACH", ATTACH),
            ("KEYBOARD", KEYBOARD),
            ("MENU", MENU),
            ("SYSTEM", "N"),
            ("URL_PREVIEW", "Y"),
            ("SKIP_CONNECTOR", "N"),
            ("CLIENT_ID", "cid"),
        ],
        id="everything-webhook",
    ),
    pytest.param(
        TEXT_ONLY,
        SendOptions(dialog_id="42"),
        {},
        [
            ("DIALOG_ID", "42"),
            ("MESSAGE", "Hi"),
            ("SYSTEM", "N"),
            ("URL_PREVIEW", "Y"),
            ("SKIP_CONNECTOR", "N"),
        ],
        id="minimal-oauth-default-bot",
    ),
    pytest.param(
        TEXT_ONLY,
        SendOptions(dialog_id="42", system=True, url_preview=False, skip_connector=True),
        {},
        [
            ("DIALOG_ID", "42"),
            ("MESSAGE", "Hi"),
            ("SYSTEM", "Y"),
            ("URL_PREVIEW", "N"),
            ("SKIP_CONNECTOR", "Y"),
        ],
        id="flags-flipped",
    ),
    pytest.param(
        TEXT_ONLY,
        SendOptions(dialog_id="chat1", bot_id=3, from_user_id=5, to_user_id=9),
        {},
        [
            ("BOT_ID", 3),
            ("FROM_USER_ID", 5),
            ("TO_USER_ID", 9),
            ("MESSAGE", "Hi"),
            ("SYSTEM", "Y"),
            ("URL_PREVIEW", "Y"),
            ("SKIP_CONNECTOR", "N"),
        ],
        id="from-to-replaces-dialog-and-forces-system",
    ),
    pytest.param(
        TEXT_ONLY,
        SendOptions(dialog_id="chat1", from_user_id=5, to_user_id=0),
        {},
        [
            ("DIALOG_ID", "chat1"),
            ("MESSAGE", "Hi"),
            ("SYSTEM", "N"),
            ("URL_PREVIEW", "Y"),
            ("SKIP_CONNECTOR", "N"),
        ],
        id="half-from-to-is-not-used",
    ),
    pytest.param(
        TEXT_ONLY,
        SendOptions(dialog_id="1", reply_id=55),
        {"bot_token": "tok"},
        [
            ("DIALOG_ID", "1"),
            ("MESSAGE", "Hi"),
            ("SYSTEM", "N"),
            ("URL_PREVIEW", "Y"),
            ("SKIP_CONNECTOR", "N"),
        ],
        id="v1-has-no-reply-and-no-bot-token",
    ),
]


@pytest.mark.parametrize(("rendered", "options", "kwargs", "expected"), V1_SEND_CASES)
def test_v1_send_params(
    rendered: Rendered, options: SendOptions, kwargs: dict[str, Any], expected: list[Any]
) -> None:
    assert items(payload.build_send_params(rendered, options, "v1", **kwargs)) == expected


V2_SEND_CASES = [
    pytest.param(
        FULL,
        SendOptions(dialog_id="chat42", bot_id=7, reply_id=100),
        {"bot_token": "tok"},
        [
            ("botId", 7),
            ("botToken", "tok"),
            ("dialogId", "chat42"),
            (
                "fields",
                {
                    "message": "[b]Hi[/b]",
                    "attach": ATTACH,
                    "keyboard": KEYBOARD,
                    "system": False,
                    "urlPreview": True,
                    "skipConnector": False,
                    "replyId": 100,
                },
            ),
        ],
        id="everything-webhook-no-menu",
    ),
    pytest.param(
        TEXT_ONLY,
        SendOptions(dialog_id="42", bot_id=1, system=True, url_preview=False, skip_connector=True),
        {"client_id": "cid"},
        [
            ("botId", 1),
            ("dialogId", "42"),
            (
                "fields",
                {"message": "Hi", "system": True, "urlPreview": False, "skipConnector": True},
            ),
        ],
        id="real-booleans-and-no-client-id",
    ),
    pytest.param(
        TEXT_ONLY,
        SendOptions(dialog_id="chat3", bot_id=1, from_user_id=5, to_user_id=9),
        {},
        [
            ("botId", 1),
            ("dialogId", "chat3"),
            (
                "fields",
                {"message": "Hi", "system": False, "urlPreview": True, "skipConnector": False},
            ),
        ],
        id="v2-has-no-from-to",
    ),
]


@pytest.mark.parametrize(("rendered", "options", "kwargs", "expected"), V2_SEND_CASES)
def test_v2_send_params(
    rendered: Rendered, options: SendOptions, kwargs: dict[str, Any], expected: list[Any]
) -> None:
    params = payload.build_send_params(rendered, options, "v2", **kwargs)
    assert items(params) == expected
    assert list(params["fields"]) == [key for key in expected[-1][1]]


def test_built_params_are_plain_json() -> None:
    params = payload.build_send_params(FULL, SendOptions(dialog_id="1", bot_id=2), "v2")
    assert json.loads(json.dumps(params)) == params


# ---- update / delete / bot list ---------------------------------------------------


UPDATE_CASES = [
    pytest.param(
        "v1",
        {"message_id": 10, "rendered": FULL, "bot_id": 7, "url_preview": False, "client_id": "c"},
        "imbot.message.update",
        [
            ("BOT_ID", 7),
            ("MESSAGE_ID", 10),
            ("MESSAGE", "[b]Hi[/b]"),
            ("ATTACH", ATTACH),
            ("KEYBOARD", KEYBOARD),
            ("MENU", MENU),
            ("URL_PREVIEW", "N"),
            ("CLIENT_ID", "c"),
        ],
        id="v1-full",
    ),
    pytest.param(
        "v1",
        {"message_id": 10, "rendered": TEXT_ONLY},
        "imbot.message.update",
        [
            ("MESSAGE_ID", 10),
            ("MESSAGE", "Hi"),
            ("ATTACH", "N"),
            ("KEYBOARD", "N"),
            ("MENU", "N"),
        ],
        id="v1-missing-parts-are-removed",
    ),
    pytest.param(
        "v1",
        {
            "message_id": 10,
            "rendered": TEXT_ONLY,
            "keep_missing_parts": True,
            "skip_connector": True,
        },
        "imbot.message.update",
        [("MESSAGE_ID", 10), ("MESSAGE", "Hi"), ("SKIP_CONNECTOR", "Y")],
        id="v1-keep-missing-parts",
    ),
    pytest.param(
        "v2",
        {"message_id": 10, "rendered": FULL, "bot_id": 7, "bot_token": "t", "url_preview": True},
        "imbot.v2.Chat.Message.update",
        [
            ("botId", 7),
            ("botToken", "t"),
            ("messageId", 10),
            (
                "fields",
                {
                    "message": "[b]Hi[/b]",
                    "attach": ATTACH,
                    "keyboard": KEYBOARD,
                    "urlPreview": True,
                },
            ),
        ],
        id="v2-full-no-menu",
    ),
    pytest.param(
        "v2",
        {"message_id": 10, "rendered": TEXT_ONLY, "bot_id": 7, "client_id": "ignored"},
        "imbot.v2.Chat.Message.update",
        [
            ("botId", 7),
            ("messageId", 10),
            ("fields", {"message": "Hi", "attach": "N", "keyboard": "N"}),
        ],
        id="v2-missing-parts-are-removed",
    ),
]


@pytest.mark.parametrize(("api", "kwargs", "method", "expected"), UPDATE_CASES)
def test_update_params(api: Any, kwargs: dict[str, Any], method: str, expected: list[Any]) -> None:
    got_method, params = payload.build_update_params(api, **kwargs)
    assert got_method == method
    assert items(params) == expected


@pytest.mark.parametrize(
    ("api", "kwargs", "fragment"),
    [
        ("v1", {"message_id": 1, "rendered": Rendered(message="  \n")}, "delete"),
        ("v2", {"message_id": 1, "bot_id": 2, "rendered": Rendered(message="")}, "delete"),
        ("v1", {"message_id": 0}, "positive"),
        ("v1", {"message_id": True}, "positive"),
        ("v2", {"message_id": 5, "rendered": TEXT_ONLY}, "bot id"),
    ],
)
def test_update_refuses_what_would_misfire(api: Any, kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(UsageError, match=fragment):
        payload.build_update_params(api, **kwargs)


@pytest.mark.parametrize(
    ("api", "kwargs", "method", "expected"),
    [
        (
            "v1",
            {"message_id": 3, "bot_id": 7, "complete": True, "client_id": "c"},
            "imbot.message.delete",
            [("BOT_ID", 7), ("MESSAGE_ID", 3), ("COMPLETE", "Y"), ("CLIENT_ID", "c")],
        ),
        (
            "v1",
            {"message_id": 3},
            "imbot.message.delete",
            [("MESSAGE_ID", 3), ("COMPLETE", "N")],
        ),
        (
            "v2",
            {"message_id": 3, "bot_id": 7, "bot_token": "t"},
            "imbot.v2.Chat.Message.delete",
            [("botId", 7), ("botToken", "t"), ("messageId", 3), ("complete", False)],
        ),
    ],
)
def test_delete_params(api: Any, kwargs: dict[str, Any], method: str, expected: list[Any]) -> None:
    got_method, params = payload.build_delete_params(api, **kwargs)
    assert got_method == method
    assert items(params) == expected


def test_v2_delete_needs_the_bot() -> None:
    with pytest.raises(UsageError, match="bot id"):
        payload.build_delete_params("v2", message_id=3)


@pytest.mark.parametrize(
    ("api", "kwargs", "expected"),
    [
        ("v1", {"bot_token": "t"}, ("imbot.bot.list", {})),
        ("v2", {}, ("imbot.v2.Bot.list", {"limit": 50, "offset": 0})),
        (
            "v2",
            {"bot_token": "t", "offset": 50},
            ("imbot.v2.Bot.list", {"botToken": "t", "limit": 50, "offset": 50}),
        ),
    ],
)
def test_bot_list_params(api: Any, kwargs: dict[str, Any], expected: tuple[str, Any]) -> None:
    assert payload.build_bot_list_params(api, **kwargs) == expected


# ---- sizes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "size"),
    [
        (None, 0),
        ({"BLOCKS": [{"MESSAGE": "hi"}]}, len('{"BLOCKS":[{"MESSAGE":"hi"}]}')),
        ('{ "BLOCKS" : [] }', len('{ "BLOCKS" : [] }')),  # a JSON string counts as sent
        ([{"MESSAGE": "жж"}], len('[{"MESSAGE":""}]') + 4),  # UTF-8 bytes, not characters
        ("€", 3),
    ],
)
def test_part_size(value: Any, size: int) -> None:
    assert payload.part_size(value) == size


def test_size_limit_is_30_kb() -> None:
    assert payload.SIZE_LIMIT == 30 * 1024


# ---- what a build leaves out -------------------------------------------------------------


@pytest.mark.parametrize(
    ("api", "rendered", "options", "expected"),
    [
        ("v2", FULL, SendOptions(dialog_id="1"), [("W_MENU_NOT_SUPPORTED", "fields.menu")]),
        (
            "v2",
            TEXT_ONLY,
            SendOptions(dialog_id="1", from_user_id=2, to_user_id=3),
            [("W_FROM_TO_NOT_SUPPORTED", "options.from_user_id")],
        ),
        (
            "v1",
            TEXT_ONLY,
            SendOptions(dialog_id="1", reply_id=9),
            [("W_REPLY_NOT_SUPPORTED", "options.reply_id")],
        ),
        ("v1", FULL, SendOptions(dialog_id="1", from_user_id=2, to_user_id=3), []),
        ("v2", TEXT_ONLY, SendOptions(dialog_id="1", reply_id=9), []),
    ],
)
def test_build_warnings(
    api: Any, rendered: Rendered, options: SendOptions, expected: list[tuple[str, str]]
) -> None:
    found = payload.build_warnings(rendered, options, api)
    assert [(p.code, p.path) for p in found] == expected
    assert all(p.severity == "warning" for p in found)
