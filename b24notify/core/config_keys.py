"""The keys config.toml may hold, the kinds of value they take, and how messages name both.

Every key here is documented in ``config.example.toml``; a test checks that
the two lists agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

TOP_KEYS = (
    "default_profile",
    "confirm_send",
    "theme",
    "history_retention_days",
    "template_dirs",
    "keys",
    "sandbox",
    "profiles",
)
PROFILE_KEYS = (
    "webhook",
    "oauth",
    "api",
    "bot_id",
    "client_id",
    "bot_token",
    "plan",
    "rate_drain",
    "rate_burst",
    "connect_timeout",
    "read_timeout",
    "max_retries",
    "sandbox",
)
OAUTH_KEYS = (
    "portal",
    "client_id",
    "client_secret",
    "access_token",
    "refresh_token",
    "expires_at",
    "oauth_server",
)
SANDBOX_KEYS = ("host", "port", "drain", "burst", "state_file")
#: Every key the loader knows, as dotted paths (``*`` for a profile name).
KNOWN_KEYS = frozenset(
    list(TOP_KEYS)
    + [f"sandbox.{k}" for k in SANDBOX_KEYS]
    + ["keys.*"]
    + [f"profiles.*.{k}" for k in PROFILE_KEYS]
    + [f"profiles.*.oauth.{k}" for k in OAUTH_KEYS]
)

#: A value kind as messages say it: ``must be an integer``.
ARTICLE = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "table": "a table",
    "array": "an array",
}


def kind_of(value: Any) -> str:
    """What kind of TOML value ``value`` is, with its article (``an integer``)."""
    import datetime

    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, datetime.date | datetime.time):
        return "a date/time"
    return type(value).__name__


def fits(value: Any, kind: str) -> bool:
    """True when ``value`` is of ``kind`` (a key of :data:`ARTICLE`); a bool is no number."""
    if isinstance(value, bool):
        return kind == "boolean"
    return {
        "string": isinstance(value, str),
        "integer": isinstance(value, int),
        "number": isinstance(value, int | float),
        "table": isinstance(value, dict),
        "array": isinstance(value, list),
    }.get(kind, False)


def show(value: Any) -> str:
    """A short quotation of a (never secret) value for a message."""
    text = f'"{value}"' if isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def join(prefix: str, key: str) -> str:
    """The dotted key ``prefix.key`` (either part may be empty)."""
    return f"{prefix}.{key}" if prefix and key else prefix or key


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """A message tail suggesting the closest of ``options``, else listing them; may be empty."""
    import difflib

    options = list(options)
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    if options:
        return "; known: " + ", ".join(options)
    return ""
