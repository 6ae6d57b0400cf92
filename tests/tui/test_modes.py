"""Screens reached by mode: the first visit costs no stylesheet re-parse, yet follows the theme."""

from __future__ import annotations

from typing import Any

import pytest
from textual.css.stylesheet import Stylesheet
from tui_support import SIZE, ready, wait_for

from b24notify.core.service import Service
from b24notify.tui.app import SCREENS, B24NotifyApp


async def test_first_visits_do_not_reparse_the_stylesheet(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    reparsed: list[Any] = []
    original = Stylesheet.reparse

    def counting(self: Stylesheet) -> None:
        reparsed.append(self)
        original(self)

    monkeypatch.setattr(Stylesheet, "reparse", counting)
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        for name in SCREENS:
            if name == "compose":
                continue
            before = len(reparsed)
            await app.switch_mode(name)
            await pilot.pause()
            assert len(reparsed) == before, f"opening {name} re-parsed the stylesheet"


async def test_a_screen_first_opened_after_a_theme_change_wears_the_new_theme(
    service: Service,
) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        dark_background = app.screen.styles.background
        app.theme = "textual-light"
        await pilot.pause()
        assert app.screen.styles.background != dark_background
        await app.switch_mode("history")
        await wait_for(pilot, lambda: app.current_mode == "history")
        await pilot.pause()
        history = app.screen
        assert history.styles.background == app.screen_of("compose").styles.background  # type: ignore[union-attr]
        assert history.styles.background != dark_background
