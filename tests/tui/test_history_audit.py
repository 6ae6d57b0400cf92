"""History after the user audit: an unreadable file, confirmations, marking unknown sends."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import httpx
from conftest import sandbox_profile
from rich.console import Console
from test_history import fill_history, open_history
from textual.widgets import DataTable, Static
from tui_support import SIZE, ready, sandbox_messages, wait_for

from b24notify.core import paths
from b24notify.core.config import Config
from b24notify.core.service import Service
from b24notify.tui.app import B24NotifyApp
from b24notify.tui.screens.dialogs import ConfirmDialog, ErrorDialog
from b24notify.tui.screens.history import HistoryScreen


def plain(renderable: Any, width: int = 100) -> str:
    console = Console(width=width, color_system=None)
    with console.capture() as out:
        console.print(renderable)
    return out.get()


async def dismiss_errors(pilot: Any) -> int:
    """Close every error modal on top; how many there were."""
    closed = 0
    while isinstance(pilot.app.screen, ErrorDialog):
        pilot.app.screen.dismiss()
        closed += 1
        await pilot.pause()
    return closed


async def test_an_unreadable_history_file_leaves_an_empty_history_that_says_why(
    sandbox_app: Any,
) -> None:
    target = paths.history_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(os.urandom(5000))
    config = Config(profiles={"sandbox": sandbox_profile()}, default_profile="sandbox")
    service = Service(config, transport_factory=lambda p: httpx.ASGITransport(app=sandbox_app))
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.5)
        await dismiss_errors(pilot)  # the start-up housekeeping's own report
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen_of("history"), HistoryScreen))
        screen = app.screen_of("history")
        assert isinstance(screen, HistoryScreen)
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorDialog))
        assert "not a b24notify history" in str(app.screen.query_one("#dialog-message").render())
        assert await dismiss_errors(pilot) == 1
        await wait_for(pilot, lambda: screen.load_error is not None)
        assert app.is_running and isinstance(app.screen, HistoryScreen)
        assert screen.query_one(DataTable).row_count == 0
        assert "could not be read" in str(screen.query_one("#history-count", Static).render())
        assert "not a b24notify history" in str(screen.query_one("#detail-body", Static).render())
        # Loading again says nothing new: the modal was shown once.
        screen.reload()
        await pilot.pause(0.3)
        await wait_for(pilot, lambda: not screen._busy)
        assert not isinstance(app.screen, ErrorDialog)
        assert screen.load_error is not None


async def test_delete_and_resend_ask_even_when_compose_sends_do_not(
    make_service: Callable[..., Service], sandbox_app: Any
) -> None:
    service = make_service(confirm_send=False)
    sent = fill_history(service.history, 1)  # one "sent" row, message 5000
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await open_history(pilot)
        screen.query_one(DataTable).focus()
        for key, title in (("d", "Delete message 5000"), ("r", f"Send #{sent[0]} again")):
            await pilot.press(key)
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            dialog = app.screen
            assert isinstance(dialog, ConfirmDialog) and dialog.title_text.startswith(title)
            await pilot.press("escape")  # "no": nothing leaves
            await wait_for(pilot, lambda: app.screen is screen)
        await pilot.pause(0.2)
        assert sandbox_messages(sandbox_app) == []
        record = service.history.get(sent[0])
        assert record is not None and record.deleted_at is None
        assert service.history.count() == 1
