"""Pieces both API versions validate the same way: ids, dialogs, parts, long text, flags."""

from __future__ import annotations

import re
from typing import Any, Literal

from b24notify.core.models import ApiVersion, Problem
from b24notify.core.payload_attach import read_attach
from b24notify.core.payload_common import (
    SIZE_LIMIT,
    Findings,
    Lint,
    PartKind,
    part_size,
    php_empty,
    php_str,
)
from b24notify.core.payload_keyboard import read_buttons

Auth = Literal["webhook", "oauth"]

MESSAGE_LIMIT = 20_000
"""Characters v2 keeps of a message (the rest becomes " (...)"); v1 documents none."""

DIALOG_RE = re.compile(r"^([0-9]+|(chat|sg|crm)[0-9]+)$", re.IGNORECASE)
_BOT_ID_RE = re.compile(r"^[1-9][0-9]{0,18}$")


ATTACH_TAGS = frozenset(["user", "chat", "send", "put", "call", "br", "b", "u", "i", "s", "url"])
"""BB-codes the docs allow in attach MESSAGE blocks and GRID VALUE (bitrix24-api.md §3.3)."""


def bb_lint(*, attach: bool = False) -> Lint | None:
    """The BB-code linter (for attach text also flags tags attach doesn't support)."""
    try:
        from b24notify.core.bbcode import Tag, lint, parse, walk
    except ImportError:
        return None

    def safe(text: str, path: str) -> list[Problem]:
        # The validator must never raise; a linter failure only costs its hints.
        try:
            found = list(lint(text, path))
            if attach and "[" in text:
                seen: set[str] = set()
                for node in walk(parse(text)):
                    if isinstance(node, Tag) and node.name not in ATTACH_TAGS:
                        if node.name in seen:
                            continue
                        seen.add(node.name)
                        found.append(
                            Problem(
                                "W_BB_ATTACH_TAG",
                                path,
                                f"[{node.name}] is not among the BB-codes attach text supports "
                                "(B, I, U, S, URL, USER, CHAT, SEND, PUT, CALL, BR), so the chat "
                                "may show it as plain text.",
                                "warning",
                            )
                        )
            return found
        except Exception:
            return []

    return safe


def bot_number(value: Any) -> int | None:
    """A bot id the portal could look up: a positive integer (or its decimal string)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and _BOT_ID_RE.match(value):
        return int(value)
    return None


def dialog_ok(value: Any) -> bool:
    """The portal's ``isDialogId``: a user id or chat/sg/crm + digits (case-insensitive)."""
    if isinstance(value, bool) or php_empty(value):
        return False
    text = php_str(value)
    return text is not None and DIALOG_RE.match(text) is not None


def check_part(
    value: Any,
    kind: PartKind,
    path: str,
    out: Findings,
    *,
    bot_id: int | None,
    lint: Lint | None,
) -> Any:
    """Size and content of ATTACH/KEYBOARD/MENU; the kept structure or None."""
    name = kind.upper()
    if value is None:
        return None
    if php_empty(value):
        out.warn("W_PART_EMPTY", path, f"{path} is empty, so the portal ignores it.")
        return None
    size = part_size(value)
    if size > SIZE_LIMIT:
        out.error(
            f"{name}_OVERSIZE",
            path,
            f"{path} is {size:,} bytes, over the {SIZE_LIMIT:,}-byte (30 KB) limit, so the "
            f"portal rejects it with {name}_OVERSIZE (its code allows 60,000 characters, "
            "but the documented limit is 30 KB).",
        )
    if kind == "attach":
        return read_attach(value, path, out, lint)[1]
    return read_buttons(value, kind, path, out, bot_id=bot_id)[1]


def long_text(text: str, path: str, api: ApiVersion, out: Findings) -> None:
    if len(text) <= MESSAGE_LIMIT:
        return
    if api == "v2":
        why = f'the portal keeps the first {MESSAGE_LIMIT:,} and appends " (...)"'
    else:
        why = f'v1 documents no limit, but v2 cuts text at {MESSAGE_LIMIT:,} with " (...)"'
    out.warn("W_MESSAGE_TOO_LONG", path, f"{path} has {len(text):,} characters; {why}.")


def unknown(
    keys: list[str], known: tuple[str, ...], hints: dict[str, str]
) -> list[tuple[str, str]]:
    """Keys a method does not read, each with a "; use …" hint when one is likely meant."""
    found = []
    for key in keys:
        if key in known:
            continue
        hint = hints.get(key) or hints.get(key.upper())
        if hint is None:
            hint = next((k for k in known if k.lower() == key.lower()), None)
        found.append((key, f"; use {hint}" if hint else ""))
    return found


def lenient_bool(value: Any) -> bool | None:
    """What a person most likely meant by a flag value, or None when unclear."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return True if value == 1 else False if value == 0 else None
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("y", "yes", "true", "1", "on"):
            return True
        if word in ("n", "no", "false", "0", "off", ""):
            return False
    return None
