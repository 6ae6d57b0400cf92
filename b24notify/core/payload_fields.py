"""Field-level rules shared by ATTACH, KEYBOARD and MENU: unknown keys, sizes, colours, links.

Each helper returns the value the portal keeps (or None when it ignores the
field) and records a ``W_…`` warning for anything it ignores.
"""

from __future__ import annotations

from typing import Any

from b24notify.core.payload_common import (
    COLOR_TOKENS,
    Findings,
    is_list_like,
    is_set,
    key_label,
    kind_of,
    member,
    php_int,
    quote,
    valid_hex,
    valid_link,
)


def unknown_keys(
    obj: dict[str, Any], known: tuple[str, ...], path: str, what: str, out: Findings
) -> None:
    """Warn about keys the portal does not read (keys inside parts are case-sensitive)."""
    for key in obj:
        if key in known:
            continue
        name = str(key)
        hint = f" (keys are case-sensitive: use {name.upper()})" if name.upper() in known else ""
        out.warn(
            "W_UNKNOWN_KEY",
            member(path, name),
            f"{what} has no field {key_label(name)}, so the portal ignores it{hint}.",
        )


def item_object(item: Any, path: str, what: str, out: Findings) -> bool:
    """True for an object; otherwise warns that the portal drops this item."""
    if isinstance(item, dict):
        return True
    out.warn(
        "W_ITEM_NOT_OBJECT",
        path,
        f"This {what} is {kind_of(item)}, not an object, so the portal drops it.",
    )
    return False


def looks_like_one_object(value: Any) -> bool:
    """An object given where a list was expected (no member is itself an object)."""
    return (
        isinstance(value, dict)
        and bool(value)
        and not is_list_like(value)
        and not any(isinstance(v, dict) for v in value.values())
    )


def positive(item: dict[str, Any], key: str, path: str, out: Findings) -> int | None:
    """A positive integer field, or None (the portal then ignores it)."""
    if not is_set(item, key):
        return None
    number = php_int(item[key])
    if number > 0:
        return number
    out.warn(
        "W_VALUE_IGNORED",
        f"{path}.{key}",
        f"{key} {quote(item[key])} is not a positive number, so the portal ignores it.",
    )
    return None


def hex_color(item: dict[str, Any], key: str, path: str, out: Findings) -> str | None:
    """A ``#RGB``/``#RRGGBB`` colour field, or None (the portal ignores a bad one)."""
    if not is_set(item, key):
        return None
    if valid_hex(item[key]):
        return str(item[key])
    out.warn(
        "W_COLOR_INVALID",
        f"{path}.{key}",
        f"{key} {quote(item[key])} is not a #RGB or #RRGGBB colour, so the portal ignores it.",
    )
    return None


def color_token(item: dict[str, Any], key: str, path: str, out: Findings) -> str | None:
    """A colour token (primary/secondary/alert/base), or None (the portal uses base)."""
    if not is_set(item, key):
        return None
    if item[key] in COLOR_TOKENS:
        return str(item[key])
    out.warn(
        "W_COLOR_TOKEN",
        f"{path}.{key}",
        f"{key} {quote(item[key])} is not primary, secondary, alert or base, "
        "so the portal uses base.",
    )
    return None


def link_field(item: dict[str, Any], key: str, path: str, what: str, out: Findings) -> str | None:
    """An optional URL field that is dropped (with a warning) when it is not a valid link."""
    if not is_set(item, key):
        return None
    if valid_link(item[key]):
        return str(item[key])
    out.warn(
        "W_LINK_INVALID",
        f"{path}.{key}",
        f"{key} {quote(item[key])} is not an http(s) URL or a /relative path, "
        f"so the portal drops it ({what}).",
    )
    return None
