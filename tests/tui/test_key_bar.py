"""The key bar: shows the screen's keys as remapped, follows screen switches, clicks press keys."""

from __future__ import annotations

from collections.abc import Callable

from tui_support import SIZE, ready, wait_for

from b24notify.core.service import Service
from b24notify.tui.app import B24NotifyApp
from b24notify.tui.screens.dialogs import HelpScreen
from b24notify.tui.screens.history import HistoryScreen
from b24notify.tui.widgets.key_bar import KeyBar


def bar_text(app: B24NotifyApp) -> str:
    return app.screen.query_one(KeyBar).render().plain


async def test_shows_each_screens_keys_and_the_palette_on_the_right(
    make_service: Callable[..., Service],
) -> None:
    app = B24NotifyApp(make_service())
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        text = bar_text(app)
        assert text.startswith(" ^s Send  ^f Find template ")
        assert text.rstrip().endswith("▏^p palette")
        assert len(text) == SIZE[0]
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        await pilot.pause()
        text = bar_text(app)
        assert "Open as draft" in text
        assert "Send" not in text.split("▏")[0]


async def test_a_remapped_key_is_shown_as_remapped(make_service: Callable[..., Service]) -> None:
    app = B24NotifyApp(make_service(keys={"compose.send": "f12"}))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        text = bar_text(app)
        assert " f12 Send " in text
        assert "^s" not in text


async def test_keys_that_do_not_fit_are_dropped_whole(make_service: Callable[..., Service]) -> None:
    app = B24NotifyApp(make_service())
    async with app.run_test(size=(60, 24)) as pilot:
        await ready(pilot)
        text = bar_text(app)
        assert len(text) == 60
        assert text.rstrip().endswith("▏^p palette")
        shown = text.split("▏")[0]
        # Every key shown comes with its whole description: nothing is cut mid-word.
        bar = app.screen.query_one(KeyBar)
        keys, _ = bar.shown()
        drawn = [k for k in keys if f" {k.display} {k.description} " in shown]
        assert drawn and len(drawn) < len(keys)
        assert drawn == keys[: len(drawn)]


async def test_clicking_a_key_presses_it(make_service: Callable[..., Service]) -> None:
    app = B24NotifyApp(make_service())
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        bar = app.screen.query_one(KeyBar)
        bar.render()
        span = next(s for s in bar._spans if s.key == "f1")
        await pilot.click(KeyBar, offset=(span.start + 1, 0))
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        # A click beside every key does nothing.
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))
        last = bar._spans[-2]
        assert bar.key_at(last.end) is None
