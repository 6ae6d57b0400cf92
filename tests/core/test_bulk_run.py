"""Bulk runs against the sandbox over loopback: batching, pacing, history, v2, stops and cancels."""

from __future__ import annotations

import asyncio
import json
import math
import threading
import time
from pathlib import Path

import pytest
from test_bulk_support import (
    CLIENT_ID,
    assert_consistent,
    assert_no_secrets,
    history_text,
    inbox,
    install_template,
    latest_rows,
    make_service,
    profile_for,
    sandbox,
    sandbox_config,
    set_faults,
    stats,
    write_rows,
)

from b24notify.core.bulk import BulkProgress, BulkRunner, BulkSpec
from b24notify.core.bulk_runs import RunRecord, runs_dir
from b24notify.sandbox.runner import RunningSandbox, start_sandbox

__all__ = ["sandbox"]  # the fixture, imported from the support module


async def test_v1_run_sends_every_row_once_in_batches_of_50(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    template = install_template()
    data = write_rows(tmp_path / "rows.csv", 120)
    service = make_service(sandbox)
    seen: list[BulkProgress] = []
    runner = BulkRunner(service, on_progress=seen.append)
    try:
        report = await runner.send(BulkSpec(template, data))
    finally:
        await service.aclose()
    assert report.run_id is not None
    assert (report.sent, report.failed, report.unknown, report.not_sent) == (120, 0, 0, 0)
    assert report.complete and report.exit_code == 0
    assert report.run_counts == {"pending": 0, "sent": 120, "failed": 0, "unknown": 0}
    assert report.report_path is None  # nothing failed: no failed-rows file
    numbers = stats(sandbox)
    assert numbers["by_method"] == {"batch": 3}  # ⌈120 / 50⌉ batch calls, nothing else
    assert numbers["batch_commands"] == {"imbot.message.add": 120}
    assert numbers["rejected_by_limit"] == 0
    by_status = assert_consistent(service.history, report.run_id, sandbox, range(1, 121))
    assert by_status["sent"] == set(range(1, 121))
    record = latest_rows(service.history, report.run_id)[7]
    assert (record.template, record.dialog_id, record.row_number) == (template, "chat7", 7)
    assert record.values == {"n": 7, "name": "Name 7", "note": ""}
    assert record.params["CLIENT_ID"] == "<client-id>"
    assert_no_secrets(history_text(service.history, report.run_id))
    # Progress ends at done with every row counted.
    assert seen[-1].phase == "done" and seen[-1].sent == 120 and seen[-1].total == 120
    assert any(p.phase == "checking" for p in seen)


async def test_the_run_record_holds_what_resume_needs_and_no_secret(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    template = install_template()
    data = write_rows(tmp_path / "rows.csv", 5)
    service = make_service(sandbox)
    try:
        report = await BulkRunner(service).send(BulkSpec(template, data, limit=3))
    finally:
        await service.aclose()
    assert report.run_id is not None
    record = RunRecord.load(report.run_id)
    assert (record.template, record.profile, record.api, record.to, record.limit) == (
        template,
        "sb-v1",
        "v1",
        "dialog_id",
        3,
    )
    assert record.data == str(data.resolve())
    assert record.rows == 3
    assert report.sent == 3 and len(inbox(sandbox)) == 3
    assert_no_secrets((runs_dir() / f"{report.run_id}.json").read_text())


async def test_v2_sends_one_request_per_message(sandbox: RunningSandbox, tmp_path: Path) -> None:
    template = install_template()
    data = write_rows(tmp_path / "rows.csv", 12)
    service = make_service(sandbox, profile_for(sandbox, api="v2"))
    try:
        report = await BulkRunner(service).send(BulkSpec(template, data))
    finally:
        await service.aclose()
    assert report.sent == 12 and report.complete
    numbers = stats(sandbox)
    assert numbers["by_method"] == {"imbot.v2.Chat.Message.send": 12}
    assert {m["api"] for m in inbox(sandbox)} == {"v2"}
    assert report.run_id is not None
    assert_consistent(service.history, report.run_id, sandbox, range(1, 13))


async def test_the_run_goes_at_the_limit_without_tripping_it(tmp_path: Path) -> None:
    # 40 requests through a 10/s bucket with a burst of 5: the limit, not the
    # code, sets the pace; the portal never has to refuse a request.
    drain, burst, requests, per_batch = 10.0, 5, 40, 3
    with start_sandbox(sandbox_config(drain=drain, burst=burst)) as slow:
        template = install_template()
        data = write_rows(tmp_path / "rows.csv", requests * per_batch)
        service = make_service(slow)
        runner = BulkRunner(service, batch_size=per_batch)
        check = runner.check(BulkSpec(template, data))
        assert check.requests == requests
        assert check.estimate_seconds == pytest.approx((requests - burst) / drain)
        started = time.monotonic()
        try:
            report = await runner.send(BulkSpec(template, data), checked=check)
        finally:
            await service.aclose()
        elapsed = time.monotonic() - started
        numbers = stats(slow)
    assert report.sent == requests * per_batch
    assert numbers["by_method"] == {"batch": requests}
    assert numbers["rejected_by_limit"] == 0
    assert elapsed >= check.estimate_seconds * 0.95


async def test_rows_refused_for_the_operating_budget_wait_for_its_reset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 3-second operating window (1-second slots) stands in for the portal's
    # 10 minutes: 21 commands fit the budget, the rest of a batch is refused
    # with OPERATION_TIME_LIMIT and must go again once the window has moved on.
    from b24notify.sandbox import limits

    monkeypatch.setattr(limits, "WINDOW_SECONDS", 3.0)
    monkeypatch.setattr(limits, "SLOT_SECONDS", 1.0)
    config = sandbox_config(operating_budget=1.0, operating_cost=0.05)
    with start_sandbox(config) as limited:
        template = install_template()
        data = write_rows(tmp_path / "rows.csv", 40)
        service = make_service(limited)
        notes: list[str] = []
        runner = BulkRunner(service, on_progress=lambda p: notes.append(p.note))
        try:
            report = await runner.send(BulkSpec(template, data))
        finally:
            await service.aclose()
        numbers = stats(limited)
        assert report.run_id is not None
        by_status = assert_consistent(service.history, report.run_id, limited, range(1, 41))
    assert numbers["operating_rejections"] > 0
    assert by_status["sent"] == set(range(1, 41))
    assert report.complete and report.failed == 0
    assert any("waiting" in note or "limits" in note for note in notes)


async def test_a_refusal_every_row_would_meet_stops_the_run_and_resume_finishes_it(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    template = install_template()
    data = write_rows(tmp_path / "rows.csv", 30)
    wrong = make_service(sandbox, profile_for(sandbox, client_id="not-the-bots-client-id"))
    try:
        report = await BulkRunner(wrong, batch_size=10).send(BulkSpec(template, data))
    finally:
        await wrong.aclose()
    assert report.run_id is not None
    assert report.stopped is not None and "APP_ID_ERROR" in report.stopped
    assert (report.sent, report.failed, report.not_sent) == (0, 10, 20)
    assert report.exit_code == 1
    assert inbox(sandbox) == []
    # The failed rows are in the failed-rows file, ready to fix and resend.
    assert report.report_path is not None and report.reported_rows == 10
    assert "APP_ID_ERROR" in report.report_path.read_text(encoding="utf-8-sig")
    assert "not-the-bots-client-id" not in report.report_path.read_text(encoding="utf-8-sig")

    fixed = make_service(sandbox)
    try:
        resumed = await BulkRunner(fixed, batch_size=10).resume(report.run_id)
    finally:
        await fixed.aclose()
    assert resumed.resumed and resumed.complete
    assert (resumed.sent, resumed.skipped_sent, resumed.skipped_unknown) == (30, 0, 0)
    by_status = assert_consistent(fixed.history, report.run_id, sandbox, range(1, 31))
    assert by_status["sent"] == set(range(1, 31))
    # Each failed row has two attempts; the latest is the one that counts.
    attempts = fixed.history.run_rows(report.run_id, latest=False)
    assert len(attempts) == 40


async def test_cancel_stops_after_the_batch_in_flight_and_resume_sends_the_rest(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    template = install_template()
    data = write_rows(tmp_path / "rows.csv", 50)
    service = make_service(sandbox)
    cancel = threading.Event()

    def progress(p: BulkProgress) -> None:
        if p.phase == "sending" and p.sent >= 20:
            cancel.set()

    try:
        report = await BulkRunner(service, on_progress=progress, cancel=cancel, batch_size=10).send(
            BulkSpec(template, data)
        )
        assert report.run_id is not None
        assert report.cancelled and report.exit_code == 1
        assert (report.sent, report.not_sent) == (20, 30)
        assert service.history.run_status(report.run_id)["pending"] == 0
        assert len(inbox(sandbox)) == 20

        plan = BulkRunner(service).plan_resume(report.run_id)
        assert (plan.check.to_send, plan.check.skipped, plan.busy) == (30, 20, False)
        resumed = await BulkRunner(service, batch_size=10).resume(report.run_id)
    finally:
        await service.aclose()
    assert (resumed.sent, resumed.skipped_sent) == (30, 20)
    assert resumed.complete
    by_status = assert_consistent(service.history, report.run_id, sandbox, range(1, 51))
    assert by_status["sent"] == set(range(1, 51))


async def test_a_hard_stop_mid_request_leaves_that_batch_unknown_never_resent(
    tmp_path: Path,
) -> None:
    with start_sandbox(sandbox_config()) as slow:
        set_faults(slow, latency=0.4)
        template = install_template()
        data = write_rows(tmp_path / "rows.csv", 30)
        service = make_service(slow)
        progress: list[BulkProgress] = []
        runner = BulkRunner(service, batch_size=10, on_progress=progress.append)
        task = asyncio.create_task(runner.send(BulkSpec(template, data)))
        while not any(p.phase == "sending" and p.sent == 10 for p in progress):
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.15)  # the second batch is now in flight
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        run_id = progress[-1].run_id
        assert run_id is not None
        status = service.history.run_status(run_id)
        assert status == {"pending": 0, "sent": 10, "failed": 0, "unknown": 10}
        await asyncio.sleep(0.6)  # the portal finishes the abandoned request
        set_faults(slow, latency=0.0)
        try:
            resumed = await BulkRunner(service, batch_size=10).resume(run_id)
        finally:
            await service.aclose()
        by_status = assert_consistent(service.history, run_id, slow, range(1, 31))
    assert by_status["unknown"] == set(range(11, 21))
    assert by_status["sent"] == set(range(1, 11)) | set(range(21, 31))
    assert (resumed.sent, resumed.skipped_unknown) == (10, 10)
    assert [u.row for u in resumed.unknown_rows] == list(range(11, 21))


async def test_template_and_data_changes_are_caught(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    template = install_template()
    data = write_rows(tmp_path / "rows.csv", 4)
    service = make_service(sandbox)
    runner = BulkRunner(service)
    check = runner.check(BulkSpec(template, data))
    write_rows(data, 5)
    from b24notify.core.errors import DataFileError

    try:
        with pytest.raises(DataFileError, match="changed after it was checked"):
            await runner.send(BulkSpec(template, data), checked=check)
    finally:
        await service.aclose()
    assert inbox(sandbox) == []


async def test_history_and_reports_never_hold_secrets(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    template = install_template()
    data = write_rows(tmp_path / "rows.csv", 10)
    set_faults(sandbox, next=["error_500"])
    service = make_service(sandbox)
    try:
        report = await BulkRunner(service, batch_size=5).send(
            BulkSpec(template, data), report=tmp_path / "failed.csv"
        )
    finally:
        await service.aclose()
    assert report.run_id is not None and report.unknown == 5
    texts = [
        history_text(service.history, report.run_id),
        (tmp_path / "failed.csv").read_text(encoding="utf-8-sig"),
        json.dumps([u.__dict__ for u in report.unknown_rows]),
        str(report.stopped),
    ]
    assert_no_secrets(*texts)
    assert CLIENT_ID not in repr(report.check.previews)


def test_check_estimate_matches_the_bucket_bound() -> None:
    # 5,000 rows in batches of 50 through 2/s with a burst of 50: 50 requests
    # go at once, the other 50 one every half second.
    from b24notify.core.bulk_check import BulkCheck

    check = BulkCheck(
        spec=BulkSpec("t", Path("d.csv")),
        profile="p",
        api="v1",
        method="imbot.message.add",
        data_format="CSV",
        columns=(),
        ignored_columns=(),
        template_hash="",
        fingerprint="",
        drain=2.0,
        burst=50,
        batch_size=50,
        to_send=5000,
    )
    assert check.requests == math.ceil(5000 / 50) == 100
    assert check.estimate_seconds == 25.0
