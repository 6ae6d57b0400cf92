"""SteadyTabs: a pane comes forward when a widget in it takes focus, but not after focus left."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Button, TabPane, Tabs

from b24notify.tui.widgets.steady_tabs import SteadyTabs


class TwoPanes(App[None]):
    def compose(self) -> ComposeResult:
        with SteadyTabs(initial="one"):
            with TabPane("One", id="one"):
                yield Button("In one", id="b-one")
            with TabPane("Two", id="two"):
                yield Button("In two", id="b-two")


async def test_a_late_focus_message_does_not_pull_the_old_pane_back() -> None:
    app = TwoPanes()
    async with app.run_test() as pilot:
        tabs = app.query_one(SteadyTabs)
        await pilot.pause()
        # A widget in pane one takes focus, and before its messages arrive the
        # code switches to pane two and moves focus to the tab bar.
        app.query_one("#b-one", Button).focus()
        tabs.active = "two"
        app.query_one(Tabs).focus()
        await pilot.pause()
        await pilot.pause()
        assert tabs.active == "two"
        assert app.query_one("#b-two", Button).region, "pane two is on screen"


async def test_focus_inside_a_hidden_pane_still_brings_it_forward() -> None:
    app = TwoPanes()
    async with app.run_test() as pilot:
        tabs = app.query_one(SteadyTabs)
        await pilot.pause()
        tabs.active = "two"
        await pilot.pause()
        app.query_one("#b-one", Button).focus()
        await pilot.pause()
        await pilot.pause()
        assert tabs.active == "one"
