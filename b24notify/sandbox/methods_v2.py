"""The v2 ``imbot.v2.*`` methods: Chat.Message send/update/delete and Bot.list."""

from __future__ import annotations

from typing import Any

from b24notify.core.models import V2_SEND
from b24notify.core.payload_common import php_int
from b24notify.sandbox.bots import v2_bot, v2_flag
from b24notify.sandbox.context import CallContext
from b24notify.sandbox.editing import (
    Part,
    is_removal,
    mark_deleted,
    mark_updated,
    own_message,
    stored_part,
    v2_text,
)
from b24notify.sandbox.validation import first_error, portal_error

_PARTS: tuple[Part, ...] = ("attach", "keyboard")


def _fields(params: dict[str, Any]) -> dict[str, Any]:
    fields = params.get("fields")
    return fields if isinstance(fields, dict) else {}


def message_send(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    """``imbot.v2.Chat.Message.send``: store the message, answer ``{id, uuidMap}``."""
    bot = v2_bot(ctx, params)
    error = first_error(params, "v2", ctx.caller.kind)
    if error is not None:
        raise error
    fields = _fields(params)
    system = v2_flag(fields.get("system"), False)
    extra = {}
    reply_id = php_int(fields.get("replyId"))
    if reply_id > 0:
        extra["replyId"] = reply_id
    message = ctx.state.add_message(
        bot_id=bot.id,
        dialog_id=str(params.get("dialogId")).lower(),
        method=V2_SEND,
        api="v2",
        message=v2_text(str(fields.get("message") or "").strip()),
        attach=stored_part("attach", fields.get("attach"), bot),
        keyboard=stored_part("keyboard", fields.get("keyboard"), bot),
        system=system,
        url_preview=v2_flag(fields.get("urlPreview"), True),
        skip_connector=v2_flag(fields.get("skipConnector"), False),
        # System messages have no author, so the bot cannot edit them later.
        author_id=0 if system else bot.id,
        extra=extra,
    )
    return {"id": message.id, "uuidMap": {}}


def message_update(ctx: CallContext, params: dict[str, Any]) -> dict[str, bool]:
    """``imbot.v2.Chat.Message.update``: change text, attach, keyboard (``"N"`` removes)."""
    bot = v2_bot(ctx, params)
    message = own_message(ctx, params.get("messageId"), bot, editing=True)
    if message.author_id != bot.id:
        raise portal_error("ACCESS_DENIED", "The message does not belong to the bot")
    fields = _fields(params)
    changed = [kind for kind in _PARTS if kind in fields]
    checked = [kind for kind in changed if not is_removal(fields[kind])]
    text = fields.get("message")
    if checked:
        probe_fields: dict[str, Any] = {kind: fields[kind] for kind in checked}
        probe_fields["message"] = text or message.message or "."
        probe = {"botId": bot.id, "dialogId": message.dialog_id, "fields": probe_fields}
        error = first_error(probe, "v2", None, only=tuple(f"fields.{kind}" for kind in checked))
        if error is not None:
            raise error
    parts = {kind: stored_part(kind, fields[kind], bot) for kind in changed}
    new_text = message.message if text is None else v2_text(str(text).strip())
    if not new_text and parts.get("attach", message.attach) is None:
        raise portal_error("EMPTY_MESSAGE")
    message.message = new_text
    for kind, value in parts.items():
        setattr(message, kind, value)
    if "urlPreview" in fields:
        message.url_preview = v2_flag(fields["urlPreview"], message.url_preview)
    mark_updated(ctx, message)
    return {"result": True}


def message_delete(ctx: CallContext, params: dict[str, Any]) -> dict[str, bool]:
    """``imbot.v2.Chat.Message.delete``: ``complete`` leaves no "deleted" marker."""
    bot = v2_bot(ctx, params)
    message = own_message(ctx, params.get("messageId"), bot, editing=True)
    mark_deleted(ctx, message, complete=v2_flag(params.get("complete"), False))
    return {"result": True}


def bot_list(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    """``imbot.v2.Bot.list``: ``{bots, users, hasNextPage}`` with ``limit``/``offset`` paging.

    A ``botToken`` narrows the list to the bots registered with it.
    """
    token = params.get("botToken")
    bots = [b for b in ctx.state.bots if not token or b.bot_token == str(token)]
    limit = php_int(params.get("limit")) if "limit" in params else 50
    limit = limit if limit > 0 else 50
    offset = max(php_int(params.get("offset")), 0)
    page = bots[offset : offset + limit]
    return {
        "bots": [
            {
                "id": b.id,
                "code": b.code,
                "type": "bot",
                "eventMode": "fetch",
                "isHidden": False,
                "language": "en",
            }
            for b in page
        ],
        "users": [{"id": b.id, "name": b.name, "bot": True, "active": True} for b in page],
        "hasNextPage": offset + limit < len(bots),
    }
