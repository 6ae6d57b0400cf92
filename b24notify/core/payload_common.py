"""Shared ground for payload cleaning: the portal's PHP value rules, root forms, sizes, findings.

The portal is PHP: it reads ATTACH/KEYBOARD/MENU with ``isset``/``empty``/
``intval``/``trim`` and loose ``==``. Reproducing those rules here is what lets
the validator predict exactly what the portal keeps, drops or rejects.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from b24notify.core.models import Problem

SIZE_LIMIT = 30 * 1024
"""Bytes allowed for each of ATTACH, KEYBOARD and MENU (the v1 docs' 30 KB)."""

CODE_CHAR_LIMIT = 60_000
"""The portal code's own check: the stored JSON must stay under 60,000 characters."""

PartKind = Literal["attach", "keyboard", "menu"]
PartForm = Literal["none", "full", "short", "json_full", "json_short", "invalid"]
"""How a part was given: ``none`` (absent or empty: the portal ignores it),
``full`` (object with BLOCKS/BUTTONS/ITEMS), ``short`` (the collection itself),
``json_*`` (the same inside a JSON string), ``invalid`` (the portal can't read it)."""

ROOT_KEY: dict[PartKind, str] = {"attach": "BLOCKS", "keyboard": "BUTTONS", "menu": "ITEMS"}

LINK_RE = re.compile(r"^(?:/|https?://)")
HEX_COLOR_RE = re.compile(r"^#[a-fA-F0-9]{3}(?:[a-fA-F0-9]{3})?$")
COLOR_TOKENS = ("primary", "secondary", "alert", "base")

Lint = Callable[[str, str], list[Problem]]


@dataclass
class Findings:
    """Collects problems while a part is cleaned; ``None`` sink means nobody listens."""

    problems: list[Problem] = field(default_factory=list)

    def error(self, code: str, path: str, message: str) -> None:
        self.problems.append(Problem(code, path, message, "error"))

    def warn(self, code: str, path: str, message: str) -> None:
        self.problems.append(Problem(code, path, message, "warning"))

    def extend(self, problems: list[Problem]) -> None:
        self.problems.extend(problems)


# ---- PHP value semantics ------------------------------------------------------


def is_set(container: Any, key: str) -> bool:
    """PHP ``isset($container[$key])`` for decoded JSON: a present, non-null member."""
    return isinstance(container, dict) and container.get(key) is not None


def php_empty(value: Any) -> bool:
    """PHP ``empty()``: null, false, 0, 0.0, "", "0" and empty arrays."""
    if value is None or value is False:
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return value == 0
    if isinstance(value, str):
        return value in ("", "0")
    if isinstance(value, list | dict):
        return len(value) == 0
    return False


_NUM_PREFIX = re.compile(r"^[ \t\n\r\v\f]*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def php_int(value: Any) -> int:
    """PHP ``intval()``: leading number of a string, truncated floats, 0 for junk."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else 0
    if isinstance(value, str):
        match = _NUM_PREFIX.match(value)
        if not match:
            return 0
        text = match.group(0).strip()
        try:
            number = float(text) if any(c in text for c in ".eE") else int(text)
            return int(number) if math.isfinite(number) else 0
        except (ValueError, OverflowError):
            return 0
    if isinstance(value, list | dict):
        return 1 if value else 0
    return 0


def php_str(value: Any) -> str | None:
    """PHP string conversion of a scalar (what ``trim()`` sees); None for arrays."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        try:
            return str(value)
        except ValueError:  # past Python's digit limit: PHP would hold a float anyway
            return "INF" if value > 0 else "-INF"
    if isinstance(value, float):
        if math.isnan(value):
            return "NAN"
        if math.isinf(value):
            return "INF" if value > 0 else "-INF"
        if value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.14G}"
    return None


def php_trim(value: Any) -> str:
    """PHP ``trim()`` of a value; arrays (a PHP type error) count as empty."""
    text = php_str(value)
    return "" if text is None else text.strip(" \t\n\r\0\x0b")


def php_eq(value: Any, literal: str) -> bool:
    """PHP 8 loose ``$value == 'literal'`` for a non-numeric literal such as 'Y' or 'N'."""
    if isinstance(value, bool):
        return value == (literal not in ("", "0"))
    if isinstance(value, str):
        return value == literal
    if isinstance(value, int | float):
        return php_str(value) == literal
    return False


def is_list_like(value: Any) -> bool:
    """A PHP non-associative array: a list, or a dict keyed "0", "1", … in order."""
    if isinstance(value, list):
        return True
    if isinstance(value, dict):
        return all(key == str(i) for i, key in enumerate(value))
    return False


def members(value: Any) -> list[tuple[str, Any]]:
    """What PHP ``foreach`` walks: (index label, value) pairs; nothing for scalars."""
    if isinstance(value, list):
        return [(str(i), v) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return [(str(k), v) for k, v in value.items()]
    return []


def valid_link(value: Any) -> bool:
    """An absolute http(s) URL or a root-relative path, as the portal's regex demands."""
    return isinstance(value, str) and LINK_RE.match(value) is not None


def valid_hex(value: Any) -> bool:
    """``#RGB`` or ``#RRGGBB``."""
    return isinstance(value, str) and HEX_COLOR_RE.match(value) is not None


def newline_to_space(text: str) -> str:
    """The portal's ``removeNewLine``: every line break becomes a space."""
    return re.sub(r"\r\n|[\n\r\x0b\x0c\x85\u2028\u2029]", " ", text)


def quote(value: Any, limit: int = 40) -> str:
    """A short, readable rendering of a value for a message (never used for secrets)."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (ValueError, RecursionError):
        text = "…"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def kind_of(value: Any) -> str:
    """A plain name for a JSON value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def key_label(key: Any) -> str:
    """A key as it reads in a path or message: bare when it is a plain name, else quoted."""
    text = str(key)
    return text if _PLAIN_KEY.match(text) else quote(text, 30)


def index(path: str, label: str) -> str:
    """``path[label]`` (labels that aren't plain names or numbers are quoted)."""
    shown = label if label.isdigit() or _PLAIN_KEY.match(label) else quote(label, 30)
    return f"{path}[{shown}]"


def member(path: str, key: Any) -> str:
    """``path.key`` (or just ``key`` at the top), the key shown with ``key_label``."""
    label = key_label(key)
    return f"{path}.{label}" if path else label


# ---- sizes --------------------------------------------------------------------


def compact_json(value: Any, *, ascii_only: bool = False) -> str:
    """Compact JSON text of a value (non-JSON objects stringified, never raises)."""
    try:
        return json.dumps(
            value, ensure_ascii=ascii_only, separators=(",", ":"), default=str, allow_nan=True
        )
    except (ValueError, TypeError, RecursionError):
        return ""


def part_size(value: Any) -> int:
    """Size in bytes the portal weighs against ``SIZE_LIMIT``.

    UTF-8 bytes of the string itself when the part is given as a JSON string,
    else of its compact JSON serialization.
    """
    if value is None:
        return 0
    text = value if isinstance(value, str) else compact_json(value)
    return len(text.encode("utf-8", "surrogatepass"))


# ---- root forms ---------------------------------------------------------------


@dataclass
class Decoded:
    """A part after the portal's first step: its form, root object and raw items."""

    form: PartForm
    root: dict[str, Any] = field(default_factory=dict)
    items: list[tuple[str, Any]] = field(default_factory=list)
    items_path: str = ""
    reason: str = ""
    raw: Any = None


def decode_part(value: Any, kind: PartKind, path: str) -> Decoded:
    """Reproduce how the portal reads a part: JSON string, root object or bare collection."""
    if php_empty(value):
        return Decoded("none", items_path=path)
    from_json = False
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError) as exc:
            return Decoded("invalid", items_path=path, reason=f"is not valid JSON ({exc})")
        from_json = True
    if not isinstance(value, list | dict):
        what = "JSON for " + kind_of(value) if from_json else kind_of(value)
        return Decoded("invalid", items_path=path, reason=f"is {what}, not an object or a list")
    key = ROOT_KEY[kind]
    if is_set(value, key):
        assert isinstance(value, dict)
        form: PartForm = "json_full" if from_json else "full"
        items_path = f"{path}.{key}"
        collection = value[key]
        if not isinstance(collection, list | dict):
            return Decoded(
                form,
                root=value,
                items_path=items_path,
                reason=f"{key} is {kind_of(collection)}, not a list",
                raw=value,
            )
        return Decoded(
            form, root=value, items=members(collection), items_path=items_path, raw=value
        )
    form = "json_short" if from_json else "short"
    return Decoded(form, items=members(value), items_path=path, raw=value)


def normalize_part(value: Any, kind: PartKind | None = None) -> tuple[PartForm, list[Any]]:
    """Which root form a part uses and its raw blocks/buttons/items, as the portal reads them.

    ``kind`` picks the root key (BLOCKS/BUTTONS/ITEMS); without it the first of
    those keys present in an object is used. Nothing is dropped here: see the
    ``effective_*`` functions for what the portal finally keeps.
    """
    if kind is None:
        kind = "attach"
        probe = value
        if isinstance(value, str):
            try:
                probe = json.loads(value)
            except (ValueError, RecursionError):
                probe = None
        for candidate, key in ROOT_KEY.items():
            if is_set(probe, key):
                kind = candidate
                break
    decoded = decode_part(value, kind, "")
    return decoded.form, [item for _, item in decoded.items]
