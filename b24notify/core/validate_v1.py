"""imbot.message.add (v1) params checked like the portal: codes, any-case names, Y/N flags."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from b24notify.core.payload_common import (
    Findings,
    Lint,
    is_set,
    key_label,
    kind_of,
    php_empty,
    php_eq,
    php_int,
    php_str,
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

V1_PARAMS = (
    "BOT_ID", "DIALOG_ID", "FROM_USER_ID", "TO_USER_ID", "MESSAGE", "ATTACH", "KEYBOARD",
    "MENU", "SYSTEM", "URL_PREVIEW", "SKIP_CONNECTOR", "CLIENT_ID", "AUTH",
)  # fmt: skip
_V1_HINTS = {"BOTID": "BOT_ID", "DIALOGID": "DIALOG_ID", "BOTTOKEN": "CLIENT_ID"}
_V1_HINTS |= {"FIELDS": "flat UPPER_CASE keys such as MESSAGE", "URLPREVIEW": "URL_PREVIEW"}
# v1 flags: the value the portal compares with, and what each outcome means.
_V1_FLAGS = {
    "SYSTEM": ("Y", "a system message", "a normal message"),
    "URL_PREVIEW": ("N", "links without previews", "link previews on"),
    "SKIP_CONNECTOR": ("Y", "not sent to Open Channel connectors", "sent to connectors too"),
}


def validate_v1(raw: Mapping[str, Any], auth: Auth | None, out: Findings) -> None:
    """Check v1 params (names upper-cased as the portal does) into ``out``."""
    params: dict[str, Any] = {}
    for key, value in raw.items():
        name = str(key).upper()
        if name in params:
            out.warn(
                "W_DUPLICATE_PARAM",
                key_label(name),
                f"{key_label(name)} is given twice in different letter case; the portal "
                "upper-cases names and keeps the last one.",
            )
        params[name] = value
    for key, hint in unknown(list(params), V1_PARAMS, _V1_HINTS):
        out.warn(
            "W_UNKNOWN_PARAM",
            key_label(key),
            f"imbot.message.add has no parameter {key_label(key)}, so the portal ignores it{hint}.",
        )
    if auth == "webhook" and php_empty(params.get("CLIENT_ID")):
        out.error(
            "ACCESS_DENIED",
            "CLIENT_ID",
            "CLIENT_ID is missing; with a webhook the portal answers 403 ACCESS_DENIED "
            '"Client ID not specified".',
        )
    elif auth == "oauth" and not php_empty(params.get("CLIENT_ID")):
        out.warn(
            "W_SECRET_UNUSED",
            "CLIENT_ID",
            "CLIENT_ID is only for webhooks; with OAuth the portal ignores it, so leave the "
            "secret out.",
        )
    bot_id = _v1_bot(params, out)
    _v1_dialog(params, out)
    lint = bb_lint()
    has_attach = not php_empty(params.get("ATTACH"))
    _v1_message(params.get("MESSAGE"), has_attach, lint, out)
    check_part(
        params.get("ATTACH"), "attach", "ATTACH", out, bot_id=bot_id, lint=bb_lint(attach=True)
    )
    check_part(params.get("KEYBOARD"), "keyboard", "KEYBOARD", out, bot_id=bot_id, lint=lint)
    check_part(params.get("MENU"), "menu", "MENU", out, bot_id=bot_id, lint=lint)
    for flag in _V1_FLAGS:
        _v1_flag(params, flag, out)


def _v1_bot(params: dict[str, Any], out: Findings) -> int | None:
    if not is_set(params, "BOT_ID"):
        return None  # the portal picks the app's first bot
    number = bot_number(params["BOT_ID"])
    if number is None:
        out.error(
            "BOT_ID_ERROR",
            "BOT_ID",
            f"BOT_ID {quote(params['BOT_ID'])} is not a bot id (a positive whole number), "
            'so the portal answers BOT_ID_ERROR "Bot not found".',
        )
    return number


def _v1_dialog(params: dict[str, Any], out: Findings) -> None:
    from_id, to_id = php_int(params.get("FROM_USER_ID")), php_int(params.get("TO_USER_ID"))
    if from_id > 0 and to_id > 0:
        if is_set(params, "DIALOG_ID"):
            out.warn(
                "W_DIALOG_ID_IGNORED",
                "DIALOG_ID",
                "DIALOG_ID is ignored because FROM_USER_ID and TO_USER_ID are both set; "
                "the message goes to those two users' private dialog.",
            )
        if not php_eq(params.get("SYSTEM"), "Y"):
            out.warn(
                "W_SYSTEM_FORCED",
                "SYSTEM",
                'With FROM_USER_ID and TO_USER_ID the portal forces SYSTEM to "Y" '
                "(a system message).",
            )
        return
    for key in ("FROM_USER_ID", "TO_USER_ID"):
        if is_set(params, key):
            out.warn(
                "W_FROM_TO_INCOMPLETE",
                key,
                f"{key} only works with the other of FROM_USER_ID/TO_USER_ID, both above 0, "
                "so the portal ignores it and uses DIALOG_ID.",
            )
    dialog = params.get("DIALOG_ID")
    if dialog_ok(dialog):
        return
    if dialog is None:
        message = "DIALOG_ID is missing"
    else:
        message = f"DIALOG_ID {quote(dialog)} is not a user id or chatNNN"
    out.error(
        "DIALOG_ID_EMPTY",
        "DIALOG_ID",
        f"{message}, so the portal answers DIALOG_ID_EMPTY (give a user id like 42 or a chat "
        "like chat123).",
    )


def _v1_message(value: Any, has_attach: bool, lint: Lint | None, out: Findings) -> None:
    text = php_str(value)
    also = " even when ATTACH is given (only v2 allows attach-only messages)" if has_attach else ""
    if text is None:
        out.error(
            "MESSAGE_EMPTY",
            "MESSAGE",
            f"MESSAGE is {kind_of(value)}, not text, so the portal rejects the message "
            "with MESSAGE_EMPTY.",
        )
        return
    trimmed = php_trim(text)
    if trimmed == "":
        state = "missing" if value is None else "empty"
        out.error(
            "MESSAGE_EMPTY",
            "MESSAGE",
            f"MESSAGE is {state}; imbot.message.add needs text{also}.",
        )
        return
    if not isinstance(value, str):
        out.warn(
            "W_VALUE_COERCED",
            "MESSAGE",
            f"MESSAGE is {kind_of(value)}; the portal sends it as the text {quote(trimmed)}.",
        )
    long_text(trimmed, "MESSAGE", "v1", out)
    if lint is not None:
        out.extend(lint(trimmed, "MESSAGE"))


def _v1_flag(params: dict[str, Any], key: str, out: Findings) -> None:
    value = params.get(key)
    if value is None or value in ("Y", "N"):
        return
    trigger, on_text, off_text = _V1_FLAGS[key]
    hit = php_eq(value, trigger)
    meant = lenient_bool(value)
    # SYSTEM/SKIP_CONNECTOR switch on at "Y"; URL_PREVIEW switches off at "N".
    portal_on = hit if trigger == "Y" else not hit
    effect = on_text if hit else off_text
    portal_letter = "Y" if portal_on else "N"
    if meant is None:
        out.warn(
            "W_FLAG_VALUE",
            key,
            f'{key} {quote(value)} is not "Y" or "N", so the portal reads it as '
            f'"{portal_letter}" ({effect}).',
        )
    elif meant != portal_on:
        out.warn(
            "W_FLAG_VALUE",
            key,
            f'{key} {quote(value)} reads as "{portal_letter}" to the portal (only exactly '
            f'"{trigger}" counts), so the result is {effect}; send "Y" or "N".',
        )
