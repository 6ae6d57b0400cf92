"""The portal's checks and silent drops, from the core validator (the one place that calls it).

``b24notify.core.payload`` knows every rule; here its findings become the
answer a portal gives: the first error in the portal's own checking order,
with the portal's wording and HTTP status.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from b24notify.sandbox.envelope import CallError

# The order in which the portal's code meets each check (the first one wins).
_ORDER = (
    "ACCESS_DENIED",
    "BOT_TOKEN_NOT_SPECIFIED",
    "BOT_ID_REQUIRED",
    "BOT_ID_ERROR",
    "BOT_NOT_FOUND",
    "DIALOG_ID_EMPTY",
    "MESSAGE_EMPTY",
    "EMPTY_MESSAGE",
    "FIELD_TYPE_ERROR",
    "ATTACH_ERROR",
    "ATTACH_OVERSIZE",
    "KEYBOARD_ERROR",
    "KEYBOARD_OVERSIZE",
    "MENU_ERROR",
    "MENU_OVERSIZE",
)

# The portal's own error_description texts (bitrix24-api.md §1.3, §2.3).
DESCRIPTIONS = {
    "ACCESS_DENIED": "Access denied! Client ID not specified",
    "BOT_TOKEN_NOT_SPECIFIED": "Bot token not specified",
    "BOT_ID_REQUIRED": "Bot ID is required",
    "BOT_ID_ERROR": "Bot not found",
    "BOT_NOT_FOUND": "Bot not found",
    "DIALOG_ID_EMPTY": "Dialog ID can't be empty",
    "MESSAGE_EMPTY": "Message can't be empty",
    "EMPTY_MESSAGE": "Message can't be empty",
    "ATTACH_ERROR": "Incorrect attach params",
    "ATTACH_OVERSIZE": "You have exceeded the maximum allowable size of attach",
    "KEYBOARD_ERROR": "Incorrect keyboard params",
    "KEYBOARD_OVERSIZE": "You have exceeded the maximum allowable size of keyboard",
    "MENU_ERROR": "Incorrect menu params",
    "MENU_OVERSIZE": "You have exceeded the maximum allowable size of menu",
}

_FORBIDDEN = {"ACCESS_DENIED", "BOT_OWNERSHIP_ERROR", "CANT_EDIT_MESSAGE"}


def portal_error(code: str, description: str | None = None) -> CallError:
    """A CallError with the portal's text and status (403 for access errors, else 400)."""
    text = description or DESCRIPTIONS.get(code, code)
    return CallError(code, text, 403 if code in _FORBIDDEN else 400)


def first_error(
    params: Mapping[str, Any],
    api: Literal["v1", "v2"],
    auth: Literal["webhook", "oauth"] | None,
    *,
    only: tuple[str, ...] = (),
) -> CallError | None:
    """The error the portal answers for these send params, or None.

    ``only`` keeps findings whose path starts with one of these prefixes
    (updates check just the parts they change).
    """
    from b24notify.core.payload import validate_params

    errors = [
        p
        for p in validate_params(params, api, auth=auth)
        if p.severity == "error" and (not only or p.path.startswith(only))
    ]
    if not errors:
        return None
    rank = {code: i for i, code in enumerate(_ORDER)}
    first = min(errors, key=lambda p: rank.get(p.code, len(_ORDER)))
    return portal_error(first.code, None if first.code in DESCRIPTIONS else first.message)


def effective_part(kind: Literal["attach", "keyboard", "menu"], value: Any, bot_id: int) -> Any:
    """What the portal keeps of an ATTACH (full form) or KEYBOARD/MENU (item list).

    Keyboards and menus get ``bot_id`` injected, as the portal does for the sending bot.
    """
    from b24notify.core import payload

    if kind == "attach":
        return payload.effective_attach(value)
    if kind == "keyboard":
        return payload.effective_keyboard(value, bot_id=bot_id)
    return payload.effective_menu(value, bot_id=bot_id)
