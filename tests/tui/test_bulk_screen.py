"""Bulk screen flows on the real app over an in-process sandbox: check, send, stop, resume.

Every test drives the screen the way a user does (fields, keys, buttons,
dialogs) and then checks what matters outside the screen: the messages the
sandbox portal holds and the rows history keeps.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.widgets import Button, Input, Select, SelectionList, Static
from tui_support import SIZE, click, compose_screen, sandbox_messages, wait_for

from b24notify.core.config import Config, Profile
from b24notify.core.history import History
from b24notify.core.service import Service
from b24notify.sandbox.app import create_app
from b24notify.sandbox.config import SandboxConfig
from b24notify.tui.app import B24NotifyApp
from b24notify.tui.screens.bulk import BulkScreen
from b24notify.tui.screens.dialogs import ConfirmDialog, ErrorDialog
from b24notify.tui.widgets.bulk_check_view import CheckView, PreviewsView
from b24notify.tui.widgets.bulk_columns import DIALOG, IGNORED
from b24notify.tui.widgets.bulk_dialogs import ResumeDialog, RunRowsDialog
from b24notify.tui.widgets.bulk_runs import RunsList
from b24notify.tui.widgets.chat_preview import ChatPreview

TEMPLATE = "notice/short"  # shipped: text (required), important (bool, default false)
HEADER = "dialog_id,text,important\n"


@pytest.fixture
def sandbox_app() -> Any:
    """A portal with room for any burst: the client's own pacing is what a test tunes."""
    return create_app(SandboxConfig(drain=1000, burst=50))


def profile(*, drain: float = 1000.0, burst: int = 50) -> Profile:
    """A webhook profile for the sandbox's default bot, paced at ``drain``/s after ``burst``."""
    defaults = SandboxConfig()
    bot = defaults.bots[0]
    return Profile(
        name="sandbox",
        webhook=f"http://127.0.0.1:9/rest/{defaults.webhook_user}/{defaults.webhook_code}/",
        api="v1",
        bot_id=bot.id,
        client_id=bot.client_id,
        bot_token=bot.bot_token,
        sandbox=True,
        rate_drain=drain,
        rate_burst=burst,
    )


def pace(service: Service, *, drain: float, burst: int) -> None:
    """Send the next run at ``drain``/s after ``burst`` (the profile is read per run)."""
    profiles = service.config.profiles
    profiles["sandbox"] = dataclasses.replace(
        profiles["sandbox"], rate_drain=drain, rate_burst=burst
    )


@pytest.fixture
def bulk_service(sandbox_app: Any, tmp_path: Path) -> Callable[..., Service]:
    def make(**pace: Any) -> Service:
        config = Config(profiles={"sandbox": profile(**pace)}, default_profile="sandbox")
        return Service(
            config,
            history=History(tmp_path / "history.sqlite3"),
            transport_factory=lambda p: httpx.ASGITransport(app=sandbox_app),
        )

    return make


def rows_file(path: Path, count: int) -> Path:
    """``count`` good rows: row n goes to chat n with the text ``Notice n``."""
    path.write_text(HEADER + "".join(f"chat{n},Notice {n},false\n" for n in range(1, count + 1)))
    return path


def texts(sandbox_app: Any) -> Counter[str]:
    return Counter(m.message for m in sandbox_messages(sandbox_app))


async def open_bulk(pilot: Any) -> BulkScreen:
    app = pilot.app
    await pilot.pause()
    app.open_screen("bulk")
    screen = await wait_for(pilot, lambda: isinstance(app.screen, BulkScreen) and app.screen)
    await wait_for(pilot, lambda: screen.is_mounted and screen.query("#bulk-status"))
    await wait_for(pilot, lambda: screen.setup.templates)
    return screen


async def fill(
    pilot: Any, screen: BulkScreen, data: Path | str, *, to: str | None = None, rows: str = ""
) -> None:
    screen.query_one("#bs-template", Select).value = TEMPLATE
    screen.query_one("#bs-data", Input).value = str(data)
    if to is not None:
        screen.query_one("#bs-to", Input).value = to
    screen.query_one("#bs-limit", Input).value = rows
    await pilot.pause()


async def check(pilot: Any, screen: BulkScreen) -> None:
    await pilot.press("ctrl+r")
    await wait_for(pilot, lambda: screen.state == "idle" and screen.check is not None)


async def confirm_send(pilot: Any, screen: BulkScreen) -> ConfirmDialog:
    """ctrl+s (checking first when needed) up to the confirmation."""
    app = pilot.app
    await pilot.press("ctrl+s")
    dialog = await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog) and app.screen)
    await pilot.pause()
    return dialog


async def resume_from_runs(pilot: Any, screen: BulkScreen, run_id: str) -> ResumeDialog:
    """Pick ``run_id`` on the Runs tab and press Resume… up to its dialog."""
    app = pilot.app
    screen.show_tab("runs")
    await wait_for(pilot, lambda: screen.query_one(RunsList).selected == run_id)
    await pilot.pause()
    await click(pilot, "#runs-resume")
    dialog = await wait_for(pilot, lambda: isinstance(app.screen, ResumeDialog) and app.screen)
    await pilot.pause()
    return dialog


async def until_idle(pilot: Any, screen: BulkScreen, timeout: float = 20.0) -> None:
    await wait_for(pilot, lambda: screen.state == "idle", timeout)


async def until_resumed(pilot: Any, screen: BulkScreen) -> None:
    """Wait for a resume to have run and ended (however quick it was)."""

    def ended() -> bool:
        report = screen.report
        return screen.state == "idle" and report is not None and report.resumed

    await wait_for(pilot, ended, 30)


def latest(service: Service, run_id: str) -> dict[int, str]:
    """Row number → status of its latest attempt in ``run_id``."""
    return {
        r.row_number: r.status for r in service.history.run_rows(run_id) if r.row_number is not None
    }


async def test_the_dry_run_shows_totals_bad_rows_and_previews_and_sends_nothing(
    bulk_service: Callable[..., Service], sandbox_app: Any, tmp_path: Path
) -> None:
    data = tmp_path / "people.csv"
    data.write_text(
        HEADER
        + "chat1,Hello one,false\n"
        + "chat2,Hello two,true\n"
        + "nobody,Bad dialog,false\n"
        + "42,Four,false\n"
        + "chat5,Five,maybe\n"
    )
    service = bulk_service()
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_bulk(pilot)
        await fill(pilot, screen, data)
        await check(pilot, screen)
        found = screen.check
        assert found is not None
        assert (found.rows, found.ready, found.bad, found.to_send) == (5, 3, 2, 3)
        view = screen.query_one(CheckView)
        cells = view.problem_rows
        assert [c[:3] for c in cells] == [("3", "4", "dialog_id"), ("5", "6", "important")]
        assert "'nobody' is not a user id" in cells[0][3]
        assert "maybe" in cells[1][3]
        summary = str(view.query_one("#bc-summary", Static).content)
        assert "5 rows: 3 ready, 2 with problems" in summary
        assert "Nothing can be sent" in summary
        assert screen.query_one("#bulk-send", Button).disabled
        # The first rows are rendered as the chat will show them.
        previews = screen.query_one(PreviewsView)
        assert [(p.row, p.dialog) for p in previews.previews] == [
            (1, "chat1"),
            (2, "chat2"),
            (4, "42"),
        ]
        secret = SandboxConfig().bots[0].client_id
        assert secret and secret not in repr([p.params for p in previews.previews])
        screen.show_tab("previews")
        await pilot.pause()
        assert "Hello one" in previews.query_one(ChatPreview).plain()
        # ctrl+s refuses: no confirmation, nothing sent, no run.
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)
        assert screen.tab == "check"
    assert sandbox_messages(sandbox_app) == []
    assert service.history.runs() == []


async def test_confirm_names_the_run_then_every_row_is_sent_once_with_the_run_id(
    bulk_service: Callable[..., Service], sandbox_app: Any, tmp_path: Path
) -> None:
    data = rows_file(tmp_path / "people.csv", 7)
    service = bulk_service()
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_bulk(pilot)
        await fill(pilot, screen, data)
        await wait_for(pilot, lambda: screen.setup.found is not None)
        # ctrl+s without a check runs the dry run first, then asks.
        dialog = await confirm_send(pilot, screen)
        named = dict(dialog.rows)
        assert named["Messages"].startswith("7 ")
        assert named["Template"] == TEMPLATE
        assert named["Profile"].startswith("sandbox")
        assert named["Requests"] == "1 batch call"
        assert named["Time"].startswith("at least 0.0 s")
        assert "Sent before" not in named
        assert sandbox_messages(sandbox_app) == []  # nothing leaves before the answer
        await click(pilot, "#confirm")
        await until_idle(pilot, screen)
        report = screen.report
        assert report is not None and report.complete and report.sent == 7
        assert screen.tab == "run"
        assert "every row sent" in str(screen.panel.query_one("#br-title", Static).content)
        run_id = report.run_id
        assert run_id is not None
        await wait_for(pilot, lambda: screen.query_one(RunsList).runs)
        listed = screen.query_one(RunsList).runs[0]
        assert (listed.run_id, listed.counts["sent"]) == (run_id, 7)
        # Sending the same file again needs a new check, and the confirmation says so.
        await confirm_send(pilot, screen)
        again = dict(app.screen.rows) if isinstance(app.screen, ConfirmDialog) else {}
        assert run_id in again["Sent before"]
        await click(pilot, "#cancel")
        await pilot.pause()
    stored = sandbox_messages(sandbox_app)
    assert sorted((m.dialog_id, m.message) for m in stored) == sorted(
        (f"chat{n}", f"Notice {n}") for n in range(1, 8)
    )
    records = service.history.run_rows(run_id)
    assert {r.run_id for r in records} == {run_id}
    assert sorted(r.row_number or 0 for r in records) == list(range(1, 8))
    assert {r.status for r in records} == {"sent"}


async def test_cancelling_the_confirmation_sends_nothing(
    bulk_service: Callable[..., Service], sandbox_app: Any, tmp_path: Path
) -> None:
    service = bulk_service()
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_bulk(pilot)
        await fill(pilot, screen, rows_file(tmp_path / "people.csv", 3))
        await confirm_send(pilot, screen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and screen.state == "idle"
    assert sandbox_messages(sandbox_app) == []
    assert service.history.runs() == []


async def test_rows_sends_only_the_first_n(
    bulk_service: Callable[..., Service], sandbox_app: Any, tmp_path: Path
) -> None:
    app = B24NotifyApp(bulk_service())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_bulk(pilot)
        await fill(pilot, screen, rows_file(tmp_path / "people.csv", 9), rows="4")
        dialog = await confirm_send(pilot, screen)
        assert dict(dialog.rows)["Messages"].startswith("4 ")
        await click(pilot, "#confirm")
        await until_idle(pilot, screen)
    assert texts(sandbox_app) == Counter(f"Notice {n}" for n in range(1, 5))


async def test_cancel_stops_after_the_batch_in_flight_and_resume_sends_exactly_the_rest(
    bulk_service: Callable[..., Service], sandbox_app: Any, tmp_path: Path
) -> None:
    # 300 rows are 6 batch calls; at 1/s after a burst of 1 the run is still going
    # a second after the first batch reports, so Cancel lands mid-run even on a
    # loaded machine. The resume goes at full speed.
    service = bulk_service(drain=1.0, burst=1)
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_bulk(pilot)
        await fill(pilot, screen, rows_file(tmp_path / "people.csv", 300))
        await confirm_send(pilot, screen)
        await click(pilot, "#confirm")
        await wait_for(pilot, lambda: screen.panel.progress and screen.panel.progress.sent)
        await pilot.press("escape")
        # The stop is announced at once (the run may already have ended by now).
        note = str(screen.panel.query_one("#br-note", Static).content)
        assert "after the batch in flight" in note
        await until_idle(pilot, screen)
        report = screen.report
        assert report is not None and report.cancelled and report.run_id
        run_id, first = report.run_id, report.sent
        assert 50 <= first < 300 and first % 50 == 0, "whole batches, then a stop"
        outcome = (report.failed, report.unknown, report.not_sent, report.stopped)
        assert outcome == (0, 0, 300 - first, None), f"sent {first}, then {outcome}"
        assert sum(texts(sandbox_app).values()) == first
        assert set(latest(service, run_id).values()) == {"sent"}
        assert len(latest(service, run_id)) == first, "rows not reached have no history row"
        # Resume from the Runs tab: the dialog names what is left.
        pace(service, drain=1000.0, burst=50)
        dialog = await resume_from_runs(pilot, screen, run_id)
        assert str(dialog.query_one("#confirm", Button).label) == f"Send {300 - first} rows"
        assert not dialog.query("#resume-unknown")
        await click(pilot, "#confirm")
        await until_resumed(pilot, screen)
        resumed = screen.report
        assert resumed is not None and resumed.resumed and resumed.complete
        assert (resumed.sent, resumed.skipped_sent) == (300 - first, first)
    counts = texts(sandbox_app)
    assert counts == Counter(f"Notice {n}" for n in range(1, 301)), "each row exactly once"
    assert latest(service, run_id) == dict.fromkeys(range(1, 301), "sent")


async def test_pause_then_continue_finishes_the_same_run(
    bulk_service: Callable[..., Service], sandbox_app: Any, tmp_path: Path
) -> None:
    service = bulk_service(drain=1.0, burst=1)  # a second between batches to press p in
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_bulk(pilot)
        await fill(pilot, screen, rows_file(tmp_path / "people.csv", 200))
        await confirm_send(pilot, screen)
        await click(pilot, "#confirm")
        await wait_for(pilot, lambda: screen.panel.progress and screen.panel.progress.sent)
        await pilot.press("p")
        await until_idle(pilot, screen)
        paused = screen.report
        assert paused is not None and screen.paused and paused.not_sent
        assert screen.panel.query_one("#br-continue", Button).display
        assert sum(texts(sandbox_app).values()) == paused.sent
        pace(service, drain=1000.0, burst=50)
        await pilot.press("p")  # continue: no question, the same run
        await until_resumed(pilot, screen)
        done = screen.report
        assert done is not None and done.complete and done.run_id == paused.run_id
        assert not isinstance(app.screen, ResumeDialog)
    assert texts(sandbox_app) == Counter(f"Notice {n}" for n in range(1, 201))
    assert latest(service, paused.run_id or "") == dict.fromkeys(range(1, 201), "sent")


async def test_unknown_rows_are_listed_and_only_the_ticked_ones_go_again(
    bulk_service: Callable[..., Service], sandbox_app: Any, tmp_path: Path
) -> None:
    service = bulk_service()
    app = B24NotifyApp(service)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sandbox_app), base_url="http://sandbox"
    ) as control:
        # The batch is refused with a 500 and nothing arrives: its rows are unknown.
        answer = await control.post("/sandbox/faults", json={"next": ["error_500"]})
        answer.raise_for_status()
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_bulk(pilot)
            await fill(pilot, screen, rows_file(tmp_path / "people.csv", 4))
            await confirm_send(pilot, screen)
            await click(pilot, "#confirm")
            await until_idle(pilot, screen)
            report = screen.report
            assert report is not None and report.unknown == 4 and report.run_id
            run_id = report.run_id
            assert not screen.panel.query_one("#br-continue", Button).display
            # The failed-rows dialog lists them; one opens as a draft in Compose.
            await click(pilot, "#br-failures")
            rows = await wait_for(
                pilot, lambda: isinstance(app.screen, RunRowsDialog) and app.screen
            )
            assert [(r.row_number, r.status) for r in rows.records] == [
                (n, "unknown") for n in range(1, 5)
            ]
            await pilot.press("down", "o")
            await wait_for(pilot, lambda: app.current_mode == "compose")
            compose = compose_screen(app)
            await wait_for(pilot, lambda: compose.template_name == TEMPLATE)
            assert compose.query_one("#opt-dialog", Input).value == "chat2"
            app.open_screen("bulk")
            await wait_for(pilot, lambda: app.screen is screen)
            await pilot.pause()
            # Resuming asks about the unknown rows; rows 2 and 3 are ticked.
            dialog = await resume_from_runs(pilot, screen, run_id)
            send = dialog.query_one("#confirm", Button)
            assert send.disabled and str(send.label) == "Send 0 rows"
            ticks: SelectionList[int] = dialog.query_one("#resume-unknown", SelectionList)
            ticks.select(2)
            ticks.select(3)
            await pilot.pause()
            assert str(send.label) == "Send 2 rows" and not send.disabled
            await click(pilot, "#confirm")
            await until_resumed(pilot, screen)
    assert texts(sandbox_app) == Counter({"Notice 2": 1, "Notice 3": 1})
    assert latest(service, run_id) == {1: "unknown", 2: "sent", 3: "sent", 4: "unknown"}


@pytest.mark.parametrize(
    ("content", "field", "words"),
    [
        (None, "data", ["missing.csv"]),
        (HEADER + "chat1,One,false\nchat2,Two,false,extra\n", "data", ["row 2", "4 cells"]),
        ("who,text\nchat1,One\n", "to", ["dialog column 'dialog_id'", "who"]),
        ("dialog_id,important\nchat1,false\n", "data", ["'text'"]),
    ],
    ids=["no-file", "ragged-row", "no-dialog-column", "no-required-column"],
)
async def test_a_file_that_cannot_be_checked_gets_one_sentence_on_its_field(
    bulk_service: Callable[..., Service],
    sandbox_app: Any,
    tmp_path: Path,
    content: str | None,
    field: str,
    words: list[str],
) -> None:
    data = tmp_path / "missing.csv"
    if content is not None:
        data = tmp_path / "people.csv"
        data.write_text(content)
    app = B24NotifyApp(bulk_service())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_bulk(pilot)
        await fill(pilot, screen, data)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: screen.state == "idle" and screen.check is None)
        await wait_for(pilot, lambda: screen.query_one(f"#field-{field}").has_class("-invalid"))
        error = str(screen.query_one(f"#field-{field} .bs-error", Static).content)
        assert all(word in error for word in words), error
        assert "Traceback" not in error
        assert not any(isinstance(s, ErrorDialog) for s in app.screen_stack)
    assert sandbox_messages(sandbox_app) == []


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"template": None}, "template"),
        ({"data": ""}, "data"),
        ({"to": ""}, "to"),
        ({"rows": "0"}, "limit"),
    ],
)
async def test_a_missing_field_is_named_before_anything_runs(
    bulk_service: Callable[..., Service], tmp_path: Path, values: dict[str, Any], field: str
) -> None:
    app = B24NotifyApp(bulk_service())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_bulk(pilot)
        await fill(
            pilot, screen, rows_file(tmp_path / "people.csv", 2), rows=values.get("rows", "")
        )
        if "template" in values:
            screen.query_one("#bs-template", Select).clear()
        if "data" in values:
            screen.query_one("#bs-data", Input).value = ""
        if "to" in values:
            screen.query_one("#bs-to", Input).value = ""
        await pilot.pause()
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert screen.query_one(f"#field-{field}").has_class("-invalid")
        assert screen.state == "idle" and screen.check is None


@pytest.mark.parametrize(
    ("header", "to", "expected", "defaults"),
    [
        (
            "dialog_id,Text,extra",
            "dialog_id",
            {"dialog_id": DIALOG, "Text": "text", "extra": IGNORED},
            ("important",),
        ),
        (
            "chat_no,text,important",
            "chat{{ chat_no }}",
            {"chat_no": IGNORED, "text": "text", "important": "important"},
            (),
        ),
    ],
    ids=["column", "expression"],
)
async def test_the_column_map_says_what_each_column_fills(
    bulk_service: Callable[..., Service],
    tmp_path: Path,
    header: str,
    to: str,
    expected: dict[str, str],
    defaults: tuple[str, ...],
) -> None:
    data = tmp_path / "people.csv"
    data.write_text(header + "\n" + ",".join(["7"] * len(header.split(","))) + "\n")
    app = B24NotifyApp(bulk_service())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_bulk(pilot)
        await fill(pilot, screen, data, to=to)
        found = await wait_for(pilot, lambda: screen.setup.found)
        assert dict(found.uses) == expected
        assert found.defaults == defaults
        assert found.problem is None
        shown = str(screen.query_one("#bs-columns", Static).content)
        assert "ignored" in shown and "→ text" in shown


async def test_f10_and_the_palette_reach_the_bulk_screen(
    bulk_service: Callable[..., Service],
) -> None:
    from b24notify.tui.app import SCREENS

    app = B24NotifyApp(bulk_service())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("f10")
        screen = await wait_for(pilot, lambda: isinstance(app.screen, BulkScreen) and app.screen)
        assert app.current_mode == "bulk"
        assert SCREENS["bulk"].title == "Bulk send"
        titles = [title for title, _help, _run in screen.palette_commands()]
        assert "Bulk: resume a run" in titles


async def test_cancel_twice_stops_at_once_and_the_batch_in_flight_is_unknown(
    bulk_service: Callable[..., Service], sandbox_app: Any, tmp_path: Path
) -> None:
    service = bulk_service()
    app = B24NotifyApp(service)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sandbox_app), base_url="http://sandbox"
    ) as control:
        # Answers take seconds: the first batch is still in flight when Cancel comes.
        (await control.post("/sandbox/faults", json={"latency": 5.0})).raise_for_status()
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_bulk(pilot)
            await fill(pilot, screen, rows_file(tmp_path / "people.csv", 80))
            await confirm_send(pilot, screen)
            await click(pilot, "#confirm")
            await wait_for(pilot, lambda: service.history.runs())
            await pilot.press("escape")
            assert screen.state == "stopping"
            await pilot.press("escape")  # again: asks before stopping at once
            dialog = await wait_for(
                pilot, lambda: isinstance(app.screen, ConfirmDialog) and app.screen
            )
            assert "unknown" in dialog.message
            await pilot.press("y")
            await until_idle(pilot, screen)
            assert screen.report is None
            title = str(screen.panel.query_one("#br-title", Static).content)
            assert title.startswith("Stopped at once")
            assert not any(isinstance(s, ErrorDialog) for s in app.screen_stack)
        run_id = service.history.runs()[0].run_id
        # The batch that was in flight: recorded, and unknown, never silently resent.
        assert latest(service, run_id) == dict.fromkeys(range(1, 51), "unknown")


async def test_show_in_history_opens_the_history_screen_on_the_run(
    bulk_service: Callable[..., Service], tmp_path: Path
) -> None:
    from b24notify.tui.screens.history import HistoryScreen

    app = B24NotifyApp(bulk_service())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_bulk(pilot)
        await fill(pilot, screen, rows_file(tmp_path / "people.csv", 2))
        await confirm_send(pilot, screen)
        await click(pilot, "#confirm")
        await until_idle(pilot, screen)
        assert screen.report is not None and screen.report.run_id
        await click(pilot, "#br-history")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        assert app.current_mode == "history"
