"""The REST wire format of Bitrix24: batch command encoding, envelopes, result shapes.

Pure functions shared by the client (and anything that renders requests):
PHP bracket-notation queries for ``batch`` commands, defensive decoding of a
response body into the ``{"result"|"error", "time"}`` envelope, the shapes
results come back in (PHP's ``[]`` for an empty object, v1/v2 bot lists,
message ids), and which parameters are secret.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from typing import Any, TypedDict
from urllib.parse import quote

from b24notify.core.errors import UsageError

# Methods that change nothing: a lost answer may be asked again.
READ_ONLY_METHODS = frozenset(
    {
        "imbot.bot.list",
        "imbot.v2.bot.list",
        "imbot.dialog.get",
        "imbot.chat.get",
        "imbot.v2.chat.get",
        "imbot.v2.chat.message.get",
        "server.time",
        "profile",
        "scope",
        "methods",
        "method.get",
        "app.info",
        "user.current",
    }
)

# Parameter names whose values are secrets (compared upper-cased).
SECRET_PARAMS = frozenset(
    {"CLIENT_ID", "BOTTOKEN", "AUTH", "CLIENT_SECRET", "ACCESS_TOKEN", "REFRESH_TOKEN"}
)

# Parts the portal accepts as one JSON string; in batch commands that is far
# simpler (and smaller) than bracket-encoding the whole structure.
JSON_STRING_PARAMS = frozenset({"ATTACH", "KEYBOARD", "MENU"})

METHOD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*")


def is_read_only(method: str) -> bool:
    """True for methods that change nothing on the portal (safe to ask twice)."""
    return method.lower() in READ_ONLY_METHODS


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (where plain HTTP is acceptable)."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class BotInfo(TypedDict):
    """A bot as both APIs describe it, normalised."""

    id: int
    name: str
    code: str


def message_id_of(result: Any) -> int | None:
    """The message id in a send result: a bare int (v1) or ``{"id": …}`` (v2)."""
    if isinstance(result, Mapping):
        result = result.get("id")
    if isinstance(result, bool):
        return None
    if isinstance(result, int):
        return result
    if isinstance(result, str) and result.isdigit():
        return int(result)
    return None


# ---- batch command encoding ------------------------------------------------


def encode_query(params: Mapping[str, Any]) -> str:
    """``params`` as a PHP bracket-notation query (``a[b][0]=x&c=y``), percent-encoded.

    ATTACH, KEYBOARD and MENU (any case, at any depth) become one JSON string
    each; True/False become ``Y``/``N`` (the portal's flags); None and empty
    containers become an empty value.
    """
    pairs: list[str] = []
    for key, value in params.items():
        _encode_pairs(quote(str(key), safe=""), value, str(key), pairs)
    return "&".join(pairs)


def encode_command(method: str, params: Mapping[str, Any] | None = None) -> str:
    """One batch command string: ``method?query``."""
    query = encode_query(params or {})
    return f"{method}?{query}" if query else method


def _encode_pairs(name: str, value: Any, key: str, out: list[str]) -> None:
    if isinstance(value, Mapping | list | tuple) and key.upper() in JSON_STRING_PARAMS:
        value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, Mapping):
        if not value:
            out.append(f"{name}=")
        for sub, item in value.items():
            _encode_pairs(f"{name}[{quote(str(sub), safe='')}]", item, str(sub), out)
        return
    if isinstance(value, list | tuple):
        if not value:
            out.append(f"{name}=")
        for index, item in enumerate(value):
            _encode_pairs(f"{name}[{index}]", item, "", out)
        return
    out.append(f"{name}={quote(_scalar(value), safe='')}")


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    return str(value)


# ---- responses -----------------------------------------------------------------


def decode_envelope(
    status: int, raw: bytes, content_type: str = ""
) -> tuple[dict[str, Any] | None, str]:
    """The JSON object in a response body, or None and what was wrong with the body."""
    if not raw.strip():
        return None, f"empty body (HTTP {status})"
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        kind = content_type.split(";")[0].strip().lower()
        if raw.lstrip()[:1] == b"<" or "html" in kind:
            return None, f"an HTML page instead of JSON (HTTP {status})"
        return None, f"invalid or truncated JSON (HTTP {status})"
    if value == []:
        value = {}  # PHP's empty array
    if not isinstance(value, dict):
        return None, f"JSON that is not an object (HTTP {status})"
    return value, ""


def section(value: Any) -> dict[str, Any]:
    """A batch result section as a dict with string keys (``[]`` / lists handled)."""
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    return {}


def bot_info(
    item: Any,
    key: Any,
    id_keys: tuple[str, str],
    name_keys: tuple[str, str],
    code_keys: tuple[str, str],
) -> BotInfo | None:
    if not isinstance(item, Mapping):
        return None
    raw_id = next((item[k] for k in id_keys if item.get(k) is not None), key)
    try:
        bot_id = int(raw_id)
    except (TypeError, ValueError):
        return None
    name = next((str(item[k]) for k in name_keys if item.get(k)), "")
    code = next((str(item[k]) for k in code_keys if item.get(k)), "")
    return BotInfo(id=bot_id, name=name, code=code)


def user_names(users: Any) -> dict[int, str]:
    names: dict[int, str] = {}
    if not isinstance(users, list):
        return names
    for user in users:
        if not isinstance(user, Mapping):
            continue
        try:
            user_id = int(user.get("id") or user.get("ID"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        name = user.get("name") or " ".join(
            str(p) for p in (user.get("firstName"), user.get("lastName")) if p
        )
        if name:
            names[user_id] = str(name)
    return names


def secret_values(params: Any) -> list[str]:
    """Values of secret parameters anywhere in ``params``."""
    found: list[str] = []
    if isinstance(params, Mapping):
        for key, value in params.items():
            if str(key).upper() in SECRET_PARAMS and isinstance(value, str | int):
                found.append(str(value))
            else:
                found.extend(secret_values(value))
    elif isinstance(params, list | tuple):
        for item in params:
            found.extend(secret_values(item))
    return found


def check_method(method: str) -> None:
    if not isinstance(method, str) or not METHOD_NAME.fullmatch(method):
        raise UsageError(f"{method!r} is not a REST method name.")


def retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if 0 <= seconds < 3600 else None


def int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None
