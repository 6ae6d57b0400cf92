"""The theme picked in the app is the theme next time, unless the config's theme changed since."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st
from tui_support import SIZE, ready

from b24notify.core.service import Service
from b24notify.tui.app import B24NotifyApp
from b24notify.tui.ui_state import load_state, save_state, state_file, theme_to_use


async def test_a_picked_theme_is_kept_for_the_next_start(
    make_service: Callable[..., Service],
) -> None:
    app = B24NotifyApp(make_service(theme="nord"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert app.theme == "nord"
        assert not state_file().exists()  # starting writes nothing
        app.theme = "gruvbox"
        await pilot.pause()
    assert load_state() == {"theme": "gruvbox", "config_theme": "nord"}
    again = B24NotifyApp(make_service(theme="nord"))
    async with again.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert again.theme == "gruvbox"
    edited = B24NotifyApp(make_service(theme="dracula"))  # the config changed since
    async with edited.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert edited.theme == "dracula"


def test_an_unreadable_state_file_is_no_state() -> None:
    path = state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json", encoding="utf-8")
    assert load_state() == {}
    save_state({"theme": "nord"})
    assert load_state() == {"theme": "nord"}


@given(
    config=st.none() | st.sampled_from(["nord", "dracula"]),
    remembered=st.none() | st.sampled_from(["gruvbox", "nord"]),
    at=st.none() | st.sampled_from(["nord", "dracula"]),
)
def test_the_config_wins_once_it_changes(
    config: str | None, remembered: str | None, at: str | None
) -> None:
    state = {} if remembered is None else {"theme": remembered, "config_theme": at}
    chosen = theme_to_use(config, state)
    if remembered is not None and at == config:
        assert chosen == remembered
    else:
        assert chosen == config
