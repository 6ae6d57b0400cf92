"""Finding a bot's stored message and changing it the way the portal allows."""

from __future__ import annotations

from typing import Any, Literal

from b24notify.core.validate_common import bot_number
from b24notify.sandbox.config import SandboxBot
from b24notify.sandbox.context import CallContext
from b24notify.sandbox.messages import StoredMessage
from b24notify.sandbox.validation import effective_part, portal_error

Part = Literal["attach", "keyboard", "menu"]

V2_TEXT_LIMIT = 20_000
V2_TRUNCATED = " (...)"


def is_removal(value: Any) -> bool:
    """``"N"``, an empty string or nothing removes a part on update."""
    return value is None or value == "" or value == "N" or value == [] or value == {}


def stored_part(kind: Part, value: Any, bot: SandboxBot) -> Any:
    """The part as the portal keeps it after its silent drops (None when absent or removed)."""
    if is_removal(value):
        return None
    return effective_part(kind, value, bot.id)


def v2_text(text: str) -> str:
    """v2 keeps 20,000 characters and marks the cut."""
    if len(text) > V2_TEXT_LIMIT:
        return text[:V2_TEXT_LIMIT] + V2_TRUNCATED
    return text


def own_message(ctx: CallContext, raw_id: Any, bot: SandboxBot, *, editing: bool) -> StoredMessage:
    """The live message ``raw_id`` sent by ``bot`` (MESSAGE_ID_ERROR otherwise).

    Messages older than the edit window give CANT_EDIT_MESSAGE (403).
    """
    message_id = bot_number(raw_id)  # the same rule: a positive whole number
    message = ctx.state.message(message_id) if message_id is not None else None
    if message is None or message.deleted or message.bot_id != bot.id:
        raise portal_error("MESSAGE_ID_ERROR", "Message not found")
    if editing and ctx.state.clock() - message.created_at > ctx.state.config.edit_window:
        raise portal_error(
            "CANT_EDIT_MESSAGE", "Time has expired for modification or you don't have access"
        )
    return message


def mark_updated(ctx: CallContext, message: StoredMessage) -> None:
    message.updated_at = ctx.state.clock()
    ctx.state.save(message)


def mark_deleted(ctx: CallContext, message: StoredMessage, *, complete: bool) -> None:
    message.deleted_at = ctx.state.clock()
    message.complete = complete
    ctx.state.save(message)
