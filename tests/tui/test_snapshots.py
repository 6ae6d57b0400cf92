"""SVG snapshots of how the app looks: Compose with each shipped template, History, the error modal.

Regenerate after a deliberate change with ``uv run pytest tests/tui/test_snapshots.py
--snapshot-update`` and look at the report before committing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input
from tui_support import ready, wait_for

from b24notify.core.errors import ValidationFailed
from b24notify.core.history import History
from b24notify.core.models import Problem, SendStatus
from b24notify.core.paths import shipped_templates_dir
from b24notify.core.service import Service
from b24notify.tui.app import B24NotifyApp
from b24notify.tui.screens.history import HistoryScreen
from b24notify.tui.widgets import when_input
from b24notify.tui.widgets.template_list import TemplateList

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
SHIPPED = sorted(
    str(p.relative_to(shipped_templates_dir()).with_suffix(""))
    for p in shipped_templates_dir().rglob("*.toml")
)


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    """History shows local times; pin the zone so snapshots match on every machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


@pytest.fixture(autouse=True)
def pinned_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """Date fields say how far their value is from now ("in 3 days"): pin now."""
    monkeypatch.setattr(when_input, "local_now", lambda: datetime(2025, 3, 14, 9, 30))


def fixed_clock() -> Callable[[], datetime]:
    moments = iter(
        datetime(2025, 3, 14, 9, 30, tzinfo=UTC) + timedelta(minutes=7 * n) for n in range(10_000)
    )
    return lambda: next(moments)


async def show_template(pilot: Any, name: str) -> None:
    """The screen as a user leaves it after choosing ``name`` and typing a dialog."""
    screen = await ready(pilot)
    screen.query_one(TemplateList).post_message(TemplateList.Selected(name))
    await wait_for(pilot, lambda: screen.template_name == name and screen.preview is not None)
    screen.query_one("#opt-dialog", Input).value = "chat42"
    screen.query_one("#chat-body").focus()  # no blinking cursor in the picture
    await pilot.pause(0.3)  # let the scroll to the focused field finish…
    screen.query_one("#form-scroll").scroll_home(animate=False)  # …and start from the top
    await pilot.pause()
    await wait_for(
        pilot, lambda: screen.preview is not None and screen.preview.problems is not None
    )


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("template", [pytest.param(t, id=t.replace("/", "-")) for t in SHIPPED])
def test_compose(snap_compare: Any, service: Service, template: str, size: tuple[int, int]) -> None:
    async def run_before(pilot: Any) -> None:
        await show_template(pilot, template)

    assert snap_compare(B24NotifyApp(service), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_history(
    snap_compare: Any, make_service: Callable[..., Service], tmp_path: Path, size: tuple[int, int]
) -> None:
    history = History(tmp_path / "snap.sqlite3", clock=fixed_clock())
    rows: list[tuple[SendStatus, str]] = [
        ("sent", "chat42"), ("failed", "chat7"), ("unknown", "1"), ("sent", "chat42")
    ]  # fmt: skip
    for n, (status, dialog) in enumerate(rows):
        hid = history.record_pending(
            profile="sandbox", portal="127.0.0.1", api="v1", method="imbot.message.add",
            bot_id=7, dialog_id=dialog, template="notice/short", template_hash="0" * 16,
            values={"text": f"Notice {n}"},
            params={"BOT_ID": 7, "DIALOG_ID": dialog, "MESSAGE": f"[b]Notice {n}[/b]"},
            message_text=f"Notice {n}",
        )  # fmt: skip
        history.finish(
            hid,
            status,
            message_id=1001 + n if status == "sent" else None,
            error_code="ACCESS_DENIED" if status == "failed" else None,
            error_description="Access denied! Client ID not specified"
            if status == "failed"
            else ("read timeout" if status == "unknown" else None),
            http_status=403 if status == "failed" else (200 if status == "sent" else None),
        )
    service = make_service(history=history)

    async def run_before(pilot: Any) -> None:
        await ready(pilot)
        await pilot.press("f3")
        screen = await wait_for(
            pilot, lambda: pilot.app.screen if isinstance(pilot.app.screen, HistoryScreen) else None
        )
        await wait_for(pilot, lambda: screen.query_one(DataTable).row_count == 4)
        await pilot.press("down")
        await pilot.pause()

    assert snap_compare(B24NotifyApp(service), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_error_modal(snap_compare: Any, service: Service, size: tuple[int, int]) -> None:
    async def run_before(pilot: Any) -> None:
        await show_template(pilot, "notice/short")
        error = ValidationFailed(
            [Problem("DIALOG_ID_EMPTY", "DIALOG_ID", "DIALOG_ID is missing.", "error")]
        )
        error.detail = "DIALOG_ID_EMPTY DIALOG_ID: DIALOG_ID is missing."
        pilot.app.show_error(error)
        await pilot.pause()

    assert snap_compare(B24NotifyApp(service), terminal_size=size, run_before=run_before)
