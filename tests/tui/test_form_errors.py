"""Field errors: an untouched empty form is not all red; an edited field or a send shows them."""

from __future__ import annotations

from typing import Any

from test_compose_fill import portal_service  # noqa: F401 - the fixture
from textual.widgets import Input, Static
from tui_support import SIZE, pick, ready, wait_for

from b24notify.core.service import Service
from b24notify.tui.app import B24NotifyApp
from b24notify.tui.widgets.variable_form import VariableForm


def invalid(screen: Any) -> dict[str, str]:
    form = screen.query_one(VariableForm)
    return {
        f.spec.name: str(f.query_one(".field-error", Static).render())
        for f in form.fields()
        if f.has_class("-invalid")
    }


async def test_errors_wait_for_an_edit_or_a_send(portal_service: Service) -> None:  # noqa: F811
    app = B24NotifyApp(portal_service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pick(pilot, screen, "incident/update")
        assert screen.preview is not None and "incident_id" in screen.preview.field_errors
        assert invalid(screen) == {}  # nothing typed yet: nothing red
        incident = screen.query_one("#var-incident_id", Input)
        incident.focus()
        await pilot.press("x", "backspace")
        await wait_for(pilot, lambda: "incident_id" in invalid(screen))
        assert invalid(screen)["incident_id"] == "Incident is required"
        assert len(invalid(screen)) == 1  # the others are still untouched
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(invalid(screen)) > 1)
        required = [n for n, e in screen.preview.field_errors.items() if e == "is required"]
        assert set(required) <= set(invalid(screen))
        await pilot.press(*"INC-7")
        await wait_for(pilot, lambda: "incident_id" not in invalid(screen))
