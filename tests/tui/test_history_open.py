"""Opening History: one page query per visit, no restyling pass, the newest rows as sent."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from test_history import fill_history
from textual.widgets import Select
from tui_support import SIZE, ready, wait_for

from b24notify.core.history import History, SendRecord
from b24notify.core.service import Service
from b24notify.tui import app as tui_app
from b24notify.tui.app import B24NotifyApp
from b24notify.tui.screens.history import PAGE, HistoryScreen
from b24notify.tui.widgets.history_table import HistoryTable, local_time


class CountingHistory(History):
    """A real History that also counts its page queries (they run in worker threads)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.searches: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def search(self, *args: Any, **kwargs: Any) -> list[SendRecord]:
        with self._lock:
            self.searches.append(kwargs)
        return super().search(*args, **kwargs)


class CountingApp(B24NotifyApp):
    """The real app, counting the whole-app restyling passes Textual makes."""

    CSS_PATH = str(Path(tui_app.__file__).with_name("app.tcss"))  # a relative one follows the class
    restyles = 0

    def refresh_css(self, animate: bool = True) -> None:
        self.restyles += 1
        super().refresh_css(animate)


async def settled(pilot: Any, screen: HistoryScreen) -> None:
    """The rows and the count are in, and a late second load would have had time to start."""
    await wait_for(pilot, lambda: screen.total is not None and not screen._busy)
    await pilot.pause(0.2)
    await wait_for(pilot, lambda: not screen._busy)


async def test_first_open_and_each_return_query_one_page_once(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    history = CountingHistory(tmp_path / "h.sqlite3")
    ids = fill_history(history, PAGE + 5)
    app = CountingApp(make_service(history=history))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.pause()
        history.searches.clear()
        restyles = app.restyles
        await pilot.press("f3")
        screen = await wait_for(pilot, lambda: app.screen_of("history"))
        assert isinstance(screen, HistoryScreen)
        await settled(pilot, screen)
        assert history.searches == [{"limit": PAGE, "before_id": None}]
        assert app.restyles == restyles  # no whole-app restyling for a new screen
        assert screen.order == ids[::-1][:PAGE]

        for visit in range(2):
            await pilot.press("f2")
            await wait_for(pilot, lambda: app.current_mode == "compose")
            await pilot.press("f3")
            await wait_for(pilot, lambda: app.current_mode == "history")
            await settled(pilot, screen)
            assert len(history.searches) == 2 + visit, history.searches
        assert screen.query_one(HistoryTable).row_count == PAGE


async def test_setting_a_filter_to_its_value_does_not_reload(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    history = CountingHistory(tmp_path / "h.sqlite3")
    fill_history(history, 12)
    app = B24NotifyApp(make_service(history=history))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f3")
        screen = await wait_for(pilot, lambda: app.screen_of("history"))
        await settled(pilot, screen)
        before = len(history.searches)
        status = screen.query_one("#history-status", Select)
        status.value = "failed"
        await settled(pilot, screen)
        assert history.searches[before:] == [{"status": "failed", "limit": PAGE, "before_id": None}]
        status.value = "failed"  # the same again: nothing to load
        await settled(pilot, screen)
        assert len(history.searches) == before + 1


async def test_cells_show_the_stored_values(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    history = History(tmp_path / "h.sqlite3")
    fill_history(history, 3)  # row 2: unknown, row 1: failed, row 0: sent (message 5000)
    history.mark_deleted(history.search(status="sent")[0].id)
    app = B24NotifyApp(make_service(history=history))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f3")
        screen = await wait_for(pilot, lambda: app.screen_of("history"))
        await settled(pilot, screen)
        table = screen.query_one(HistoryTable)
        rows = [[cell.plain for cell in table.get_row_at(i)] for i in range(table.row_count)]
        stored = history.search()
        assert rows == [
            [
                local_time(r.created_at),
                r.status + (" ✗del" if r.deleted_at else " ✎" if r.edited_at else ""),
                "notice/short",
                f"chat{n}",
                str(5000) if r.status == "sent" else "",
            ]
            for n, r in zip((2, 1, 0), stored, strict=True)
        ]
        assert [r[1] for r in rows] == ["unknown", "failed", "sent ✗del"]


async def test_theme_changes_restyle_history_on_it_and_away_from_it(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    """The first visit skips Textual's restyling on resume; a theme change still reaches it."""
    history = History(tmp_path / "h.sqlite3")
    fill_history(history, 3)
    app = B24NotifyApp(make_service(history=history))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        first_theme = app.theme
        other = "textual-light" if app.current_theme.dark else "textual-dark"
        await pilot.press("f3")
        screen = await wait_for(pilot, lambda: app.screen_of("history"))
        await settled(pilot, screen)
        table = screen.query_one(HistoryTable)
        before = table.styles.background

        app.theme = other  # while History is shown, before it was ever left
        await wait_for(pilot, lambda: table.styles.background != before)
        changed = table.styles.background

        await pilot.press("f2")
        await wait_for(pilot, lambda: app.current_mode == "compose")
        app.theme = first_theme  # while History is away
        await pilot.pause()
        await pilot.press("f3")
        await wait_for(pilot, lambda: app.current_mode == "history")
        await wait_for(pilot, lambda: table.styles.background == before)
        assert changed != before


async def test_show_send_lands_on_that_send_with_every_filter_cleared(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    history = History(tmp_path / "h.sqlite3")
    ids = fill_history(history, 40)  # statuses cycle sent/failed/unknown
    target = ids[-7]  # row 33: sent, on the first page
    app = B24NotifyApp(make_service(history=history))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        # From another screen, as Compose does after a send: switch, then point at the row.
        app.open_screen("history")
        screen = await wait_for(pilot, lambda: app.screen_of("history"))
        assert isinstance(screen, HistoryScreen)
        screen.show_send(target)
        await settled(pilot, screen)
        assert screen.selected_id() == target
        assert screen.detail_view is not None

        # Filters that hide it are cleared.
        screen.query_one("#history-status", Select).value = "failed"
        await settled(pilot, screen)
        assert target not in screen.order
        screen.show_send(target)
        await settled(pilot, screen)
        assert screen.query_one("#history-status", Select).value == ""
        assert screen.selected_id() == target and len(screen.order) == 40
