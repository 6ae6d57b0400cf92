"""Dialog lookups: Service.lookup_dialog against the sandbox over loopback HTTP, and the rules."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b24notify.core.api_errors import (
    ApiError,
    AuthError,
    RateLimited,
    TransportError,
    UnknownOutcome,
)
from b24notify.core.config import Config, Profile
from b24notify.core.dialogs import (
    MISSING_TEXT,
    NAME_LIMIT,
    DialogInfo,
    classify,
    clean_name,
    dialog_info,
    profile_key,
    well_formed,
)
from b24notify.core.history import History
from b24notify.core.service import Service
from b24notify.sandbox.config import SandboxBot, SandboxConfig
from b24notify.sandbox.runner import RunningSandbox, start_sandbox

CODE = "w3bh00k-c0de-s3cr3t"
CLIENT_ID = "cl13nt-1d-s3cr3t"
BOT_TOKEN = "b0t-t0k3n-s3cr3t"


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    bot = SandboxBot(7, "Support Bot", "support_bot", client_id=CLIENT_ID, bot_token=BOT_TOKEN)
    config = SandboxConfig(webhook_code=CODE, bots=[bot], drain=50.0, burst=50)
    with start_sandbox(config) as running:
        yield running


def profile_for(sandbox: RunningSandbox, name: str = "sb", **extra: Any) -> Profile:
    values: dict[str, Any] = {
        "webhook": sandbox.webhook_url,
        "bot_id": 7,
        "client_id": CLIENT_ID,
        "bot_token": BOT_TOKEN,
        "sandbox": True,
        # A failing read is retried with backoff; one retry keeps the error tests quick.
        "max_retries": 1,
    }
    values.update(extra)
    return Profile(name=name, **values)


@pytest.fixture
async def service(sandbox: RunningSandbox, tmp_path: Path) -> AsyncIterator[Service]:
    main = profile_for(sandbox)
    other = profile_for(sandbox, "other", api="v2")
    wrong = profile_for(sandbox, "wrong", webhook=sandbox.webhook_url.replace(CODE, "n0pe-c0de"))
    config = Config(profiles={p.name: p for p in (main, other, wrong)}, default_profile=main.name)
    svc = Service(config, history=History(tmp_path / "history.sqlite3"))
    yield svc
    await svc.aclose()
    svc.history.close()


async def lookups(sandbox: RunningSandbox) -> int:
    """How many imbot.dialog.get requests reached the portal."""
    async with httpx.AsyncClient() as http:
        data = (await http.get(f"{sandbox.base_url}/sandbox/stats")).json()
    return int(data["by_method"].get("imbot.dialog.get", 0))


async def requests(sandbox: RunningSandbox) -> int:
    async with httpx.AsyncClient() as http:
        return int((await http.get(f"{sandbox.base_url}/sandbox/stats")).json()["requests"])


async def set_faults(sandbox: RunningSandbox, **rates: float) -> None:
    async with httpx.AsyncClient() as http:
        r = await http.post(f"{sandbox.base_url}/sandbox/faults", json=rates)
        r.raise_for_status()


# ---- against the portal ---------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "dialog_id", "name", "kind", "line"),
    [
        ("chat42", "chat42", "Sandbox chat 42", "chat", "chat42 · Sandbox chat 42 (chat)"),
        ("42", "42", "Sandbox user 42", "private", "42 · Sandbox user 42 (user)"),
        ("  CHAT7 ", "chat7", "Sandbox chat 7", "chat", "chat7 · Sandbox chat 7 (chat)"),
    ],
)
async def test_a_known_dialog_gives_its_name_and_type(
    service: Service, typed: str, dialog_id: str, name: str, kind: str, line: str
) -> None:
    info = await service.lookup_dialog(typed)
    assert info == DialogInfo(dialog_id, found=True, name=name, kind=kind)
    assert info.describe() == line


async def test_a_dialog_the_portal_says_is_no_dialog_is_missing(service: Service) -> None:
    # The portal answers DIALOG_ID_EMPTY: "0" is no dialog (a send to it fails the same way).
    info = await service.lookup_dialog("0")
    assert info is not None
    assert info.found is False
    assert info.describe() == MISSING_TEXT == "no such dialog on the portal"


async def test_the_cache_spares_a_second_request(service: Service, sandbox: RunningSandbox) -> None:
    first = await service.lookup_dialog("chat42")
    assert await lookups(sandbox) == 1
    # The same dialog however it is typed, and a missing one asked twice.
    assert await service.lookup_dialog("CHAT42 ") == first
    assert await service.lookup_dialog("0") == await service.lookup_dialog("0")
    assert await lookups(sandbox) == 2


async def test_lookups_at_once_share_one_request(service: Service, sandbox: RunningSandbox) -> None:
    answers = await asyncio.gather(*(service.lookup_dialog("chat9") for _ in range(5)))
    assert {a.name if a else None for a in answers} == {"Sandbox chat 9"}
    assert await lookups(sandbox) == 1


async def test_a_cancelled_lookup_still_fills_the_cache(
    service: Service, sandbox: RunningSandbox
) -> None:
    await set_faults(sandbox, latency=0.3)
    task = asyncio.ensure_future(service.lookup_dialog("chat5"))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await set_faults(sandbox, latency=0.0)
    assert (await service.lookup_dialog("chat5")) == DialogInfo(
        "chat5", name="Sandbox chat 5", kind="chat"
    )
    assert await lookups(sandbox) == 1


async def test_each_profile_has_its_own_cache(service: Service, sandbox: RunningSandbox) -> None:
    await service.lookup_dialog("chat42")
    await service.lookup_dialog("chat42", profile=service.profile("other"))
    assert await lookups(sandbox) == 2


async def test_a_portal_error_gives_no_name_and_is_asked_again(
    service: Service, sandbox: RunningSandbox
) -> None:
    await set_faults(sandbox, error_500=1.0)
    assert await service.lookup_dialog("chat42") is None
    failed = await lookups(sandbox)
    assert failed == 2  # a read: the first try and the one retry the profile allows
    await set_faults(sandbox, error_500=0.0)
    info = await service.lookup_dialog("chat42")
    assert info is not None and info.name == "Sandbox chat 42"
    assert await lookups(sandbox) == failed + 1


async def test_a_refused_sign_in_gives_no_name_and_stops_asking(
    service: Service, sandbox: RunningSandbox
) -> None:
    wrong = service.profile("wrong")
    assert await service.lookup_dialog("chat42", profile=wrong) is None
    before = await requests(sandbox)
    assert before >= 1
    assert await service.lookup_dialog("chat43", profile=wrong) is None
    assert await requests(sandbox) == before
    # The working profile is not affected.
    assert await service.lookup_dialog("chat42") is not None


async def test_a_lookup_sends_nothing_and_records_nothing(
    service: Service, sandbox: RunningSandbox
) -> None:
    await service.lookup_dialog("chat42")
    async with httpx.AsyncClient() as http:
        assert (await http.get(f"{sandbox.base_url}/sandbox/messages")).json() == []
    assert list(service.search_history()) == []


async def test_an_unknown_profile_is_a_config_error(service: Service) -> None:
    from b24notify.core.errors import ConfigError

    with pytest.raises(ConfigError):
        await service.lookup_dialog("chat42", profile=service.profile("nope"))


# ---- the rules -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("err", "verdict"),
    [
        (ApiError("DIALOG_ID_EMPTY", http_status=400), "missing"),
        (ApiError("dialog_not_found", http_status=400), "missing"),
        (ApiError("USER_NOT_EXISTS", http_status=400), "missing"),
        # A real portal says ACCESS_ERROR for a missing chat and for a hidden one alike.
        (ApiError("ACCESS_ERROR", http_status=403), "hidden"),
        (ApiError("ACCESS_ERROR", http_status=400), "hidden"),
        (ApiError("SOMETHING_ELSE", http_status=400), "hidden"),
        (ApiError("ERROR_METHOD_NOT_FOUND", http_status=404), "unavailable"),
        (ApiError("insufficient_scope", http_status=403), "unavailable"),
        (ApiError("WRONG_AUTH_TYPE", http_status=403), "unavailable"),
        (ApiError("ACCESS_DENIED", http_status=403), "unavailable"),
        (AuthError("HTTP_401", http_status=401), "unavailable"),
        (ApiError("INTERNAL_SERVER_ERROR", http_status=500), "transient"),
        (ApiError("HTTP_502", http_status=502), "transient"),
        (RateLimited("QUERY_LIMIT_EXCEEDED", http_status=503), "transient"),
        (ApiError("OPERATION_TIME_LIMIT", http_status=429), "transient"),
        (TransportError("CONNECT_ERROR"), "transient"),
        (UnknownOutcome("READ_TIMEOUT"), "transient"),
    ],
)
def test_what_a_failed_lookup_means(err: ApiError, verdict: str) -> None:
    assert classify(err) == verdict


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (
            {"id": 5, "name": "Support", "type": "chat"},
            DialogInfo("chat5", True, "Support", "chat"),
        ),
        # The documented answer names it "title".
        (
            {"id": "5", "title": "Mint chat", "type": "open"},
            DialogInfo("chat5", True, "Mint chat", "open"),
        ),
        ({"id": 5, "name": "", "title": "Fallback"}, DialogInfo("chat5", True, "Fallback", "")),
        (
            {"id": 5, "name": "Line\nbreak\x1b[31m red"},
            DialogInfo("chat5", True, "Line break [31m red", ""),
        ),
        ({"id": 5, "name": None, "type": "lines"}, DialogInfo("chat5", True, "", "lines")),
        ({"id": 5, "name": True}, DialogInfo("chat5", True, "", "")),
        ({}, None),
        ([], None),
        (None, None),
        (True, None),
        ("chat5", None),
    ],
)
def test_reading_the_portal_answer(result: Any, expected: DialogInfo | None) -> None:
    assert dialog_info("CHAT5", result) == expected


@pytest.mark.parametrize(
    ("info", "line"),
    [
        (DialogInfo("chat42", name="Support team", kind="chat"), "chat42 · Support team (chat)"),
        (DialogInfo("42", name="Ann Lee", kind="private"), "42 · Ann Lee (user)"),
        (DialogInfo("chat3", name="Leads", kind="lines"), "chat3 · Leads (open line)"),
        (DialogInfo("chat3", name="Odd", kind="futureType"), "chat3 · Odd (futureType)"),
        (DialogInfo("chat3"), "chat3 (chat)"),
        (DialogInfo("17"), "17 (user)"),
        (DialogInfo("chat3", found=False, name="ignored"), MISSING_TEXT),
    ],
)
def test_the_line_the_ui_shows(info: DialogInfo, line: str) -> None:
    assert info.describe() == line


@pytest.mark.parametrize(
    ("typed", "ok"),
    [
        ("42", True),
        ("chat42", True),
        (" Chat42 ", True),
        ("sg7", True),
        ("crm12", True),
        ("0", True),
        ("chat0", True),
        ("", False),
        ("chat", False),
        ("chat-1", False),
        ("4 2", False),
        ("user42", False),
    ],
)
def test_which_ids_are_worth_asking_about(typed: str, ok: bool) -> None:
    assert well_formed(typed) is ok


def portal_profile(code: str = CODE) -> Profile:
    """A profile that is never dialled (the rules need its secrets and address only)."""
    return Profile(
        name="sb", webhook=f"https://example.bitrix24.com/rest/1/{code}/", client_id=CLIENT_ID
    )


def test_names_lose_the_profile_secrets() -> None:
    profile = portal_profile()
    name = clean_name(f"Chat of {CLIENT_ID} and {CODE}", profile.secrets())
    assert CLIENT_ID not in name and CODE not in name
    assert name == "Chat of *** and ***"


def test_the_cache_key_keeps_no_webhook_code() -> None:
    key = profile_key(portal_profile())
    assert CODE not in repr(key)
    assert profile_key(portal_profile("other-code")) != key
    assert profile_key(portal_profile()) == key


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_a_name_always_fits_one_clean_line(text: str) -> None:
    name = clean_name(text)
    assert len(name) <= NAME_LIMIT
    assert name == name.strip()
    assert not any(ch in name for ch in "\n\r\t\x1b\x00\x7f\u2028\u2029")
    assert "  " not in name
    line = DialogInfo("chat1", name=name, kind="chat").describe()
    assert "\n" not in line and "\x1b" not in line
