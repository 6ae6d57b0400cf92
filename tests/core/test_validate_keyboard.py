"""KEYBOARD and MENU as the portal reads them: dropped buttons, action order, forms, kept."""

from __future__ import annotations

import json
from typing import Any

import pytest

from b24notify.core.models import Problem
from b24notify.core.payload import (
    effective_keyboard,
    effective_menu,
    normalize_part,
    validate_params,
)
from b24notify.core.payload_common import Findings
from b24notify.core.payload_keyboard import read_buttons

OK = {"TEXT": "Fine", "LINK": "https://example.com"}


def part_problems(kind: str, value: Any, bot_id: Any = 7) -> list[Problem]:
    params = {"DIALOG_ID": "1", "MESSAGE": "Hi", "BOT_ID": bot_id, kind: value}
    return [p for p in validate_params(params, "v1") if p.path.startswith(kind)]


KEYBOARD_CASES = [
    ([{"TEXT": "No action"}, OK], "W_BUTTON_NO_ACTION", "KEYBOARD[0]", "drops"),
    ([{"LINK": "https://x"}, OK], "W_BUTTON_NO_TEXT", "KEYBOARD[0]", "no TEXT"),
    ([{"TEXT": "0", "LINK": "/x"}, OK], "W_BUTTON_NO_TEXT", "KEYBOARD[0]", '"0" counts as empty'),
    ([{"TEXT": 5, "LINK": "/x"}, OK], "W_BUTTON_NO_TEXT", "KEYBOARD[0]", "drops"),
    ([{"TEXT": "  ", "LINK": "/x"}, OK], "W_BUTTON_NO_TEXT", "KEYBOARD[0]", "drops"),
    (
        [{"TEXT": "a", "LINK": "/a", "COMMAND": "c"}],
        "W_BUTTON_MANY_ACTIONS",
        "KEYBOARD[0]",
        "only LINK",
    ),
    (
        [{"TEXT": "a", "COMMAND": "c", "ACTION": "PUT", "ACTION_VALUE": "x"}],
        "W_BUTTON_MANY_ACTIONS",
        "KEYBOARD[0]",
        "only ACTION",
    ),
    (
        [{"TEXT": "a", "APP_ID": 3, "ACTION": "PUT", "ACTION_VALUE": "x"}],
        "W_BUTTON_MANY_ACTIONS",
        "KEYBOARD[0]",
        "only APP_ID",
    ),
    (
        [{"TEXT": "a", "LINK": "ftp://x", "COMMAND": "c"}],
        "W_LINK_INVALID",
        "KEYBOARD[0].LINK",
        "ignores it",
    ),
    (
        [{"TEXT": "a", "ACTION": "OPEN", "ACTION_VALUE": "1"}, OK],
        "W_BUTTON_ACTION",
        "KEYBOARD[0].ACTION",
        "PUT, SEND",
    ),
    (
        [{"TEXT": "a", "ACTION": "put", "ACTION_VALUE": "1"}, OK],
        "W_BUTTON_ACTION",
        "KEYBOARD[0].ACTION",
        "",
    ),
    (
        [{"TEXT": "a", "ACTION": "SEND"}, OK],
        "W_BUTTON_ACTION_VALUE",
        "KEYBOARD[0].ACTION_VALUE",
        "non-empty",
    ),
    (
        [{"TEXT": "a", "ACTION": "COPY", "ACTION_VALUE": " "}, OK],
        "W_BUTTON_ACTION_VALUE",
        "KEYBOARD[0].ACTION_VALUE",
        "",
    ),
    (
        [{"TEXT": "a", "LINK": "/a", "BLOCK": "Y"}],
        "W_BUTTON_BLOCK",
        "KEYBOARD[0].BLOCK",
        "LINK button",
    ),
    ([{"TEXT": "a", "COMMAND": "c", "BLOCK": True}], "W_FLAG_VALUE", "KEYBOARD[0].BLOCK", '"N"'),
    ([{"TEXT": "a", "LINK": "/a", "DISABLED": "yes"}], "W_FLAG_VALUE", "KEYBOARD[0].DISABLED", ""),
    (
        [{"TEXT": "a", "LINK": "/a", "CONTEXT": "TABLET"}],
        "W_BUTTON_CONTEXT",
        "KEYBOARD[0].CONTEXT",
        "ALL",
    ),
    (
        [{"TEXT": "a", "LINK": "/a", "DISPLAY": "INLINE"}],
        "W_BUTTON_DISPLAY",
        "KEYBOARD[0].DISPLAY",
        "BLOCK",
    ),
    (
        [{"TEXT": "a", "LINK": "/a", "BG_COLOR": "blue"}],
        "W_COLOR_INVALID",
        "KEYBOARD[0].BG_COLOR",
        "ignores",
    ),
    (
        [{"TEXT": "a", "LINK": "/a", "TEXT_COLOR": "#GGG"}],
        "W_COLOR_INVALID",
        "KEYBOARD[0].TEXT_COLOR",
        "",
    ),
    (
        [{"TEXT": "a", "LINK": "/a", "BG_COLOR_TOKEN": "danger"}],
        "W_COLOR_TOKEN",
        "KEYBOARD[0].BG_COLOR_TOKEN",
        "base",
    ),
    (
        [{"TEXT": "a", "LINK": "/a", "WIDTH": -5}],
        "W_VALUE_IGNORED",
        "KEYBOARD[0].WIDTH",
        "positive",
    ),
    ([{"TEXT": "a", "FUNCTION": "f()"}, OK], "W_BUTTON_FUNCTION", "KEYBOARD[0].FUNCTION", "REST"),
    (["Open", OK], "W_ITEM_NOT_OBJECT", "KEYBOARD[0]", "drops"),
    ([{"TEXT": "a", "LINK": "/a", "LABEL": "x"}], "W_UNKNOWN_KEY", "KEYBOARD[0].LABEL", "ignores"),
    ([{"text": "a", "LINK": "/a"}, OK], "W_UNKNOWN_KEY", "KEYBOARD[0].text", "use TEXT"),
    (
        {"BUTTONS": [OK], "COLORS": {"BG_COLOR": "nope"}},
        "W_COLOR_INVALID",
        "KEYBOARD.COLORS.BG_COLOR",
        "",
    ),
    ({"BUTTONS": [OK], "EXTRA": 1}, "W_UNKNOWN_KEY", "KEYBOARD.EXTRA", "ignores"),
    ({"BUTTONS": [OK], "BOT_ID": 99}, "W_BOT_ID_REPLACED", "KEYBOARD.BOT_ID", "sending bot 7"),
    ([{"TYPE": "NEWLINE"}], "W_KEYBOARD_NEWLINES_ONLY", "KEYBOARD", "no button"),
    ({"TEXT": "a", "LINK": "https://x"}, "W_PART_SHAPE", "KEYBOARD", '"BUTTONS"'),
    ({"BUTTONS": "x"}, "W_VALUE_TYPE", "KEYBOARD.BUTTONS", "not a list"),
    ([{"TEXT": "a", "LINK": "ftp://x"}, OK], "W_LINK_INVALID", "KEYBOARD[0].LINK", ""),
    (json.dumps({"BUTTONS": [OK, {"TEXT": "x"}]}), "W_BUTTON_NO_ACTION", "KEYBOARD.BUTTONS[1]", ""),
]


@pytest.mark.parametrize(("value", "code", "path", "fragment"), KEYBOARD_CASES)
def test_keyboard_warnings(value: Any, code: str, path: str, fragment: str) -> None:
    problems = part_problems("KEYBOARD", value)
    hits = [p for p in problems if (p.code, p.path) == (code, path)]
    assert hits, problems
    assert all(p.severity == "warning" for p in hits)
    assert any(fragment in p.message for p in hits), hits


MENU_CASES = [
    (
        [{"TEXT": "a", "ACTION": "HELP", "ACTION_VALUE": "x"}, OK],
        "W_BUTTON_ACTION",
        "MENU[0].ACTION",
        "menu item",
    ),
    ([{"TEXT": "a"}, OK], "W_BUTTON_NO_ACTION", "MENU[0]", "menu item"),
    ([{"LINK": "/a"}, OK], "W_BUTTON_NO_TEXT", "MENU[0]", "menu item"),
    ([{"TYPE": "NEWLINE"}, OK], "W_UNKNOWN_KEY", "MENU[0].TYPE", "ignores"),
    ([{"TEXT": "a", "FUNCTION": "f"}, OK], "W_BUTTON_FUNCTION", "MENU[0].FUNCTION", ""),
    ([{"TEXT": "a", "LINK": "/a", "CONTEXT": "WATCH"}], "W_BUTTON_CONTEXT", "MENU[0].CONTEXT", ""),
    ([{"TEXT": "a", "LINK": "/a", "BG_COLOR": "#fff"}], "W_UNKNOWN_KEY", "MENU[0].BG_COLOR", ""),
    ({"ITEMS": [OK], "X": 1}, "W_UNKNOWN_KEY", "MENU.X", ""),
    ({"TEXT": "a", "LINK": "/a"}, "W_PART_SHAPE", "MENU", '"ITEMS"'),
]


@pytest.mark.parametrize(("value", "code", "path", "fragment"), MENU_CASES)
def test_menu_warnings(value: Any, code: str, path: str, fragment: str) -> None:
    problems = part_problems("MENU", value)
    hits = [p for p in problems if (p.code, p.path) == (code, path)]
    assert hits, problems
    assert any(fragment in p.message for p in hits), hits


@pytest.mark.parametrize(
    "value",
    [
        [OK, {"TYPE": "NEWLINE"}, {"TEXT": "Run", "COMMAND": "/run", "BLOCK": "Y"}],
        [{"TEXT": "Put", "ACTION": "PUT", "ACTION_VALUE": "/help", "DISPLAY": "LINE"}],
        [{"TEXT": "Chat", "ACTION": "LIVECHAT", "ACTION_VALUE": "1", "CONTEXT": "MOBILE"}],
        [{"TEXT": "Red", "LINK": "/r", "BG_COLOR": "#f00", "BG_COLOR_TOKEN": "alert"}],
        {"BOT_ID": 7, "BUTTONS": [OK], "COLORS": {"TEXT_COLOR": "#fff"}, "VOTE": "N"},
    ],
)
def test_clean_keyboards(value: Any) -> None:
    assert part_problems("KEYBOARD", value) == []


def test_command_needs_a_bot() -> None:
    out = Findings()
    _, kept = read_buttons([{"TEXT": "Go", "COMMAND": "go"}], "keyboard", "KEYBOARD", out, bot_id=0)
    assert kept is None
    assert [p.code for p in out.problems] == [
        "W_COMMAND_NO_BOT",
        "W_BUTTON_NO_ACTION",
        "KEYBOARD_ERROR",
    ]
    assert effective_keyboard([{"TEXT": "Go", "COMMAND": "go"}], bot_id=0) is None
    assert effective_menu([{"TEXT": "Go", "COMMAND": "go"}], bot_id=0) is None
    # Without a known bot the portal uses the sending (default) bot: commands stay.
    assert effective_keyboard([{"TEXT": "Go", "COMMAND": "go"}]) is not None


# ---- root forms -------------------------------------------------------------------------

BUTTONS = [OK, {"TYPE": "NEWLINE"}, {"TEXT": "Help", "ACTION": "SEND", "ACTION_VALUE": "help"}]
ITEMS = [OK, {"TEXT": "Help", "ACTION": "SEND", "ACTION_VALUE": "help"}]


@pytest.mark.parametrize(
    ("kind", "value", "form", "raw"),
    [
        ("keyboard", {"BUTTONS": BUTTONS, "BOT_ID": 7}, "full", BUTTONS),
        ("keyboard", BUTTONS, "short", BUTTONS),
        ("keyboard", json.dumps({"BUTTONS": BUTTONS}), "json_full", BUTTONS),
        ("keyboard", json.dumps(BUTTONS), "json_short", BUTTONS),
        ("menu", {"ITEMS": ITEMS}, "full", ITEMS),
        ("menu", ITEMS, "short", ITEMS),
        ("menu", json.dumps({"ITEMS": ITEMS}), "json_full", ITEMS),
        ("menu", json.dumps(ITEMS), "json_short", ITEMS),
    ],
)
def test_root_forms(kind: Any, value: Any, form: str, raw: list[Any]) -> None:
    assert normalize_part(value, kind) == (form, raw)
    effective = effective_keyboard if kind == "keyboard" else effective_menu
    kept = effective(value, bot_id=7)
    assert kept is not None
    assert [b.get("TEXT") for b in kept] == [b.get("TEXT") for b in raw]


# ---- what the portal keeps ------------------------------------------------------------------


def test_effective_keyboard_is_what_the_portal_stores() -> None:
    value = {
        "BOT_ID": 1,
        "COLORS": {"BG_COLOR": "#111", "TEXT_COLOR": "bad"},
        "VOTE": "Y",
        "BUTTONS": [
            {"TEXT": " Open ", "LINK": "https://x", "COMMAND": "ignored", "WIDTH": "120"},
            {"TYPE": "NEWLINE"},
            {"TEXT": "Run", "COMMAND": "/run", "COMMAND_PARAMS": "  ", "BLOCK": "Y",
             "BG_COLOR": "#222", "CONTEXT": "DESKTOP", "DISPLAY": "LINE"},
            {"TEXT": "App", "APP_ID": "12", "APP_PARAMS": "p", "DISABLED": "Y"},
            {"TEXT": "Dropped"},
            {"TEXT": "Fn", "FUNCTION": "x()"},
        ],
    }  # fmt: skip
    common = {"VOTE": "Y", "WAIT": "N"}
    assert effective_keyboard(value, bot_id=7) == [
        {"BOT_ID": 7, "TYPE": "BUTTON", "LINK": "https://x", "TEXT": "Open", **common,
         "BLOCK": "N", "CONTEXT": "ALL", "DISABLED": "N", "DISPLAY": "BLOCK", "WIDTH": 120,
         "BG_COLOR": "#111"},
        {"TYPE": "NEWLINE"},
        {"BOT_ID": 7, "TYPE": "BUTTON", "COMMAND": "run", "COMMAND_PARAMS": "", "TEXT": "Run",
         **common, "BLOCK": "Y", "CONTEXT": "DESKTOP", "DISABLED": "N", "DISPLAY": "LINE",
         "BG_COLOR": "#222"},
        {"BOT_ID": 7, "TYPE": "BUTTON", "APP_ID": 12, "APP_PARAMS": "p", "TEXT": "App", **common,
         "BLOCK": "N", "CONTEXT": "ALL", "DISABLED": "Y", "DISPLAY": "BLOCK", "BG_COLOR": "#111"},
    ]  # fmt: skip


def test_effective_menu_is_what_the_portal_stores() -> None:
    value = [
        {"TEXT": 5, "LINK": "/five"},
        {"TEXT": "Copy", "ACTION": "COPY", "ACTION_VALUE": "abc", "CONTEXT": "MOBILE"},
        {"TEXT": "Cmd", "COMMAND": "/c", "DISABLED": "Y"},
        {"TEXT": "App", "APP_ID": 0},
        {"TEXT": "Help", "ACTION": "HELP", "ACTION_VALUE": "x"},
    ]
    assert effective_menu(value, bot_id=3) == [
        {"BOT_ID": 3, "LINK": "/five", "TEXT": "5", "CONTEXT": "ALL", "DISABLED": "N"},
        {"BOT_ID": 3, "ACTION": "COPY", "ACTION_VALUE": "abc", "TEXT": "Copy",
         "CONTEXT": "MOBILE", "DISABLED": "N"},
        {"BOT_ID": 3, "COMMAND": "c", "COMMAND_PARAMS": "", "TEXT": "Cmd", "CONTEXT": "ALL",
         "DISABLED": "Y"},
        {"BOT_ID": 3, "APP_ID": 0, "TEXT": "App", "CONTEXT": "ALL", "DISABLED": "N"},
    ]  # fmt: skip


@pytest.mark.parametrize("value", [None, [], "", "{", 3, [{"TEXT": "x"}], {"BUTTONS": None}])
def test_nothing_kept(value: Any) -> None:
    assert effective_keyboard(value) is None
    assert effective_menu(value) is None
