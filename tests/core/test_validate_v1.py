"""imbot.message.add validation: the portal's codes (both ways), flags, FROM/TO, auth, names."""

from __future__ import annotations

from typing import Any

import pytest

from b24notify.core.models import Problem
from b24notify.core.payload import SIZE_LIMIT, has_errors, validate_params

BASE: dict[str, Any] = {"BOT_ID": 7, "DIALOG_ID": "chat42", "MESSAGE": "Hello", "CLIENT_ID": "c1"}
GOOD_ATTACH = [{"MESSAGE": "Card"}]
DROP = object()  # marks a key to remove from BASE


def check(auth: Any = "webhook", **changes: Any) -> list[Problem]:
    params = dict(BASE)
    for key, value in changes.items():
        if value is DROP:
            params.pop(key, None)
        else:
            params[key] = value
    return validate_params(params, "v1", auth=auth)


def codes(problems: list[Problem]) -> set[tuple[str, str]]:
    return {(p.code, p.path) for p in problems}


def test_base_is_clean() -> None:
    assert check() == []


ERROR_CASES = [
    # MESSAGE_EMPTY: missing, blank, or unusable — even with an ATTACH.
    ({"MESSAGE": DROP}, "MESSAGE_EMPTY", "MESSAGE"),
    ({"MESSAGE": "  \n\t"}, "MESSAGE_EMPTY", "MESSAGE"),
    ({"MESSAGE": "", "ATTACH": GOOD_ATTACH}, "MESSAGE_EMPTY", "MESSAGE"),
    ({"MESSAGE": None}, "MESSAGE_EMPTY", "MESSAGE"),
    ({"MESSAGE": False}, "MESSAGE_EMPTY", "MESSAGE"),
    ({"MESSAGE": ["Hello"]}, "MESSAGE_EMPTY", "MESSAGE"),
    # DIALOG_ID_EMPTY: missing or not ^([0-9]+|(chat|sg|crm)[0-9]+)$.
    ({"DIALOG_ID": DROP}, "DIALOG_ID_EMPTY", "DIALOG_ID"),
    ({"DIALOG_ID": ""}, "DIALOG_ID_EMPTY", "DIALOG_ID"),
    ({"DIALOG_ID": "0"}, "DIALOG_ID_EMPTY", "DIALOG_ID"),
    ({"DIALOG_ID": "group5"}, "DIALOG_ID_EMPTY", "DIALOG_ID"),
    ({"DIALOG_ID": "chat"}, "DIALOG_ID_EMPTY", "DIALOG_ID"),
    ({"DIALOG_ID": "chat12a"}, "DIALOG_ID_EMPTY", "DIALOG_ID"),
    ({"DIALOG_ID": " 42"}, "DIALOG_ID_EMPTY", "DIALOG_ID"),
    ({"DIALOG_ID": -5}, "DIALOG_ID_EMPTY", "DIALOG_ID"),
    ({"DIALOG_ID": True}, "DIALOG_ID_EMPTY", "DIALOG_ID"),
    ({"DIALOG_ID": ["42"]}, "DIALOG_ID_EMPTY", "DIALOG_ID"),
    ({"DIALOG_ID": DROP, "FROM_USER_ID": 1, "TO_USER_ID": 0}, "DIALOG_ID_EMPTY", "DIALOG_ID"),
    # BOT_ID_ERROR: only what can't be a bot id at all.
    ({"BOT_ID": "abc"}, "BOT_ID_ERROR", "BOT_ID"),
    ({"BOT_ID": 0}, "BOT_ID_ERROR", "BOT_ID"),
    ({"BOT_ID": -1}, "BOT_ID_ERROR", "BOT_ID"),
    ({"BOT_ID": "07"}, "BOT_ID_ERROR", "BOT_ID"),
    ({"BOT_ID": 1.5}, "BOT_ID_ERROR", "BOT_ID"),
    ({"BOT_ID": ""}, "BOT_ID_ERROR", "BOT_ID"),
    ({"BOT_ID": True}, "BOT_ID_ERROR", "BOT_ID"),
    # Parts the portal can't read, or where nothing is left.
    ({"ATTACH": "{not json"}, "ATTACH_ERROR", "ATTACH"),
    ({"ATTACH": 42}, "ATTACH_ERROR", "ATTACH"),
    ({"ATTACH": True}, "ATTACH_ERROR", "ATTACH"),
    ({"ATTACH": "[]"}, "ATTACH_ERROR", "ATTACH"),
    ({"ATTACH": '"text"'}, "ATTACH_ERROR", "ATTACH"),
    ({"ATTACH": {"BLOCKS": "x"}}, "ATTACH_ERROR", "ATTACH"),
    ({"ATTACH": [{"MESSAGE": " "}]}, "ATTACH_ERROR", "ATTACH"),
    ({"ATTACH": {"BLOCKS": [{"IMAGE": {"LINK": "ftp://x"}}]}}, "ATTACH_ERROR", "ATTACH"),
    ({"KEYBOARD": "nope"}, "KEYBOARD_ERROR", "KEYBOARD"),
    ({"KEYBOARD": [{"TEXT": "No action"}]}, "KEYBOARD_ERROR", "KEYBOARD"),
    ({"KEYBOARD": {"BUTTONS": []}}, "KEYBOARD_ERROR", "KEYBOARD"),
    ({"KEYBOARD": '[{"TEXT": "", "LINK": "/x"}]'}, "KEYBOARD_ERROR", "KEYBOARD"),
    ({"MENU": [{"TEXT": "No action"}]}, "MENU_ERROR", "MENU"),
    ({"MENU": [{"TEXT": "Help", "ACTION": "HELP", "ACTION_VALUE": "x"}]}, "MENU_ERROR", "MENU"),
    ({"MENU": "{]"}, "MENU_ERROR", "MENU"),
    # Webhook calls need CLIENT_ID.
    ({"CLIENT_ID": DROP}, "ACCESS_DENIED", "CLIENT_ID"),
    ({"CLIENT_ID": ""}, "ACCESS_DENIED", "CLIENT_ID"),
]


@pytest.mark.parametrize(("changes", "code", "path"), ERROR_CASES)
def test_errors(changes: dict[str, Any], code: str, path: str) -> None:
    problems = check(**changes)
    hits = [p for p in problems if (p.code, p.path) == (code, path)]
    assert hits, problems
    assert all(p.severity == "error" for p in hits)
    assert has_errors(problems)


NOT_ERROR_CASES = [
    ({"MESSAGE": "0"}, "MESSAGE_EMPTY"),  # "0" is text to trim()
    ({"MESSAGE": 42}, "MESSAGE_EMPTY"),
    ({"message": "lower-case name", "MESSAGE": DROP}, "MESSAGE_EMPTY"),
    ({"DIALOG_ID": "CHAT42"}, "DIALOG_ID_EMPTY"),
    ({"DIALOG_ID": "sg5"}, "DIALOG_ID_EMPTY"),
    ({"DIALOG_ID": "crm7"}, "DIALOG_ID_EMPTY"),
    ({"DIALOG_ID": 42}, "DIALOG_ID_EMPTY"),
    ({"DIALOG_ID": DROP, "dialog_id": "42"}, "DIALOG_ID_EMPTY"),
    ({"DIALOG_ID": DROP, "FROM_USER_ID": "3", "TO_USER_ID": 4}, "DIALOG_ID_EMPTY"),
    ({"BOT_ID": "7"}, "BOT_ID_ERROR"),
    ({"BOT_ID": DROP}, "BOT_ID_ERROR"),  # the portal picks the app's first bot
    ({"BOT_ID": None}, "BOT_ID_ERROR"),
    ({"ATTACH": []}, "ATTACH_ERROR"),  # empty parts are ignored, not rejected
    ({"ATTACH": ""}, "ATTACH_ERROR"),
    ({"ATTACH": {}}, "ATTACH_ERROR"),
    ({"ATTACH": "0"}, "ATTACH_ERROR"),
    ({"ATTACH": None}, "ATTACH_ERROR"),
    ({"ATTACH": GOOD_ATTACH}, "ATTACH_ERROR"),
    ({"KEYBOARD": [{"TYPE": "NEWLINE"}]}, "KEYBOARD_ERROR"),  # accepted, with a warning
    ({"KEYBOARD": [{"TEXT": "Go", "COMMAND": "go"}]}, "KEYBOARD_ERROR"),
    ({"MENU": [{"TEXT": 5, "LINK": "/x"}]}, "MENU_ERROR"),
    ({"MENU": [{"TEXT": "App", "APP_ID": 0}]}, "MENU_ERROR"),  # isset(APP_ID) is enough
]


@pytest.mark.parametrize(("changes", "code"), NOT_ERROR_CASES)
def test_not_errors(changes: dict[str, Any], code: str) -> None:
    assert code not in {p.code for p in check(**changes)}


@pytest.mark.parametrize("auth", ["oauth", None])
def test_client_id_only_checked_for_webhooks(auth: Any) -> None:
    problems = check(auth=auth, CLIENT_ID=DROP)
    assert "ACCESS_DENIED" not in {p.code for p in problems}


def test_access_denied_says_what_the_portal_says() -> None:
    (problem,) = [p for p in check(CLIENT_ID=DROP) if p.code == "ACCESS_DENIED"]
    assert "Client ID not specified" in problem.message


def test_message_empty_explains_attach_is_not_enough() -> None:
    (problem,) = check(MESSAGE="", ATTACH=GOOD_ATTACH)
    assert "ATTACH" in problem.message and "v2" in problem.message


# ---- sizes at the 30 KB boundary -------------------------------------------------------


def _json_text(kind: str, size: int) -> str:
    shells = {
        "ATTACH": ('[{"MESSAGE":"', '"}]'),
        "KEYBOARD": ('[{"TEXT":"Go","LINK":"https://x.example/', '"}]'),
        "MENU": ('[{"TEXT":"Go","LINK":"/', '"}]'),
    }
    head, tail = shells[kind]
    return head + "a" * (size - len(head) - len(tail)) + tail


@pytest.mark.parametrize("kind", ["ATTACH", "KEYBOARD", "MENU"])
@pytest.mark.parametrize("size", [SIZE_LIMIT - 1, SIZE_LIMIT])
def test_size_boundary_as_json_string(kind: str, size: int) -> None:
    text = _json_text(kind, size)
    assert len(text.encode()) == size
    assert f"{kind}_OVERSIZE" not in {p.code for p in check(**{kind: text})}


@pytest.mark.parametrize("kind", ["ATTACH", "KEYBOARD", "MENU"])
def test_one_byte_over_is_oversize(kind: str) -> None:
    problems = check(**{kind: _json_text(kind, SIZE_LIMIT + 1)})
    (problem,) = [p for p in problems if p.code == f"{kind}_OVERSIZE"]
    assert problem.severity == "error" and problem.path == kind
    assert "30,721 bytes" in problem.message and "60,000" in problem.message
    assert not [p for p in problems if p.code == f"{kind}_ERROR"]


def test_size_counts_utf8_bytes_of_objects() -> None:
    head = len('[{"MESSAGE":"')
    body = "ж" * ((SIZE_LIMIT - head - len('"}]')) // 2)
    value = [{"MESSAGE": body}]
    assert "ATTACH_OVERSIZE" not in {p.code for p in check(ATTACH=value)}
    value = [{"MESSAGE": body + "ж"}]
    assert "ATTACH_OVERSIZE" in {p.code for p in check(ATTACH=value)}


# ---- warnings on the top-level params --------------------------------------------------


WARNING_CASES = [
    ({"DIALOGID": "1"}, "W_UNKNOWN_PARAM", "DIALOGID", "use DIALOG_ID"),
    ({"fields": {"message": "x"}}, "W_UNKNOWN_PARAM", "FIELDS", "flat UPPER_CASE"),
    ({"message": "a"}, "W_DUPLICATE_PARAM", "MESSAGE", "keeps the last"),
    ({"FROM_USER_ID": 1, "TO_USER_ID": 2}, "W_DIALOG_ID_IGNORED", "DIALOG_ID", "ignored"),
    ({"FROM_USER_ID": 1, "TO_USER_ID": 2}, "W_SYSTEM_FORCED", "SYSTEM", "forces SYSTEM"),
    ({"FROM_USER_ID": 1}, "W_FROM_TO_INCOMPLETE", "FROM_USER_ID", "uses DIALOG_ID"),
    ({"TO_USER_ID": "0"}, "W_FROM_TO_INCOMPLETE", "TO_USER_ID", "both above 0"),
    ({"SYSTEM": "1"}, "W_FLAG_VALUE", "SYSTEM", '"N"'),
    ({"SYSTEM": "true"}, "W_FLAG_VALUE", "SYSTEM", "normal message"),
    ({"SYSTEM": "y"}, "W_FLAG_VALUE", "SYSTEM", 'only exactly "Y"'),
    ({"SYSTEM": [1]}, "W_FLAG_VALUE", "SYSTEM", 'not "Y" or "N"'),
    ({"URL_PREVIEW": True}, "W_FLAG_VALUE", "URL_PREVIEW", "without previews"),
    ({"URL_PREVIEW": False}, "W_FLAG_VALUE", "URL_PREVIEW", "previews on"),
    ({"URL_PREVIEW": "false"}, "W_FLAG_VALUE", "URL_PREVIEW", "previews on"),
    ({"URL_PREVIEW": "n"}, "W_FLAG_VALUE", "URL_PREVIEW", 'only exactly "N"'),
    ({"SKIP_CONNECTOR": "maybe"}, "W_FLAG_VALUE", "SKIP_CONNECTOR", "connectors"),
    ({"MESSAGE": "x" * 20_001}, "W_MESSAGE_TOO_LONG", "MESSAGE", "20,000"),
    ({"MESSAGE": 42}, "W_VALUE_COERCED", "MESSAGE", '"42"'),
    ({"MESSAGE": True}, "W_VALUE_COERCED", "MESSAGE", '"1"'),
    ({"ATTACH": []}, "W_PART_EMPTY", "ATTACH", "ignores"),
    ({"KEYBOARD": ""}, "W_PART_EMPTY", "KEYBOARD", "ignores"),
    ({"MESSAGE": "[b]Hello"}, "W_BB_UNCLOSED", "MESSAGE", "[/b]"),
]


@pytest.mark.parametrize(("changes", "code", "path", "fragment"), WARNING_CASES)
def test_warnings(changes: dict[str, Any], code: str, path: str, fragment: str) -> None:
    problems = check(**changes)
    hits = [p for p in problems if (p.code, p.path) == (code, path)]
    assert hits, problems
    assert all(p.severity == "warning" for p in hits)
    assert any(fragment in p.message for p in hits), hits


NOT_WARNING_CASES = [
    ({"SYSTEM": "Y", "URL_PREVIEW": "N", "SKIP_CONNECTOR": "Y"}, "W_FLAG_VALUE"),
    ({"SYSTEM": True}, "W_FLAG_VALUE"),  # true == 'Y' in PHP: what was meant
    ({"URL_PREVIEW": "Y"}, "W_FLAG_VALUE"),
    ({"FROM_USER_ID": 1, "TO_USER_ID": 2, "SYSTEM": "Y"}, "W_SYSTEM_FORCED"),
    ({"MESSAGE": "x" * 20_000}, "W_MESSAGE_TOO_LONG"),
    ({"auth": "token"}, "W_UNKNOWN_PARAM"),
    ({"bot_id": 7, "BOT_ID": DROP}, "W_DUPLICATE_PARAM"),
]


@pytest.mark.parametrize(("changes", "code"), NOT_WARNING_CASES)
def test_not_warnings(changes: dict[str, Any], code: str) -> None:
    assert code not in {p.code for p in check(**changes)}


def test_oauth_with_client_id_warns_without_leaking_it() -> None:
    problems = check(auth="oauth", CLIENT_ID="s3cr3t-client")
    assert ("W_SECRET_UNUSED", "CLIENT_ID") in codes(problems)
    assert not any("s3cr3t" in p.message for p in problems)


def test_from_to_ignores_dialog_and_system() -> None:
    problems = check(DIALOG_ID="not a dialog", FROM_USER_ID=1, TO_USER_ID=2, SYSTEM="N")
    assert not has_errors(problems)
    assert {p.code for p in problems} == {"W_DIALOG_ID_IGNORED", "W_SYSTEM_FORCED"}


def test_not_a_mapping_is_treated_as_no_params() -> None:
    problems = validate_params(["MESSAGE", "x"], "v1")  # type: ignore[arg-type]
    assert {"MESSAGE_EMPTY", "DIALOG_ID_EMPTY"} <= {p.code for p in problems}


def test_messages_are_single_sentences() -> None:
    problems = check(
        MESSAGE=" ", DIALOG_ID="x", BOT_ID="y", ATTACH="{", KEYBOARD=[{}], MENU=[1], CLIENT_ID=DROP
    )
    assert len(problems) >= 7
    for problem in problems:
        assert problem.message[0].isupper() and problem.message.endswith("."), problem
        assert "\n" not in problem.message
