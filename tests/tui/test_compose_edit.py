"""Editing a sent message from History: Compose shows and confirms the update that really runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import DataTable, Input, Select, Static
from tui_support import SIZE, pick, ready, sandbox_messages, wait_for

from b24notify.core.service import Service
from b24notify.tui.app import B24NotifyApp
from b24notify.tui.screens.compose import EDIT_LOCKED, ComposeScreen
from b24notify.tui.screens.dialogs import ConfirmDialog
from b24notify.tui.screens.history import HistoryScreen
from b24notify.tui.widgets.code_view import CodeView
from b24notify.tui.widgets.request_view import RequestView

UPDATE = {"v1": "imbot.message.update", "v2": "imbot.v2.Chat.Message.update"}


def locked(screen: ComposeScreen) -> dict[str, bool]:
    return {name: screen.query_one(f"#opt-{name}").disabled for name in EDIT_LOCKED}


async def confirm(pilot: Any) -> ConfirmDialog:
    app = pilot.app
    dialog = await wait_for(
        pilot, lambda: app.screen if isinstance(app.screen, ConfirmDialog) else None
    )
    assert isinstance(dialog, ConfirmDialog)
    return dialog


async def send_then_edit(
    pilot: Any, screen: ComposeScreen, api: str, *, send_key: str = "ctrl+s"
) -> tuple[int, int]:
    """Send a notice to chat77 with ``api``, put the panel back on v1, then press e in History.

    Returns (history id, message id) of the sent message.
    """
    app = pilot.app
    await pick(pilot, screen, "notice/short")
    screen.query_one("#opt-api", Select).value = api
    screen.query_one("#opt-dialog", Input).value = "chat77"
    screen.query_one("#var-text", Input).value = "First"
    await wait_for(
        pilot, lambda: screen.preview and screen.preview.ok and screen.preview.api == api
    )
    await pilot.press(send_key)
    await confirm(pilot)
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen.last_outcome is not None)
    sent = screen.last_outcome
    assert sent is not None and sent.status == "sent"
    assert sent.history_id is not None and sent.message_id is not None
    screen.query_one("#opt-api", Select).value = "v1"  # the panel has moved on
    await pilot.pause()

    await pilot.press("f3")
    history = await wait_for(
        pilot, lambda: app.screen if isinstance(app.screen, HistoryScreen) else None
    )
    await wait_for(pilot, lambda: history.order == [sent.history_id])
    history.query_one(DataTable).focus()
    await pilot.press("e")
    await wait_for(pilot, lambda: app.screen is screen and screen.edit_of == sent.history_id)
    await wait_for(pilot, lambda: screen.preview and screen.preview.method == UPDATE[api])
    return sent.history_id, sent.message_id


@pytest.mark.parametrize("api", ["v1", "v2"])
async def test_edit_shows_and_runs_the_update_of_the_original_message(
    service: Service, sandbox_app: Any, api: str
) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        history_id, message_id = await send_then_edit(pilot, screen, api)

        # Everything the edit cannot change is locked to the original and says so.
        assert screen.query_one("#opt-api", Select).value == api
        assert all(locked(screen).values()), locked(screen)
        banner = str(screen.query_one("#edit-banner", Static).render())
        assert f"Editing message {message_id} in chat77" in banner
        status = str(screen.query_one("#send-status", Static).render())
        assert f"updates message {message_id} in chat77 via {UPDATE[api]}" in status

        # The preview, the Request tab and the Code tab show the update call.
        preview = screen.preview
        assert preview is not None and preview.params is not None
        assert preview.params.get("MESSAGE_ID", preview.params.get("messageId")) == message_id
        assert "chat77" not in str(preview.params)  # an update names no dialog
        await pilot.press("f7")
        request = screen.query_one(RequestView)
        await wait_for(pilot, lambda: str(message_id) in request.text)
        assert ("MESSAGE_ID" if api == "v1" else "messageId") in request.text
        await pilot.press("f8")
        code = screen.query_one(CodeView)
        await wait_for(pilot, lambda: UPDATE[api] in code.text)

        # Send: the confirmation names what really runs, on what.
        screen.query_one("#var-text", Input).value = "Corrected"
        await wait_for(pilot, lambda: screen.preview and "Corrected" in str(screen.preview.params))
        assert screen.preview is not None and screen.preview.ok
        screen.last_outcome = None
        await pilot.press("ctrl+s")
        dialog = await confirm(pilot)
        rows = dict(dialog.rows)
        assert rows["Method"] == f"{UPDATE[api]} ({api})"
        assert rows["Dialog"] == "chat77"
        assert rows["Message"] == f"{message_id} (history #{history_id})"
        assert str(message_id) in dialog.title_text
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.last_outcome is not None)

        # The portal has the original message, in its dialog, with the new text.
        [stored] = sandbox_messages(sandbox_app)
        assert (stored.id, stored.dialog_id, stored.message) == (message_id, "chat77", "Corrected")
        assert stored.updated_at is not None
        # Back to new messages: the options are free again.
        assert screen.edit_of is None
        assert not any(locked(screen).values())


async def test_esc_leaves_edit_mode_and_unlocks_the_options(
    make_service: Callable[..., Service], sandbox_app: Any
) -> None:
    app = B24NotifyApp(make_service(keys={"compose.send": "f12"}))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await send_then_edit(pilot, screen, "v1", send_key="f12")
        banner = str(screen.query_one("#edit-banner", Static).render())
        assert "f12 replaces it" in banner and "esc stops editing" in banner
        status = screen.query_one("#send-status", Static)
        await wait_for(pilot, lambda: "Ready: f12 updates message" in str(status.render()))

        screen.query_one("#var-text", Input).focus()
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen.edit_of is None)
        assert not any(locked(screen).values())
        assert not screen.query_one("#edit-banner").has_class("-on")
        await wait_for(
            pilot, lambda: screen.preview and screen.preview.method == "imbot.message.add"
        )
        assert "Ready: f12 sends to chat77" in str(status.render())
        assert len(sandbox_messages(sandbox_app)) == 1
