"""The use cases end to end: Service against the sandbox over loopback HTTP, real SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from b24notify.core.config import Config, Profile
from b24notify.core.errors import FieldErrors, UsageError, ValidationFailed
from b24notify.core.history import History
from b24notify.core.models import Draft, SendOptions
from b24notify.core.service import Service
from b24notify.sandbox.config import SandboxBot, SandboxConfig
from b24notify.sandbox.runner import RunningSandbox, start_sandbox

CODE = "w3bh00k-c0de-s3cr3t"
CLIENT_ID = "cl13nt-1d-s3cr3t"
BOT_TOKEN = "b0t-t0k3n-s3cr3t"
SECRETS = (CODE, CLIENT_ID, BOT_TOKEN)


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    bot = SandboxBot(7, "Support Bot", "support_bot", client_id=CLIENT_ID, bot_token=BOT_TOKEN)
    config = SandboxConfig(webhook_code=CODE, bots=[bot], drain=50.0, burst=50)
    with start_sandbox(config) as running:
        yield running


def profile_for(sandbox: RunningSandbox, api: str = "v1", **extra: Any) -> Profile:
    return Profile(
        name=f"sb-{api}",
        webhook=sandbox.webhook_url,
        api=api,  # type: ignore[arg-type]
        bot_id=7,
        client_id=CLIENT_ID,
        bot_token=BOT_TOKEN,
        sandbox=True,
        **extra,
    )


@pytest.fixture
async def service(sandbox: RunningSandbox, tmp_path: Path) -> AsyncIterator[Service]:
    v1, v2 = profile_for(sandbox, "v1"), profile_for(sandbox, "v2")
    config = Config(profiles={v1.name: v1, v2.name: v2}, default_profile=v1.name)
    svc = Service(config, history=History(tmp_path / "history.sqlite3"))
    yield svc
    await svc.aclose()
    svc.history.close()


async def inbox(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    async with httpx.AsyncClient() as http:
        data: list[dict[str, Any]] = (await http.get(f"{sandbox.base_url}/sandbox/messages")).json()
        return data


async def stats(sandbox: RunningSandbox) -> dict[str, Any]:
    async with httpx.AsyncClient() as http:
        data: dict[str, Any] = (await http.get(f"{sandbox.base_url}/sandbox/stats")).json()
        return data


async def queue_faults(sandbox: RunningSandbox, *kinds: str) -> None:
    async with httpx.AsyncClient() as http:
        r = await http.post(f"{sandbox.base_url}/sandbox/faults", json={"next": list(kinds)})
        r.raise_for_status()


def incident(service: Service, dialog: str = "chat42") -> Draft:
    draft = service.draft_for("incident/opened", samples=True)
    draft.options.dialog_id = dialog
    return draft


def assert_no_secret(blob: str | bytes) -> None:
    for secret in SECRETS:
        needle = secret.encode() if isinstance(blob, bytes) else secret
        assert needle not in blob, f"secret {secret!r} leaked"


@pytest.mark.parametrize("api", ["v1", "v2"])
async def test_send_lands_once_and_is_recorded_sent(
    service: Service, sandbox: RunningSandbox, api: str
) -> None:
    profile = service.profile(f"sb-{api}")
    outcome = await service.send(incident(service), profile=profile)
    assert outcome.status == "sent", outcome.describe()
    assert outcome.message_id is not None

    messages = await inbox(sandbox)
    assert len(messages) == 1
    stored = messages[0]
    assert stored["id"] == outcome.message_id
    assert str(stored["dialog_id"]) == "chat42"
    text = stored["fields"].get("MESSAGE") or stored["fields"].get("message")
    assert "INC-1042" in text

    assert outcome.history_id is not None
    record = service.history.get(outcome.history_id)
    assert record is not None
    assert record.status == "sent"
    assert record.message_id == outcome.message_id
    assert record.template == "incident/opened"
    assert record.api == api
    assert "INC-1042" in (record.message_text or "")


async def test_history_and_outcome_hold_no_secret(
    service: Service, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    for api in ("v1", "v2"):
        await service.send(incident(service), profile=service.profile(f"sb-{api}"))
    await queue_faults(sandbox, "error_500")
    failed = await service.send(incident(service))
    assert failed.status == "unknown"
    assert_no_secret(failed.describe())
    service.history.close()
    for file in tmp_path.glob("history.sqlite3*"):
        assert_no_secret(file.read_bytes())


async def test_lost_answer_is_unknown_and_never_resent(
    service: Service, sandbox: RunningSandbox
) -> None:
    before = (await stats(sandbox))["requests"]
    await queue_faults(sandbox, "lost_answer")
    outcome = await service.send(incident(service))
    assert outcome.status == "unknown"
    assert "check the chat" in outcome.describe()
    after = await stats(sandbox)
    assert after["requests"] - before == 1  # exactly one attempt: no automatic resend
    assert len(await inbox(sandbox)) == 1  # the portal did store it
    record = service.history.get(outcome.history_id or 0)
    assert record is not None and record.status == "unknown"


async def test_rate_limit_refusal_is_retried_and_delivered_once(
    service: Service, sandbox: RunningSandbox
) -> None:
    await queue_faults(sandbox, "error_503")
    outcome = await service.send(incident(service))
    assert outcome.status == "sent"
    assert outcome.attempts == 2
    assert len(await inbox(sandbox)) == 1


async def test_portal_error_is_failed_with_code(
    service: Service, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    wrong = Profile(
        name="wrong-client",
        webhook=sandbox.webhook_url,
        api="v1",
        bot_id=7,
        client_id="not-the-right-one",
    )
    outcome = await service.send(incident(service), profile=wrong)
    assert outcome.status == "failed"
    assert outcome.error_code == "APP_ID_ERROR"
    assert outcome.hint
    assert await inbox(sandbox) == []


async def test_invalid_draft_sends_and_records_nothing(
    service: Service, sandbox: RunningSandbox
) -> None:
    bad_dialog = incident(service, dialog="not a dialog")
    with pytest.raises(ValidationFailed) as err:
        await service.send(bad_dialog)
    assert "DIALOG_ID_EMPTY" in str(err.value)
    bad_value = incident(service)
    bad_value.values["started"] = "soon"
    with pytest.raises(FieldErrors) as ferr:
        await service.send(bad_value)
    assert "started" in ferr.value.errors
    assert service.history.search(limit=10) == []
    assert (await stats(sandbox))["requests"] == 0


async def test_resend_makes_a_new_row_and_a_new_message(
    service: Service, sandbox: RunningSandbox
) -> None:
    first = await service.send(incident(service))
    again = await service.resend(first.history_id or 0)
    assert again.status == "sent"
    assert again.history_id != first.history_id
    assert again.message_id != first.message_id
    assert len(await inbox(sandbox)) == 2


async def test_draft_from_history_round_trips(service: Service) -> None:
    draft = incident(service, dialog="chat7")
    draft.options.url_preview = False
    draft.options.system = True
    outcome = await service.send(draft)
    reopened = service.draft_from_history(outcome.history_id or 0)
    assert reopened.template == "incident/opened"
    assert reopened.options.dialog_id == "chat7"
    assert reopened.options.system is True
    assert reopened.options.url_preview is False
    assert reopened.values["incident_id"] == draft.values["incident_id"]


@pytest.mark.parametrize("api", ["v1", "v2"])
async def test_edit_and_delete_on_the_portal(
    service: Service, sandbox: RunningSandbox, api: str
) -> None:
    profile = service.profile(f"sb-{api}")
    sent = await service.send(incident(service), profile=profile)
    changed = incident(service)
    changed.values["summary"] = "Fixed the root cause; monitoring."
    edited = await service.edit(sent.history_id or 0, changed, profile=profile)
    assert edited.status == "sent", edited.describe()
    stored = (await inbox(sandbox))[0]
    text = stored["fields"].get("MESSAGE") or stored["fields"].get("message")
    assert "monitoring" in text
    deleted = await service.delete_message(sent.history_id or 0, profile=profile)
    assert deleted.status == "sent", deleted.describe()
    stored = (await inbox(sandbox))[0]
    assert stored.get("deleted")


async def test_edit_of_an_undelivered_row_is_refused(
    service: Service, sandbox: RunningSandbox
) -> None:
    await queue_faults(sandbox, "drop")
    lost = await service.send(incident(service))
    assert lost.status == "unknown"
    with pytest.raises(UsageError):
        await service.edit(lost.history_id or 0, incident(service))


async def test_list_bots_v1_and_v2(service: Service) -> None:
    for api in ("v1", "v2"):
        bots = await service.list_bots(service.profile(f"sb-{api}"))
        assert [(b.id, b.name) for b in bots] == [(7, "Support Bot")]


def test_preview_masks_secrets_and_reports_sizes(service: Service) -> None:
    preview = service.preview(incident(service))
    assert preview.ok, preview.problems
    assert preview.params is not None
    assert_no_secret(repr(preview.params))
    assert_no_secret(preview.url)
    assert preview.sizes["attach"] > 0
    for fmt in ("curl", "js", "php", "python", "json"):
        assert_no_secret(service.export(preview, fmt))


def test_preview_reports_problems_without_raising(service: Service) -> None:
    draft = incident(service, dialog="")
    draft.values["started"] = "soon"
    preview = service.preview(draft)
    assert not preview.ok
    assert "started" in preview.field_errors
    draft.values["started"] = "2025-03-14T09:30"
    preview = service.preview(draft)
    assert [p.code for p in preview.problems if p.severity == "error"] == ["DIALOG_ID_EMPTY"]


def test_preview_of_unknown_template_is_an_error_not_a_crash(service: Service) -> None:
    preview = service.preview(Draft(template="no/such", options=SendOptions(dialog_id="1")))
    assert preview.error is not None
    assert "no/such" in str(preview.error)


def test_recover_turns_pending_unknown_and_applies_retention(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    old = History(tmp_path / "h.sqlite3", clock=lambda: now - timedelta(days=40))
    old_id = old.record_pending(template="notice/short", dialog_id="1")
    old.finish(old_id, "sent", message_id=1)
    old.close()
    history = History(tmp_path / "h.sqlite3")
    fresh = history.record_pending(template="notice/short", dialog_id="2")
    # a pending row whose writer is gone (another process) is what a crash leaves
    history._conn().execute("update sends set owner = 'host:1' where id = ?", (fresh,))
    history._conn().commit()
    service = Service(Config(history_retention_days=30), history=history)
    assert service.recover() == [fresh]
    fresh_row = history.get(fresh)
    assert fresh_row is not None and fresh_row.status == "unknown"
    assert history.get(old_id) is None
    history.close()
