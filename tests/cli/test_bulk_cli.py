"""``b24notify bulk`` against a loopback sandbox: dry run, send, exit codes, resume after a kill."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from b24notify.cli.main import run
from b24notify.core import paths
from b24notify.core.history import History
from b24notify.sandbox.config import SandboxBot, SandboxConfig
from b24notify.sandbox.runner import RunningSandbox, start_sandbox

CODE = "cli-w3bh00k-s3cr3t"
CLIENT_ID = "cli-cl13nt-1d-s3cr3t"
TEMPLATE = """
name = "Row message"
[vars.n]
type = "int"
required = true
[vars.name]
type = "text"
required = true
[body]
message = "Row {{ n }} for {{ name }}"
"""


def start(drain: float = 200.0, burst: int = 50) -> RunningSandbox:
    bot = SandboxBot(7, "Support Bot", "support_bot", client_id=CLIENT_ID, bot_token="t")
    return start_sandbox(SandboxConfig(webhook_code=CODE, bots=[bot], drain=drain, burst=burst))


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with start() as running:
        yield running


def configure(home: Path, sandbox: RunningSandbox) -> None:
    """A config whose default profile sends to ``sandbox``, and the test template."""
    config = sandbox.config
    path = home / "config.toml"
    path.write_text(
        f"""
default_profile = "sb"

[profiles.sb]
webhook = "{sandbox.webhook_url}"
api = "v1"
bot_id = 7
client_id = "{CLIENT_ID}"
rate_drain = {config.drain}
rate_burst = {config.burst}
""",
        encoding="utf-8",
    )
    path.chmod(0o600)
    template = paths.user_templates_dir() / "bulk" / "rowmsg.toml"
    template.parent.mkdir(parents=True, exist_ok=True)
    template.write_text(TEMPLATE, encoding="utf-8")


def rows_file(path: Path, count: int) -> Path:
    lines = ["dialog_id;n;name"] + [f"chat{i};{i};Name {i}" for i in range(1, count + 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def inbox(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = httpx.get(f"{sandbox.base_url}/sandbox/messages").json()
    return data


def run_ids() -> list[str]:
    folder = paths.data_dir() / "runs"
    return sorted(p.stem for p in folder.glob("r*.json")) if folder.is_dir() else []


def test_dry_run_checks_every_row_and_sends_nothing(
    isolated_home: Path, sandbox: RunningSandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(isolated_home, sandbox)
    data = rows_file(tmp_path / "rows.csv", 120)
    assert run(["bulk", "bulk/rowmsg", str(data)]) == 0
    out = capsys.readouterr().out
    assert "Checked bulk/rowmsg × rows.csv (CSV, semicolon-separated): 120 rows, 120 ready" in out
    assert '"MESSAGE": "Row 1 for Name 1"' in out
    assert '"CLIENT_ID": "<client-id>"' in out
    assert "Sending 120 messages takes 3 batch calls" in out
    assert "Dry run: nothing was sent. Add --send to send 120 messages." in out
    assert CLIENT_ID not in out and CODE not in out
    assert inbox(sandbox) == []
    assert run_ids() == []


def test_dry_run_with_bad_rows_exits_1_and_reports_them(
    isolated_home: Path, sandbox: RunningSandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(isolated_home, sandbox)
    data = tmp_path / "rows.csv"
    data.write_text("dialog_id,n,name\nchat1,1,Ann\nchat2,two,Bob\nnobody,3,Cy\n", encoding="utf-8")
    report = tmp_path / "bad.csv"
    for argv in (["bulk", "bulk/rowmsg", str(data)], ["bulk", "bulk/rowmsg", str(data), "--send"]):
        assert run([*argv, "--report", str(report)]) == 1
        captured = capsys.readouterr()
        assert "row 2 (line 3), column 'n': must be a whole number (got 'two')" in captured.out
        assert "row 3 (line 4), column 'dialog_id': 'nobody' is not a user id" in captured.out
        assert "Nothing was sent" in captured.err
    assert report.read_text(encoding="utf-8-sig").count("\n") == 3
    assert inbox(sandbox) == []


BAD_DATA = [
    (
        "cp1251",
        "dialog_id,n,name\nchat1,1,Иван\n".encode("cp1251"),
        "row 1 (line 2): the text is not UTF-8",
    ),
    ("no dialog column", b"chat,n,name\nchat1,1,Ann\n", "has no dialog column 'dialog_id'"),
    ("ragged", b"dialog_id,n,name\nchat1,1,Ann\nchat2,2\n", "row 2 (line 3): 2 cells"),
    ("empty", b"", "rows.csv is empty"),
]


@pytest.mark.parametrize(("case", "content", "message"), BAD_DATA, ids=[b[0] for b in BAD_DATA])
def test_bad_data_files_fail_in_one_sentence_sending_nothing(
    isolated_home: Path,
    sandbox: RunningSandbox,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    case: str,
    content: bytes,
    message: str,
) -> None:
    configure(isolated_home, sandbox)
    data = tmp_path / "rows.csv"
    data.write_bytes(content)
    assert run(["bulk", "bulk/rowmsg", str(data), "--send"]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert err.startswith("b24notify: ") and err.count("\n") == 1
    assert inbox(sandbox) == []


def test_no_traceback_for_a_bad_file_from_the_real_command(
    isolated_home: Path, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    configure(isolated_home, sandbox)
    data = tmp_path / "rows.csv"
    data.write_bytes(b"dialog_id,n,name\nchat1,1\n")
    out = subprocess.run(
        [sys.executable, "-m", "b24notify", "bulk", "bulk/rowmsg", str(data), "--send"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert "row 1 (line 2): 2 cells but the header has 3 columns" in out.stderr


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["bulk", "bulk/none", "{data}"], "no template named 'bulk/none'"),
        (["bulk", "bulk/rowmsg", "{data}", "--limit", "0"], "--limit must be at least 1"),
        (["bulk", "bulk/rowmsg", "{data}", "--profile", "nope"], "No profile named 'nope'"),
        (["bulk", "bulk/rowmsg", "{data}", "--resume", "../x"], "is not a run id"),
        (["bulk", "x", "{data}", "--resume", "r20260101-000000-abcd"], "No bulk run"),
    ],
)
def test_usage_and_configuration_errors_exit_2(
    isolated_home: Path,
    sandbox: RunningSandbox,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    configure(isolated_home, sandbox)
    data = rows_file(tmp_path / "rows.csv", 2)
    assert run([a.replace("{data}", str(data)) for a in argv]) == 2
    assert message in capsys.readouterr().err


def test_send_reports_counts_duration_and_rate(
    isolated_home: Path, sandbox: RunningSandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(isolated_home, sandbox)
    data = rows_file(tmp_path / "rows.csv", 130)
    assert run(["bulk", "bulk/rowmsg", str(data), "--send", "--limit", "110"]) == 0
    out = capsys.readouterr().out
    [run_id] = run_ids()
    assert f"Run {run_id}: 110 sent, 0 failed, 0 unknown of 110 rows in " in out
    assert "messages/s)." in out
    assert sorted(int(m["message"].split()[1]) for m in inbox(sandbox)) == list(range(1, 111))


def test_failed_and_unknown_rows_exit_1_listed_and_written(
    isolated_home: Path, sandbox: RunningSandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(isolated_home, sandbox)
    data = rows_file(tmp_path / "rows.csv", 60)
    httpx.post(f"{sandbox.base_url}/sandbox/faults", json={"next": ["lost_answer"]})
    report = tmp_path / "failed.csv"
    assert run(["bulk", "bulk/rowmsg", str(data), "--send", "--report", str(report)]) == 1
    out = capsys.readouterr().out
    assert "10 sent, 0 failed, 50 unknown of 60 rows" in out
    assert "Unknown rows: they may or may not have arrived" in out
    assert "row 1 → chat1 (history #" in out
    assert f"Failed and unknown rows: {report}" in out
    with report.open(encoding="utf-8-sig", newline="") as file:
        lines = list(csv.reader(file, delimiter=";"))
    assert lines[0] == ["dialog_id", "n", "name", "row", "error"]
    assert len(lines) == 51 and lines[1][:4] == ["chat1", "1", "Name 1", "1"]
    assert lines[1][4].startswith("unknown: CONNECTION_LOST")


def test_resume_needs_no_template_or_data(
    isolated_home: Path, sandbox: RunningSandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:

    configure(isolated_home, sandbox)
    data = rows_file(tmp_path / "rows.csv", 30)
    assert run(["bulk", "bulk/rowmsg", str(data), "--send", "--limit", "30"]) == 0
    [run_id] = run_ids()
    capsys.readouterr()
    assert run(["bulk", "--resume", run_id, "--send", "--yes"]) == 0
    out = capsys.readouterr().out
    assert f"Run {run_id}: bulk/rowmsg × {data.resolve()}" in out
    assert "30 sent earlier (skipped)" in out
    assert "Nothing is left to send." in out
    other = tmp_path / "other.csv"
    other.write_text("x", encoding="utf-8")
    assert run(["bulk", "bulk/rowmsg", str(other), "--resume", run_id, "--send", "--yes"]) == 2
    assert "--resume needs no template or data" in capsys.readouterr().err


def test_resume_resends_only_the_unknown_rows_named(
    isolated_home: Path, sandbox: RunningSandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(isolated_home, sandbox)
    data = rows_file(tmp_path / "rows.csv", 60)
    httpx.post(f"{sandbox.base_url}/sandbox/faults", json={"next": ["drop"]})
    assert run(["bulk", "bulk/rowmsg", str(data), "--send"]) == 1
    [run_id] = run_ids()
    assert len(inbox(sandbox)) == 10  # the dropped batch of 50 never reached the portal
    capsys.readouterr()
    # Resuming alone sends nothing: unknown rows wait for a decision.
    assert run(["bulk", "--resume", run_id, "--send", "--yes"]) == 1
    assert len(inbox(sandbox)) == 10
    # The user checked the chats: rows 1-3 are missing, send exactly those.
    assert run(["bulk", "--resume", run_id, "--resend-unknown", "1,2,3", "--send", "--yes"]) == 1
    numbers = sorted(int(m["message"].split()[1]) for m in inbox(sandbox))
    assert numbers == [1, 2, 3, *range(51, 61)]
    history = History(paths.history_file())
    statuses = Counter(r.status for r in history.run_rows(run_id))
    history.close()
    assert statuses == {"sent": 13, "unknown": 47}


def test_resend_unknown_needs_resume(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["bulk", "t", "d.csv", "--resend-unknown", "1"]) == 2
    assert "--resume" in capsys.readouterr().err
    assert run(["bulk", "--resume", "r1", "--resend-unknown", "x"]) == 2


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_killed_run_resumes_sending_exactly_what_had_not_gone_out(
    isolated_home: Path, tmp_path: Path
) -> None:
    with start(drain=4.0, burst=2) as sandbox:
        # Every request spends 0.3 s at the portal: a kill lands while one is out.
        httpx.post(f"{sandbox.base_url}/sandbox/faults", json={"latency": 0.3})
        configure(isolated_home, sandbox)
        rows = 600
        data = rows_file(tmp_path / "rows.csv", rows)
        command = [sys.executable, "-m", "b24notify", "bulk", "bulk/rowmsg", str(data)]
        child = subprocess.Popen(
            [*command, "--send", "--yes"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ},
        )
        history = History(paths.history_file())
        try:
            deadline = time.monotonic() + 60
            while True:
                assert child.poll() is None, "the run ended before it could be killed"
                assert time.monotonic() < deadline, "the run never got going"
                ids = run_ids()
                status = history.run_status(ids[0]) if ids else {}
                if status.get("sent", 0) >= 100 and status.get("pending", 0) > 0:
                    break
                time.sleep(0.01)
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=10)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        [run_id] = run_ids()
        at_kill = {r.row_number: r.status for r in history.run_rows(run_id)}
        in_flight = {n for n, s in at_kill.items() if s == "pending"}
        assert in_flight and "failed" not in at_kill.values()
        time.sleep(0.6)  # the portal finishes the request the killed process left behind

        resumed = subprocess.run(
            [*command, "--resume", run_id, "--send", "--yes"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        latest = {r.row_number: r for r in history.run_rows(run_id)}
        messages = inbox(sandbox)
        history.close()

    # Rows left pending by the kill became unknown and were not sent again.
    assert resumed.returncode == 1, resumed.stderr
    assert "unknown (skipped)" in resumed.stdout
    assert {n for n, r in latest.items() if r.status == "unknown"} == in_flight
    # Every row has one final status, and the resume sent exactly the rows never tried.
    assert set(latest) == set(range(1, rows + 1))
    assert {r.status for r in latest.values()} <= {"sent", "unknown"}
    sent_by_resume = {n for n, r in latest.items() if r.status == "sent" and n not in at_kill}
    assert sent_by_resume == set(range(1, rows + 1)) - set(at_kill)
    # The sandbox holds no message twice, and every sent row's message is there.
    counts = Counter(m["message"] for m in messages)
    assert max(counts.values()) == 1
    by_text = {m["message"]: m["id"] for m in messages}
    for n, record in latest.items():
        if record.status == "sent":
            assert by_text[f"Row {n} for Name {n}"] == record.message_id
    # What the killed process had in flight reached the portal once at most.
    assert all(counts.get(f"Row {n} for Name {n}", 0) <= 1 for n in in_flight)
