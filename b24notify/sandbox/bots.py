"""Which bot a call acts for, checked like the portal: existence, CLIENT_ID / botToken ownership.

Also the parameter readers the method handlers share; ids and flags are read
with the core validator's PHP semantics so the portal and the validator agree.
"""

from __future__ import annotations

from typing import Any

from b24notify.core.validate_common import bot_number, lenient_bool
from b24notify.sandbox.config import SandboxBot
from b24notify.sandbox.context import CallContext
from b24notify.sandbox.credentials import same_secret
from b24notify.sandbox.validation import portal_error


def v2_flag(value: Any, default: bool) -> bool:
    """A v2 boolean: JSON true/false or ``Y``/``N``/``1``/``0``/``true``/``false`` strings."""
    flag = lenient_bool(value)
    return default if flag is None else flag


def upper_keys(params: dict[str, Any]) -> dict[str, Any]:
    """v1 top-level names are case-insensitive (the portal upper-cases them)."""
    return {str(k).upper(): v for k, v in params.items()}


def _client_id(p: dict[str, Any]) -> str:
    value = p.get("CLIENT_ID")
    if value is None or value == "":
        raise portal_error("ACCESS_DENIED")
    return str(value)


def v1_bot(ctx: CallContext, p: dict[str, Any]) -> SandboxBot:
    """The bot of a v1 call (``p`` upper-cased): BOT_ID, else the app's first bot.

    With a webhook the CLIENT_ID names the app: missing → ACCESS_DENIED,
    another app's bot → APP_ID_ERROR; unknown bot → BOT_ID_ERROR.
    """
    state = ctx.state
    if p.get("BOT_ID") is not None:
        bot_id = bot_number(p["BOT_ID"])
        bot = state.bot(bot_id) if bot_id is not None else None
        if bot is None:
            raise portal_error("BOT_ID_ERROR")
        if ctx.webhook and not same_secret(_client_id(p), bot.client_id):
            raise portal_error("APP_ID_ERROR", "Bot was installed by another REST application")
        return bot
    if ctx.webhook:
        client_id = _client_id(p)
        candidates = [b for b in state.bots if same_secret(client_id, b.client_id)]
    else:
        candidates = list(state.bots)
    if not candidates:
        raise portal_error("BOT_ID_ERROR")
    return candidates[0]


def v2_bot(ctx: CallContext, params: dict[str, Any]) -> SandboxBot:
    """The bot of a v2 call: botToken (webhook) → botId → existence → ownership."""
    token = params.get("botToken")
    if ctx.webhook and (token is None or token == ""):
        raise portal_error("BOT_TOKEN_NOT_SPECIFIED")
    raw = params.get("botId")
    if raw is None or raw == "":
        raise portal_error("BOT_ID_REQUIRED")
    bot_id = bot_number(raw)
    bot = ctx.state.bot(bot_id) if bot_id is not None else None
    if bot is None:
        raise portal_error("BOT_NOT_FOUND")
    if ctx.webhook and not same_secret(token, bot.bot_token):
        raise portal_error("BOT_OWNERSHIP_ERROR", "The bot belongs to another application")
    return bot
