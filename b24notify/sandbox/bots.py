"""Which bot a call acts for, checked like the portal: existence, CLIENT_ID / botToken ownership.

Also the small parameter readers the method handlers share (ids, flags).
"""

from __future__ import annotations

import hmac
import re
from typing import Any

from b24notify.sandbox.config import SandboxBot
from b24notify.sandbox.context import CallContext
from b24notify.sandbox.validation import portal_error

_INT = re.compile(r"\s*[+]?\d+\s*\Z")


def as_int(value: Any) -> int | None:
    """An id from JSON or form params (``7``, ``"7"``), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT.match(value):
        return int(value)
    return None


def v1_flag(value: Any, default: bool) -> bool:
    """A v1 ``Y``/``N`` flag (anything else keeps the default)."""
    if isinstance(value, str) and value.upper() in ("Y", "N"):
        return value.upper() == "Y"
    return default


def v2_flag(value: Any, default: bool) -> bool:
    """A v2 boolean: JSON true/false, or ``Y``/``N``/``1``/``0``/``true``/``false`` strings."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("y", "1", "true"):
            return True
        if text in ("n", "0", "false", ""):
            return False
    return default


def upper_keys(params: dict[str, Any]) -> dict[str, Any]:
    """v1 top-level names are case-insensitive (the portal upper-cases them)."""
    return {str(k).upper(): v for k, v in params.items()}


def _same(given: Any, expected: str) -> bool:
    return hmac.compare_digest(str(given).encode("utf-8", "replace"), expected.encode("utf-8"))


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
        bot_id = as_int(p["BOT_ID"])
        bot = state.bot(bot_id) if bot_id is not None else None
        if bot is None:
            raise portal_error("BOT_ID_ERROR")
        if ctx.webhook and not _same(_client_id(p), bot.client_id):
            raise portal_error("APP_ID_ERROR", "Bot was installed by another REST application")
        return bot
    if ctx.webhook:
        client_id = _client_id(p)
        candidates = [b for b in state.bots if _same(client_id, b.client_id)]
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
    bot_id = as_int(raw)
    bot = ctx.state.bot(bot_id) if bot_id is not None else None
    if bot is None:
        raise portal_error("BOT_NOT_FOUND")
    if ctx.webhook and not _same(token, bot.bot_token):
        raise portal_error("BOT_OWNERSHIP_ERROR", "The bot belongs to another application")
    return bot
