"""Editing a sent message: the preview shows the update call that ``edit`` then makes.

Against the sandbox over loopback HTTP, with real SQLite history.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from test_service import (
    BOT_TOKEN,
    CLIENT_ID,
    CODE,
    assert_no_secret,
    inbox,
    incident,
    profile_for,
    queue_faults,
)

from b24notify.core.config import Config
from b24notify.core.history import History
from b24notify.core.models import Draft
from b24notify.core.service import Service
from b24notify.sandbox.config import SandboxBot, SandboxConfig
from b24notify.sandbox.runner import RunningSandbox, start_sandbox


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    bot = SandboxBot(7, "Support Bot", "support_bot", client_id=CLIENT_ID, bot_token=BOT_TOKEN)
    with start_sandbox(SandboxConfig(webhook_code=CODE, bots=[bot], drain=50.0, burst=50)) as sb:
        yield sb


def service_for(sandbox: RunningSandbox, tmp_path: Path) -> Service:
    v1, v2 = profile_for(sandbox, "v1"), profile_for(sandbox, "v2")
    config = Config(profiles={v1.name: v1, v2.name: v2}, default_profile=v1.name)
    return Service(config, history=History(tmp_path / "history.sqlite3"))


@pytest.fixture
async def service(sandbox: RunningSandbox, tmp_path: Path) -> AsyncIterator[Service]:
    svc = service_for(sandbox, tmp_path)
    yield svc
    await svc.aclose()
    svc.history.close()


UPDATE = {"v1": "imbot.message.update", "v2": "imbot.v2.Chat.Message.update"}


def changed(svc: Service, text: str = "Fixed the root cause; monitoring.") -> Draft:
    """The incident draft with a new summary and, deliberately, another dialog."""
    draft = incident(svc, dialog="chat999")
    draft.values["summary"] = text
    return draft


def message_id_of(params: dict[str, Any]) -> Any:
    return params.get("MESSAGE_ID", params.get("messageId"))


@pytest.mark.parametrize("api", ["v1", "v2"])
async def test_preview_of_an_edit_is_the_update_of_the_original(
    service: Service, sandbox: RunningSandbox, api: str
) -> None:
    profile = service.profile(f"sb-{api}")
    sent = await service.send(incident(service), profile=profile)
    assert sent.status == "sent" and sent.history_id is not None
    other_api: Any = "v2" if api == "v1" else "v1"

    preview = service.preview(
        changed(service), profile=profile, api=other_api, edit_of=sent.history_id
    )

    assert preview.ok, preview.problems
    assert (preview.api, preview.method) == (api, UPDATE[api])
    assert preview.params is not None
    assert message_id_of(preview.params) == sent.message_id
    # An update names no dialog: the message stays where it is, whatever the draft says.
    assert "chat999" not in repr(preview.params)
    assert "DIALOG_ID" not in preview.params and "dialogId" not in preview.params
    assert UPDATE[api] in preview.url
    assert_no_secret(repr(preview.params))
    assert_no_secret(preview.url)
    code = service.export(preview, "curl", profile=profile)
    assert UPDATE[api] in code
    assert_no_secret(code)


@pytest.mark.parametrize("api", ["v1", "v2"])
async def test_the_previewed_update_is_what_edit_does(
    service: Service, sandbox: RunningSandbox, api: str
) -> None:
    profile = service.profile(f"sb-{api}")
    sent = await service.send(incident(service), profile=profile)
    assert sent.history_id is not None
    draft = changed(service)
    preview = service.preview(draft, profile=profile, edit_of=sent.history_id)
    assert preview.ok

    edited = await service.edit(sent.history_id, draft, profile=profile)

    assert edited.status == "sent", edited.describe()
    [stored] = await inbox(sandbox)
    assert stored["id"] == sent.message_id
    assert stored["dialog_id"] == "chat42"  # the original dialog, not the draft's chat999
    assert stored["updated"]
    text = stored["fields"].get("MESSAGE") or stored["fields"].get("message")
    assert "monitoring" in text


async def test_edit_target_names_the_original_message(service: Service) -> None:
    sent = await service.send(incident(service), profile=service.profile("sb-v2"))
    target = service.edit_target(sent.history_id or 0)
    assert (target.message_id, target.dialog_id, target.bot_id) == (sent.message_id, "chat42", 7)
    assert (target.api, target.method, target.profile) == ("v2", UPDATE["v2"], "sb-v2")
    assert target.template == "incident/opened"


async def test_edit_preview_problems(
    service: Service, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    """Each reason an edit cannot go out is a problem of the preview, never an exception."""
    sent = await service.send(incident(service))
    await queue_faults(sandbox, "drop")
    lost = await service.send(incident(service))
    assert lost.status == "unknown"
    cases: list[tuple[int, Draft, Any, str]] = [
        (lost.history_id or 0, changed(service), None, "MESSAGE_ID_ERROR"),
        (999_999, changed(service), None, "MESSAGE_ID_ERROR"),
        (sent.history_id or 0, changed(service), service.profile("sb-v2"), "EDIT_PROFILE"),
    ]
    for history_id, draft, profile, code in cases:
        preview = service.preview(draft, profile=profile, edit_of=history_id)
        assert not preview.ok
        assert code in [p.code for p in preview.problems if p.severity == "error"], code


@pytest.mark.parametrize(
    ("text", "attach", "codes"),
    [
        # An update with an empty text would delete the message on the portal.
        (" ", None, ["MESSAGE_EMPTY"]),
        ("Fixed", '[{"LINK": {}}]', ["ATTACH_ERROR"]),
        ("Fixed", '[{"MESSAGE": "ok"}]', []),
    ],
)
async def test_the_new_content_is_checked_as_the_portal_would(
    service: Service, text: str, attach: str | None, codes: list[str]
) -> None:
    sent = await service.send(incident(service))
    source = 'name = "Card"\n[vars.text]\ntype = "text"\n[body]\nmessage = "{{ text }}"\n'
    if attach is not None:
        source += f"attach = '''{attach}'''\n"
    card = service.library.from_toml(source, name="card")
    # The draft names no dialog: an edit needs none, so that is no problem.
    preview = service.preview(
        Draft(template="card", values={"text": text}), template=card, edit_of=sent.history_id
    )
    assert [p.code for p in preview.problems if p.severity == "error"] == codes
    assert preview.ok == (not codes)


async def test_without_a_profile_the_rows_profile_is_used(service: Service) -> None:
    sent = await service.send(incident(service), profile=service.profile("sb-v2"))
    assert service.config.default_profile == "sb-v1"
    preview = service.preview(changed(service), edit_of=sent.history_id)
    assert preview.ok, preview.problems
    assert preview.method == UPDATE["v2"]


@pytest.mark.parametrize("api", ["v1", "v2"])
async def test_draft_from_history_carries_the_api(service: Service, api: str) -> None:
    sent = await service.send(incident(service), profile=service.profile(f"sb-{api}"))
    draft = service.draft_from_history(sent.history_id or 0)
    assert draft.api == api
    # The draft's API is a hint for the UI; the preview's API is still the caller's choice.
    assert service.preview(draft, api="v1").method == "imbot.message.add"
