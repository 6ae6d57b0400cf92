"""GRID blocks as the portal reads them: DISPLAY modes, empty items, item fields.

A GRID is a list of items; the portal skips items with neither NAME nor VALUE
(except LINE ones), maps the legacy COLUMN→ROW and CARD→LINE, and shows any
other or missing DISPLAY as BLOCK (bitrix24-api.md §3.3).
"""

from __future__ import annotations

from typing import Any

from b24notify.core.payload_common import (
    Findings,
    Lint,
    index,
    kind_of,
    members,
    newline_to_space,
    php_eq,
    php_trim,
    quote,
)
from b24notify.core.payload_fields import (
    color_token,
    hex_color,
    item_object,
    link_field,
    looks_like_one_object,
    positive,
    unknown_keys,
)

GRID_MODES = ("BLOCK", "LINE", "ROW", "TABLE")
_GRID_KEYS: tuple[str, ...] = ("NAME", "VALUE", "DISPLAY", "WIDTH", "HEIGHT", "COLOR_TOKEN")
_GRID_KEYS += ("COLOR", "LINK", "USER_ID", "CHAT_ID")


def read_grid(
    value: Any, path: str, out: Findings, lint: Lint | None = None
) -> list[dict[str, Any]] | None:
    """The GRID items the portal keeps, or None when it drops the whole block."""
    if not isinstance(value, list | dict) or looks_like_one_object(value):
        shape = "a single item object" if isinstance(value, dict) else kind_of(value)
        fix = "; wrap the item in [ ]" if isinstance(value, dict) else ""
        out.warn(
            "W_VALUE_TYPE",
            path,
            f"GRID is {shape}, not a list of items, so the portal finds no item "
            f"and drops the block{fix}.",
        )
        return None
    kept: list[dict[str, Any]] = []
    for label, item in members(value):
        cleaned = _grid_item(item, index(path, label), out, lint)
        if cleaned is not None:
            kept.append(cleaned)
    if not kept:
        out.warn("W_BLOCK_EMPTY", path, "No item of this GRID is left, so the portal drops it.")
        return None
    modes = list(dict.fromkeys(str(item["DISPLAY"]) for item in kept))
    if len(modes) > 1:
        out.warn(
            "W_GRID_MIXED_DISPLAY",
            path,
            f"This GRID mixes DISPLAY modes ({', '.join(modes)}), which clients render "
            "unevenly; use one GRID block per mode.",
        )
    return kept


def _grid_item(item: Any, path: str, out: Findings, lint: Lint | None) -> dict[str, Any] | None:
    if not item_object(item, path, "GRID item", out):
        return None
    unknown_keys(item, _GRID_KEYS, path, "A GRID item", out)
    raw = item.get("DISPLAY")
    name, value = php_trim(item.get("NAME")), php_trim(item.get("VALUE"))
    if not php_eq(raw, "LINE") and name == "" and value == "":
        out.warn(
            "W_GRID_ITEM_EMPTY",
            path,
            "This GRID item has neither NAME nor VALUE, so the portal skips it "
            "(only LINE items may be empty).",
        )
        return None
    result: dict[str, Any] = {"DISPLAY": _display(raw, f"{path}.DISPLAY", out)}
    result["NAME"] = newline_to_space(name)
    if lint is not None and value:
        out.extend(lint(value, f"{path}.VALUE"))
    result["VALUE"] = value.replace("#BR#", "[BR]")
    color = hex_color(item, "COLOR", path, out)
    if color is not None:
        result["COLOR"] = color
    token = color_token(item, "COLOR_TOKEN", path, out)
    if token is not None:
        result["COLOR_TOKEN"] = token
    for key in ("WIDTH", "HEIGHT", "USER_ID", "CHAT_ID"):
        number = positive(item, key, path, out)
        if number is not None:
            result[key] = number
    link = link_field(item, "LINK", path, "the item stays, without a link", out)
    if link is not None:
        result["LINK"] = link
    return result


def _display(raw: Any, path: str, out: Findings) -> str:
    """The DISPLAY mode the portal uses for an item, warning when it differs from the given."""
    if raw is None:
        out.warn(
            "W_GRID_DISPLAY",
            path,
            "This GRID item has no DISPLAY, so the portal shows it as BLOCK "
            "(give BLOCK, LINE, ROW or TABLE).",
        )
        return "BLOCK"
    if php_eq(raw, "COLUMN") or php_eq(raw, "CARD"):
        mapped = "ROW" if php_eq(raw, "COLUMN") else "LINE"
        out.warn(
            "W_GRID_DISPLAY_LEGACY",
            path,
            f"DISPLAY {quote(raw)} is a legacy name, so the portal shows it as {mapped}; "
            f"write {mapped}.",
        )
        return mapped
    for mode in GRID_MODES:
        if php_eq(raw, mode):
            if raw != mode:
                out.warn(
                    "W_GRID_DISPLAY",
                    path,
                    f"DISPLAY {quote(raw)} is not text; the portal reads it as {mode}.",
                )
            return mode
    out.warn(
        "W_GRID_DISPLAY",
        path,
        f"DISPLAY {quote(raw)} is not BLOCK, LINE, ROW or TABLE, so the portal shows it as BLOCK.",
    )
    return "BLOCK"
