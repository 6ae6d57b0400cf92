"""The Sandbox inbox on the real app: messages arrive, newest first, drawn as the chat shows."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from textual.pilot import Pilot
from textual.widgets import DataTable, Input
from tui_support import SIZE, pick, ready, wait_for

from b24notify.core.config import Config, Profile
from b24notify.core.history import History
from b24notify.core.models import Draft, SendOptions
from b24notify.core.service import Service
from b24notify.tui.app import B24NotifyApp
from b24notify.tui.screens.dialogs import ErrorDialog
from b24notify.tui.screens.inbox import InboxScreen
from b24notify.tui.widgets.chat_preview import ChatPreview

SANDBOX_URL = "http://sandbox.test"


async def open_inbox(pilot: Pilot[Any]) -> InboxScreen:
    app = pilot.app
    assert isinstance(app, B24NotifyApp)
    await pilot.pause()
    app.open_screen("inbox")
    screen = await wait_for(pilot, lambda: isinstance(app.screen, InboxScreen) and app.screen)
    assert isinstance(screen, InboxScreen)
    await wait_for(pilot, lambda: screen.is_mounted and screen.query(ChatPreview))
    return screen


def status(screen: InboxScreen) -> str:
    return str(screen.query_one("#inbox-status").render())


def draft(text: str, dialog: str = "chat42") -> Draft:
    return Draft(
        template="notice/short",
        values={"text": text, "important": "false"},
        options=SendOptions(dialog_id=dialog),
    )


async def test_a_message_sent_from_compose_shows_in_the_inbox(
    make_service: Callable[..., Service],
) -> None:
    service = make_service(confirm_send=False)
    app = B24NotifyApp(service, sandbox_url=SANDBOX_URL)
    async with app.run_test(size=SIZE) as pilot:
        compose = await ready(pilot)
        await pick(pilot, compose, "notice/short")
        compose.query_one("#opt-dialog", Input).value = "chat42"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: compose.last_outcome is not None)
        assert compose.last_outcome is not None and compose.last_outcome.status == "sent"
        await pilot.press("f5")
        screen = await wait_for(pilot, lambda: isinstance(app.screen, InboxScreen) and app.screen)
        await wait_for(pilot, lambda: screen.feed.messages)
        table = screen.query_one(DataTable)
        cells = [str(c) for c in table.get_row_at(0)]
        assert cells[0] == str(compose.last_outcome.message_id)
        assert cells[3:] == ["chat42", "imbot.message.add", "new"]
        assert "Support Bot" in cells[2] or cells[2] == "7"
        chat = screen.query_one(ChatPreview)
        await wait_for(pilot, lambda: "The office network will restart" in chat.plain())
        assert "chat42" in chat.plain()
        assert "1 message" in status(screen)


async def test_messages_arrive_live_newest_first(service: Service) -> None:
    app = B24NotifyApp(service, sandbox_url=SANDBOX_URL)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inbox(pilot)
        await wait_for(pilot, lambda: "0 messages" in status(screen))
        chat = screen.query_one(ChatPreview)
        first = await service.send(draft("First news"))
        await wait_for(pilot, lambda: screen.selected == first.message_id)  # polled, ~1 s
        await wait_for(pilot, lambda: "First news" in chat.plain())
        second = await service.send(draft("Second news", dialog="42"))
        await wait_for(pilot, lambda: screen.selected == second.message_id)
        await wait_for(pilot, lambda: "Second news" in chat.plain())
        table = screen.query_one(DataTable)
        ids = [str(table.get_row_at(n)[0]) for n in range(table.row_count)]
        assert ids == [str(second.message_id), str(first.message_id)]
        # Picking an older message stops following; the next arrival does not steal it.
        table.focus()
        table.move_cursor(row=1)
        await wait_for(pilot, lambda: screen.selected == first.message_id)
        assert not screen.follow
        third = await service.send(draft("Third news"))
        await wait_for(pilot, lambda: third.message_id in screen.feed.messages)
        assert screen.selected == first.message_id and "First news" in chat.plain()
        await pilot.press("n")  # back to the newest, following again
        assert screen.selected == third.message_id and screen.follow


async def test_edits_and_deletes_show_after_a_refresh(service: Service) -> None:
    app = B24NotifyApp(service, sandbox_url=SANDBOX_URL)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inbox(pilot)
        sent = await service.send(draft("To be removed"))
        assert sent.history_id is not None
        await wait_for(pilot, lambda: sent.message_id in screen.feed.messages)
        outcome = await service.delete_message(sent.history_id)
        assert outcome.status == "sent"
        screen.query_one(DataTable).focus()
        await pilot.press("r")
        table = screen.query_one(DataTable)
        await wait_for(pilot, lambda: str(table.get_row_at(0)[5]) == "deleted")
        banner = screen.query_one(ChatPreview).query_one("#chat-banner")
        assert banner.display and "Deleted" in str(banner.render())


async def test_pause_stops_polling(service: Service) -> None:
    app = B24NotifyApp(service, sandbox_url=SANDBOX_URL)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inbox(pilot)
        await wait_for(pilot, lambda: "0 messages" in status(screen))
        screen.query_one(DataTable).focus()
        await pilot.press("p")
        assert "paused" in status(screen)
        polls = screen.polls
        await pilot.pause(1.5)
        assert screen.polls == polls


async def test_without_a_sandbox_it_says_so(tmp_path: Path) -> None:
    real = Profile(
        name="main",
        webhook="https://example.bitrix24.com/rest/1/code/",
        client_id="c",
    )
    service = Service(Config(profiles={"main": real}), history=History(tmp_path / "h.sqlite3"))
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inbox(pilot)
        assert screen.url is None
        assert status(screen).startswith("No sandbox")
        await pilot.pause(1.2)
        assert screen.polls == 0  # nothing is dialled


async def test_a_sandbox_profile_is_found_without_the_app_url(service: Service) -> None:
    app = B24NotifyApp(service)  # the fixture's profile has sandbox = true
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inbox(pilot)
        assert screen.url == "http://127.0.0.1:9"
        await service.send(draft("Via the profile"))
        await wait_for(pilot, lambda: screen.feed.messages)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_an_unreachable_sandbox_is_reported_and_retried(tmp_path: Path) -> None:
    service = Service(Config(), history=History(tmp_path / "h.sqlite3"))
    app = B24NotifyApp(service, sandbox_url=f"http://127.0.0.1:{closed_port()}")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inbox(pilot)
        await wait_for(pilot, lambda: screen.error is not None)
        assert "not reachable" in status(screen) and "retrying" in status(screen)
        assert screen.query_one("#inbox-status").has_class("-bad")
        await wait_for(pilot, lambda: screen.polls >= 2)
        assert not isinstance(app.screen, ErrorDialog)  # no modal for an expected failure


async def test_a_portal_that_is_not_a_sandbox(tmp_path: Path) -> None:
    not_sandbox = Starlette()
    profile = Profile(
        name="local", webhook="http://127.0.0.1:9/rest/1/code/", client_id="c", sandbox=True
    )
    service = Service(
        Config(profiles={"local": profile}),
        history=History(tmp_path / "h.sqlite3"),
        transport_factory=lambda p: httpx.ASGITransport(app=not_sandbox),
    )
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inbox(pilot)
        await wait_for(pilot, lambda: screen.error is not None)
        assert "not a b24notify sandbox" in status(screen)


async def test_the_demo_setup_over_real_loopback_http(tmp_path: Path) -> None:
    """As ``b24notify demo`` runs it: a served sandbox, no injected transport, the app's URL."""
    from b24notify.cli.demo import demo_config
    from b24notify.sandbox.config import SandboxConfig
    from b24notify.sandbox.runner import start_sandbox

    defaults = SandboxConfig()
    bot = defaults.bots[0]
    with start_sandbox(SandboxConfig(port=0)) as running:
        config = demo_config(running.port, defaults.webhook_code, bot.client_id, bot.bot_token)
        service = Service(config, history=History(tmp_path / "h.sqlite3"))  # type: ignore[arg-type]
        app = B24NotifyApp(service, sandbox_url=running.base_url)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_inbox(pilot)
            sent = await service.send(draft("Over the wire"))
            assert sent.status == "sent"
            await wait_for(pilot, lambda: sent.message_id in screen.feed.messages)
            chat = screen.query_one(ChatPreview)
            await wait_for(pilot, lambda: "Over the wire" in chat.plain())
            assert screen.bot_names.get(bot.id) == bot.name
