"""SVG snapshots of the Bulk screen: a dry run that found bad rows, at 120×36 and 80×24.

Regenerate after a deliberate change with ``uv run pytest
tests/tui/test_bulk_screen_snapshots.py --snapshot-update`` and look at the
report before committing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_bulk_screen import HEADER, bulk_service, check, fill, open_bulk, sandbox_app
from textual.widgets import DataTable, Input
from tui_support import wait_for

from b24notify.core.service import Service
from b24notify.tui.app import B24NotifyApp

__all__ = ["bulk_service", "sandbox_app"]  # fixtures used here

SIZES = [pytest.param((120, 36), id="120x36"), pytest.param((80, 24), id="80x24")]


@pytest.mark.parametrize("size", SIZES)
def test_bulk_dry_run_with_bad_rows(
    snap_compare: Any,
    bulk_service: Callable[..., Service],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    size: tuple[int, int],
) -> None:
    # A relative path: the data field shows the same text on every machine.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "people.csv").write_text(
        HEADER.replace("\n", ",Region\n")
        + "chat1,Hello one,false,north\n"
        + "chat2,Hello [b]two[/b],true,south\n"
        + "nobody,Bad dialog,false,east\n"
        + "42,Four,maybe,west\n"
    )

    async def run_before(pilot: Any) -> None:
        screen = await open_bulk(pilot)
        for box in screen.query(Input):
            box.cursor_blink = False
        await fill(pilot, screen, "people.csv")
        await wait_for(pilot, lambda: screen.setup.found is not None)
        await check(pilot, screen)
        screen.query_one("#bc-problems", DataTable).focus()
        await pilot.pause()

    assert snap_compare(B24NotifyApp(bulk_service()), terminal_size=size, run_before=run_before)
