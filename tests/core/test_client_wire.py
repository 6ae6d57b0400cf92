"""The REST wire format: batch command encoding (read back by the sandbox's PHP-style
parser), defensive envelope decoding and the shapes results come back in."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b24notify.core.errors import UsageError
from b24notify.core.rest import (
    check_method,
    decode_envelope,
    encode_command,
    encode_query,
    is_loopback,
    is_read_only,
    message_id_of,
    retry_after,
    secret_values,
    section,
)
from b24notify.sandbox.forms import parse_php_query, php_arrays_to_lists

# ---- batch commands ----------------------------------------------------------


def test_a_v1_send_becomes_one_command_string() -> None:
    params = {
        "BOT_ID": 7,
        "DIALOG_ID": "chat12",
        "MESSAGE": "Hi & welcome: 100% [b]done[/b] #1?",
        "ATTACH": {"BLOCKS": [{"MESSAGE": "a=b&c"}]},
        "KEYBOARD": [{"TEXT": "Open", "LINK": "https://x.example/?a=1&b=2"}],
        "SYSTEM": "N",
        "URL_PREVIEW": False,
        "CLIENT_ID": "cid",
    }
    command = encode_command("imbot.message.add", params)
    method, _, query = command.partition("?")
    assert method == "imbot.message.add"
    # The structure parts travel as one JSON string each, not as brackets.
    assert "ATTACH[" not in query
    assert "KEYBOARD[" not in query
    decoded = parse_php_query(query)
    assert decoded == {
        "BOT_ID": "7",
        "DIALOG_ID": "chat12",
        "MESSAGE": "Hi & welcome: 100% [b]done[/b] #1?",
        "ATTACH": json.dumps(params["ATTACH"], ensure_ascii=False, separators=(",", ":")),
        "KEYBOARD": json.dumps(params["KEYBOARD"], ensure_ascii=False, separators=(",", ":")),
        "SYSTEM": "N",
        "URL_PREVIEW": "N",
        "CLIENT_ID": "cid",
    }


def test_nested_params_use_php_brackets() -> None:
    params = {
        "botId": 7,
        "dialogId": "42",
        "fields": {"message": "x y", "urlPreview": True, "attach": [{"MESSAGE": "m"}]},
        "ids": [1, 2],
        "empty": {},
        "none": None,
    }
    query = encode_query(params)
    assert "fields[message]=x%20y" in query
    assert "ids[0]=1&ids[1]=2" in query
    # v2 attach inside fields is a JSON string too.
    assert "fields[attach]=" in query
    assert parse_php_query(query) == {
        "botId": "7",
        "dialogId": "42",
        "fields": {"message": "x y", "urlPreview": "Y", "attach": '[{"MESSAGE":"m"}]'},
        "ids": ["1", "2"],
        "empty": "",
        "none": "",
    }


def test_a_command_without_params_is_the_bare_method() -> None:
    assert encode_command("imbot.bot.list") == "imbot.bot.list"
    assert encode_command("imbot.bot.list", {}) == "imbot.bot.list"


_keys = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,7}", fullmatch=True).filter(
    lambda k: k.upper() not in ("ATTACH", "KEYBOARD", "MENU")
)
_scalars = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.booleans(),
    st.none(),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=4),
        st.dictionaries(_keys, inner, min_size=1, max_size=4),
    ),
    max_leaves=20,
)


def _expected(value: Any) -> Any:
    """What PHP sees: strings everywhere, Y/N flags, lists stay lists."""
    if isinstance(value, dict):
        return {k: _expected(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_expected(v) for v in value]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    return str(value)


@settings(max_examples=200, deadline=None)
@given(params=st.dictionaries(_keys, _values, max_size=6), attach=_values)
def test_any_params_survive_the_round_trip(params: dict[str, Any], attach: Any) -> None:
    """Whatever the values (quotes, &, =, %, #, brackets, newlines, unicode), the
    portal-side parser reads back exactly the params that were encoded."""
    params = {**params, "ATTACH": attach}
    decoded = parse_php_query(encode_query(params))
    expected = php_arrays_to_lists(_expected({k: v for k, v in params.items() if k != "ATTACH"}))
    if isinstance(attach, dict | list):
        assert json.loads(decoded.pop("ATTACH")) == attach
    else:
        expected["ATTACH"] = _expected(attach)
    assert decoded == expected


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=50))
def test_values_never_leak_separators(text: str) -> None:
    query = encode_query({"MESSAGE": text})
    name, _, value = query.partition("=")
    assert name == "MESSAGE"
    assert "&" not in value and "=" not in value and "#" not in value and "+" not in value
    assert unquote(value) == text


# ---- envelopes -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "content_type", "payload", "problem"),
    [
        (200, b'{"result": 5, "time": {}}', "application/json", {"result": 5, "time": {}}, ""),
        (200, b"[]", "application/json", {}, ""),
        (200, b"", "application/json", None, "empty body (HTTP 200)"),
        (502, b"  \n", "", None, "empty body (HTTP 502)"),
        (200, b'{"result": 5, "ti', "application/json", None, "invalid or truncated JSON"),
        (500, b"<html><body>500</body></html>", "text/html", None, "an HTML page"),
        (200, b"Service down", "text/html; charset=utf-8", None, "an HTML page"),
        (200, b"[1, 2]", "application/json", None, "JSON that is not an object"),
        (200, b'"ok"', "application/json", None, "JSON that is not an object"),
        (200, b"\xff\xfe", "application/json", None, "invalid or truncated JSON"),
    ],
)
def test_bodies_are_decoded_defensively(
    status: int, body: bytes, content_type: str, payload: Any, problem: str
) -> None:
    got, why = decode_envelope(status, body, content_type)
    assert got == payload
    assert why.startswith(problem)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"a": 1, 2: "b"}, {"a": 1, "2": "b"}),
        ([], {}),  # PHP's empty array
        (["x", "y"], {"0": "x", "1": "y"}),  # numeric keys serialised as a list
        (None, {}),
        ("junk", {}),
    ],
)
def test_batch_sections_always_become_string_keyed(value: Any, expected: dict[str, Any]) -> None:
    assert section(value) == expected


@pytest.mark.parametrize(
    ("result", "message_id"),
    [
        (19880117, 19880117),
        ({"id": 789, "uuidMap": {}}, 789),
        ("42", 42),
        (True, None),
        ({"result": True}, None),
        (None, None),
    ],
)
def test_message_ids_from_both_apis(result: Any, message_id: int | None) -> None:
    assert message_id_of(result) == message_id


def test_secret_values_are_found_anywhere() -> None:
    params = {
        "CLIENT_ID": "c1",
        "fields": {"message": "hi"},
        "nested": [{"botToken": "t1"}],
        "auth": "a1",
    }
    assert sorted(secret_values(params)) == ["a1", "c1", "t1"]


@pytest.mark.parametrize(
    ("method", "read_only"),
    [
        ("imbot.bot.list", True),
        ("imbot.v2.Bot.list", True),
        ("IMBOT.DIALOG.GET", True),
        ("imbot.message.add", False),
        ("imbot.v2.Chat.Message.send", False),
        ("imbot.message.delete", False),
        ("batch", False),
    ],
)
def test_only_reading_methods_are_safe_to_repeat(method: str, read_only: bool) -> None:
    assert is_read_only(method) is read_only


@pytest.mark.parametrize(
    "method", ["", "imbot..add", "../etc", "imbot.message.add?x=1", "a b", "imbot/x"]
)
def test_bad_method_names_are_usage_errors(method: str) -> None:
    with pytest.raises(UsageError, match="not a REST method name"):
        check_method(method)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.3.4.5", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("example.bitrix24.com", False),
        ("10.0.0.1", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(
    ("header", "seconds"), [("2", 2.0), ("0.5", 0.5), ("", None), ("soon", None), ("-1", None)]
)
def test_retry_after_header(header: str, seconds: float | None) -> None:
    assert retry_after(header) == seconds
