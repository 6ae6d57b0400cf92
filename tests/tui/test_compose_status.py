"""Compose's status line and focus: the keys as remapped, fields by label, problems by keyboard,
and the form's head in view after a pick."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.widgets import Input, Static
from tui_support import SIZE, pick, ready, wait_for

from b24notify.core.service import Service
from b24notify.tui.app import B24NotifyApp
from b24notify.tui.screens.compose import ComposeScreen
from b24notify.tui.widgets.problems_list import ProblemsList


def status(screen: ComposeScreen) -> str:
    return str(screen.query_one("#send-status", Static).render())


@pytest.mark.parametrize(
    ("keys", "shown"), [({}, "ctrl+s"), ({"compose.send": "ctrl+j"}, "ctrl+j")]
)
async def test_ready_names_the_send_key_as_remapped(
    make_service: Callable[..., Service], keys: dict[str, str], shown: str
) -> None:
    app = B24NotifyApp(make_service(keys=keys))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pick(pilot, screen, "notice/short")
        screen.query_one("#opt-dialog", Input).value = "chat5"
        await wait_for(pilot, lambda: "Ready:" in status(screen))
        assert f"Ready: {shown} sends to chat5 via imbot.message.add." in status(screen)


@pytest.mark.parametrize(
    ("template", "field", "said"),
    [
        ("escalation", "ticket", "Ticket is required"),
        ("incident/opened", "incident_id", "Incident is required"),
        ("notice/short", "text", "Notice is required"),
    ],
)
async def test_a_field_error_names_the_field_by_its_label(
    service: Service, template: str, field: str, said: str
) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pick(pilot, screen, template)
        screen.query_one(f"#var-{field}", Input).value = ""
        await wait_for(pilot, lambda: said in status(screen))
        assert status(screen).startswith(said)


async def test_f9_puts_the_keys_in_the_problems_list(service: Service) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pick(pilot, screen, "escalation")
        ticket = screen.query_one("#var-ticket", Input)
        ticket.value = ""
        await wait_for(pilot, lambda: screen.preview and screen.preview.field_errors)
        await pilot.press("f9")
        problems = screen.query_one(ProblemsList)
        await wait_for(pilot, lambda: app.focused is problems and problems.highlighted == 0)
        # Typing no longer lands in the form; enter goes to the problem's field.
        await pilot.press("z", "enter")
        await wait_for(pilot, lambda: app.focused is ticket)
        assert ticket.value == ""


@pytest.mark.parametrize("size", [(80, 24), SIZE])
async def test_after_a_pick_the_forms_head_is_in_view(
    service: Service, size: tuple[int, int]
) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=size) as pilot:
        screen = await ready(pilot)
        scroll = screen.query_one("#form-scroll")
        scroll.scroll_end(animate=False)  # a long form left scrolled down
        for name in ("incident/update", "ticket/resolved"):
            await pick(pilot, screen, name)
            await pilot.pause(0.2)
            head = screen.query_one("#template-head")
            first = screen.query_one(
                "#field-incident_id" if "incident" in name else "#field-ticket"
            )
            assert scroll.scroll_y == 0
            view = scroll.region
            assert view.contains_region(head.region), (head.region, view)
            assert view.contains_region(first.region), (first.region, view)
            assert app.focused is first.query_one(Input)
