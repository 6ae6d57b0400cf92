"""The v1 ``imbot.*`` methods: message add/update/delete, bot list, dialog details."""

from __future__ import annotations

import re
from typing import Any

from b24notify.core.models import V1_SEND
from b24notify.core.payload_common import php_eq, php_int
from b24notify.core.validate_common import dialog_ok
from b24notify.sandbox.bots import upper_keys, v1_bot
from b24notify.sandbox.context import CallContext
from b24notify.sandbox.editing import (
    Part,
    is_removal,
    mark_deleted,
    mark_updated,
    own_message,
    stored_part,
)
from b24notify.sandbox.forms import php_json_shape
from b24notify.sandbox.validation import first_error, portal_error

_PARTS: tuple[tuple[str, Part], ...] = (
    ("ATTACH", "attach"),
    ("KEYBOARD", "keyboard"),
    ("MENU", "menu"),
)


def message_add(ctx: CallContext, params: dict[str, Any]) -> int:
    """``imbot.message.add``: store the message, answer its id."""
    p = upper_keys(params)
    bot = v1_bot(ctx, p)
    error = first_error(params, "v1", ctx.caller.kind)
    if error is not None:
        raise error
    from_id, to_id = php_int(p.get("FROM_USER_ID")), php_int(p.get("TO_USER_ID"))
    private = from_id > 0 and to_id > 0
    extra = {"FROM_USER_ID": from_id, "TO_USER_ID": to_id} if private else {}
    dialog = str(to_id) if private else str(p.get("DIALOG_ID")).lower()
    message = ctx.state.add_message(
        bot_id=bot.id,
        dialog_id=dialog,
        method=V1_SEND,
        api="v1",
        message=str(p.get("MESSAGE", "")).strip(),
        attach=stored_part("attach", p.get("ATTACH"), bot),
        keyboard=stored_part("keyboard", p.get("KEYBOARD"), bot),
        menu=stored_part("menu", p.get("MENU"), bot),
        # FROM/TO mode always makes a system message.
        system=private or php_eq(p.get("SYSTEM"), "Y"),
        # Only the exact value "N" turns previews off.
        url_preview=not php_eq(p.get("URL_PREVIEW"), "N"),
        skip_connector=php_eq(p.get("SKIP_CONNECTOR"), "Y"),
        author_id=bot.id,
        extra=extra,
    )
    return message.id


def message_update(ctx: CallContext, params: dict[str, Any]) -> bool:
    """``imbot.message.update``: an empty MESSAGE deletes; ``"N"``/empty parts are removed."""
    p = upper_keys(params)
    bot = v1_bot(ctx, p)
    message = own_message(ctx, p.get("MESSAGE_ID"), bot, editing=True)
    text = p.get("MESSAGE")
    if text is not None and str(text).strip() == "":
        mark_deleted(ctx, message, complete=False)
        return True
    changed = [(key, kind) for key, kind in _PARTS if key in p]
    checked = [key for key, _ in changed if not is_removal(p[key])]
    if checked:
        probe = {"DIALOG_ID": message.dialog_id, "MESSAGE": text or message.message or "."}
        probe.update({key: p[key] for key in checked})
        error = first_error(probe, "v1", None, only=tuple(checked))
        if error is not None:
            raise error
    if text is not None:
        message.message = str(text).strip()
    for key, kind in changed:
        setattr(message, kind, stored_part(kind, p[key], bot))
    if "URL_PREVIEW" in p:
        message.url_preview = not php_eq(p["URL_PREVIEW"], "N")
    if "SKIP_CONNECTOR" in p:
        message.skip_connector = php_eq(p["SKIP_CONNECTOR"], "Y")
    mark_updated(ctx, message)
    return True


def message_delete(ctx: CallContext, params: dict[str, Any]) -> bool:
    """``imbot.message.delete``: COMPLETE=Y leaves no "deleted" marker."""
    p = upper_keys(params)
    bot = v1_bot(ctx, p)
    message = own_message(ctx, p.get("MESSAGE_ID"), bot, editing=True)
    mark_deleted(ctx, message, complete=php_eq(p.get("COMPLETE"), "Y"))
    return True


def bot_list(ctx: CallContext, params: dict[str, Any]) -> Any:
    """``imbot.bot.list``: an object keyed by bot id (``[]`` when there are none, as PHP does)."""
    return php_json_shape(
        {
            str(bot.id): {"ID": bot.id, "NAME": bot.name, "CODE": bot.code, "OPENLINE": "N"}
            for bot in ctx.state.bots
        }
    )


def dialog_get(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    """``imbot.dialog.get``: details of a user dialog (``"42"``) or a chat (``"chat42"``)."""
    p = upper_keys(params)
    if not dialog_ok(p.get("DIALOG_ID")):
        raise portal_error("DIALOG_ID_EMPTY")
    dialog = str(p["DIALOG_ID"]).lower()
    is_chat = not dialog.isdigit()
    number = int(re.sub(r"^\D+", "", dialog))
    count = sum(1 for m in ctx.state.messages() if m.dialog_id == dialog and not m.deleted)
    return {
        "id": number,
        "dialog_id": dialog,
        "type": "chat" if is_chat else "private",
        "message_type": "C" if is_chat else "P",
        "name": f"Sandbox chat {number}" if is_chat else f"Sandbox user {number}",
        "owner": ctx.state.config.webhook_user,
        "color": "#4ba984",
        "avatar": "",
        "extranet": False,
        "entity_type": "",
        "entity_id": "",
        "manager_list": [],
        "message_count": count,
    }
