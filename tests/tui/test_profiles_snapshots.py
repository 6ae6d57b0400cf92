"""SVG snapshots of the Profiles screen: a profile after a connection test, and a form with errors.

Regenerate after a deliberate change with ``uv run pytest tests/tui/test_profiles_snapshots.py
--snapshot-update`` and look at the report before committing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input
from tui_support import wait_for

from b24notify.core.service import Service
from b24notify.tui.app import B24NotifyApp
from b24notify.tui.screens.profiles import ProfilesScreen

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
# The file path shows on screen: a fixed one keeps snapshots equal on every machine.
CONFIG = Path("/home/support/.config/b24notify/config.toml")


async def open_profiles(pilot: Any) -> ProfilesScreen:
    app = pilot.app
    await pilot.pause()
    app.open_screen("profiles")
    screen = await wait_for(pilot, lambda: isinstance(app.screen, ProfilesScreen) and app.screen)
    await wait_for(pilot, lambda: screen.is_mounted and screen.query("#pf-name"))
    for box in screen.query(Input):
        box.cursor_blink = False
    return screen


@pytest.mark.parametrize("size", SIZES)
def test_profiles_after_a_test(snap_compare: Any, service: Service, size: tuple[int, int]) -> None:
    service.config.path = CONFIG

    async def run_before(pilot: Any) -> None:
        screen = await open_profiles(pilot)
        screen.action_test()
        await wait_for(pilot, lambda: screen.tested is not None)
        screen.query_one("#profile-list").focus()
        await pilot.pause()

    assert snap_compare(B24NotifyApp(service), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_profiles_with_errors(snap_compare: Any, service: Service, size: tuple[int, int]) -> None:
    service.config.path = CONFIG

    async def run_before(pilot: Any) -> None:
        screen = await open_profiles(pilot)
        screen.load_profile(None)
        form = screen.form
        form.query_one("#pf-name", Input).value = "new support"
        form.query_one("#pf-webhook", Input).value = "http://example.com/rest/1/code/"
        await pilot.pause()
        await screen.save()
        screen.query_one("#profile-list").focus()
        await pilot.pause()

    assert snap_compare(B24NotifyApp(service), terminal_size=size, run_before=run_before)
