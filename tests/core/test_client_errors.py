"""Typed client errors: one hint for every portal code, masked addresses, no secrets."""

from __future__ import annotations

import pytest

from b24notify.core.api_errors import (
    HINTS,
    ApiError,
    AuthError,
    PortalMovedError,
    RateLimited,
    TransportError,
    UnknownOutcome,
    explain,
    mask_url,
    portal_host,
    scrub,
)
from b24notify.core.errors import B24NotifyError

GENERIC = "The portal reported an error."

# Every error code named in bitrix24-api.md (§1.3, §1.4, §2.3, §2.4, §3.6, §4,
# §6.2, §6.3, §7, §8.3) with a word its hint must contain.
DOC_CODES = [
    ("BOT_ID_ERROR", None, "bot list"),
    ("APP_ID_ERROR", None, "another application"),
    ("DIALOG_ID_EMPTY", None, "chat123"),
    ("MESSAGE_EMPTY", None, "text"),
    ("ATTACH_ERROR", None, "ATTACH"),
    ("ATTACH_OVERSIZE", None, "30 KB"),
    ("KEYBOARD_ERROR", None, "keyboard"),
    ("KEYBOARD_OVERSIZE", None, "30 KB"),
    ("MENU_ERROR", None, "menu"),
    ("menu_ERROR", None, "menu"),  # one server version's spelling
    ("MENU_OVERSIZE", None, "30 KB"),
    ("WRONG_REQUEST", None, "could not add"),
    ("MESSAGE_ID_ERROR", None, "No such message"),
    ("CANT_EDIT_MESSAGE", 403, "3 days"),
    ("WRONG_AUTH_TYPE", 403, "webhook or OAuth"),
    ("AUTHORIZE_ERROR", None, "credentials"),
    ("ACCESS_ERROR", None, "add it to the chat"),
    ("BOT_TOKEN_NOT_SPECIFIED", None, "botToken"),
    ("CLIENT_ID_NOT_SPECIFIED", None, "botToken"),
    ("BOT_ID_REQUIRED", None, "pick a bot"),
    ("BOT_NOT_FOUND", None, "bot list"),
    ("BOT_OWNERSHIP_ERROR", None, "another application"),
    ("EMPTY_MESSAGE", None, "add text or a card"),
    ("SENDING_FAILED", None, "could not send"),
    ("BOT_TOKEN_INVALID_LENGTH", None, "40 characters"),
    ("expired_token", 401, "expired"),
    ("invalid_token", 401, "sign in"),
    ("NO_AUTH_FOUND", 401, "credentials"),
    ("insufficient_scope", 403, "imbot scope"),
    ("INVALID_CREDENTIALS", 403, "rights"),
    ("user_access_error", 403, "restricted"),
    ("authorization_error", None, "credentials"),
    ("APPLICATION_NOT_FOUND", None, "install"),
    ("ERROR_OAUTH", None, "sign in"),
    ("NOT_INSTALLED", None, "install"),
    ("PAYMENT_REQUIRED", None, "renew"),
    ("METHOD_CONFIRM_WAITING", None, "not yet confirmed"),
    ("METHOD_CONFIRM_DENIED", None, "denied"),
    ("wrong_client", 200, "client id"),
    ("invalid_client", 401, "client id and secret"),
    ("invalid_scope", 400, "scope"),
    ("invalid_grant", 400, "authorise the application again"),
    ("QUERY_LIMIT_EXCEEDED", 503, "request limit"),
    ("OPERATION_TIME_LIMIT", 429, "execution budget"),
    ("OVERLOAD_LIMIT", 503, "support"),
    ("ERROR_BATCH_LENGTH_EXCEEDED", 400, "50 commands"),
    ("ERROR_BATCH_METHOD_NOT_ALLOWED", 405, "inside a batch"),
    ("INTERNAL_SERVER_ERROR", 500, "may or may not"),
    ("ERROR_UNEXPECTED_ANSWER", 500, "unexpected"),
    ("INVALID_REQUEST", 400, "HTTPS"),
    ("ERROR_MANIFEST_IS_NOT_AVAILABLE", 404, "manifest"),
    ("PORTAL_DELETED", 500, "deleted"),
    ("ERROR_METHOD_NOT_FOUND", 404, "API version"),
    ("ACCESS_DENIED", 403, "commercial plan"),
]


@pytest.mark.parametrize(("code", "status", "word"), DOC_CODES)
def test_every_documented_code_has_its_own_hint(code: str, status: int | None, word: str) -> None:
    hint = explain(code, status)
    assert word.lower() in hint.lower()
    assert hint != GENERIC
    assert hint.endswith(".")


@pytest.mark.parametrize(
    ("code", "kwargs", "word"),
    [
        # v2: ACCESS_DENIED on send means the bot is not in the chat.
        ("ACCESS_DENIED", {"method": "imbot.v2.Chat.Message.send"}, "not a member of this chat"),
        # v1 webhook call without CLIENT_ID.
        (
            "ACCESS_DENIED",
            {
                "method": "imbot.message.add",
                "description": "Access denied! Client ID not specified",
            },
            "CLIENT_ID",
        ),
        ("ACCESS_DENIED", {"method": "imbot.message.add"}, "commercial plan"),
        ("expired_token", {"context": ("oauth",)}, "sign in to the portal again"),
        ("expired_token", {"context": ("webhook",)}, "webhook has expired"),
        ("NO_AUTH_FOUND", {"context": ("webhook",)}, "webhook"),
        ("INVALID_REQUEST", {"context": ("token_server",)}, "client id and secret"),
        ("READ_TIMEOUT", {}, "may or may not"),
        ("READ_TIMEOUT", {"context": ("read_only",)}, "try again"),
    ],
)
def test_hints_depend_on_the_context(code: str, kwargs: dict[str, object], word: str) -> None:
    assert word in explain(code, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "word"),
    [
        (404, "Nothing answers"),
        (401, "credentials"),
        (502, "gateway"),
        (504, "portal timed out"),
        (599, "may or may not"),
        (418, "malformed"),
        (None, GENERIC),
    ],
)
def test_unknown_codes_fall_back_to_the_status(status: int | None, word: str) -> None:
    assert word in explain("SOMETHING_NEW", status)


def test_hint_table_keys_are_upper_case() -> None:
    assert all(code == code.upper() for code, _scope in HINTS)


def test_an_api_error_reads_as_one_sentence() -> None:
    err = ApiError(
        "ACCESS_DENIED",
        "Access denied!",
        http_status=403,
        method="imbot.v2.Chat.Message.send",
        portal="example.bitrix24.com",
    )
    assert str(err) == (
        "imbot.v2.Chat.Message.send on example.bitrix24.com: ACCESS_DENIED, HTTP 403: "
        "The bot is not a member of this chat: add it to the chat or pick another dialog."
    )
    assert err.detail == "The portal said: Access denied!"
    assert err.outcome == "failed"
    assert not err.delivered_maybe
    assert isinstance(err, B24NotifyError)
    assert err.exit_code == 1


@pytest.mark.parametrize(
    ("cls", "outcome", "retryable", "title"),
    [
        (ApiError, "failed", False, "The portal refused the request"),
        (UnknownOutcome, "unknown", False, "Delivery unknown"),
        (TransportError, "failed", False, "Portal unreachable"),
        (RateLimited, "failed", True, "Rate limited"),
        (AuthError, "failed", False, "Authorisation failed"),
        (PortalMovedError, "failed", False, "Portal moved"),
    ],
)
def test_error_kinds(cls: type[ApiError], outcome: str, retryable: bool, title: str) -> None:
    err = cls("X", http_status=500)
    assert (err.outcome, err.retryable, err.title) == (outcome, retryable, title)
    assert isinstance(err, ApiError)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "https://example.bitrix24.com/rest/1/abc123secret/imbot.message.add.json",
            "https://example.bitrix24.com/rest/1/***/imbot.message.add.json",
        ),
        (
            "https://example.bitrix24.com/rest/1/abc123secret/",
            "https://example.bitrix24.com/rest/1/***/",
        ),
        (
            "https://p.example/rest/imbot.message.add.json?auth=tok123",
            "https://p.example/rest/imbot.message.add.json",
        ),
        ("https://user:pw@p.example:8443/rest/9/code/", "https://p.example:8443/rest/9/***/"),
        ("http://127.0.0.1:5000/rest/1/sandbox/", "http://127.0.0.1:5000/rest/1/***/"),
    ],
)
def test_urls_are_masked(url: str, shown: str) -> None:
    assert mask_url(url) == shown


def test_portal_host_is_host_and_port_only() -> None:
    assert portal_host("https://user:pw@p.example:8443/rest/1/code/") == "p.example:8443"
    assert portal_host("https://example.bitrix24.com/rest/1/code/") == "example.bitrix24.com"


def test_scrub_replaces_every_secret_longest_first() -> None:
    text = "token abcdef and abc and abcdefgh"
    assert scrub(text, ["abc", "abcdefgh", None, ""]) == "token ***def and *** and ***"
    assert scrub("ab", ["ab"]) == "ab"  # too short to mask without mangling text
