"""Typed errors of the Bitrix24 client and the one table that explains each portal code.

Every failure of a call is an :class:`ApiError` with the portal's ``code``, its
``description``, the HTTP status, a human ``hint`` (what to do) and an
``outcome``: ``"failed"`` when the portal refused the request (safe to say the
message was not delivered) or ``"unknown"`` when it may or may not have been
delivered. Messages name the method and the portal host only; webhook codes
and tokens never appear (see :func:`mask_url` and :func:`scrub`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal
from urllib.parse import urlsplit

from b24notify.core.errors import B24NotifyError

Outcome = Literal["failed", "unknown"]

# Codes the client itself gives to failures that have no portal code.
CONNECT_ERROR = "CONNECT_ERROR"
CONNECT_TIMEOUT = "CONNECT_TIMEOUT"
POOL_TIMEOUT = "POOL_TIMEOUT"
READ_TIMEOUT = "READ_TIMEOUT"
WRITE_TIMEOUT = "WRITE_TIMEOUT"
CONNECTION_LOST = "CONNECTION_LOST"
TRANSPORT_ERROR = "TRANSPORT_ERROR"
INVALID_RESPONSE = "INVALID_RESPONSE"
PORTAL_MOVED = "PORTAL_MOVED"
INSECURE_REDIRECT = "INSECURE_REDIRECT"
TOKEN_REFRESH_FAILED = "TOKEN_REFRESH_FAILED"

# (CODE, scope) → what to do. CODE is upper-cased (the portal mixes cases);
# scope narrows a code that means different things: "client_id" (the
# description mentions the missing CLIENT_ID), "token_server" (the OAuth
# server answered a refresh), "read_only" (the method changes nothing, so a
# lost answer is harmless), "webhook" / "oauth" (how the profile signs in),
# "v1" / "v2" (the method's API). None = any.
HINTS: dict[tuple[str, str | None], str] = {
    # imbot.message.* (v1)
    ("BOT_ID_ERROR", None): "The bot was not found: pick a bot from the bot list of this portal.",
    ("APP_ID_ERROR", None): (
        "The bot belongs to another application: check the profile's CLIENT_ID "
        "or pick a bot this webhook registered."
    ),
    ("DIALOG_ID_EMPTY", None): (
        'The dialog is missing or malformed: use a user id such as "42" '
        'or a chat such as "chat123".'
    ),
    ("MESSAGE_EMPTY", None): "The message text is empty: v1 needs text even when there is a card.",
    ("ATTACH_ERROR", None): (
        "The portal rejected the ATTACH card (bad structure, or every block was dropped): "
        "check the Problems tab."
    ),
    ("ATTACH_OVERSIZE", None): "The ATTACH card is too large: keep it under 30 KB.",
    ("KEYBOARD_ERROR", None): (
        "The portal rejected the keyboard (bad structure, or no button with text and one action)."
    ),
    ("KEYBOARD_OVERSIZE", None): "The keyboard is too large: keep it under 30 KB.",
    ("MENU_ERROR", None): "The portal rejected the menu: each item needs text and one action.",
    ("MENU_OVERSIZE", None): "The menu is too large: keep it under 30 KB.",
    ("WRONG_REQUEST", None): "The portal could not add the message: try again later.",
    ("MESSAGE_ID_ERROR", None): "No such message: it may have been deleted already.",
    ("CANT_EDIT_MESSAGE", None): (
        "The message can no longer be changed: edits are blocked after 3 days "
        "or when the bot has no access to it."
    ),
    ("AUTHORIZE_ERROR", None): "The request was not authorised: check the profile's credentials.",
    ("ACCESS_ERROR", None): "The bot has no access to this chat: add it to the chat first.",
    ("ACCESS_DENIED", "client_id"): (
        "The webhook call has no CLIENT_ID: set the bot's CLIENT_ID in the profile."
    ),
    ("ACCESS_DENIED", "v2"): (
        "The bot is not a member of this chat: add it to the chat or pick another dialog."
    ),
    ("ACCESS_DENIED", None): (
        "Access denied: the REST API needs a commercial plan and a user with rights "
        "for this action."
    ),
    # imbot.v2.*
    ("BOT_TOKEN_NOT_SPECIFIED", None): (
        "The webhook call has no botToken: set the bot's token in the profile."
    ),
    ("CLIENT_ID_NOT_SPECIFIED", None): (
        "The webhook call has no bot secret: set the bot's botToken (v2) or CLIENT_ID (v1) "
        "in the profile."
    ),
    ("BOT_ID_REQUIRED", None): "No bot was given: pick a bot for this profile or message.",
    ("BOT_NOT_FOUND", None): "The bot was not found: pick a bot from the bot list of this portal.",
    ("BOT_OWNERSHIP_ERROR", None): (
        "The bot belongs to another application: check the botToken or pick another bot."
    ),
    ("EMPTY_MESSAGE", None): "The message is empty: add text or a card.",
    ("SENDING_FAILED", None): "The portal could not send the message: try again later.",
    ("BOT_TOKEN_INVALID_LENGTH", None): "The bot token is too long: use at most 40 characters.",
    # Authorisation of method calls
    ("EXPIRED_TOKEN", "oauth"): (
        "The access token expired and could not be renewed: sign in to the portal again."
    ),
    ("EXPIRED_TOKEN", None): (
        "The webhook has expired: create a new one on the portal and update the profile."
    ),
    ("INVALID_TOKEN", None): (
        "The portal does not accept the access token: sign in to the portal again."
    ),
    ("NO_AUTH_FOUND", "webhook"): (
        "The portal does not know this webhook: check the webhook URL and that the webhook "
        "still exists."
    ),
    ("NO_AUTH_FOUND", None): "Wrong authorisation data: check the profile's credentials.",
    ("INSUFFICIENT_SCOPE", None): (
        "The webhook or application lacks the imbot scope: add it on the portal."
    ),
    ("INVALID_CREDENTIALS", None): (
        "The webhook's user lacks the rights for this action: use an administrator's webhook."
    ),
    ("USER_ACCESS_ERROR", None): (
        "The portal administrator restricted the application to other users."
    ),
    ("WRONG_AUTH_TYPE", None): "This method needs a webhook or OAuth, not a browser session.",
    ("AUTHORIZATION_ERROR", None): "The portal refused the credentials: check the profile.",
    ("APPLICATION_NOT_FOUND", None): (
        "The application is not known to the portal: install it again or check the client id."
    ),
    ("ERROR_OAUTH", None): "The portal's OAuth check failed: sign in to the portal again.",
    ("NOT_INSTALLED", None): "The application is not installed on this portal: install it.",
    ("PAYMENT_REQUIRED", None): (
        "The application's trial or paid period has ended: renew it in the Bitrix24 Market."
    ),
    ("METHOD_CONFIRM_WAITING", None): (
        "The portal administrator has not yet confirmed this method for the application."
    ),
    ("METHOD_CONFIRM_DENIED", None): (
        "The portal administrator denied this method to the application."
    ),
    ("WRONG_CLIENT", None): "The portal refused the application's client id: check the profile.",
    # OAuth authorisation server (token refresh)
    ("INVALID_REQUEST", "token_server"): (
        "The token server rejected the refresh request: check the client id and secret."
    ),
    ("INVALID_CLIENT", None): (
        "The token server does not know this client id and secret, or the application "
        "is not installed: check the profile."
    ),
    (
        "INVALID_SCOPE",
        None,
    ): "The application lacks the scope it asks for: add imbot on the portal.",
    ("INVALID_GRANT", None): (
        "The refresh token is no longer valid: authorise the application again for this profile."
    ),
    # System-wide
    ("QUERY_LIMIT_EXCEEDED", None): (
        "The portal's request limit was hit repeatedly (another application may share it): "
        "wait a minute and try again."
    ),
    ("OPERATION_TIME_LIMIT", None): (
        "This method used up its 10-minute execution budget on the portal: "
        "wait until it resets and try again."
    ),
    ("OVERLOAD_LIMIT", None): (
        "Bitrix24 blocked REST calls to this portal because of overload: contact Bitrix24 "
        "support; do not retry in a loop."
    ),
    ("ERROR_BATCH_LENGTH_EXCEEDED", None): "A batch may hold at most 50 commands.",
    ("ERROR_BATCH_METHOD_NOT_ALLOWED", None): "This method cannot run inside a batch.",
    ("INTERNAL_SERVER_ERROR", None): (
        "The portal had an internal error: the message may or may not have been delivered; "
        "check the chat before sending it again."
    ),
    ("ERROR_UNEXPECTED_ANSWER", None): (
        "The portal returned an unexpected answer: check the chat before sending again."
    ),
    ("INVALID_REQUEST", None): "The portal requires HTTPS: use an https:// address in the profile.",
    ("ERROR_MANIFEST_IS_NOT_AVAILABLE", None): "The requested manifest is not available.",
    ("PORTAL_DELETED", None): "The portal was deleted or its public part closed.",
    ("ERROR_METHOD_NOT_FOUND", None): (
        "The portal does not know this method: check the API version (v1/v2) of the profile "
        "and the webhook URL (it needs /rest/USER_ID/CODE/)."
    ),
    # Failures seen by the client itself
    (CONNECT_ERROR, None): (
        "Could not connect to the portal: check the address and the network. Nothing was sent."
    ),
    (CONNECT_TIMEOUT, None): (
        "Connecting to the portal timed out: check the address and the network. Nothing was sent."
    ),
    (POOL_TIMEOUT, None): "Too many requests were waiting for a connection. Nothing was sent.",
    (READ_TIMEOUT, None): (
        "The portal did not answer in time after the request was sent: the message may or may "
        "not have been delivered; check the chat before sending it again."
    ),
    (WRITE_TIMEOUT, None): (
        "Sending the request timed out part-way: the message may or may not have been "
        "delivered; check the chat before sending it again."
    ),
    (CONNECTION_LOST, None): (
        "The connection was lost after the request was sent: the message may or may not have "
        "been delivered; check the chat before sending it again."
    ),
    (TRANSPORT_ERROR, None): (
        "The request failed in transit: the message may or may not have been delivered; "
        "check the chat before sending it again."
    ),
    (INVALID_RESPONSE, None): (
        "The portal's answer could not be read: the message may or may not have been "
        "delivered; check the chat before sending it again."
    ),
    (PORTAL_MOVED, None): (
        "The portal moved more than once or gave no new address: check its address and update "
        "the profile."
    ),
    (INSECURE_REDIRECT, None): (
        "The portal redirected to an address that is not HTTPS; nothing was sent there: "
        "check the portal's address and update the profile."
    ),
    # Read-only methods: nothing can have been delivered twice.
    (READ_TIMEOUT, "read_only"): "The portal did not answer in time: try again.",
    (WRITE_TIMEOUT, "read_only"): "Sending the request timed out: try again.",
    (CONNECTION_LOST, "read_only"): "The connection to the portal was lost: try again.",
    (TRANSPORT_ERROR, "read_only"): "The request failed in transit: try again.",
    (INVALID_RESPONSE, "read_only"): "The portal's answer could not be read: try again later.",
    ("INTERNAL_SERVER_ERROR", "read_only"): "The portal had an internal error: try again later.",
    ("ERROR_UNEXPECTED_ANSWER", "read_only"): (
        "The portal returned an unexpected answer: try again later."
    ),
    (TOKEN_REFRESH_FAILED, None): (
        "The access token could not be renewed: try again; if it keeps failing, authorise "
        "the application again."
    ),
}

# Fallbacks by HTTP status when the code is unknown (or there is none).
STATUS_HINTS: dict[int, str] = {
    400: "The portal rejected the request as malformed.",
    401: "The portal did not accept the credentials: check the profile.",
    403: "The portal denied access: check the webhook's rights and scopes.",
    404: "Nothing answers at this address: check the portal URL in the profile.",
    405: "The portal does not allow this request.",
    408: "The portal gave up waiting for the request. Nothing was processed.",
    413: "The request is too large for the portal.",
    429: "The portal asks to slow down: wait a minute and try again.",
    500: (
        "The portal failed while handling the request: the message may or may not have been "
        "delivered; check the chat before sending it again."
    ),
    502: (
        "A gateway in front of the portal failed: the message may or may not have been "
        "delivered; check the chat before sending it again."
    ),
    503: "The portal is unavailable: try again later.",
    504: (
        "A gateway in front of the portal timed out: the message may or may not have been "
        "delivered; check the chat before sending it again."
    ),
}


def explain(
    code: str,
    http_status: int | None = None,
    *,
    description: str = "",
    method: str | None = None,
    context: Iterable[str] = (),
) -> str:
    """The human hint for a portal error: what it means and what to do.

    ``context`` names scopes that apply (``"read_only"``, ``"webhook"``,
    ``"oauth"``, ``"token_server"``); the most specific hint wins.
    """
    key = code.upper()
    scopes: list[str | None] = []
    if key == "ACCESS_DENIED" and "CLIENT ID" in description.upper().replace("_", " "):
        scopes.append("client_id")
    scopes.extend(context)
    if method:
        scopes.append("v2" if method.lower().startswith("imbot.v2.") else "v1")
    scopes.append(None)
    for scope in scopes:
        hint = HINTS.get((key, scope))
        if hint:
            return hint
    if http_status is not None:
        if http_status in STATUS_HINTS:
            return STATUS_HINTS[http_status]
        if 500 <= http_status < 600:
            return STATUS_HINTS[500]
        if 400 <= http_status < 500:
            return STATUS_HINTS[400]
    return "The portal reported an error."


class ApiError(B24NotifyError):
    """A call to the portal failed; ``outcome`` says whether the message may have been delivered.

    ``retryable`` is True when the refusal was about limits (the same request
    may be sent again later, e.g. a batch command hit ``OPERATION_TIME_LIMIT``);
    ``retry_at`` is the unix time from which that makes sense, when known.
    """

    title = "The portal refused the request"
    exit_code = 1
    default_outcome: Outcome = "failed"
    default_retryable = False

    def __init__(
        self,
        code: str,
        description: str = "",
        *,
        http_status: int | None = None,
        hint: str | None = None,
        outcome: Outcome | None = None,
        method: str | None = None,
        portal: str | None = None,
        attempts: int = 1,
        retryable: bool | None = None,
        retry_at: float | None = None,
    ) -> None:
        self.code = code
        self.description = description
        self.http_status = http_status
        self.hint = hint or explain(code, http_status, description=description, method=method)
        self.outcome: Outcome = outcome or self.default_outcome
        self.method = method
        self.portal = portal
        self.attempts = attempts
        self.retryable = self.default_retryable if retryable is None else retryable
        self.retry_at = retry_at
        where = method or "request"
        if portal:
            where += f" on {portal}"
        status = f", HTTP {http_status}" if http_status else ""
        message = f"{where}: {code}{status}: {self.hint}"
        detail = f"The portal said: {description}" if description else None
        super().__init__(message, detail=detail)

    @property
    def delivered_maybe(self) -> bool:
        """True when the message may have reached the chat (never resend it automatically)."""
        return self.outcome == "unknown"


class UnknownOutcome(ApiError):
    """The request may have been processed: no answer, a lost connection or an unreadable one."""

    title = "Delivery unknown"
    default_outcome: Outcome = "unknown"


class TransportError(ApiError):
    """The portal could not be reached at all; nothing was sent."""

    title = "Portal unreachable"


class RateLimited(ApiError):
    """The portal kept refusing because of its limits; the request was not processed."""

    title = "Rate limited"
    default_retryable = True


class AuthError(ApiError):
    """The portal (or the OAuth server) did not accept the credentials."""

    title = "Authorisation failed"


class PortalMovedError(ApiError):
    """The portal redirected again after the one re-POST, or to an unsafe address."""

    title = "Portal moved"


_WEBHOOK_PATH = re.compile(r"(/rest/[^/]+/)([^/?#]+)")


def mask_url(url: str) -> str:
    """The URL with its webhook code replaced by ``***`` and without query or credentials."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "***"
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    path = _WEBHOOK_PATH.sub(r"\1***", parts.path)
    origin = f"{parts.scheme}://{host}" if parts.scheme else host
    return origin + path


def portal_host(url: str) -> str:
    """The host (and port) of a portal URL, safe to show."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "the portal"
    host = parts.hostname or "the portal"
    return f"{host}:{parts.port}" if parts.port else host


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every known secret value replaced by ``***``."""
    for secret in sorted({s for s in secrets if s and len(s) >= 3}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text
