"""The help screen names each key's id for remapping; the config's problems are said in the UI."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

from textual.widgets import DataTable, Static
from tui_support import SIZE, ready, wait_for

from b24notify.core.service import Service
from b24notify.tui.app import B24NotifyApp, binding_ids
from b24notify.tui.screens.dialogs import HelpScreen

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def on_top(app: B24NotifyApp, kind: type) -> object:
    return app.screen if isinstance(app.screen, kind) else None


async def test_help_lists_the_screens_keys_first_with_their_ids(service: Service) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        sections = app.help_sections()
        assert sections[0][0] == "Compose"
        assert ("ctrl+s", "Send", "compose.send") in sections[0][1]
        assert sections[1][0] == "Everywhere"
        where = [title for title, _ in sections]
        assert "Input" not in where  # Textual's text-editing keys stay out
        await pilot.press("f1")
        help_screen = await wait_for(
            pilot, lambda: isinstance(app.screen, HelpScreen) and app.screen
        )
        table = help_screen.query_one("#help-keys", DataTable)
        assert [str(c.label) for c in table.columns.values()] == ["Key", "Action", "Where", "Id"]
        assert table.get_row_at(0) == ["ctrl+s", "Send", "Compose", "compose.send"]
        note = str(help_screen.query_one("#help-note", Static).render())
        assert "[keys] table" in note


def test_the_example_config_remaps_real_ids() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    table = text[text.index("[keys]") :].split("\n\n")[0]
    keys = tomllib.loads(
        "\n".join(line.removeprefix("# ") for line in table.splitlines() if line.startswith('# "'))
    )
    assert keys and set(keys) <= binding_ids()


async def test_an_unknown_key_id_and_theme_are_reported(
    make_service: Callable[..., Service],
) -> None:
    service = make_service(keys={"send": "ctrl+k", "compose.send": "f12"}, theme="no-such-theme")
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: len(app._notifications) >= 2)
        messages = [n.message for n in app._notifications]
        assert any("'send'" in m and "compose.send" in m for m in messages)
        assert not any("'compose.send'" in m for m in messages)
        assert any("no theme 'no-such-theme'" in m for m in messages)
