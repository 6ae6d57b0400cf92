"""What a picked template's form holds: defaults on a real portal, samples only on a sandbox
or when asked for."""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import sandbox_profile
from textual.widgets import Input, Static
from tui_support import SIZE, pick, ready, sandbox_messages, wait_for

from b24notify.core.config import Config
from b24notify.core.history import History
from b24notify.core.service import Service
from b24notify.tui.app import B24Commands, B24NotifyApp
from b24notify.tui.screens.dialogs import ConfirmDialog
from b24notify.tui.widgets.variable_form import VariableForm


@pytest.fixture
def portal_service(sandbox_app: Any, tmp_path: Path) -> Service:
    """A profile that is not marked sandbox (a real portal, as far as Compose knows)."""
    profile = dataclasses.replace(sandbox_profile(), sandbox=False)
    config = Config(profiles={"sandbox": profile}, default_profile="sandbox")
    return Service(
        config,
        history=History(tmp_path / "history.sqlite3"),
        transport_factory=lambda _profile: httpx.ASGITransport(app=sandbox_app),
    )


def status(screen: Any) -> str:
    return str(screen.query_one("#send-status", Static).render())


def notes(app: B24NotifyApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_a_real_portal_gets_defaults_and_empty_required_fields(
    portal_service: Service, sandbox_app: Any
) -> None:
    app = B24NotifyApp(portal_service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pick(pilot, screen, "incident/update")
        values = screen.query_one(VariableForm).values()
        # A default is a real value; a sample is not.
        assert values.get("status_page") == "https://status.example.com"
        assert "incident_id" not in values
        assert "INC-1042" not in str(values)
        incident = screen.query_one("#var-incident_id", Input)
        assert incident.value == ""
        assert incident.placeholder == "e.g. INC-1042"
        # The empty required field is named by its label, and nothing can be sent.
        assert screen.preview is not None and "incident_id" in screen.preview.field_errors
        assert "Incident is required" in status(screen)
        screen.query_one("#opt-dialog", Input).value = "chat42"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)
        assert sandbox_messages(sandbox_app) == []


async def test_fill_with_samples_by_key_and_palette_then_reset_to_defaults(
    portal_service: Service,
) -> None:
    app = B24NotifyApp(portal_service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pick(pilot, screen, "incident/update")
        form = screen.query_one(VariableForm)
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: form.values().get("incident_id") == "INC-1042")
        assert screen.preview is not None and not screen.preview.field_errors
        assert status(screen).endswith(" Filled with sample values.")
        assert any("sample values" in n for n in notes(app))

        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: "incident_id" not in form.values())
        assert form.values()["status_page"] == "https://status.example.com"
        assert any("back to the template's defaults" in n for n in notes(app))
        assert "Filled" not in status(screen)

        commands = {hit.text: hit async for hit in B24Commands(screen).discover()}
        ran = commands["Fill with samples"].command()
        if inspect.isawaitable(ran):  # the palette awaits what it runs
            await ran
        await wait_for(pilot, lambda: form.values().get("incident_id") == "INC-1042")


async def test_a_sandbox_profile_starts_with_samples_and_says_so(service: Service) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pick(pilot, screen, "incident/opened")
        field = screen.query_one("#var-incident_id", Input)
        assert field.value == "INC-1042"
        assert status(screen).endswith(" Filled with sample values (sandbox).")
        # The note goes once the user makes the draft their own.
        field.value = "INC-7"
        await wait_for(pilot, lambda: "Filled" not in status(screen))
        await pilot.press("ctrl+n")  # the form is built again
        form = screen.query_one(VariableForm)
        await wait_for(pilot, lambda: form.values().get("incident_id") == "INC-1042")
        assert any("sample values (sandbox profile)" in n for n in notes(app))
