"""Escaping of template output: the finalize hooks, trust markers, and the value helpers.

- **message** parts: every ``{{ expr }}`` goes through ``bbcode.escape``
  (values can't open tags, and read the same); numbers print as numbers;
  ``None`` prints nothing.
- **JSON** parts (attach/keyboard/menu): text is BB-escaped, then encoded as
  the inside of a JSON string, so it is safe between quotes; ints, floats,
  bools and ``None`` print as JSON literals, valid both bare and between
  quotes; ``|tojson`` output passes through as JSON with its strings
  BB-escaped. Text printed bare (outside quotes) is not valid JSON, and the
  JSON check after rendering says so.

Trust markers: ``|bb``, ``mention()`` and ``link()`` return BB — trusted
BB-code, not BB-escaped, still JSON-encoded. Output of macros, ``caller()``
and ``{% set %}`` blocks was already finalized, so the environments'
``concat`` (``trusted_concat``) marks it Trusted and finalize passes it
through (no double escaping); filtering such output (``|upper``) drops the
mark and escapes again, which can only over-escape, never inject.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping
from json.encoder import encode_basestring
from typing import Any

import jinja2

from b24notify.core.bbcode import escape as _bb_escape


class Trusted(str):
    """Output that was already finalized (macro, caller, block set): passes through."""

    __slots__ = ()


class BB(str):
    """Trusted BB-code (``|bb``, ``mention()``, ``link()``): not BB-escaped."""

    __slots__ = ()


class JsonText(str):
    """JSON produced by ``|tojson``: passes through JSON parts unchanged."""

    __slots__ = ()


@functools.lru_cache(maxsize=4096)
def _bb_escape_cached(text: str) -> str:
    return _bb_escape(text)


def bb_escape(text: str) -> str:
    """``bbcode.escape``, memoised: a preview re-renders mostly unchanged values per keystroke."""
    return _bb_escape_cached(text) if len(text) <= 4096 else _bb_escape(text)


def trusted_concat(parts: Iterable[str]) -> str:
    """The environments' ``concat``: joined output of finalized parts is marked Trusted."""
    return Trusted("".join(parts))


def _json_inner(text: str) -> str:
    encoded: str = encode_basestring(text)
    return encoded[1:-1]


def make_finalizers(
    check: Callable[[], None],
) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """The message and JSON ``finalize`` hooks; ``check`` runs first (the render deadline)."""

    def finalize_message(value: Any) -> Any:
        check()
        if type(value) is str:
            return bb_escape(value)
        if isinstance(value, (Trusted, BB)):
            return value
        if value is None:
            return ""
        if isinstance(value, (int, float)):
            return str(value)
        return bb_escape(str(value))  # str() of StrictUndefined raises, naming the variable

    def finalize_json(value: Any) -> Any:
        check()
        if type(value) is str:
            return _json_inner(bb_escape(value))
        if isinstance(value, (Trusted, JsonText)):
            return value
        if isinstance(value, BB):
            return _json_inner(value)
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(int(value))
        if isinstance(value, float):
            return repr(float(value))
        return _json_inner(bb_escape(str(value)))

    return finalize_message, finalize_json


def escape_tree(value: Any) -> Any:
    if isinstance(value, (BB, Trusted)):
        return str(value)
    if isinstance(value, str):
        return bb_escape(value)
    if isinstance(value, Mapping):
        return {str(k): escape_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [escape_tree(v) for v in value]
    if isinstance(value, jinja2.Undefined):
        str(value)  # raises for StrictUndefined
    return value


def tojson_filter(value: Any, indent: int | None = None) -> JsonText:
    """``|tojson``: JSON of a value with every string inside BB-escaped (``|bb`` ones kept)."""
    text = json.dumps(escape_tree(value), ensure_ascii=False, indent=indent, default=str)
    return JsonText(text)


def bb_filter(value: Any) -> BB:
    """``|bb``: mark a value as trusted BB-code."""
    return BB(str(value))


def mention(user: Any, name: Any = None) -> BB:
    """``mention(user_id, name)`` → ``[user=ID]name[/user]``, the name escaped, the id checked."""
    if isinstance(user, bool) or not re.fullmatch(r"\s*\d+\s*", str(user)) or int(user) <= 0:
        raise jinja2.TemplateRuntimeError(
            f"mention() needs a user id (a positive whole number), got {str(user)[:40]!r}"
        )
    label = "" if name is None else str(escape_tree(name) if isinstance(name, str) else name)
    return BB(f"[user={int(user)}]{label}[/user]")


def link(url: Any, text: Any = None) -> BB:
    """``link(url, text)`` → ``[url=URL]text[/url]`` for http(s) or /relative links only."""
    target = str(url).strip()
    if not re.match(r"^(https?://[^\s/]|/(?!/))", target, re.IGNORECASE) or re.search(
        r"\s", target
    ):
        raise jinja2.TemplateRuntimeError(
            f"link() needs an http(s) or /relative link, got {target[:60]!r}"
        )
    target = target.replace("[", "%5B").replace("]", "%5D")
    if text is None:
        return BB(f"[url]{target}[/url]")
    label = bb_escape(str(text)) if not isinstance(text, (BB, Trusted)) else str(text)
    return BB(f"[url={target}]{label}[/url]")
