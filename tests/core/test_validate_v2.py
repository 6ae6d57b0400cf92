"""imbot.v2.Chat.Message.send validation: v2 codes (both ways), fields.* types, botToken, paths."""

from __future__ import annotations

from typing import Any

import pytest

from b24notify.core.models import Problem
from b24notify.core.payload import SIZE_LIMIT, has_errors, validate_params

DROP = object()


def check(auth: Any = "webhook", **changes: Any) -> list[Problem]:
    params: dict[str, Any] = {
        "botId": 7,
        "botToken": "tok",
        "dialogId": "chat42",
        "fields": {"message": "Hello"},
    }
    for key, value in changes.items():
        if value is DROP:
            params.pop(key, None)
        else:
            params[key] = value
    return validate_params(params, "v2", auth=auth)


def with_fields(**fields: Any) -> list[Problem]:
    return check(fields={"message": "Hello", **fields})


def test_base_is_clean() -> None:
    assert check() == []


ERROR_CASES = [
    ({"botId": DROP}, "BOT_ID_REQUIRED", "botId"),
    ({"botId": None}, "BOT_ID_REQUIRED", "botId"),
    ({"botId": 0}, "BOT_ID_REQUIRED", "botId"),
    ({"botId": ""}, "BOT_ID_REQUIRED", "botId"),
    ({"BOT_ID": 7, "botId": DROP}, "BOT_ID_REQUIRED", "botId"),  # names are case-sensitive
    ({"botId": "abc"}, "BOT_NOT_FOUND", "botId"),
    ({"botId": -3}, "BOT_NOT_FOUND", "botId"),
    ({"botId": True}, "BOT_NOT_FOUND", "botId"),
    ({"botToken": DROP}, "BOT_TOKEN_NOT_SPECIFIED", "botToken"),
    ({"botToken": ""}, "BOT_TOKEN_NOT_SPECIFIED", "botToken"),
    ({"dialogId": DROP}, "DIALOG_ID_EMPTY", "dialogId"),
    ({"dialogId": "room7"}, "DIALOG_ID_EMPTY", "dialogId"),
    ({"fields": DROP}, "EMPTY_MESSAGE", "fields.message"),
    ({"fields": {}}, "EMPTY_MESSAGE", "fields.message"),
    ({"fields": {"message": "  "}}, "EMPTY_MESSAGE", "fields.message"),
    ({"fields": {"message": "", "attach": []}}, "EMPTY_MESSAGE", "fields.message"),
    ({"fields": "Hello"}, "FIELD_TYPE_ERROR", "fields"),
    ({"fields": {"message": ["Hello"]}}, "FIELD_TYPE_ERROR", "fields.message"),
    ({"fields": {"message": True}}, "FIELD_TYPE_ERROR", "fields.message"),
    ({"fields": {"message": "x", "system": [True]}}, "FIELD_TYPE_ERROR", "fields.system"),
    ({"fields": {"message": "x", "urlPreview": "maybe"}}, "FIELD_TYPE_ERROR", "fields.urlPreview"),
    ({"fields": {"message": "x", "replyId": {}}}, "FIELD_TYPE_ERROR", "fields.replyId"),
    ({"fields": {"message": "x", "templateId": 5}}, "FIELD_TYPE_ERROR", "fields.templateId"),
    ({"fields": {"message": "x", "forwardIds": [1]}}, "FIELD_TYPE_ERROR", "fields.forwardIds"),
    ({"fields": {"message": "x", "attach": "{"}}, "ATTACH_ERROR", "fields.attach"),
    (
        {"fields": {"message": "x", "keyboard": [{"TEXT": "x"}]}},
        "KEYBOARD_ERROR",
        "fields.keyboard",
    ),
]


@pytest.mark.parametrize(("changes", "code", "path"), ERROR_CASES)
def test_errors(changes: dict[str, Any], code: str, path: str) -> None:
    problems = check(**changes)
    hits = [p for p in problems if (p.code, p.path) == (code, path)]
    assert hits, problems
    assert all(p.severity == "error" for p in hits)
    assert has_errors(problems)


NOT_ERROR_CASES = [
    ({"fields": {"message": "", "attach": [{"MESSAGE": "card"}]}}, "EMPTY_MESSAGE"),  # attach-only
    ({"fields": {"message": 5}}, "EMPTY_MESSAGE"),
    ({"botId": "7"}, "BOT_NOT_FOUND"),
    ({"dialogId": 42}, "DIALOG_ID_EMPTY"),
    ({"dialogId": "CRM12"}, "DIALOG_ID_EMPTY"),
    ({"fields": {"message": "x", "system": "Y", "urlPreview": "N"}}, "FIELD_TYPE_ERROR"),
    ({"fields": {"message": "x", "replyId": "15", "forwardIds": {"u": 1}}}, "FIELD_TYPE_ERROR"),
]


@pytest.mark.parametrize(("changes", "code"), NOT_ERROR_CASES)
def test_not_errors(changes: dict[str, Any], code: str) -> None:
    assert code not in {p.code for p in check(**changes)}


@pytest.mark.parametrize("auth", ["oauth", None])
def test_bot_token_only_checked_for_webhooks(auth: Any) -> None:
    assert "BOT_TOKEN_NOT_SPECIFIED" not in {p.code for p in check(auth=auth, botToken=DROP)}


def test_dialog_error_says_it_borrows_the_v1_code() -> None:
    (problem,) = check(dialogId="room7")
    assert "v1" in problem.message and "DIALOG_ID_EMPTY" in problem.message


@pytest.mark.parametrize(("part", "code"), [("attach", "ATTACH"), ("keyboard", "KEYBOARD")])
def test_oversize_parts(part: str, code: str) -> None:
    value = [{"TEXT": "a" * SIZE_LIMIT, "LINK": "/x"}] if part == "keyboard" else "x" * 40_000
    problems = with_fields(**{part: value})
    assert (f"{code}_OVERSIZE", f"fields.{part}") in {(p.code, p.path) for p in problems}


WARNING_CASES = [
    ({"menu": [{"TEXT": "a", "LINK": "/a"}]}, "W_MENU_NOT_SUPPORTED", "fields.menu", "v1"),
    ({"Message": "x"}, "W_UNKNOWN_FIELD", "fields.Message", "use message"),
    ({"url_preview": False}, "W_UNKNOWN_FIELD", "fields.url_preview", "ignores"),
    ({"system": "1"}, "W_FLAG_VALUE", "fields.system", "JSON boolean"),
    ({"skipConnector": 0}, "W_FLAG_VALUE", "fields.skipConnector", "JSON boolean"),
    ({"message": "x" * 20_001}, "W_MESSAGE_TOO_LONG", "fields.message", '" (...)"'),
    ({"message": 5}, "W_VALUE_COERCED", "fields.message", '"5"'),
    ({"replyId": 0}, "W_VALUE_IGNORED", "fields.replyId", "normal message"),
    ({"replyId": "abc"}, "W_VALUE_IGNORED", "fields.replyId", "ignores"),
    ({"message": "[b]x"}, "W_BB_UNCLOSED", "fields.message", "[/b]"),
    (
        {"attach": [{"GRID": [{"NAME": "a", "VALUE": "b"}]}]},
        "W_GRID_DISPLAY",
        "fields.attach[0].GRID[0].DISPLAY",
        "BLOCK",
    ),
    (
        {"attach": {"BLOCKS": [{"IMAGE": {"LINK": "x.png"}}, {"MESSAGE": "m"}]}},
        "W_LINK_INVALID",
        "fields.attach.BLOCKS[0].IMAGE.LINK",
        "drops this IMAGE",
    ),
    (
        {"keyboard": {"BUTTONS": [{"TEXT": "a", "LINK": "/a", "COMMAND": "b"}]}},
        "W_BUTTON_MANY_ACTIONS",
        "fields.keyboard.BUTTONS[0]",
        "only LINK",
    ),
]


@pytest.mark.parametrize(("fields", "code", "path", "fragment"), WARNING_CASES)
def test_warnings(fields: dict[str, Any], code: str, path: str, fragment: str) -> None:
    problems = with_fields(**fields)
    hits = [p for p in problems if (p.code, p.path) == (code, path)]
    assert hits, problems
    assert all(p.severity == "warning" for p in hits)
    assert any(fragment in p.message for p in hits), hits


@pytest.mark.parametrize(
    ("changes", "code", "path", "fragment"),
    [
        ({"BOT_ID": 7}, "W_UNKNOWN_PARAM", "BOT_ID", "use botId"),
        ({"CLIENT_ID": "x"}, "W_UNKNOWN_PARAM", "CLIENT_ID", "use botToken"),
        ({"dialogid": "1"}, "W_UNKNOWN_PARAM", "dialogid", "use dialogId"),
        ({"MENU": []}, "W_UNKNOWN_PARAM", "MENU", "ignores"),
    ],
)
def test_top_level_warnings(changes: dict[str, Any], code: str, path: str, fragment: str) -> None:
    problems = check(**changes)
    hits = [p for p in problems if (p.code, p.path) == (code, path)]
    assert hits and fragment in hits[0].message, problems


@pytest.mark.parametrize(
    "flags",
    [{"system": True}, {"urlPreview": False}, {"skipConnector": "Y"}, {"silentConnector": "N"}],
)
def test_documented_flag_values_are_clean(flags: dict[str, Any]) -> None:
    assert with_fields(**flags) == []


def test_oauth_with_bot_token_warns_without_leaking_it() -> None:
    problems = check(auth="oauth", botToken="s3cr3t-token")
    assert [(p.code, p.path) for p in problems] == [("W_SECRET_UNUSED", "botToken")]
    assert not any("s3cr3t" in p.message for p in problems)
