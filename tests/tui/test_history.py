"""History screen on the real app: paging, search, detail, open as draft, resend, edit, delete."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Input, Select, Static
from tui_support import SIZE, pick, ready, sandbox_messages, wait_for

from b24notify.core.history import History
from b24notify.core.models import SendStatus
from b24notify.core.service import Service
from b24notify.tui.app import B24NotifyApp
from b24notify.tui.screens.compose import ComposeScreen
from b24notify.tui.screens.dialogs import ConfirmDialog
from b24notify.tui.screens.history import PAGE, HistoryScreen
from b24notify.tui.widgets.variable_form import VariableForm


def fill_history(history: History, count: int) -> list[int]:
    """``count`` finished sends, statuses cycling sent/failed/unknown, oldest first."""
    ids = []
    statuses: tuple[SendStatus, ...] = ("sent", "failed", "unknown")
    for n in range(count):
        hid = history.record_pending(
            profile="sandbox",
            portal="127.0.0.1",
            api="v1",
            method="imbot.message.add",
            bot_id=7,
            dialog_id=f"chat{n % 5}",
            template="notice/short",
            template_hash="0" * 16,
            values={"text": f"row {n}"},
            params={"DIALOG_ID": f"chat{n % 5}", "MESSAGE": f"row {n}", "BOT_ID": 7},
            message_text=f"row {n}",
        )
        status = statuses[n % 3]
        history.finish(
            hid,
            status,
            message_id=5000 + n if status == "sent" else None,
            error_code="ACCESS_DENIED" if status == "failed" else None,
            error_description="Client ID not specified" if status == "failed" else None,
        )
        ids.append(hid)
    return ids


async def open_history(pilot: Any) -> HistoryScreen:
    await pilot.press("f3")
    screen = await wait_for(
        pilot, lambda: pilot.app.screen if isinstance(pilot.app.screen, HistoryScreen) else None
    )
    await wait_for(pilot, lambda: screen.total is not None and not screen._busy)
    return screen


async def test_opens_one_page_and_loads_more_at_the_end(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    history = History(tmp_path / "h.sqlite3")
    ids = fill_history(history, PAGE * 2 + 30)
    service = make_service(history=history)
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await open_history(pilot)
        table = screen.query_one(DataTable)
        assert table.row_count == PAGE
        assert screen.order[0] == ids[-1]  # newest first
        assert screen.total == f"{len(ids):,}"
        assert f"of {len(ids)}" in str(screen.query_one("#history-count", Static).render())
        table.focus()
        await pilot.press("ctrl+end")
        await wait_for(pilot, lambda: table.row_count == PAGE * 2)
        await pilot.press("ctrl+end")
        await wait_for(pilot, lambda: table.row_count == len(ids))
        assert screen.exhausted
        assert screen.order == sorted(ids, reverse=True)


async def test_search_and_status_filter(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    history = History(tmp_path / "h.sqlite3")
    fill_history(history, 30)
    service = make_service(history=history)
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await open_history(pilot)
        screen.query_one("#history-status", Select).value = "failed"
        await wait_for(pilot, lambda: len(screen.order) == 10 and not screen._busy)
        assert {screen.records[i].status for i in screen.order} == {"failed"}
        screen.query_one("#history-search", Input).value = "row 4"
        await wait_for(pilot, lambda: len(screen.order) == 1 and not screen._busy)
        only = screen.records[screen.order[0]]
        assert (only.message_text, only.status) == ("row 4", "failed")
        assert "1 of 1 matching" in str(screen.query_one("#history-count", Static).render())


async def test_detail_shows_error_and_the_message_as_sent(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    history = History(tmp_path / "h.sqlite3")
    fill_history(history, 3)  # newest is row 2: unknown; row 1 failed
    service = make_service(history=history)
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await open_history(pilot)
        table = screen.query_one(DataTable)
        table.focus()
        await pilot.press("down")
        await pilot.pause()
        record = screen.selected()
        assert record is not None and record.status == "failed"
        from rich.console import Console

        console = Console(width=80, color_system=None)
        with console.capture() as out:
            console.print(screen.detail_view)
        text = out.get()
        assert "ACCESS_DENIED" in text
        assert "Client ID not specified" in text
        assert "row 1" in text  # the message as the chat showed it
        assert '"DIALOG_ID": "chat1"' in text


async def test_send_then_open_as_draft_fills_compose(service: Service, sandbox_app: Any) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        compose = await ready(pilot)
        await pick(pilot, compose, "ticket/resolved")
        compose.query_one("#opt-dialog", Input).value = "chat77"
        compose.query_one("#var-agent_name", Input).value = "Dana"
        await wait_for(pilot, lambda: compose.preview and compose.preview.ok)
        sent_values = compose.query_one(VariableForm).values()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("enter")
        await wait_for(pilot, lambda: compose.last_outcome is not None)
        # Start a different draft, then bring the sent one back from history.
        await pick(pilot, compose, "notice/short")
        screen = await open_history(pilot)
        assert [screen.records[i].status for i in screen.order] == ["sent"]
        screen.query_one(DataTable).focus()
        await pilot.press("o")
        await wait_for(pilot, lambda: app.current_mode == "compose")
        screen_now = app.screen
        assert isinstance(screen_now, ComposeScreen) and screen_now is compose
        await wait_for(pilot, lambda: compose.template_name == "ticket/resolved")
        await wait_for(pilot, lambda: compose.query_one(VariableForm).specs)
        values = compose.query_one(VariableForm).values()
        assert values["agent_name"] == "Dana"
        assert str(values["ticket"]) == str(sent_values["ticket"])
        assert compose.query_one("#opt-dialog", Input).value == "chat77"
        assert compose.edit_of is None


async def test_resend_edit_and_delete_reach_the_portal(
    make_service: Callable[..., Service], sandbox_app: Any
) -> None:
    service = make_service(confirm_send=False)
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        compose = await ready(pilot)
        await pick(pilot, compose, "notice/short")
        compose.query_one("#opt-dialog", Input).value = "chat3"
        compose.query_one("#var-text", Input).value = "First"
        await wait_for(pilot, lambda: compose.preview and compose.preview.ok)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: compose.last_outcome is not None)
        first = compose.last_outcome
        assert first is not None and first.status == "sent"

        screen = await open_history(pilot)
        screen.query_one(DataTable).focus()
        await pilot.press("r")  # resend: a new send, a new row, asked even without confirm_send
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(sandbox_messages(sandbox_app)) == 2)
        await wait_for(pilot, lambda: len(screen.order) == 2 and not screen._busy)

        # Edit the newest: opens Compose in edit mode; ctrl+s updates on the portal.
        newest = screen.records[screen.order[0]]
        await pilot.press("ctrl+home", "e")
        await wait_for(pilot, lambda: app.current_mode == "compose")
        await wait_for(pilot, lambda: compose.edit_of == newest.id)
        await wait_for(pilot, lambda: compose.template_name == "notice/short")
        compose.query_one("#var-text", Input).value = "Corrected"
        await wait_for(pilot, lambda: compose.preview and compose.preview.ok)
        compose.last_outcome = None
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: compose.last_outcome is not None)
        stored = sandbox_app.state.sandbox.message(newest.message_id)
        assert "Corrected" in str(stored.message)
        assert compose.edit_of is None  # back to sending new messages

        # Delete the first message on the portal.
        assert first.history_id is not None and first.message_id is not None
        first_id, first_message = first.history_id, first.message_id
        screen = await open_history(pilot)
        oldest_row = screen.order.index(first_id)
        table = screen.query_one(DataTable)
        table.focus()
        table.move_cursor(row=oldest_row)
        await pilot.pause()
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("enter")
        await wait_for(pilot, lambda: sandbox_app.state.sandbox.message(first_message).deleted)
        await wait_for(pilot, lambda: (r := service.history.get(first_id)) and r.deleted_at)


async def test_copy_as_curl_masks_secrets(service: Service, sandbox_app: Any) -> None:
    copied: list[str] = []
    app = B24NotifyApp(service)
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign,assignment]
    fill_history(service.history, 1)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await open_history(pilot)
        screen.query_one(DataTable).focus()
        await pilot.press("c")
        await wait_for(pilot, lambda: copied)
        assert copied[0].startswith("curl")
        assert "imbot.message.add" in copied[0]
        assert "/sandbox/" not in copied[0]  # the webhook code is masked
