"""History across processes: a killed sender's pending row, and concurrent writers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from b24notify.core.history import History

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")

SENDER = textwrap.dedent(
    """
    import sys, time
    from b24notify.core.history import History

    h = History(sys.argv[1])
    id_ = h.record_pending(
        dialog_id="chat42", template="incident/opened", message_text="in flight",
        params={"MESSAGE": "in flight", "CLIENT_ID": "cid-secret"}, run_id="run-9", row_number=3,
    )
    print(id_, flush=True)
    time.sleep(120)  # "waiting for the portal" until killed
    """
)

WRITER = textwrap.dedent(
    """
    import sys
    from b24notify.core.history import History

    path, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with History(path) as h:
        print("ready", flush=True)
        sys.stdin.readline()  # start together with the threads
        for i in range(n):
            id_ = h.record_pending(dialog_id=name, message_text=f"{name} {i}", row_number=i)
            h.finish(id_, "sent", message_id=i)
    """
)


def _spawn(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_killed_sender_leaves_a_pending_row_that_the_next_start_marks_unknown(
    tmp_path: Path,
) -> None:
    path = tmp_path / "history.sqlite3"
    sender = _spawn(SENDER, str(path))
    try:
        assert sender.stdout is not None
        id_ = int(sender.stdout.readline())
        with History(path) as app:
            # While the sender lives its row is in flight: not touched.
            assert app.recover_pending() == []
            assert app.get(id_).status == "pending"  # type: ignore[union-attr]
            os.kill(sender.pid, signal.SIGKILL)
            sender.wait(timeout=10)
            assert sender.returncode == -signal.SIGKILL
            assert app.recover_pending() == [id_]
    finally:
        if sender.poll() is None:  # pragma: no cover - only when an assert failed early
            sender.kill()
            sender.wait()
    with History(path) as next_start:
        assert next_start.recover_pending() == []  # already done, never twice
        record = next_start.get(id_)
        assert record is not None
        assert record.status == "unknown"
        assert record.note is not None and "Check the chat" in record.note
        assert (record.dialog_id, record.message_text, record.run_id, record.row_number) == (
            "chat42",
            "in flight",
            "run-9",
            3,
        )
        assert record.params["CLIENT_ID"] == "<client-id>"
        assert next_start.run_status("run-9")["unknown"] == 1
        assert [r.id for r in next_start.search(status="unknown")] == [id_]


def test_two_threads_and_another_process_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    n = 150
    History(path).close()  # schema in place; the writers only write
    other = _spawn(WRITER, str(path), "process", str(n))
    try:
        assert other.stdout is not None and other.stdin is not None
        assert other.stdout.readline().strip() == "ready"
        errors: list[BaseException] = []
        with History(path) as shared:
            start = threading.Barrier(3)

            def write(name: str) -> None:
                try:
                    start.wait()
                    for i in range(n):
                        id_ = shared.record_pending(
                            dialog_id=name, message_text=f"{name} {i}", row_number=i
                        )
                        shared.finish(id_, "sent", message_id=i)
                        if i % 25 == 0:
                            shared.search(text=name)  # reads interleaved with writes
                except BaseException as exc:  # pragma: no cover - reported below
                    errors.append(exc)

            threads = [threading.Thread(target=write, args=(f"thread{k}",)) for k in (1, 2)]
            for t in threads:
                t.start()
            other.stdin.write("go\n")
            other.stdin.flush()
            start.wait()
            for t in threads:
                t.join(timeout=60)
            assert other.wait(timeout=60) == 0, other.stderr.read() if other.stderr else ""
            assert errors == []

            rows = list(shared.iter_search(page_size=100))
            assert len(rows) == 3 * n
            assert len({r.id for r in rows}) == 3 * n
            assert {(r.dialog_id, r.row_number) for r in rows} == {
                (name, i) for name in ("thread1", "thread2", "process") for i in range(n)
            }
            assert all(r.status == "sent" and r.message_id == r.row_number for r in rows)
            assert shared.status_counts()["sent"] == 3 * n
            assert shared.recover_pending() == []
    finally:
        if other.poll() is None:  # pragma: no cover - only when an assert failed early
            other.kill()
            other.wait()
