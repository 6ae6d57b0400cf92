"""Small helpers for driving the app with a Pilot: wait for state, reach widgets."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from b24notify.tui.app import B24NotifyApp
from b24notify.tui.screens.compose import ComposeScreen
from b24notify.tui.widgets.template_list import TemplateList

SIZE = (120, 36)


def sandbox_messages(sandbox_app: Any) -> list[Any]:
    """What the in-process portal stored."""
    return list(sandbox_app.state.sandbox.messages())


async def wait_for(pilot: Pilot[Any], condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Let the app run until ``condition()`` is truthy; fail with a clear message otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {condition}")
        await pilot.pause(0.02)
        await asyncio.sleep(0)


def compose_screen(app: B24NotifyApp) -> ComposeScreen:
    screen = app.screen_of("compose")
    assert isinstance(screen, ComposeScreen)
    return screen


async def ready(pilot: Pilot[Any]) -> ComposeScreen:
    """The Compose screen once its templates and bots have loaded."""
    app = pilot.app
    assert isinstance(app, B24NotifyApp)
    screen = app.screen
    assert isinstance(screen, ComposeScreen)
    await wait_for(pilot, lambda: screen.query_one(TemplateList).entries)
    await wait_for(pilot, lambda: screen._bots.get("sandbox") is not None)
    return screen


async def pick(pilot: Pilot[Any], screen: ComposeScreen, name: str) -> None:
    """Choose a template the way a user does: search for it, press enter."""
    await pilot.press("ctrl+f")
    # Typing through the Pilot costs ~70 ms a key; the search box reacts the same to a paste.
    screen.query_one("#template-search", Input).value = name
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen.template_name == name and screen.preview is not None)
