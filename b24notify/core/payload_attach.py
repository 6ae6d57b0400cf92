"""ATTACH as the portal reads it: which blocks and fields it keeps, drops or changes.

Mirrors the portal's attach parser (bitrix24-api.md §3): one type key per block
(USER > LINK > RICH_LINK > MESSAGE > GRID > IMAGE > FILE > DELIMITER wins),
links must match ``^(?:/|https?://)``, bad colours are ignored (the root colour
becomes a random one), unknown GRID DISPLAY becomes BLOCK. Every silent change
is reported as a ``W_…`` warning; ``ATTACH_ERROR`` when nothing is left.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from b24notify.core.payload_common import (
    Decoded,
    Findings,
    Lint,
    decode_part,
    index,
    is_list_like,
    is_set,
    kind_of,
    members,
    newline_to_space,
    php_int,
    php_str,
    php_trim,
    quote,
    valid_hex,
    valid_link,
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
from b24notify.core.payload_grid import read_grid

BLOCK_TYPES = ("USER", "LINK", "RICH_LINK", "MESSAGE", "GRID", "IMAGE", "FILE", "DELIMITER")
_ROOT_KEYS = ("ID", "COLOR", "COLOR_TOKEN", "BLOCKS", "DESCRIPTION")
_USER_KEYS = ("NAME", "AVATAR", "LINK", "USER_ID", "CHAT_ID", "BOT_ID", "NETWORK_ID", "AVATAR_TYPE")
_LINK_KEYS: tuple[str, ...] = ("LINK", "NAME", "DESC", "HTML", "PREVIEW", "WIDTH", "HEIGHT")
_LINK_KEYS += ("USER_ID", "CHAT_ID", "NETWORK_ID")
_RICH_KEYS = (*_LINK_KEYS, "EXTRA_IMAGE")
_IMAGE_KEYS = ("LINK", "NAME", "PREVIEW", "WIDTH", "HEIGHT")
_FILE_KEYS = ("LINK", "NAME", "SIZE")


def _network_id(value: Any) -> str:
    text = php_str(value) or ""
    return text[:1] + str(php_int(text[1:]))


class _AttachReader:
    """One pass over an ATTACH value, collecting kept blocks and findings."""

    def __init__(self, out: Findings, lint: Lint | None) -> None:
        self.out = out
        self.lint = lint
        self.blocks: list[dict[str, Any]] = []
        self.description: str | None = None

    def _lint(self, text: str, path: str) -> None:
        if self.lint is not None and text:
            self.out.extend(self.lint(text, path))

    # -- blocks ----------------------------------------------------------------

    def block(self, block: Any, path: str) -> None:
        out = self.out
        if not isinstance(block, dict):
            out.warn(
                "W_BLOCK_NOT_OBJECT",
                path,
                f"This block is {kind_of(block)}, not an object like "
                '{"MESSAGE": …}, so the portal ignores it.',
            )
            return
        chosen = next((t for t in BLOCK_TYPES if is_set(block, t)), None)
        if chosen is None:
            self._unknown_block(block, path)
            return
        others = [k for k in block if k != chosen]
        if others:
            out.warn(
                "W_BLOCK_MANY_KEYS",
                path,
                f"This block has {chosen} and also {', '.join(others)}; the portal reads only "
                f"{chosen} and ignores the rest (one type per block).",
            )
        handler: Callable[[Any, str], None] = {
            "USER": self._users,
            "LINK": self._links,
            "RICH_LINK": self._rich_links,
            "MESSAGE": self._message,
            "GRID": self._grid,
            "IMAGE": self._images,
            "FILE": self._files,
            "DELIMITER": self._delimiter,
        }[chosen]
        handler(block[chosen], f"{path}.{chosen}")

    def _unknown_block(self, block: dict[str, Any], path: str) -> None:
        keys = [k for k in block if block[k] is not None]
        if not keys:
            self.out.warn("W_BLOCK_UNKNOWN", path, "This block is empty, so the portal ignores it.")
            return
        name = keys[0]
        if name.upper() in BLOCK_TYPES:
            why = f"keys are case-sensitive: use {name.upper()}"
        elif name == "HTML":
            why = "HTML blocks are not accepted through REST"
        else:
            why = "known types: " + ", ".join(BLOCK_TYPES)
        self.out.warn(
            "W_BLOCK_UNKNOWN",
            path,
            f"The block type {name} is unknown, so the portal ignores this block ({why}).",
        )

    def _each(
        self, value: Any, path: str, one: Callable[[Any, str], dict[str, Any] | None]
    ) -> list[dict[str, Any]]:
        """USER/LINK/RICH_LINK/IMAGE/FILE take one object or a list of them."""
        if isinstance(value, dict) and not is_list_like(value):
            item = one(value, path)
            return [item] if item is not None else []
        if not isinstance(value, list | dict):
            self.out.warn(
                "W_VALUE_TYPE",
                path,
                f"This is {kind_of(value)}, not an object or a list of objects, "
                "so the portal drops the block.",
            )
            return []
        kept = []
        for label, item in members(value):
            cleaned = one(item, index(path, label))
            if cleaned is not None:
                kept.append(cleaned)
        if not kept:
            self.out.warn(
                "W_BLOCK_EMPTY", path, "No item of this block is left, so the portal drops it."
            )
        return kept

    def _item_object(self, item: Any, path: str, what: str) -> bool:
        return item_object(item, path, what, self.out)

    # -- USER ------------------------------------------------------------------

    def _users(self, value: Any, path: str) -> None:
        for item in self._each(value, path, self._user):
            self.blocks.append({"USER": [item]})

    def _user(self, item: Any, path: str) -> dict[str, Any] | None:
        out = self.out
        if not self._item_object(item, path, "USER"):
            return None
        unknown_keys(item, _USER_KEYS, path, "USER", out)
        if php_trim(item.get("NAME")) == "":
            out.warn("W_USER_NO_NAME", path, "This USER has no NAME, so the portal drops it.")
            return None
        add: dict[str, Any] = {
            "NAME": newline_to_space(php_str(item["NAME"]) or ""),
            "AVATAR_TYPE": "USER",
        }
        if is_set(item, "NETWORK_ID"):
            add["NETWORK_ID"] = _network_id(item["NETWORK_ID"])
        elif php_int(item.get("USER_ID")) > 0:
            add["USER_ID"] = php_int(item["USER_ID"])
        elif php_int(item.get("CHAT_ID")) > 0:
            add["CHAT_ID"] = php_int(item["CHAT_ID"])
            add["AVATAR_TYPE"] = "CHAT"
        elif php_int(item.get("BOT_ID")) > 0:
            add["BOT_ID"] = php_int(item["BOT_ID"])
            add["AVATAR_TYPE"] = "BOT"
        else:
            link = link_field(item, "LINK", path, "the user stays, without a link", out)
            if link is not None:
                add["LINK"] = link
        avatar = link_field(item, "AVATAR", path, "the user stays, without an avatar", out)
        if avatar is not None:
            add["AVATAR"] = avatar
        if is_set(item, "AVATAR_TYPE"):
            if item["AVATAR_TYPE"] in ("CHAT", "USER", "BOT"):
                add["AVATAR_TYPE"] = item["AVATAR_TYPE"]
            else:
                out.warn(
                    "W_VALUE_IGNORED",
                    f"{path}.AVATAR_TYPE",
                    f"AVATAR_TYPE {quote(item['AVATAR_TYPE'])} is not USER, CHAT or BOT, "
                    "so the portal ignores it.",
                )
        return add

    # -- LINK / RICH_LINK --------------------------------------------------------

    def _links(self, value: Any, path: str) -> None:
        for item in self._each(value, path, self._link):
            self.blocks.append({"LINK": [item]})

    def _rich_links(self, value: Any, path: str) -> None:
        for item in self._each(value, path, self._rich_link):
            self.blocks.append({"RICH_LINK": [item]})

    def _link(self, item: Any, path: str) -> dict[str, Any] | None:
        return self._link_like(item, path, rich=False)

    def _rich_link(self, item: Any, path: str) -> dict[str, Any] | None:
        return self._link_like(item, path, rich=True)

    def _link_like(self, item: Any, path: str, *, rich: bool) -> dict[str, Any] | None:
        out = self.out
        what = "RICH_LINK" if rich else "LINK"
        if not self._item_object(item, path, what):
            return None
        unknown_keys(item, _RICH_KEYS if rich else _LINK_KEYS, path, what, out)
        named = is_set(item, "NAME")
        result: dict[str, Any] = {}
        if is_set(item, "NETWORK_ID") and named:
            result["NETWORK_ID"] = _network_id(item["NETWORK_ID"])
        elif php_int(item.get("USER_ID")) > 0 and named:
            result["USER_ID"] = php_int(item["USER_ID"])
        elif php_int(item.get("CHAT_ID")) > 0 and named:
            result["CHAT_ID"] = php_int(item["CHAT_ID"])
        elif not is_set(item, "LINK"):
            out.warn(
                "W_LINK_MISSING",
                path,
                f"This {what} has no LINK (nor USER_ID/CHAT_ID with a NAME), "
                "so the portal drops it.",
            )
            return None
        elif not valid_link(item["LINK"]):
            out.warn(
                "W_LINK_INVALID",
                f"{path}.LINK",
                f"LINK {quote(item['LINK'])} is not an http(s) URL or a /relative path, "
                f"so the portal drops this {what}.",
            )
            return None
        if named:
            result["NAME"] = newline_to_space(php_trim(item["NAME"]))
        if is_set(item, "LINK"):
            # Kept as given even when an id made it optional: the portal stores it verbatim.
            result["LINK"] = item["LINK"]
        for key in ("DESC", "HTML"):
            if is_set(item, key):
                text = php_str(item[key])
                if text is not None:
                    result[key] = newline_to_space(text.strip()) if rich else text
        if rich:
            for key in ("PREVIEW", "EXTRA_IMAGE"):
                url = link_field(item, key, path, "the link stays, without it", out)
                if url is not None:
                    result[key] = url
                    break
        elif "HTML" not in result:
            preview = link_field(item, "PREVIEW", path, "the link stays, without a preview", out)
            if preview is not None:
                result["PREVIEW"] = preview
                for key in ("WIDTH", "HEIGHT"):
                    size = positive(item, key, path, out)
                    if size is not None:
                        result[key] = size
        return result

    # -- MESSAGE ----------------------------------------------------------------

    def _message(self, value: Any, path: str) -> None:
        out = self.out
        as_description = False
        if isinstance(value, dict) and is_set(value, "TEXT"):
            as_description = value.get("AS_DESCRIPTION") == "Y"
            value, path = value["TEXT"], f"{path}.TEXT"
        text = php_str(value)
        if text is None:
            out.warn(
                "W_VALUE_TYPE",
                path,
                f"MESSAGE is {kind_of(value)}, not text, so the portal drops this block.",
            )
            return
        text = php_trim(text)
        if text == "":
            out.warn(
                "W_MESSAGE_BLOCK_EMPTY",
                path,
                "This MESSAGE block is empty, so the portal drops it.",
            )
            return
        self._lint(text, path)
        text = text.replace("#BR#", "[BR]")
        if as_description:
            self.description = text
        self.blocks.append({"MESSAGE": text})

    # -- GRID ------------------------------------------------------------------

    def _grid(self, value: Any, path: str) -> None:
        kept = read_grid(value, path, self.out, self.lint)
        if kept is not None:
            self.blocks.append({"GRID": kept})

    # -- IMAGE / FILE / DELIMITER ----------------------------------------------

    def _images(self, value: Any, path: str) -> None:
        kept = self._each(value, path, self._image)
        if kept:
            self.blocks.append({"IMAGE": kept})

    def _files(self, value: Any, path: str) -> None:
        kept = self._each(value, path, self._file)
        if kept:
            self.blocks.append({"FILE": kept})

    def _required_link(self, item: dict[str, Any], path: str, what: str) -> str | None:
        if not is_set(item, "LINK"):
            self.out.warn(
                "W_LINK_MISSING", path, f"This {what} has no LINK, so the portal drops it."
            )
            return None
        if not valid_link(item["LINK"]):
            self.out.warn(
                "W_LINK_INVALID",
                f"{path}.LINK",
                f"LINK {quote(item['LINK'])} is not an http(s) URL or a /relative path, "
                f"so the portal drops this {what}.",
            )
            return None
        return str(item["LINK"])

    def _image(self, item: Any, path: str) -> dict[str, Any] | None:
        if not self._item_object(item, path, "IMAGE"):
            return None
        unknown_keys(item, _IMAGE_KEYS, path, "IMAGE", self.out)
        link = self._required_link(item, path, "IMAGE")
        if link is None:
            return None
        result: dict[str, Any] = {}
        if php_trim(item.get("NAME")) != "":
            result["NAME"] = php_trim(item["NAME"])
        result["LINK"] = link
        for key in ("WIDTH", "HEIGHT"):
            size = positive(item, key, path, self.out)
            if size is not None:
                result[key] = size
        preview = link_field(item, "PREVIEW", path, "the image stays, without a preview", self.out)
        if preview is not None:
            result["PREVIEW"] = preview
        return result

    def _file(self, item: Any, path: str) -> dict[str, Any] | None:
        if not self._item_object(item, path, "FILE"):
            return None
        unknown_keys(item, _FILE_KEYS, path, "FILE", self.out)
        link = self._required_link(item, path, "FILE")
        if link is None:
            return None
        result: dict[str, Any] = {"LINK": link}
        if php_trim(item.get("NAME")) != "":
            result["NAME"] = newline_to_space(php_trim(item["NAME"]))
        size = positive(item, "SIZE", path, self.out)
        if size is not None:
            result["SIZE"] = size
        return result

    def _delimiter(self, value: Any, path: str) -> None:
        params = value if isinstance(value, dict) else {}
        if params:
            unknown_keys(params, ("SIZE", "COLOR"), path, "DELIMITER", self.out)
        size = php_int(params.get("SIZE")) if is_set(params, "SIZE") else 0
        if size <= 0:
            if is_set(params, "SIZE"):
                self.out.warn(
                    "W_VALUE_IGNORED",
                    f"{path}.SIZE",
                    f"SIZE {quote(params['SIZE'])} is not a positive number, "
                    "so the portal draws the delimiter 200 px wide.",
                )
            size = 200
        result: dict[str, Any] = {"SIZE": size}
        color = hex_color(params, "COLOR", path, self.out)
        if color is not None:
            result["COLOR"] = color
        self.blocks.append({"DELIMITER": result})


def _root_fields(decoded: Decoded, path: str, out: Findings) -> dict[str, Any]:
    """ID / COLOR / COLOR_TOKEN / DESCRIPTION of the full form, as the portal keeps them."""
    root = decoded.root
    result: dict[str, Any] = {}
    unknown_keys(root, _ROOT_KEYS, path, "ATTACH", out)
    if php_int(root.get("ID")) > 0:
        result["ID"] = php_int(root["ID"])
    if is_set(root, "COLOR"):
        color = root["COLOR"]
        if color == "TRANSPARENT":
            result["COLOR"] = "transparent"
        elif color != "CHAT":
            if valid_hex(color):
                result["COLOR"] = color
            else:
                out.warn(
                    "W_COLOR_INVALID",
                    f"{path}.COLOR",
                    f"COLOR {quote(color)} is not a #RGB or #RRGGBB colour, "
                    "so the portal paints the attachment in a random colour.",
                )
    token = color_token(root, "COLOR_TOKEN", path, out)
    if token is not None:
        result["COLOR_TOKEN"] = token
    if is_set(root, "DESCRIPTION"):
        text = php_str(root["DESCRIPTION"])
        if text:
            result["DESCRIPTION"] = newline_to_space(text).strip()
    return result


def read_attach(
    value: Any, path: str, out: Findings, lint: Lint | None = None
) -> tuple[Decoded, dict[str, Any] | None]:
    """Decode and clean an ATTACH value; the kept attachment or None, findings in ``out``.

    Reports ``ATTACH_ERROR`` (unreadable, or no block left) but not sizes.
    """
    decoded = decode_part(value, "attach", path)
    if decoded.form == "none":
        return decoded, None
    if decoded.form == "invalid":
        out.error(
            "ATTACH_ERROR",
            path,
            f"ATTACH {decoded.reason}, so the portal rejects the message with ATTACH_ERROR.",
        )
        return decoded, None
    result: dict[str, Any] = {}
    if decoded.form in ("full", "json_full"):
        result = _root_fields(decoded, path, out)
    reader = _AttachReader(out, lint)
    if decoded.reason:
        out.warn("W_VALUE_TYPE", decoded.items_path, f"{decoded.reason}, so no block is read.")
    elif decoded.form in ("short", "json_short") and looks_like_one_object(decoded.raw):
        out.warn(
            "W_PART_SHAPE",
            path,
            "ATTACH is one object without BLOCKS, so the portal reads its values as blocks "
            'and finds none; put blocks in a list or under "BLOCKS".',
        )
    else:
        for label, block in decoded.items:
            reader.block(block, index(decoded.items_path, label))
    if not reader.blocks:
        out.error(
            "ATTACH_ERROR",
            path,
            "No block of ATTACH is left after the portal drops what it can't use, "
            "so it rejects the message with ATTACH_ERROR.",
        )
        return decoded, None
    result["BLOCKS"] = reader.blocks
    if reader.description is not None:
        result["DESCRIPTION"] = reader.description
    # Keep a stable, readable key order: ID, COLOR, COLOR_TOKEN, BLOCKS, DESCRIPTION.
    order = {key: i for i, key in enumerate(_ROOT_KEYS)}
    return decoded, dict(sorted(result.items(), key=lambda kv: order.get(kv[0], 99)))
