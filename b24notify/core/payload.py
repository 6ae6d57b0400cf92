"""Exact Bitrix24 method params from a rendered draft, and the portal-like validation of them.

Builders are pure: v1 ``imbot.message.*`` take flat UPPER_CASE keys with
``"Y"``/``"N"`` flags; v2 ``imbot.v2.*`` take ``botId``/``botToken`` and a
``fields`` object with real booleans (bitrix24-api.md §1, §2). Key order is
stable because users see these dicts in the request view.

Validation and the portal's view of ATTACH/KEYBOARD/MENU live in
``validate``, ``payload_attach`` and ``payload_keyboard``; they are re-exported
here so callers need one import.
"""

from __future__ import annotations

from typing import Any

from b24notify.core.errors import UsageError
from b24notify.core.models import V1_SEND, V2_SEND, ApiVersion, Problem, Rendered, SendOptions
from b24notify.core.payload_attach import read_attach
from b24notify.core.payload_common import (
    SIZE_LIMIT,
    Findings,
    PartForm,
    PartKind,
    normalize_part,
    part_size,
)
from b24notify.core.payload_keyboard import read_buttons
from b24notify.core.validate import has_errors, validate_params

__all__ = [
    "SIZE_LIMIT",
    "V1_BOT_LIST",
    "V1_DELETE",
    "V1_SEND",
    "V1_UPDATE",
    "V2_BOT_LIST",
    "V2_DELETE",
    "V2_SEND",
    "V2_UPDATE",
    "PartForm",
    "PartKind",
    "build_bot_list_params",
    "build_delete_params",
    "build_send_params",
    "build_update_params",
    "build_warnings",
    "effective_attach",
    "effective_keyboard",
    "effective_menu",
    "has_errors",
    "method_for",
    "normalize_part",
    "part_size",
    "validate_params",
]

V1_UPDATE = "imbot.message.update"
V1_DELETE = "imbot.message.delete"
V1_BOT_LIST = "imbot.bot.list"
V2_UPDATE = "imbot.v2.Chat.Message.update"
V2_DELETE = "imbot.v2.Chat.Message.delete"
V2_BOT_LIST = "imbot.v2.Bot.list"

REMOVE = "N"
"""What update methods take to remove an ATTACH/KEYBOARD/MENU."""


def method_for(api: ApiVersion) -> str:
    """The send method of an API version."""
    return V2_SEND if api == "v2" else V1_SEND


def _yn(flag: bool) -> str:
    return "Y" if flag else "N"


def build_send_params(
    rendered: Rendered,
    options: SendOptions,
    api: ApiVersion,
    *,
    client_id: str | None = None,
    bot_token: str | None = None,
) -> dict[str, Any]:
    """The params of ``imbot.message.add`` (v1) or ``imbot.v2.Chat.Message.send`` (v2).

    Parts that are None are left out; ``client_id``/``bot_token`` are added only
    when given (webhook auth). v1 uses FROM_USER_ID/TO_USER_ID instead of
    DIALOG_ID when both are above 0 (and then sends SYSTEM=Y, as the portal
    forces it). v2 has no MENU, no FROM/TO mode; v1 has no reply.
    """
    if api == "v2":
        return _v2_send(rendered, options, bot_token)
    params: dict[str, Any] = {}
    if options.bot_id is not None:
        params["BOT_ID"] = options.bot_id
    from_to = (options.from_user_id or 0) > 0 and (options.to_user_id or 0) > 0
    if from_to:
        params["FROM_USER_ID"] = options.from_user_id
        params["TO_USER_ID"] = options.to_user_id
    elif options.dialog_id is not None:
        params["DIALOG_ID"] = options.dialog_id
    params["MESSAGE"] = rendered.message
    for key, value in (
        ("ATTACH", rendered.attach),
        ("KEYBOARD", rendered.keyboard),
        ("MENU", rendered.menu),
    ):
        if value is not None:
            params[key] = value
    params["SYSTEM"] = _yn(options.system or from_to)
    params["URL_PREVIEW"] = _yn(options.url_preview)
    params["SKIP_CONNECTOR"] = _yn(options.skip_connector)
    if client_id is not None:
        params["CLIENT_ID"] = client_id
    return params


def build_warnings(rendered: Rendered, options: SendOptions, api: ApiVersion) -> list[Problem]:
    """What ``build_send_params`` had to leave out because the API version has no place for it.

    The validator only sees the built params, so these are reported here:
    MENU and FROM/TO on v2, a reply on v1.
    """
    found: list[Problem] = []
    if api == "v2":
        if rendered.menu is not None:
            found.append(
                Problem(
                    "W_MENU_NOT_SUPPORTED",
                    "fields.menu",
                    "imbot.v2.Chat.Message.send has no menu, so the menu is not sent "
                    "(menus need v1 imbot.message.add).",
                    "warning",
                )
            )
        if (options.from_user_id or 0) > 0 and (options.to_user_id or 0) > 0:
            found.append(
                Problem(
                    "W_FROM_TO_NOT_SUPPORTED",
                    "options.from_user_id",
                    "v2 has no FROM_USER_ID/TO_USER_ID mode, so the message goes to the dialog "
                    "instead.",
                    "warning",
                )
            )
    elif options.reply_id is not None:
        found.append(
            Problem(
                "W_REPLY_NOT_SUPPORTED",
                "options.reply_id",
                "imbot.message.add cannot reply to a message, so it is sent as a normal message "
                "(replies need v2).",
                "warning",
            )
        )
    return found


def _v2_send(rendered: Rendered, options: SendOptions, bot_token: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if options.bot_id is not None:
        params["botId"] = options.bot_id
    if bot_token is not None:
        params["botToken"] = bot_token
    if options.dialog_id is not None:
        params["dialogId"] = options.dialog_id
    fields: dict[str, Any] = {"message": rendered.message}
    if rendered.attach is not None:
        fields["attach"] = rendered.attach
    if rendered.keyboard is not None:
        fields["keyboard"] = rendered.keyboard
    fields["system"] = options.system
    fields["urlPreview"] = options.url_preview
    fields["skipConnector"] = options.skip_connector
    if options.reply_id is not None:
        fields["replyId"] = options.reply_id
    params["fields"] = fields
    return params


def _message_id(message_id: int) -> int:
    if isinstance(message_id, bool) or not isinstance(message_id, int) or message_id <= 0:
        raise UsageError(f"A message id is a positive whole number, not {message_id!r}.")
    return message_id


def _v2_bot(bot_id: int | None, what: str) -> int:
    if bot_id is None:
        raise UsageError(f"{what} with the v2 API needs the bot id that sent the message.")
    return bot_id


def build_update_params(
    api: ApiVersion,
    *,
    message_id: int,
    rendered: Rendered | None = None,
    bot_id: int | None = None,
    url_preview: bool | None = None,
    skip_connector: bool | None = None,
    keep_missing_parts: bool = False,
    client_id: str | None = None,
    bot_token: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """``(method, params)`` that replace a sent message with ``rendered``.

    Parts the new rendering lacks are removed (``"N"``) so the message matches
    it, unless ``keep_missing_parts``. An empty text is refused: the portal
    would delete the message (use ``build_delete_params`` for that). v2 update
    has no MENU and no SKIP_CONNECTOR; v2 needs ``bot_id``.
    """
    message_id = _message_id(message_id)
    if rendered is not None and not rendered.message.strip():
        raise UsageError(
            "The new text is empty, and an empty text would delete the message; "
            "delete it explicitly instead."
        )

    def part(value: Any) -> Any:
        return REMOVE if value is None and not keep_missing_parts else value

    if api == "v2":
        params: dict[str, Any] = {"botId": _v2_bot(bot_id, "Editing a message")}
        if bot_token is not None:
            params["botToken"] = bot_token
        params["messageId"] = message_id
        fields: dict[str, Any] = {}
        if rendered is not None:
            fields["message"] = rendered.message
            for key, value in (("attach", rendered.attach), ("keyboard", rendered.keyboard)):
                if part(value) is not None:
                    fields[key] = part(value)
        if url_preview is not None:
            fields["urlPreview"] = url_preview
        params["fields"] = fields
        return V2_UPDATE, params
    params = {}
    if bot_id is not None:
        params["BOT_ID"] = bot_id
    params["MESSAGE_ID"] = message_id
    if rendered is not None:
        params["MESSAGE"] = rendered.message
        for key, value in (
            ("ATTACH", rendered.attach),
            ("KEYBOARD", rendered.keyboard),
            ("MENU", rendered.menu),
        ):
            if part(value) is not None:
                params[key] = part(value)
    if url_preview is not None:
        params["URL_PREVIEW"] = _yn(url_preview)
    if skip_connector is not None:
        params["SKIP_CONNECTOR"] = _yn(skip_connector)
    if client_id is not None:
        params["CLIENT_ID"] = client_id
    return V1_UPDATE, params


def build_delete_params(
    api: ApiVersion,
    *,
    message_id: int,
    bot_id: int | None = None,
    complete: bool = False,
    client_id: str | None = None,
    bot_token: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """``(method, params)`` that delete a sent message.

    ``complete`` removes it without the "message deleted" marker.
    """
    message_id = _message_id(message_id)
    if api == "v2":
        params: dict[str, Any] = {"botId": _v2_bot(bot_id, "Deleting a message")}
        if bot_token is not None:
            params["botToken"] = bot_token
        params["messageId"] = message_id
        params["complete"] = complete
        return V2_DELETE, params
    params = {}
    if bot_id is not None:
        params["BOT_ID"] = bot_id
    params["MESSAGE_ID"] = message_id
    params["COMPLETE"] = _yn(complete)
    if client_id is not None:
        params["CLIENT_ID"] = client_id
    return V1_DELETE, params


def build_bot_list_params(
    api: ApiVersion, *, bot_token: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[str, dict[str, Any]]:
    """``(method, params)`` listing the bots: ``imbot.bot.list`` takes none; v2 pages."""
    if api != "v2":
        return V1_BOT_LIST, {}
    params: dict[str, Any] = {}
    if bot_token is not None:
        params["botToken"] = bot_token
    params["limit"] = limit
    params["offset"] = offset
    return V2_BOT_LIST, params


# ---- what the portal keeps ------------------------------------------------------


def effective_attach(value: Any) -> dict[str, Any] | None:
    """The attachment as the portal stores it: dropped blocks/fields removed, DISPLAY normalised.

    ``{"ID"?, "COLOR"?, "COLOR_TOKEN"?, "BLOCKS": [...], "DESCRIPTION"?}``; each
    USER/LINK/RICH_LINK item becomes its own block, as on the portal. None when
    there is nothing to keep (absent, empty, or ATTACH_ERROR). An invalid root
    COLOR (the portal picks a random one) is left out. Sizes are not checked.
    """
    return read_attach(value, "ATTACH", Findings())[1]


def effective_keyboard(value: Any, *, bot_id: int | None = None) -> list[dict[str, Any]] | None:
    """The keyboard buttons as the portal stores them (``{"TYPE": "NEWLINE"}`` between rows).

    ``bot_id`` is the bot the portal injects (the sending bot); None stands for
    the app's default bot, so COMMAND buttons are kept (their BOT_ID then reads
    0). None when nothing is kept. Sizes are not checked.
    """
    return read_buttons(value, "keyboard", "KEYBOARD", Findings(), bot_id=bot_id)[1]


def effective_menu(value: Any, *, bot_id: int | None = None) -> list[dict[str, Any]] | None:
    """The context-menu items as the portal stores them; None when nothing is kept."""
    return read_buttons(value, "menu", "MENU", Findings(), bot_id=bot_id)[1]
