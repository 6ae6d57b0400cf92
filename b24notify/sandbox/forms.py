"""Request parameters as PHP sees them: bracket notation, JSON bodies, PHP arrays.

``ATTACH[BLOCKS][0][MESSAGE]=hi&fields[message]=x&a[]=1&a[]=2`` becomes nested
dicts the way PHP's ``parse_str`` builds arrays, and every array whose keys
are exactly ``"0".."n-1"`` in order becomes a list (that is what PHP's
``json_encode`` would make of it). JSON bodies go through the same list rule,
because PHP decodes ``{"0": …, "1": …}`` into the same array as ``[…]``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

_SEGMENT = re.compile(r"\[([^\]]*)\]")
_INT_KEY = re.compile(r"(0|[1-9][0-9]*)\Z")


class BodyError(ValueError):
    """The request body could not be read; the message says why in one sentence."""


def _key_path(name: str) -> list[str | None] | None:
    """Split ``a[b][]`` into ``["a", "b", None]`` (None = append), like PHP does.

    The base name loses leading spaces and has ``.``/space turned into ``_``;
    an opening bracket with no closing one is taken literally (as ``_``), and
    anything after the last well-formed ``[...]`` is ignored. None for a name
    PHP would drop (empty base).
    """
    name = name.lstrip(" ")
    open_at = name.find("[")
    if open_at < 0 or "]" not in name[open_at:]:
        base = name.replace(".", "_").replace(" ", "_").replace("[", "_", 1)
        return [base] if base else None
    base = name[:open_at].replace(".", "_").replace(" ", "_")
    if not base:
        return None
    path: list[str | None] = [base]
    pos = open_at
    while pos < len(name) and name[pos] == "[":
        match = _SEGMENT.match(name, pos)
        if match is None:
            break
        index = match.group(1)
        path.append(index if index else None)
        pos = match.end()
    return path


def _next_index(array: dict[str, Any]) -> str:
    ints = [int(k) for k in array if _INT_KEY.match(k)]
    return str(max(ints) + 1) if ints else "0"


def parse_php_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Build nested params from ``(name, value)`` pairs, PHP ``parse_str`` style.

    Later pairs overwrite earlier scalars; a scalar met where an array is
    needed is replaced by the array (PHP does the same). Lists come out as
    lists (see module docstring).
    """
    root: dict[str, Any] = {}
    for name, value in pairs:
        path = _key_path(name)
        if path is None:
            continue
        node = root
        for depth, key in enumerate(path):
            last = depth == len(path) - 1
            if key is None:
                key = _next_index(node)
            if last:
                node[key] = value
            else:
                child = node.get(key)
                if not isinstance(child, dict):
                    child = {}
                    node[key] = child
                node = child
    return {key: php_arrays_to_lists(value) for key, value in root.items()}


def parse_php_query(query: str) -> dict[str, Any]:
    """Parse a urlencoded string (query string or form body) with bracket notation."""
    return parse_php_pairs(parse_qsl(query, keep_blank_values=True))


def php_packed(array: dict[str, Any]) -> dict[str, Any] | list[Any]:
    """A list when the keys are exactly ``"0".."n-1"`` in order (a PHP packed array)."""
    keys = list(array)
    if keys and keys == [str(i) for i in range(len(keys))]:
        return list(array.values())
    return array


def php_arrays_to_lists(value: Any) -> Any:
    """Recursively turn dicts keyed ``"0".."n-1"`` (in that order) into lists."""
    if isinstance(value, dict):
        return php_packed({str(k): php_arrays_to_lists(v) for k, v in value.items()})
    if isinstance(value, list):
        return [php_arrays_to_lists(v) for v in value]
    return value


def php_json_shape(value: Any) -> Any:
    """What PHP's ``json_encode`` makes of an array: ``{}`` → ``[]``, ``{"0":…}`` → list."""
    if isinstance(value, dict):
        if not value:
            return []
        return php_packed({str(k): php_json_shape(v) for k, v in value.items()})
    if isinstance(value, list):
        return [php_json_shape(v) for v in value]
    return value


def _multipart_pairs(content_type: str, body: bytes) -> list[tuple[str, str]]:
    """Field name/value pairs of a multipart/form-data body (file parts give their content)."""
    from email.parser import BytesParser
    from email.policy import HTTP

    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise BodyError("the multipart body has no boundary or no parts.")
    pairs: list[tuple[str, str]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        pairs.append((name, data.decode(part.get_content_charset() or "utf-8", "replace")))
    return pairs


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def decode_params(content_type: str, body: bytes, query: str) -> dict[str, Any]:
    """Merge query-string and body params (the body wins), whatever the body's format.

    JSON bodies must hold an object; form bodies use bracket notation;
    ``multipart/form-data`` is read field by field. BodyError says what is wrong.
    """
    params = parse_php_query(query) if query else {}
    kind = content_type.split(";", 1)[0].strip().lower()
    if not body.strip():
        return params
    if kind == "application/json" or (not kind and body.lstrip()[:1] in (b"{", b"[")):
        try:
            data = json.loads(body, parse_constant=_no_constant)
        except (UnicodeDecodeError, ValueError) as err:
            raise BodyError(f"the request body is not valid JSON ({err}).") from None
        if not isinstance(data, dict):
            raise BodyError("the JSON request body must be an object of parameters.")
        params.update({str(k): php_arrays_to_lists(v) for k, v in data.items()})
    elif kind == "multipart/form-data":
        params.update(parse_php_pairs(_multipart_pairs(content_type, body)))
    else:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise BodyError("the form body is not UTF-8 text.") from None
        params.update(parse_php_query(text))
    return params
