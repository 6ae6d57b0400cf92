"""Fault runs: 500s, dropped connections, lost answers, 503s from a client sharing the limit.

At the end of every run: each row has exactly one final status, the sandbox
holds no message twice, every sent row's message is in the sandbox, and a
resume sends exactly the rows that had not gone out.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_bulk_support import (
    CLIENT_ID,
    assert_consistent,
    inbox,
    install_template,
    latest_rows,
    make_service,
    sandbox_config,
    set_faults,
    stats,
    text_of,
    write_rows,
)

from b24notify.core.bulk import BulkReport, BulkRunner, BulkSpec
from b24notify.core.history import History
from b24notify.core.service import Service
from b24notify.sandbox.config import Faults
from b24notify.sandbox.runner import RunningSandbox, start_sandbox


@pytest.fixture
def faulty() -> Any:
    # Hanging requests give up after 0.3 s so a "timeout" fault stays quick.
    with start_sandbox(sandbox_config(faults=Faults(hang_seconds=0.3))) as running:
        yield running


# fault met by the first batch → what its ten rows become, and whether they arrived
FAULTS = [
    ("error_500", "unknown", False),
    ("html", "unknown", False),
    ("html_500", "unknown", False),
    ("drop", "unknown", False),
    ("timeout", "unknown", False),
    ("lost_answer", "unknown", True),
    ("error_503", "sent", True),  # refused for the limit: waited out and sent again
]


@pytest.mark.parametrize(("fault", "status", "arrived"), FAULTS, ids=[f[0] for f in FAULTS])
async def test_a_fault_on_one_batch_decides_all_its_rows(
    faulty: RunningSandbox, tmp_path: Path, fault: str, status: str, arrived: bool
) -> None:
    template = install_template()
    data = write_rows(tmp_path / "rows.csv", 30)
    set_faults(faulty, next=[fault])
    service = make_service(faulty)
    try:
        report = await BulkRunner(service, batch_size=10).send(BulkSpec(template, data))
        assert report.run_id is not None
        by_status = assert_consistent(service.history, report.run_id, faulty, range(1, 31))
        assert by_status[status] >= set(range(1, 11))
        assert by_status["sent"] >= set(range(11, 31))
        stored = {m["message"] for m in inbox(faulty)}
        assert all((text_of(n) in stored) == arrived for n in range(1, 11))
        if status == "unknown":
            assert report.exit_code == 1
            assert [u.row for u in report.unknown_rows] == list(range(1, 11))
            assert report.report_path is not None and report.reported_rows == 10
            # Unknown rows are never resent: a resume has nothing to send.
            resumed = await BulkRunner(service, batch_size=10).resume(report.run_id)
            assert (resumed.sent, resumed.skipped_unknown, resumed.skipped_sent) == (0, 10, 20)
            assert [u.row for u in resumed.unknown_rows] == list(range(1, 11))
        else:
            assert report.complete
    finally:
        await service.aclose()
    assert_consistent(service.history, report.run_id, faulty, range(1, 31))
    assert stats(faulty)["rejected_by_limit"] == 0


async def resume_until_done(service: Service, run_id: str, sandbox: RunningSandbox) -> None:
    """Resume until nothing is left to send, checking what each resume sent."""
    history = service.history
    for _ in range(10):
        before = latest_rows(history, run_id)
        high = max((r.id for r in before.values()), default=0)
        owed = {n for n in range(1, 301) if n not in before or before[n].status == "failed"}
        if not owed:
            return
        resumed = await BulkRunner(service, batch_size=10).resume(run_id)
        after = latest_rows(history, run_id)
        attempted = {n for n, r in after.items() if r.id > high}
        assert attempted <= owed, "a resume touched a row that had gone out"
        assert resumed.sent + resumed.failed + resumed.unknown == len(attempted)
        assert_consistent(
            history, run_id, sandbox, range(1, 301) if not resumed.not_sent else after
        )
    pytest.fail("the run did not finish in ten resumes")


async def test_random_faults_keep_every_invariant(faulty: RunningSandbox, tmp_path: Path) -> None:
    template = install_template()
    data = write_rows(tmp_path / "rows.csv", 300)
    set_faults(
        faulty, seed=7, error_500=0.08, drop=0.05, lost_answer=0.08, error_503=0.1, html=0.04
    )
    service = make_service(faulty)
    try:
        report = await BulkRunner(service, batch_size=10).send(BulkSpec(template, data))
        assert report.run_id is not None
        await resume_until_done(service, report.run_id, faulty)
        by_status = assert_consistent(service.history, report.run_id, faulty, range(1, 301))
    finally:
        await service.aclose()
    numbers = stats(faulty)
    assert sum(numbers["faults"].values()) > 0
    assert by_status["unknown"] and by_status["sent"]
    # Rows whose answer was lost may have arrived; none arrived twice (checked above).
    assert len(inbox(faulty)) >= len(by_status["sent"])


def _other_client(sandbox: RunningSandbox, stop: threading.Event, counts: dict[str, int]) -> None:
    """Another application on the same portal, calling as fast as it can (bounded)."""
    url = f"{sandbox.webhook_url}imbot.bot.list.json"
    with httpx.Client(timeout=5) as http:
        for _ in range(400):
            if stop.is_set():
                return
            status = http.post(url, json={"CLIENT_ID": CLIENT_ID}).status_code
            counts[str(status)] = counts.get(str(status), 0) + 1


async def test_a_second_client_sharing_the_limit_is_absorbed(tmp_path: Path) -> None:
    with start_sandbox(sandbox_config(drain=20.0, burst=10)) as shared:
        template = install_template()
        data = write_rows(tmp_path / "rows.csv", 120)
        service = make_service(shared)
        stop = threading.Event()
        counts: dict[str, int] = {}
        other = threading.Thread(target=_other_client, args=(shared, stop, counts), daemon=True)
        other.start()
        try:
            report: BulkReport = await BulkRunner(service, batch_size=5).send(
                BulkSpec(template, data)
            )
        finally:
            stop.set()
            other.join(timeout=10)
            await service.aclose()
        numbers = stats(shared)
        assert report.run_id is not None
        by_status = assert_consistent(service.history, report.run_id, shared, range(1, 121))
    assert numbers["rejected_by_limit"] > 0  # the portal did refuse requests
    assert counts.get("503", 0) + report.check.requests <= numbers["requests"]
    assert by_status["sent"] == set(range(1, 121))
    assert report.complete


def test_history_file_has_one_final_status_per_row_after_faults(tmp_path: Path) -> None:
    # The invariants helper itself must catch a duplicate: feed it one.
    with start_sandbox(sandbox_config()) as running:
        url = f"{running.webhook_url}imbot.message.add.json"
        body = {"BOT_ID": 7, "CLIENT_ID": CLIENT_ID, "DIALOG_ID": "chat1", "MESSAGE": text_of(1)}
        httpx.post(url, json=body).raise_for_status()
        httpx.post(url, json=body).raise_for_status()
        history = History(tmp_path / "h.sqlite3")
        row = history.record_pending(run_id="r20260101-000000-abcd", row_number=1)
        history.finish(row, "unknown")
        with pytest.raises(AssertionError, match="duplicates"):
            assert_consistent(history, "r20260101-000000-abcd", running, [1])
        history.close()


async def test_a_streak_of_lost_answers_stops_the_run_and_resume_sends_the_rest(
    faulty: RunningSandbox, tmp_path: Path
) -> None:
    template = install_template()
    data = write_rows(tmp_path / "rows.csv", 100)
    set_faults(faulty, next=["error_500", "drop", "lost_answer", "html", "error_500"])
    service = make_service(faulty)
    try:
        report = await BulkRunner(service, batch_size=10).send(BulkSpec(template, data))
        assert report.run_id is not None
        assert report.stopped is not None and "5 requests in a row" in report.stopped
        assert (report.sent, report.unknown, report.not_sent) == (0, 50, 50)
        resumed = await BulkRunner(service, batch_size=10).resume(report.run_id)
        by_status = assert_consistent(service.history, report.run_id, faulty, range(1, 101))
    finally:
        await service.aclose()
    assert (resumed.sent, resumed.skipped_unknown) == (50, 50)
    assert by_status["unknown"] == set(range(1, 51))
    assert by_status["sent"] == set(range(51, 101))


async def test_unknown_rows_go_again_only_when_named(
    faulty: RunningSandbox, tmp_path: Path
) -> None:
    from b24notify.core.errors import UsageError

    template = install_template()
    data = write_rows(tmp_path / "rows.csv", 20)
    set_faults(faulty, next=["error_500"])  # refused before processing: nothing arrived
    service = make_service(faulty)
    try:
        report = await BulkRunner(service, batch_size=10).send(BulkSpec(template, data))
        assert report.run_id is not None and report.unknown == 10
        with pytest.raises(UsageError, match=r"Row 15 of run .* is not unknown"):
            await BulkRunner(service).resume(report.run_id, resend_unknown=[3, 15])
        # The user looked at chats 1-10, found nothing, and sends rows 2 and 3 again.
        resumed = await BulkRunner(service, batch_size=10).resume(
            report.run_id, resend_unknown=[2, 3]
        )
        by_status = assert_consistent(service.history, report.run_id, faulty, range(1, 21))
    finally:
        await service.aclose()
    assert (resumed.sent, resumed.skipped_unknown, resumed.skipped_sent) == (2, 8, 10)
    assert by_status["unknown"] == {1, *range(4, 11)}
    assert by_status["sent"] == {2, 3, *range(11, 21)}
