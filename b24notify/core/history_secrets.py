"""Secret removal for the history: masks for secret keys, webhook codes in text, portal hosts.

Callers already pass masked params; everything is scrubbed again on the way
into the history, so no secret reaches the file even when a caller forgets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# Keys whose values are secrets, compared with case, "_" and "-" ignored, so
# CLIENT_ID, client_id, clientId and botToken / bot_token are all caught. The
# placeholders match the ones the request preview and code export show.
SECRET_MASKS = {
    "clientid": "<client-id>",
    "bottoken": "<bot-token>",
    "auth": "<access-token>",
    "accesstoken": "<access-token>",
    "refreshtoken": "<refresh-token>",
    "clientsecret": "<client-secret>",
}
# The code in an inbound webhook URL is a password: https://portal/rest/1/<code>/
_WEBHOOK_CODE = re.compile(r"(/rest/\d+/)([^/\s?#\"'<>]+)")


def _normal_key(key: object) -> str:
    return str(key).lower().replace("_", "").replace("-", "")


def scrub_text(text: str) -> str:
    """``text`` with the code of any webhook URL in it replaced by ``<webhook-code>``."""
    return _WEBHOOK_CODE.sub(r"\1<webhook-code>", text)


def scrub(value: Any) -> Any:
    """A copy of ``value`` with every secret removed, at any depth.

    Values under secret keys (CLIENT_ID, botToken, auth, client_secret,
    access_token, refresh_token; any case) become a placeholder such as
    ``<client-id>``; webhook codes inside strings become ``<webhook-code>``.
    """
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            mask = SECRET_MASKS.get(_normal_key(key))
            out[str(key)] = mask if mask is not None and item not in (None, "") else scrub(item)
        return out
    if isinstance(value, list | tuple | set | frozenset):
        return [scrub(item) for item in value]
    if isinstance(value, str):
        return scrub_text(value)
    return value


def portal_host(portal: str) -> str:
    """The host (and port) of a portal given as a host or a URL; empty when unreadable."""
    # Only the host (and port) is kept: a full webhook URL carries its code.
    text = portal.strip()
    if "://" not in text and "/" not in text:
        return text.rpartition("@")[2]
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(text if "://" in text else f"//{text}")
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return ""
    return f"{host}:{port}" if port else host
