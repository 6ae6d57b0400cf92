"""PHP bracket notation, JSON bodies and multipart: params as the portal's PHP would see them."""

from __future__ import annotations

from typing import Any

import pytest
from fast_bitrix24.utils import http_build_query
from hypothesis import given, settings
from hypothesis import strategies as st

from b24notify.sandbox.forms import (
    BodyError,
    decode_params,
    parse_php_query,
    php_arrays_to_lists,
    php_json_shape,
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("a=1", {"a": "1"}),
        ("fields[message]=hi", {"fields": {"message": "hi"}}),
        (
            "ATTACH[BLOCKS][0][GRID][0][NAME]=N&ATTACH[BLOCKS][0][GRID][0][VALUE]=V",
            {"ATTACH": {"BLOCKS": [{"GRID": [{"NAME": "N", "VALUE": "V"}]}]}},
        ),
        ("a[]=1&a[]=2", {"a": ["1", "2"]}),
        ("a[0]=x&a[1]=y", {"a": ["x", "y"]}),
        # Keys out of order stay an object, as PHP's json_encode would show them.
        ("a[1]=x&a[0]=y", {"a": {"1": "x", "0": "y"}}),
        ("a[0]=x&a[2]=y", {"a": {"0": "x", "2": "y"}}),
        ("a[5]=x&a[]=y", {"a": {"5": "x", "6": "y"}}),
        ("a=1&a=2", {"a": "2"}),
        ("a=1&a[b]=2", {"a": {"b": "2"}}),
        ("a[b]=2&a=1", {"a": "1"}),
        ("a[b][c]=1&a[b][d]=2", {"a": {"b": {"c": "1", "d": "2"}}}),
        ("MESSAGE=Hello+%5Bb%5Dworld%5B%2Fb%5D", {"MESSAGE": "Hello [b]world[/b]"}),
        ("e=", {"e": ""}),
        ("b.c=1&d e=2", {"b_c": "1", "d_e": "2"}),
        ("x[y=1", {"x_y": "1"}),
        ("f[g]h=3", {"f": {"g": "3"}}),
        ("[a]=1&=2", {}),
        ("%5Bweird=1", {"_weird": "1"}),
        ("0=a&1=b", {"0": "a", "1": "b"}),
    ],
)
def test_bracket_notation_builds_php_arrays(query: str, expected: dict[str, Any]) -> None:
    assert parse_php_query(query) == expected


def test_json_objects_keyed_by_position_become_lists() -> None:
    body = b'{"ATTACH": {"BLOCKS": {"0": {"MESSAGE": "a"}, "1": {"MESSAGE": "b"}}}, "n": 3}'
    params = decode_params("application/json", body, "")
    assert params == {"ATTACH": {"BLOCKS": [{"MESSAGE": "a"}, {"MESSAGE": "b"}]}, "n": 3}


def test_body_wins_over_query_string() -> None:
    params = decode_params("application/x-www-form-urlencoded", b"a=body&c=3", "a=query&b=2")
    assert params == {"a": "body", "b": "2", "c": "3"}


def test_multipart_fields_use_bracket_names() -> None:
    body = (
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="fields[message]"\r\n\r\n'
        b"hello \xd0\xbf\r\n"
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="a[]"\r\n\r\n'
        b"1\r\n"
        b"--XyZ--\r\n"
    )
    params = decode_params("multipart/form-data; boundary=XyZ", body, "")
    assert params == {"fields": {"message": "hello п"}, "a": ["1"]}


@pytest.mark.parametrize(
    ("content_type", "body", "reason"),
    [
        ("application/json", b'{"a": ', "not valid JSON"),
        ("application/json", b"[1, 2]", "must be an object"),
        ("application/json", b'{"a": NaN}', "not valid JSON"),
        ("application/json", b"\xff\xfe", "not valid JSON"),
        ("application/x-www-form-urlencoded", b"a=\xff", "not UTF-8"),
        ("multipart/form-data", b"no boundary here", "multipart"),
    ],
)
def test_unreadable_bodies_say_why(content_type: str, body: bytes, reason: str) -> None:
    with pytest.raises(BodyError, match=reason):
        decode_params(content_type, body, "")


def test_empty_body_keeps_query_params() -> None:
    assert decode_params("application/json", b"  ", "auth=tok") == {"auth": "tok"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({}, []),
        ({"0": 1, "1": {}}, [1, []]),
        ({"k": {"0": "a"}}, {"k": ["a"]}),
        ([{"x": {}}], [{"x": []}]),
        ("s", "s"),
    ],
)
def test_json_shape_is_what_php_would_encode(value: Any, expected: Any) -> None:
    assert php_json_shape(value) == expected


_KEY = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_", min_size=1)
_LEAF = st.text(max_size=20) | st.integers(-1000, 1000).map(str)
_TREE = st.recursive(
    _LEAF,
    lambda children: (
        st.lists(children, min_size=1, max_size=4)
        | st.dictionaries(_KEY, children, min_size=1, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_KEY, _TREE, min_size=1, max_size=5))
def test_round_trip_through_another_clients_encoder(params: dict[str, Any]) -> None:
    """Whatever fast_bitrix24's PHP-style encoder sends decodes back to the same params."""
    assert parse_php_query(http_build_query(params)) == php_arrays_to_lists(params)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab[]=&%0x5BD .", max_size=60))
def test_parsing_any_query_never_raises(query: str) -> None:
    result = parse_php_query(query)
    assert isinstance(result, dict)
