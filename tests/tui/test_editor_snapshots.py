"""SVG snapshots of the Template editor: a shipped template, and one with an error at its line.

Regenerate after a deliberate change with ``uv run pytest tests/tui/test_editor_snapshots.py
--snapshot-update`` and look at the report before committing.
"""

from __future__ import annotations

from typing import Any

import pytest
from tui_support import open_editor, wait_for

from b24notify.core.service import Service
from b24notify.tui.app import B24NotifyApp
from b24notify.tui.screens.editor import EditorScreen

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


async def open_in_editor(pilot: Any, name: str) -> EditorScreen:
    screen = await open_editor(pilot, name)
    screen.area.cursor_blink = False
    await pilot.pause()
    return screen


@pytest.mark.parametrize("size", SIZES)
def test_editor(snap_compare: Any, service: Service, size: tuple[int, int]) -> None:
    async def run_before(pilot: Any) -> None:
        await open_in_editor(pilot, "incident/opened")

    assert snap_compare(B24NotifyApp(service), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_editor_with_an_error(snap_compare: Any, service: Service, size: tuple[int, int]) -> None:
    async def run_before(pilot: Any) -> None:
        screen = await open_in_editor(pilot, "notice/short")
        area = screen.area
        text = area.text.replace("{{ text }}", "{{ text ", 1)
        area.replace(text, (0, 0), area.document.end)
        await wait_for(pilot, lambda: screen.area.error_line is not None)
        area.move_cursor((0, 0))
        await pilot.pause()

    assert snap_compare(B24NotifyApp(service), terminal_size=size, run_before=run_before)
