"""URL rules of a profile: the inbound webhook, the OAuth portal and server; https unless loopback.

Reasons given in a ValueError never show a webhook code.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from b24notify.core.secrets import mask_webhook_url

DEFAULT_OAUTH_SERVER = "https://oauth.bitrix.info/oauth/token/"

WEBHOOK_PATH = re.compile(r"(?P<prefix>.*?)/rest/(?P<user>\d+)/(?P<code>[^/\s]+)(?P<rest>/.*)?")
#: What an inbound webhook URL looks like, for messages.
WEBHOOK_SHAPE = "https://example.bitrix24.com/rest/1/CODE/"


def is_loopback(host: str) -> bool:
    """True for ``localhost``, 127.0.0.0/8 and ``::1`` — the only hosts allowed over http."""
    import ipaddress

    host = host.lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_url(url: str, what: str, example: str) -> tuple[str, str]:
    """(scheme, netloc) of an http(s) URL, or ValueError; https unless loopback."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ValueError(f"is not a valid URL (expected something like {example})") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError(f"is not a valid URL (expected something like {example})")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not contain a user name or password")
    if parts.query or parts.fragment:
        raise ValueError("must not have a query (?…) or fragment (#…)")
    if parts.scheme != "https" and not is_loopback(host):
        raise ValueError(f"must use https (plain http is only allowed for loopback {what}s)")
    return parts.scheme, parts.netloc


def check_webhook(url: str) -> str:
    """The inbound webhook URL normalised (ending in ``/rest/<user>/<code>/``).

    Raises ValueError with a reason that never shows the webhook code.
    """
    url = url.strip()
    scheme, netloc = _check_url(url, "portal", WEBHOOK_SHAPE)
    match = WEBHOOK_PATH.fullmatch(urlsplit(url).path)
    if match is None:
        raise ValueError(
            f"must contain /rest/<user id>/<code>/, like {WEBHOOK_SHAPE} "
            "(copy it whole from the portal's inbound webhook page)"
        )
    base = f"{scheme}://{netloc}{match['prefix']}/rest/{match['user']}/{match['code']}/"
    rest = (match["rest"] or "/").strip("/")
    if rest:
        raise ValueError(
            f"ends with a method name ({rest!r}); keep only the part up to the code: "
            f"{mask_webhook_url(base)}"
        )
    return base


def check_portal(url: str) -> str:
    """An OAuth portal address (``https://example.bitrix24.com``) normalised to scheme + host."""
    url = url.strip()
    scheme, netloc = _check_url(url, "portal", "https://example.bitrix24.com")
    if urlsplit(url).path.rstrip("/") not in ("", "/rest"):
        raise ValueError("must be the portal address only, like https://example.bitrix24.com")
    return f"{scheme}://{netloc}"


def check_oauth_server(url: str) -> str:
    """The OAuth token server URL (stripped), or ValueError; https unless loopback."""
    url = url.strip()
    _check_url(url, "server", DEFAULT_OAUTH_SERVER)
    return url


def code_in_webhook(url: str | None) -> str | None:
    """The secret code in an inbound webhook URL, or None when there is none."""
    match = WEBHOOK_PATH.fullmatch(urlsplit(url).path) if url else None
    return match["code"] if match else None
