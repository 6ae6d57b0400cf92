"""A send whose answer was lost: a dialog with the ways to check, and a resend only on request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import Button, Input, Static
from tui_support import SIZE, click, pick, ready, sandbox_messages, wait_for

from b24notify.core.service import Service
from b24notify.tui.app import B24NotifyApp
from b24notify.tui.screens.compose import ComposeScreen
from b24notify.tui.screens.dialogs import ConfirmDialog
from b24notify.tui.widgets.compose_dialogs import UnknownOutcomeDialog

SEND_METHODS = ("imbot.message.add", "imbot.v2.Chat.Message.send")


def requests(sandbox_app: Any) -> int:
    """How many send requests the in-process portal has answered (or dropped).

    Reads (the bot list, dialog names looked up as they are typed) don't count.
    """
    by_method = sandbox_app.state.sandbox.stats_json()["by_method"]
    return sum(int(by_method.get(method, 0)) for method in SEND_METHODS)


async def send_into_a_lost_answer(
    pilot: Any, screen: ComposeScreen, sandbox_app: Any
) -> UnknownOutcomeDialog:
    app = pilot.app
    await pick(pilot, screen, "notice/short")
    screen.query_one("#opt-dialog", Input).value = "chat42"
    await wait_for(pilot, lambda: screen.preview and screen.preview.ok)
    # The portal stores the message, then the connection drops before the answer.
    sandbox_app.state.sandbox.faults.update({"next": ["lost_answer"]})
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
    await pilot.press("enter")
    dialog = await wait_for(
        pilot, lambda: app.screen if isinstance(app.screen, UnknownOutcomeDialog) else None
    )
    assert isinstance(dialog, UnknownOutcomeDialog)
    return dialog


async def test_the_dialog_explains_and_close_sends_nothing_more(
    service: Service, sandbox_app: Any
) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        before = requests(sandbox_app)
        dialog = await send_into_a_lost_answer(pilot, screen, sandbox_app)
        outcome = screen.last_outcome
        assert outcome is not None and outcome.status == "unknown"
        message = str(dialog.query_one("#dialog-message", Static).render())
        assert "no answer came back" in message and "not resent" in message
        assert f"history #{outcome.history_id}" in message
        assert "chat42" in message
        buttons = [str(b.label) for b in dialog.query(Button)]
        assert buttons == [
            "Open in History",
            "Check the sandbox inbox",
            "Resend anyway…",
            "Close",
        ]
        # Enter by reflex checks the inbox; it never sends.
        assert app.focused is dialog.query_one("#inbox")

        await click(pilot, "#close")
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.pause(0.2)
        assert requests(sandbox_app) - before == 1
        assert len(sandbox_messages(sandbox_app)) == 1  # it did arrive; nothing resent it
        assert [r.status for r in service.history.search()] == ["unknown"]


async def test_resend_anyway_warns_then_sends_exactly_one_more(
    service: Service, sandbox_app: Any
) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        before = requests(sandbox_app)
        first = await send_into_a_lost_answer(pilot, screen, sandbox_app)
        await click(pilot, "#resend")
        confirm = await wait_for(
            pilot, lambda: app.screen if isinstance(app.screen, ConfirmDialog) else None
        )
        assert "may have arrived in chat42" in confirm.message
        assert "twice" in confirm.message
        assert confirm.danger and confirm.confirm_label == "Resend anyway"
        assert requests(sandbox_app) - before == 1  # asking sends nothing
        unknown = screen.last_outcome
        screen.last_outcome = None
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.last_outcome is not None)
        assert screen.last_outcome is not None and screen.last_outcome.status == "sent"
        assert requests(sandbox_app) - before == 2
        assert [m.dialog_id for m in sandbox_messages(sandbox_app)] == ["chat42", "chat42"]
        assert unknown is not None and first.history_id == unknown.history_id
        statuses = {r.id: r.status for r in service.history.search()}
        assert statuses[unknown.history_id or 0] == "unknown"
        assert sorted(statuses.values()) == ["sent", "unknown"]


async def test_cancelling_the_resend_sends_nothing(service: Service, sandbox_app: Any) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        before = requests(sandbox_app)
        await send_into_a_lost_answer(pilot, screen, sandbox_app)
        await click(pilot, "#resend")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.pause(0.2)
        assert requests(sandbox_app) - before == 1


@pytest.mark.parametrize(("button", "mode"), [("#history", "history"), ("#inbox", "inbox")])
async def test_check_buttons_open_history_or_the_sandbox_inbox(
    make_service: Callable[..., Service], sandbox_app: Any, button: str, mode: str
) -> None:
    app = B24NotifyApp(make_service())
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await send_into_a_lost_answer(pilot, screen, sandbox_app)
        await click(pilot, button)
        await wait_for(pilot, lambda: app.current_mode == mode)
        assert len(sandbox_messages(sandbox_app)) == 1


async def test_open_in_history_puts_the_cursor_on_the_unknown_send(
    make_service: Callable[..., Service], sandbox_app: Any
) -> None:
    from b24notify.tui.widgets.history_table import HistoryTable

    app = B24NotifyApp(make_service())
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await send_into_a_lost_answer(pilot, screen, sandbox_app)
        outcome = screen.last_outcome
        assert outcome is not None and outcome.status == "unknown"
        await click(pilot, "#history")
        await wait_for(pilot, lambda: app.current_mode == "history")
        table = await wait_for(pilot, lambda: app.screen.query(HistoryTable).first())
        await wait_for(pilot, lambda: table.selected_id() == outcome.history_id)
