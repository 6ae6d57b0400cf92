"""Date and datetime fields: arrow keys step them, relative entries become fixed moments."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from conftest import sandbox_profile
from textual.widgets import Input, Static
from tui_support import SIZE, pick, ready, sandbox_messages, wait_for

from b24notify.core.config import Config
from b24notify.core.history import History
from b24notify.core.service import Service
from b24notify.tui.app import B24NotifyApp
from b24notify.tui.screens.dialogs import ConfirmDialog
from b24notify.tui.widgets.chat_preview import ChatPreview
from b24notify.tui.widgets.variable_form import VariableForm
from b24notify.tui.widgets.when_input import HINTS, WhenInput

NOW = datetime(2026, 11, 24, 10, 37, 12)  # a Tuesday


def hint(screen: Any, name: str) -> str:
    return str(screen.query_one(f"#field-{name} .field-when", Static).render())


async def planned(pilot: Any) -> tuple[Any, WhenInput]:
    """maintenance/planned picked, its start field focused, empty, on a fixed clock."""
    screen = await ready(pilot)
    await pick(pilot, screen, "maintenance/planned")
    start = screen.query_one("#var-window_start", WhenInput)
    for field in screen.query(WhenInput):
        field.clock = lambda: NOW
    start.focus()
    start.value = ""
    await pilot.pause()
    return screen, start


async def test_a_relative_entry_previews_at_once_and_is_fixed_on_leaving(
    service: Service, sandbox_app: Any
) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen, start = await planned(pilot)
        assert hint(screen, "window_start") == HINTS["datetime"]
        await pilot.press(*"tomorrow 10:00")
        chat = screen.query_one(ChatPreview)
        # The preview shows the moment the words name while they are still typed.
        await wait_for(pilot, lambda: "2026-11-25 10:00" in chat.plain(120))
        assert start.value == "tomorrow 10:00"
        assert hint(screen, "window_start") == "Wed 25 Nov 2026, 10:00 · in 23 hours"
        assert screen.query_one(VariableForm).values()["window_start"] == "2026-11-25 10:00"
        await pilot.press("tab")
        assert start.value == "2026-11-25 10:00", "leaving the field fixes the moment"


async def test_arrow_keys_step_a_day_and_shift_an_hour(service: Service) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen, start = await planned(pilot)
        await pilot.press("up")  # empty: the next whole hour, a day later
        assert start.value == "2026-11-25 11:00"
        await pilot.press("down", "down")
        assert start.value == "2026-11-23 11:00"
        await pilot.press("shift+up", "shift+up", "shift+up")
        assert start.value == "2026-11-23 14:00"
        assert hint(screen, "window_start") == "Mon 23 Nov 2026, 14:00 · 21 hours ago"
        await pilot.press("shift+down")
        assert start.value == "2026-11-23 13:00"
        # The preview follows the keys.
        chat = screen.query_one(ChatPreview)
        await wait_for(pilot, lambda: "2026-11-23 13:00" in chat.plain(120))


async def test_a_mistake_in_a_relative_entry_is_named_under_the_field(service: Service) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen, start = await planned(pilot)
        await pilot.press(*"+3x")
        await wait_for(pilot, lambda: hint(screen, "window_start").startswith("x is not"))
        assert hint(screen, "window_start") == "x is not a unit (min, h, d or w)"
        await pilot.press("tab")
        assert start.value == "+3x", "a mistake is left as typed, to be mended"
        field = screen.query_one("#field-window_start")
        await wait_for(pilot, lambda: field.has_class("-invalid"))


async def test_enter_fixes_the_entry_and_the_send_records_the_moment(
    service: Service, sandbox_app: Any
) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen, start = await planned(pilot)
        await pilot.press(*"fri 22:00", "enter")
        assert start.value == "2026-11-27 22:00"
        end = screen.query_one("#var-window_end", WhenInput)
        end.focus()
        end.value = ""
        await pilot.press(*"fri 23:30", "enter")
        screen.query_one("#opt-dialog", Input).value = "chat42"
        await wait_for(pilot, lambda: screen.preview and screen.preview.ok)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("enter")
        await wait_for(pilot, lambda: sandbox_messages(sandbox_app))
        await wait_for(pilot, lambda: service.history.search())
    (record,) = service.history.search()
    assert datetime.fromisoformat(record.values["window_start"]) == datetime(2026, 11, 27, 22, 0)
    assert datetime.fromisoformat(record.values["window_end"]) == datetime(2026, 11, 27, 23, 30)


async def test_help_lists_the_date_keys_while_a_date_field_has_focus(service: Service) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        await planned(pilot)
        rows = {row for _, section in app.help_sections() for row in section}
        assert any(row[1:] == ("Day later", "form.when.day_later") for row in rows), rows


async def test_an_empty_date_field_shows_its_keys_from_the_start(
    sandbox_app: Any, tmp_path: Path
) -> None:
    # A real portal's form opens with defaults only: the date fields are empty.
    profile = dataclasses.replace(sandbox_profile(), sandbox=False)
    service = Service(
        Config(profiles={"sandbox": profile}, default_profile="sandbox"),
        history=History(tmp_path / "history.sqlite3"),
        transport_factory=lambda _profile: httpx.ASGITransport(app=sandbox_app),
    )
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pick(pilot, screen, "maintenance/planned")
        assert screen.query_one("#var-window_start", WhenInput).value == ""
        assert hint(screen, "window_start") == HINTS["datetime"]


async def test_the_line_wraps_in_a_narrow_form_and_shrinks_back(service: Service) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await planned(pilot)
        line = screen.query_one("#field-window_start .field-when", Static)
        assert line.size.width < len(HINTS["datetime"]), "the form is narrower than the keys"
        await wait_for(pilot, lambda: line.size.height >= 2)
        await pilot.press("up")
        await wait_for(pilot, lambda: line.size.height == 1)
        assert hint(screen, "window_start") == "Wed 25 Nov 2026, 11:00 · tomorrow"


async def test_a_step_renders_the_preview_once(service: Service) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen, start = await planned(pilot)
        await pilot.press("up")
        await pilot.pause()
        renders: list[str] = []
        original = screen.refresh_preview

        def counted(*args: Any, **kwargs: Any) -> Any:
            renders.append(start.value)
            return original(*args, **kwargs)

        screen.refresh_preview = counted  # type: ignore[method-assign]
        await pilot.press("up")
        await pilot.pause()
        assert renders == ["2026-11-26 11:00"]
