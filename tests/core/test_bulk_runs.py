"""Run ids, run records and the run lock (also after the holder is killed)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b24notify.core.bulk_runs import (
    RUN_ID_RE,
    RunLock,
    RunRecord,
    check_run_id,
    new_run_id,
    runs_dir,
)
from b24notify.core.errors import UsageError


def record(run_id: str = "r20261124-153012-ab12") -> RunRecord:
    return RunRecord(
        run_id=run_id,
        template="incident/opened",
        data="/data/rows.csv",
        profile="main",
        api="v1",
        to="dialog_id",
        limit=None,
        data_fingerprint="12:abc",
        template_hash="0123456789abcdef",
        rows=12,
    )


def test_run_ids_look_like_the_spec_says() -> None:
    run_id = new_run_id(datetime(2026, 11, 24, 15, 30, 12))
    assert run_id.startswith("r20261124-153012-")
    assert RUN_ID_RE.match(run_id)
    assert len({new_run_id() for _ in range(50)}) > 40  # the random part tells runs apart


@settings(max_examples=200)
@given(st.text(max_size=40))
def test_only_run_ids_pass_the_check(text: str) -> None:
    if RUN_ID_RE.match(text.strip()):
        assert check_run_id(text) == text.strip()
    else:
        with pytest.raises(UsageError, match="is not a run id"):
            check_run_id(text)


@pytest.mark.parametrize("bad", ["../../etc/passwd", "r2026", "r20261124-153012-AB12", ""])
def test_bad_run_ids_never_name_a_file(bad: str) -> None:
    with pytest.raises(UsageError, match="is not a run id"):
        RunRecord.load(bad)


def test_a_record_round_trips() -> None:
    saved = record()
    path = saved.save()
    assert path == runs_dir() / "r20261124-153012-ab12.json"
    assert RunRecord.load(" r20261124-153012-ab12 ") == saved
    assert not list(runs_dir().glob(".*.tmp"))


def test_missing_and_damaged_records_are_named() -> None:
    with pytest.raises(UsageError, match="No bulk run r20261124-000000-0000"):
        RunRecord.load("r20261124-000000-0000")
    saved = record()
    saved.save().write_text("{not json", encoding="utf-8")
    with pytest.raises(UsageError, match="cannot be read"):
        RunRecord.load(saved.run_id)
    saved.path.write_text(json.dumps({"version": 99}), encoding="utf-8")
    with pytest.raises(UsageError, match="not one this version"):
        RunRecord.load(saved.run_id)
    other = record("r20261124-000000-ffff")
    saved.path.write_text(json.dumps(other.__dict__), encoding="utf-8")
    with pytest.raises(UsageError, match="belongs to run r20261124-000000-ffff"):
        RunRecord.load(saved.run_id)


def test_the_lock_is_exclusive_and_released() -> None:
    run_id = "r20261124-153012-ab12"
    with (
        RunLock(run_id),
        pytest.raises(UsageError, match="being sent by another b24notify process"),
    ):
        RunLock(run_id).acquire()
    with RunLock(run_id) as again:
        assert again.path.read_text().strip() == str(os.getpid())


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_killed_holder_releases_the_lock() -> None:
    run_id = "r20261124-153012-ab12"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from b24notify.core.bulk_runs import RunLock\n"
            f"lock = RunLock({run_id!r}).acquire()\n"
            "print('locked', flush=True)\n"
            "time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(UsageError):
            RunLock(run_id).acquire()
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    deadline = time.monotonic() + 5
    while True:
        try:
            RunLock(run_id).acquire().release()
            break
        except UsageError:
            assert time.monotonic() < deadline, "the lock outlived its holder"
            time.sleep(0.05)
