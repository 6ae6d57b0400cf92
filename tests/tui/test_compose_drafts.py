"""History's "open as draft" in Compose: the API it was sent with, and a template that is gone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Select
from tui_support import SIZE, pick, ready, wait_for

from b24notify.core.history import History
from b24notify.core.service import Service
from b24notify.tui.app import B24NotifyApp
from b24notify.tui.screens.history import HistoryScreen
from b24notify.tui.widgets.compose_dialogs import MissingTemplateDialog, values_json
from b24notify.tui.widgets.variable_form import VariableForm


def record(history: History, *, api: str, template: str, values: dict[str, Any]) -> int:
    """One delivered send, as History stores it."""
    method = "imbot.v2.Chat.Message.send" if api == "v2" else "imbot.message.add"
    hid = history.record_pending(
        profile="sandbox",
        portal="127.0.0.1",
        api=api,
        method=method,
        bot_id=7,
        dialog_id="chat31",
        template=template,
        template_hash="0" * 16,
        values=values,
        params={"DIALOG_ID": "chat31", "MESSAGE": "stored", "BOT_ID": 7},
        message_text="stored",
    )
    history.finish(hid, "sent", message_id=4242)
    return hid


async def open_newest_as_draft(pilot: Any) -> None:
    app = pilot.app
    await pilot.press("f3")
    history = await wait_for(
        pilot, lambda: app.screen if isinstance(app.screen, HistoryScreen) else None
    )
    await wait_for(pilot, lambda: history.order and not history._busy)
    history.query_one(DataTable).focus()
    await pilot.press("o")


@pytest.mark.parametrize(("sent_with", "panel_on"), [("v1", "v2"), ("v2", "v1")])
async def test_open_as_draft_selects_the_api_it_was_sent_with(
    make_service: Callable[..., Service], tmp_path: Path, sent_with: str, panel_on: str
) -> None:
    history = History(tmp_path / "h.sqlite3")
    record(history, api=sent_with, template="notice/short", values={"text": "Stored notice"})
    app = B24NotifyApp(make_service(history=history))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pick(pilot, screen, "ticket/resolved")
        screen.query_one("#opt-api", Select).value = panel_on
        await wait_for(pilot, lambda: screen.preview and screen.preview.api == panel_on)

        await open_newest_as_draft(pilot)

        await wait_for(
            pilot, lambda: app.screen is screen and screen.template_name == "notice/short"
        )
        await wait_for(pilot, lambda: screen.preview and screen.preview.api == sent_with)
        assert screen.query_one("#opt-api", Select).value == sent_with
        send = {"v1": "imbot.message.add", "v2": "imbot.v2.Chat.Message.send"}[sent_with]
        assert screen.preview is not None and screen.preview.method == send
        assert screen.query_one(VariableForm).values()["text"] == "Stored notice"
        assert screen.edit_of is None


async def test_a_gone_template_shows_the_stored_values_and_keeps_the_draft(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    history = History(tmp_path / "h.sqlite3")
    values = {"guest": "Dana", "items": ["soup", "bread"]}
    record(history, api="v2", template="kitchen", values=values)
    copied: list[str] = []
    app = B24NotifyApp(make_service(history=history))
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign,assignment]
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pick(pilot, screen, "ticket/resolved")
        before = screen.query_one(VariableForm).values()

        await open_newest_as_draft(pilot)

        dialog = await wait_for(
            pilot, lambda: app.screen if isinstance(app.screen, MissingTemplateDialog) else None
        )
        assert dialog.title_text == "The template 'kitchen' no longer exists"
        rows = dict(dialog.rows())
        assert rows["guest"] == "Dana"
        assert rows["items"] == "soup, bread"
        assert (rows["Dialog"], rows["API"]) == ("chat31", "v2")
        await pilot.press("c")
        assert copied == [values_json(values)]
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        # The draft that was on screen is still there.
        assert screen.template_name == "ticket/resolved"
        assert screen.query_one(VariableForm).values() == before
