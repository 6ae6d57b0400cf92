"""imbot.v2.Chat.Message.send params checked like the portal: camelCase, fields.*, booleans."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from b24notify.core.payload_common import (
    Findings,
    key_label,
    kind_of,
    member,
    php_empty,
    php_int,
    php_trim,
    quote,
)
from b24notify.core.validate_common import (
    Auth,
    bb_lint,
    bot_number,
    check_part,
    dialog_ok,
    lenient_bool,
    long_text,
    unknown,
)

V2_PARAMS = ("botId", "botToken", "dialogId", "fields", "auth")
V2_FIELDS = (
    "message", "attach", "keyboard", "menu", "system", "urlPreview", "skipConnector",
    "silentConnector", "replyId", "templateId", "forwardIds",
)  # fmt: skip
_V2_HINTS = {"BOT_ID": "botId", "DIALOG_ID": "dialogId", "CLIENT_ID": "botToken"}
_V2_HINTS |= {"MESSAGE": "fields.message", "ATTACH": "fields.attach", "KEYBOARD": "fields.keyboard"}
_V2_HINTS |= {"BOTID": "botId", "DIALOGID": "dialogId", "BOTTOKEN": "botToken"}

_V2_FLAGS = ("system", "urlPreview", "skipConnector", "silentConnector")


def validate_v2(params: Mapping[str, Any], auth: Auth | None, out: Findings) -> None:
    """Check v2 params (camelCase, case-sensitive) into ``out``."""
    keys = [str(k) for k in params]
    for key, hint in unknown(keys, V2_PARAMS, _V2_HINTS):
        out.warn(
            "W_UNKNOWN_PARAM",
            key_label(key),
            f"imbot.v2.Chat.Message.send has no parameter {key_label(key)}, "
            f"so the portal ignores it{hint}.",
        )
    if auth == "webhook" and php_empty(params.get("botToken")):
        out.error(
            "BOT_TOKEN_NOT_SPECIFIED",
            "botToken",
            "botToken is missing; with a webhook the portal answers BOT_TOKEN_NOT_SPECIFIED.",
        )
    elif auth == "oauth" and not php_empty(params.get("botToken")):
        out.warn(
            "W_SECRET_UNUSED",
            "botToken",
            "botToken is only for webhooks; with OAuth the portal ignores it, so leave the "
            "secret out.",
        )
    bot_id = _v2_bot(params.get("botId"), out)
    dialog = params.get("dialogId")
    if not dialog_ok(dialog):
        what = "missing" if dialog is None else f"{quote(dialog)}, not a user id or chatNNN"
        out.error(
            "DIALOG_ID_EMPTY",
            "dialogId",
            f"dialogId is {what}, so the portal cannot deliver the message (reported with "
            "v1's code DIALOG_ID_EMPTY; give a user id like 42 or a chat like chat123).",
        )
    fields = params.get("fields")
    if fields is None:
        fields = {}
    elif not isinstance(fields, Mapping):
        out.error(
            "FIELD_TYPE_ERROR",
            "fields",
            f"fields is {kind_of(fields)}, not an object, so the portal finds no message in it.",
        )
        fields = {}
    _v2_fields(fields, bot_id, out)


def _v2_bot(value: Any, out: Findings) -> int | None:
    if php_empty(value):
        out.error(
            "BOT_ID_REQUIRED",
            "botId",
            "botId is missing; imbot.v2.Chat.Message.send needs the id of the bot that sends.",
        )
        return None
    number = bot_number(value)
    if number is None:
        out.error(
            "BOT_NOT_FOUND",
            "botId",
            f"botId {quote(value)} is not a bot id (a positive whole number), so the portal "
            "answers BOT_NOT_FOUND.",
        )
    return number


def _v2_fields(fields: Mapping[str, Any], bot_id: int | None, out: Findings) -> None:
    for key, hint in unknown([str(k) for k in fields], V2_FIELDS, {}):
        out.warn(
            "W_UNKNOWN_FIELD",
            member("fields", key),
            f"imbot.v2.Chat.Message.send has no field {key_label(key)}, "
            f"so the portal ignores it{hint}.",
        )
    lint = bb_lint()
    text = _v2_message(fields.get("message"), out)
    if text:
        long_text(text, "fields.message", "v2", out)
        if lint is not None:
            out.extend(lint(text, "fields.message"))
    attach_value = fields.get("attach")
    check_part(
        attach_value, "attach", "fields.attach", out, bot_id=bot_id, lint=bb_lint(attach=True)
    )
    if not text and php_empty(attach_value):
        out.error(
            "EMPTY_MESSAGE",
            "fields.message",
            "The message has no text and no attach, so the portal rejects it with EMPTY_MESSAGE.",
        )
    check_part(fields.get("keyboard"), "keyboard", "fields.keyboard", out, bot_id=bot_id, lint=lint)
    if fields.get("menu") is not None:
        out.warn(
            "W_MENU_NOT_SUPPORTED",
            "fields.menu",
            "imbot.v2.Chat.Message.send has no menu, so the portal drops it "
            "(menus need v1 imbot.message.add).",
        )
    for flag in _V2_FLAGS:
        _v2_flag(fields, flag, out)
    _v2_reply(fields.get("replyId"), out)
    for key, wanted, ok in (
        ("templateId", "text", lambda v: isinstance(v, str)),
        ("forwardIds", "an object {uuid: messageId}", lambda v: isinstance(v, Mapping)),
    ):
        value = fields.get(key)
        if value is not None and not ok(value):
            out.error(
                "FIELD_TYPE_ERROR",
                f"fields.{key}",
                f"fields.{key} is {kind_of(value)}, not {wanted}.",
            )


def _v2_message(value: Any, out: Findings) -> str:
    """The message text the portal would read ('' when there is none)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return php_trim(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = php_trim(value)
        out.warn(
            "W_VALUE_COERCED",
            "fields.message",
            f"fields.message is a number; the portal sends it as the text {quote(text)}.",
        )
        return text
    out.error(
        "FIELD_TYPE_ERROR",
        "fields.message",
        f"fields.message is {kind_of(value)}, not text, so the portal can't send it.",
    )
    return ""


def _v2_flag(fields: Mapping[str, Any], key: str, out: Findings) -> None:
    value = fields.get(key)
    if value is None or isinstance(value, bool) or value in ("Y", "N"):
        return
    path = f"fields.{key}"
    if lenient_bool(value) is not None and not isinstance(value, list | dict):
        out.warn(
            "W_FLAG_VALUE",
            path,
            f'{path} {quote(value)} is not true/false or "Y"/"N", the only values the portal '
            "documents; send a JSON boolean.",
        )
        return
    out.error(
        "FIELD_TYPE_ERROR",
        path,
        f'{path} is {kind_of(value)} {quote(value)}, not a boolean (true/false or "Y"/"N").',
    )


def _v2_reply(value: Any, out: Findings) -> None:
    if value is None:
        return
    if isinstance(value, list | dict | bool):
        out.error(
            "FIELD_TYPE_ERROR",
            "fields.replyId",
            f"fields.replyId is {kind_of(value)}, not a message id.",
        )
    elif php_int(value) <= 0:
        out.warn(
            "W_VALUE_IGNORED",
            "fields.replyId",
            f"fields.replyId {quote(value)} is not a message id (a positive number), so the "
            "portal ignores it and sends a normal message.",
        )
