"""Small helpers for driving the app with a Pilot: wait for state, reach widgets."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.errors import NoWidget
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input

from b24notify.tui.app import B24NotifyApp
from b24notify.tui.screens.compose import ComposeScreen
from b24notify.tui.screens.editor import EditorScreen
from b24notify.tui.widgets.editor_area import TemplateTextArea
from b24notify.tui.widgets.template_list import TemplateList

SIZE = (120, 36)


def sandbox_messages(sandbox_app: Any) -> list[Any]:
    """What the in-process portal stored."""
    return list(sandbox_app.state.sandbox.messages())


def describe(app: App[Any]) -> str:
    """What the app shows now, for a failure message: the screens, the focus, the toasts."""
    screens = " > ".join(type(screen).__name__ for screen in app.screen_stack)
    focused = app.focused
    toasts = [
        f"{n.title}: {n.message}" if n.title else n.message
        for n in app._notifications  # no public way to read the toasts on screen
    ]
    return f"screens {screens}; focus {focused!r}; toasts {toasts}"


async def wait_for(pilot: Pilot[Any], condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Let the app run until ``condition()`` is truthy; fail with what the app shows otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {condition}: {describe(pilot.app)}")
        await pilot.pause(0.02)
        await asyncio.sleep(0)


async def click(pilot: Pilot[Any], target: str | type[Widget] | Widget) -> None:
    """Click ``target`` the way a user does: once it is drawn, enabled and under the pointer.

    Pilot reads a widget's place before it pauses, so a widget that was just
    shown (a tab switch, a dialog opening) can be clicked where it is not yet,
    and the click lands on whatever was there. Waiting until the widget is the
    one at the cell Pilot clicks makes the click mean what the test says.
    """

    def under_pointer() -> Widget | None:
        app = pilot.app
        widget = target if isinstance(target, Widget) else app.screen.query_one(target)
        region = widget.region
        if not region or widget.disabled:
            return None
        try:  # Pilot clicks a widget's top-left cell
            at, _ = app.get_widget_at(region.x, region.y)
        except NoWidget:
            return None
        return widget if at is widget else None

    widget = await wait_for(pilot, under_pointer)
    assert await pilot.click(widget), f"the click missed {widget!r}: {describe(pilot.app)}"


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


async def open_editor(pilot: Pilot[Any], name: str | None = None) -> EditorScreen:
    """The template editor, opened from Compose, with ``name`` loaded and previewed."""
    app = pilot.app
    assert isinstance(app, B24NotifyApp)
    await ready(pilot)
    app.open_screen("editor")
    screen = await wait_for(pilot, lambda: isinstance(app.screen, EditorScreen) and app.screen)
    assert isinstance(screen, EditorScreen)
    await wait_for(pilot, lambda: screen.is_mounted and screen.query(TemplateTextArea))
    if name is not None:
        assert screen.open_template(name)
        await wait_for(pilot, lambda: screen.preview is not None)
    return screen
