"""KEYBOARD buttons and MENU items as the portal reads them: kept, dropped or changed.

Mirrors the portal's keyboard and context-menu parsers (bitrix24-api.md §4): a
button needs TEXT and one action, the first valid one wins in the order
LINK > FUNCTION > APP_ID > ACTION > COMMAND, FUNCTION entries are ignored via
REST, COMMAND needs the keyboard's bot (the portal injects the sending bot),
bad colours are ignored. ``KEYBOARD_ERROR`` / ``MENU_ERROR`` when nothing is left.
"""

from __future__ import annotations

from typing import Any

from b24notify.core.payload_common import (
    Decoded,
    Findings,
    PartKind,
    decode_part,
    index,
    is_set,
    kind_of,
    php_empty,
    php_eq,
    php_int,
    php_trim,
    quote,
    valid_link,
)
from b24notify.core.payload_fields import (
    color_token,
    hex_color,
    looks_like_one_object,
    positive,
    unknown_keys,
)

KEYBOARD_ACTIONS = ("PUT", "SEND", "COPY", "CALL", "DIALOG", "LIVECHAT", "HELP")
MENU_ACTIONS = ("PUT", "SEND", "COPY", "CALL", "DIALOG")
BUTTON_COLORS = ("BG_COLOR", "TEXT_COLOR", "OFF_BG_COLOR", "OFF_TEXT_COLOR")
_ACTION_KEYS: tuple[str, ...] = ("LINK", "FUNCTION", "APP_ID", "APP_PARAMS", "ACTION")
_ACTION_KEYS += ("ACTION_VALUE", "COMMAND", "COMMAND_PARAMS")
_BUTTON_KEYS: tuple[str, ...] = ("TEXT", "TYPE", *_ACTION_KEYS, "BLOCK", "DISABLED", "CONTEXT")
_BUTTON_KEYS += ("DISPLAY", "WIDTH", *BUTTON_COLORS, "BG_COLOR_TOKEN")
_MENU_ITEM_KEYS = ("TEXT", *_ACTION_KEYS, "CONTEXT", "DISABLED")
_ROOT_KEYS = {"keyboard": ("BUTTONS", "BOT_ID", "COLORS", "VOTE"), "menu": ("ITEMS", "BOT_ID")}
_NAMES = {"keyboard": ("KEYBOARD", "button", "BUTTONS"), "menu": ("MENU", "menu item", "ITEMS")}


class _ButtonReader:
    """One pass over KEYBOARD buttons or MENU items."""

    def __init__(self, kind: PartKind, out: Findings, bot_id: int | None) -> None:
        self.kind = kind
        self.menu = kind == "menu"
        self.out = out
        # None: the portal fills in the sending (or default) bot, so commands route.
        self.has_bot = bot_id is None or bot_id > 0
        self.bot_id = bot_id if bot_id is not None and bot_id > 0 else 0
        self.colors: dict[str, str] = {}
        self.vote = False
        self.kept: list[dict[str, Any]] = []

    @property
    def what(self) -> str:
        return _NAMES[self.kind][1]

    def root(self, root: dict[str, Any], path: str) -> None:
        unknown_keys(root, _ROOT_KEYS[self.kind], path, _NAMES[self.kind][0], self.out)
        if self.menu:
            return
        colors = root.get("COLORS")
        if isinstance(colors, dict):
            for key in BUTTON_COLORS:
                color = hex_color(colors, key, f"{path}.COLORS", self.out)
                if color is not None:
                    self.colors[key] = color
        self.vote = php_eq(root.get("VOTE"), "Y")

    def entry(self, entry: Any, path: str) -> None:
        out = self.out
        if not isinstance(entry, dict):
            out.warn(
                "W_ITEM_NOT_OBJECT",
                path,
                f"This {self.what} is {kind_of(entry)}, not an object, so the portal drops it.",
            )
            return
        if not self.menu and is_set(entry, "TYPE") and php_eq(entry["TYPE"], "NEWLINE"):
            self.kept.append({"TYPE": "NEWLINE"})
            return
        if is_set(entry, "FUNCTION"):
            out.warn(
                "W_BUTTON_FUNCTION",
                f"{path}.FUNCTION",
                f"FUNCTION only works in the portal's own pages; through REST the portal "
                f"drops this {self.what}.",
            )
            return
        keys = _MENU_ITEM_KEYS if self.menu else _BUTTON_KEYS
        unknown_keys(entry, keys, path, self.what, out)
        item = self._button(entry, path)
        if item is not None:
            self.kept.append(item)

    def _has_text(self, entry: dict[str, Any], path: str) -> bool:
        text = entry.get("TEXT")
        if self.menu:
            ok = text is not None and php_trim(text) != ""
        else:
            ok = not php_empty(text) and isinstance(text, str) and text.strip() != ""
        if not ok:
            why = ' ("0" counts as empty)' if text == "0" else ""
            self.out.warn(
                "W_BUTTON_NO_TEXT",
                path,
                f"This {self.what} has no TEXT{why}, so the portal drops it.",
            )
        return ok

    def _actions(self, entry: dict[str, Any], path: str) -> list[str]:
        """The actions the portal would accept, in its order of preference."""
        out, what = self.out, self.what
        ok: list[str] = []
        given = lambda key: (  # noqa: E731
            is_set(entry, key) if self.menu else not php_empty(entry.get(key))
        )
        if given("LINK"):
            if valid_link(entry["LINK"]):
                ok.append("LINK")
            else:
                out.warn(
                    "W_LINK_INVALID",
                    f"{path}.LINK",
                    f"LINK {quote(entry['LINK'])} is not an http(s) URL or a /relative path, "
                    f"so the portal ignores it on this {what}.",
                )
        if given("APP_ID"):
            ok.append("APP_ID")
        if given("ACTION"):
            allowed = MENU_ACTIONS if self.menu else KEYBOARD_ACTIONS
            action = entry["ACTION"]
            if not isinstance(action, str) or action not in allowed:
                out.warn(
                    "W_BUTTON_ACTION",
                    f"{path}.ACTION",
                    f"ACTION {quote(action)} is not one of {', '.join(allowed)}, "
                    f"so the portal ignores it on this {what}.",
                )
            elif php_trim(entry.get("ACTION_VALUE")) == "":
                out.warn(
                    "W_BUTTON_ACTION_VALUE",
                    f"{path}.ACTION_VALUE",
                    f"ACTION {action} needs a non-empty ACTION_VALUE, "
                    f"so the portal ignores the action on this {what}.",
                )
            else:
                ok.append("ACTION")
        if given("COMMAND"):
            command = entry["COMMAND"]
            usable = php_trim(command) != "" and (self.menu or isinstance(command, str))
            if usable and not self.has_bot:
                out.warn(
                    "W_COMMAND_NO_BOT",
                    f"{path}.COMMAND",
                    f"COMMAND needs the bot the {_NAMES[self.kind][0]} belongs to, and there "
                    f"is none, so the portal ignores it on this {what}.",
                )
            elif usable:
                ok.append("COMMAND")
        return ok

    def _button(self, entry: dict[str, Any], path: str) -> dict[str, Any] | None:
        out, what = self.out, self.what
        if not self._has_text(entry, path):
            return None
        actions = self._actions(entry, path)
        if not actions:
            out.warn(
                "W_BUTTON_NO_ACTION",
                path,
                f"This {what} has no usable action (LINK, COMMAND, ACTION or APP_ID), "
                "so the portal drops it.",
            )
            return None
        winner = actions[0]
        if len(actions) > 1:
            out.warn(
                "W_BUTTON_MANY_ACTIONS",
                path,
                f"This {what} has {' and '.join(actions)}; the portal uses only {winner} "
                "(LINK > FUNCTION > APP_ID > ACTION > COMMAND).",
            )
        item: dict[str, Any] = {"BOT_ID": self.bot_id}
        if not self.menu:
            item["TYPE"] = "BUTTON"
        item.update(self._action_fields(entry, winner))
        item["TEXT"] = php_trim(entry["TEXT"])
        if self.menu:
            item["CONTEXT"] = self._context(entry, path)
            item["DISABLED"] = "Y" if php_eq(entry.get("DISABLED"), "Y") else "N"
            return item
        item["VOTE"] = "Y" if self.vote else "N"
        item["BLOCK"] = self._strict_flag(entry, "BLOCK", path)
        if item["BLOCK"] == "Y" and winner != "COMMAND":
            out.warn(
                "W_BUTTON_BLOCK",
                f"{path}.BLOCK",
                f"BLOCK=Y only works on COMMAND buttons; this {winner} button is not blocked "
                "after a click.",
            )
        item["WAIT"] = "N"
        item["CONTEXT"] = self._context(entry, path)
        item["DISABLED"] = self._strict_flag(entry, "DISABLED", path)
        item["DISPLAY"] = self._display(entry, path)
        width = positive(entry, "WIDTH", path, out)
        if width is not None:
            item["WIDTH"] = width
        for key in BUTTON_COLORS:
            color = hex_color(entry, key, path, out)
            if color is None:
                color = self.colors.get(key)
            if color is not None:
                item[key] = color
        token = color_token(entry, "BG_COLOR_TOKEN", path, out)
        if token is not None:
            item["BG_COLOR_TOKEN"] = token
        return item

    def _action_fields(self, entry: dict[str, Any], winner: str) -> dict[str, Any]:
        if winner == "LINK":
            return {"LINK": entry["LINK"]}
        if winner == "APP_ID":
            fields: dict[str, Any] = {"APP_ID": php_int(entry["APP_ID"])}
            params = entry.get("APP_PARAMS")
            if php_trim(params) != "" and (self.menu or isinstance(params, str)):
                fields["APP_PARAMS"] = params
            return fields
        if winner == "ACTION":
            return {"ACTION": entry["ACTION"], "ACTION_VALUE": entry["ACTION_VALUE"]}
        command = php_trim(entry["COMMAND"]) and str(entry["COMMAND"])
        params = entry.get("COMMAND_PARAMS")
        usable = php_trim(params) != "" and (self.menu or isinstance(params, str))
        return {
            "COMMAND": command[1:] if command.startswith("/") else command,
            "COMMAND_PARAMS": params if usable else "",
        }

    def _strict_flag(self, entry: dict[str, Any], key: str, path: str) -> str:
        value = entry.get(key)
        if value is not None and value not in ("Y", "N"):
            self.out.warn(
                "W_FLAG_VALUE",
                f"{path}.{key}",
                f'{key} {quote(value)} is not "Y", so the portal treats it as "N".',
            )
        return "Y" if value == "Y" else "N"

    def _context(self, entry: dict[str, Any], path: str) -> str:
        value = entry.get("CONTEXT")
        if value in ("MOBILE", "DESKTOP"):
            return str(value)
        if value is not None and value != "ALL":
            self.out.warn(
                "W_BUTTON_CONTEXT",
                f"{path}.CONTEXT",
                f"CONTEXT {quote(value)} is not MOBILE, DESKTOP or ALL, "
                f"so the portal shows this {self.what} everywhere (ALL).",
            )
        return "ALL"

    def _display(self, entry: dict[str, Any], path: str) -> str:
        value = entry.get("DISPLAY")
        if value in ("BLOCK", "LINE"):
            return str(value)
        if value is not None:
            self.out.warn(
                "W_BUTTON_DISPLAY",
                f"{path}.DISPLAY",
                f"DISPLAY {quote(value)} is not LINE or BLOCK, "
                "so the portal shows the button full width (BLOCK).",
            )
        return "BLOCK"


def read_buttons(
    value: Any, kind: PartKind, path: str, out: Findings, *, bot_id: int | None = None
) -> tuple[Decoded, list[dict[str, Any]] | None]:
    """Decode and clean a KEYBOARD or MENU value; the kept entries or None.

    ``bot_id`` is the bot the portal injects into the part (the sending bot);
    None means the portal's default bot. Reports ``KEYBOARD_ERROR`` /
    ``MENU_ERROR`` but not sizes.
    """
    name, what, key = _NAMES[kind]
    code = f"{name}_ERROR"
    decoded = decode_part(value, kind, path)
    if decoded.form == "none":
        return decoded, None
    if decoded.form == "invalid":
        out.error(
            code, path, f"{name} {decoded.reason}, so the portal rejects the message with {code}."
        )
        return decoded, None
    reader = _ButtonReader(kind, out, bot_id)
    if decoded.root:
        reader.root(decoded.root, path)
        root_bot = decoded.root.get("BOT_ID")
        if root_bot is not None and bot_id is not None and php_int(root_bot) != bot_id:
            out.warn(
                "W_BOT_ID_REPLACED",
                f"{path}.BOT_ID",
                f"{name}.BOT_ID {quote(root_bot)} is replaced by the sending bot {bot_id}; "
                "commands go to that bot.",
            )
    if decoded.reason:
        out.warn("W_VALUE_TYPE", decoded.items_path, f"{decoded.reason}, so no {what} is read.")
    elif decoded.form in ("short", "json_short") and looks_like_one_object(decoded.raw):
        out.warn(
            "W_PART_SHAPE",
            path,
            f"{name} is one object without {key}, so the portal reads its values as "
            f'{what}s and finds none; put them in a list or under "{key}".',
        )
    else:
        for label, entry in decoded.items:
            reader.entry(entry, index(decoded.items_path, label))
    if not reader.kept:
        out.error(
            code,
            path,
            f"No {what} of {name} is left after the portal drops what it can't use, "
            f"so it rejects the message with {code}.",
        )
        return decoded, None
    if all(item.get("TYPE") == "NEWLINE" for item in reader.kept):
        out.warn(
            "W_KEYBOARD_NEWLINES_ONLY",
            path,
            "KEYBOARD has only NEWLINE entries; the portal accepts it but shows no button.",
        )
    return decoded, reader.kept
