"""History's run filter: ``show_run`` narrows the table to one bulk run; Esc or a click clears."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from test_history_open import CountingHistory
from textual.coordinate import Coordinate
from textual.widgets import Input, Select, Static
from tui_support import SIZE, click, ready, wait_for

from b24notify.core.history import History
from b24notify.core.models import SendStatus
from b24notify.core.service import Service
from b24notify.tui.app import B24NotifyApp
from b24notify.tui.screens.history import HistoryScreen, RunChip
from b24notify.tui.widgets.history_table import HistoryTable

RUN_A = "r20250314-093000-a1b2"
RUN_B = "r20250314-101500-c3d4"


def fill(history: History) -> dict[str | None, list[int]]:
    """Sends of two runs interleaved with plain sends; run (None: plain) → ids, oldest first."""
    plan: list[tuple[str | None, int | None, str]] = [
        (None, None, "plain hello"),
        (RUN_A, 1, "welcome Dana"),
        (RUN_A, 2, "welcome Oleg"),
        (None, None, "plain welcome"),
        (RUN_B, 1, "welcome Aigerim"),
        (RUN_A, 3, "welcome Pavel"),
        (RUN_B, 2, "reminder Dana"),
        (None, None, "plain reminder"),
    ]
    ids: dict[str | None, list[int]] = {}
    for n, (run, row, text) in enumerate(plan):
        hid = history.record_pending(
            profile="sandbox",
            api="v1",
            method="imbot.message.add",
            dialog_id=f"chat{n}",
            template="notice/short",
            params={"DIALOG_ID": f"chat{n}", "MESSAGE": text},
            message_text=text,
            run_id=run,
            row_number=row,
        )
        status: SendStatus = "failed" if n % 3 == 1 else "sent"
        history.finish(hid, status, message_id=7000 + n if status == "sent" else None)
        ids.setdefault(run, []).append(hid)
    return ids


async def open_history(pilot: Any) -> HistoryScreen:
    await ready(pilot)
    await pilot.press("f3")
    screen = await wait_for(
        pilot, lambda: pilot.app.screen if isinstance(pilot.app.screen, HistoryScreen) else None
    )
    await until_loaded(pilot, screen)
    return screen


async def until_loaded(pilot: Any, screen: HistoryScreen) -> None:
    await wait_for(pilot, lambda: screen.total is not None and not screen._busy)
    await pilot.pause()


def shown(screen: HistoryScreen) -> list[int]:
    """The history ids in the table, top to bottom, as the table holds them."""
    table = screen.query_one(HistoryTable)
    keys = [
        table.coordinate_to_cell_key(Coordinate(i, 0)).row_key.value for i in range(table.row_count)
    ]
    return [int(k) for k in keys if k is not None]


def chip(screen: HistoryScreen) -> str | None:
    """The run chip's text, or None when it is hidden."""
    widget = screen.query_one(RunChip)
    return str(widget.render()) if widget.display else None


def count_line(screen: HistoryScreen) -> str:
    return str(screen.query_one("#history-count", Static).render())


async def test_show_run_shows_only_that_run_and_clearing_shows_all(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    history = History(tmp_path / "h.sqlite3")
    ids = fill(history)
    every = sorted((i for group in ids.values() for i in group), reverse=True)
    app = B24NotifyApp(make_service(history=history))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        assert shown(screen) == every and chip(screen) is None

        screen.show_run(RUN_A)
        await until_loaded(pilot, screen)
        assert shown(screen) == ids[RUN_A][::-1]  # newest first
        assert {screen.records[i].run_id for i in shown(screen)} == {RUN_A}
        assert chip(screen) is not None and RUN_A in chip(screen)  # type: ignore[operator]
        assert count_line(screen).startswith("3 of 3 matching")
        assert "escape" in screen.active_bindings

        await pilot.press("escape")
        await until_loaded(pilot, screen)
        assert shown(screen) == every
        assert chip(screen) is None and screen.run_id is None
        assert "escape" not in screen.active_bindings

        screen.show_run(RUN_B)
        await until_loaded(pilot, screen)
        assert shown(screen) == ids[RUN_B][::-1]
        await click(pilot, RunChip)
        await until_loaded(pilot, screen)
        assert shown(screen) == every and chip(screen) is None


async def test_search_and_status_combine_with_the_run(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    history = History(tmp_path / "h.sqlite3")
    ids = fill(history)
    app = B24NotifyApp(make_service(history=history))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        screen.show_run(RUN_A)
        await until_loaded(pilot, screen)
        search = screen.query_one("#history-search", Input)
        search.value = "welcome"
        await until_loaded(pilot, screen)
        # "welcome" is also in a plain send and in run B: only run A's are shown.
        assert shown(screen) == ids[RUN_A][::-1]
        search.value = "Oleg"
        await until_loaded(pilot, screen)
        assert [screen.records[i].message_text for i in shown(screen)] == ["welcome Oleg"]
        search.value = ""
        screen.query_one("#history-status", Select).value = "failed"
        await until_loaded(pilot, screen)
        failed = [i for i in ids[RUN_A][::-1] if history.get(i).status == "failed"]  # type: ignore[union-attr]
        assert failed and shown(screen) == failed

        # Clearing the run keeps the status filter: every failed send again.
        await pilot.press("escape")
        await until_loaded(pilot, screen)
        assert shown(screen) == [r.id for r in history.search(status="failed")]
        assert len(shown(screen)) > len(failed)


async def test_show_run_lands_on_exactly_the_run_over_a_leftover_search(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    history = History(tmp_path / "h.sqlite3")
    ids = fill(history)
    app = B24NotifyApp(make_service(history=history))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        screen.query_one("#history-search", Input).value = "plain"
        screen.query_one("#history-status", Select).value = "sent"
        await until_loaded(pilot, screen)
        assert {screen.records[i].run_id for i in shown(screen)} == {None}
        screen.show_run(RUN_B)
        await until_loaded(pilot, screen)
        assert shown(screen) == ids[RUN_B][::-1]
        assert screen.query_one("#history-search", Input).value == ""
        assert screen.query_one("#history-status", Select).value == ""


async def test_show_run_before_the_first_visit(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    """As Bulk's "Show in History" does: switch to the mode, then narrow it at once."""
    history = History(tmp_path / "h.sqlite3")
    ids = fill(history)
    app = B24NotifyApp(make_service(history=history))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await app.switch_mode("history")
        screen = app.screen_of("history")
        assert isinstance(screen, HistoryScreen)
        screen.show_run(RUN_A)
        await until_loaded(pilot, screen)
        await pilot.pause(0.1)
        assert shown(screen) == ids[RUN_A][::-1]
        assert chip(screen) is not None
        # Leaving and coming back keeps the run filter and shows its newest rows.
        await pilot.press("f2")
        await wait_for(pilot, lambda: app.current_mode == "compose")
        await pilot.press("f3")
        await wait_for(pilot, lambda: app.current_mode == "history")
        await until_loaded(pilot, screen)
        assert shown(screen) == ids[RUN_A][::-1]


async def test_show_run_on_a_screen_not_yet_mounted(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    """Narrowed before the screen has even composed: its one first load is the run's."""
    history = CountingHistory(tmp_path / "h.sqlite3")
    ids = fill(history)
    app = B24NotifyApp(make_service(history=history))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        history.searches.clear()
        mounted = app.switch_mode("history")  # the screen exists; it mounts when awaited
        screen = app.screen_of("history")
        assert isinstance(screen, HistoryScreen)
        screen.show_run(RUN_B)
        await mounted
        await until_loaded(pilot, screen)
        await pilot.pause(0.1)
        assert shown(screen) == ids[RUN_B][::-1]
        assert chip(screen) is not None and RUN_B in str(chip(screen))
        assert [s.get("run_id") for s in history.searches] == [RUN_B]
