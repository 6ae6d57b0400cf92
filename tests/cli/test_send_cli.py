"""`b24notify send` and `history` as a script uses them, against a loopback sandbox."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from b24notify.sandbox.config import SandboxBot, SandboxConfig
from b24notify.sandbox.runner import RunningSandbox, start_sandbox

CODE = "cl1-w3bh00k-c0de"
CLIENT_ID = "cl1-cl13nt-1d"


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    bot = SandboxBot(7, "Support Bot", "support_bot", client_id=CLIENT_ID)
    with start_sandbox(SandboxConfig(webhook_code=CODE, bots=[bot])) as running:
        yield running


@pytest.fixture
def configured(isolated_home: Path, sandbox: RunningSandbox) -> Path:
    config = isolated_home / "config.toml"
    config.write_text(
        f'default_profile = "sb"\n\n[profiles.sb]\nwebhook = "{sandbox.webhook_url}"\n'
        f'bot_id = 7\nclient_id = "{CLIENT_ID}"\n',
        encoding="utf-8",
    )
    config.chmod(0o600)
    return isolated_home


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "b24notify", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def inbox(sandbox: RunningSandbox) -> list[dict[str, object]]:
    data: list[dict[str, object]] = httpx.get(f"{sandbox.base_url}/sandbox/messages").json()
    return data


def test_send_then_history(configured: Path, sandbox: RunningSandbox) -> None:
    sent = cli("send", "notice/short", "--samples", "--to", "chat9", "--yes")
    assert sent.returncode == 0, sent.stderr
    assert "message id" in sent.stdout
    assert len(inbox(sandbox)) == 1
    for out in (sent.stdout, sent.stderr):
        assert CODE not in out and CLIENT_ID not in out

    listed = cli("history", "--json")
    assert listed.returncode == 0
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [r["status"] for r in rows] == ["sent"]
    assert rows[0]["dialog_id"] == "chat9"
    assert CODE not in listed.stdout and CLIENT_ID not in listed.stdout


def test_send_dry_run_sends_nothing(configured: Path, sandbox: RunningSandbox) -> None:
    out = cli("send", "notice/short", "--samples", "--to", "chat9", "--dry-run")
    assert out.returncode == 0
    assert "dry run" in out.stdout
    assert inbox(sandbox) == []


def test_send_failure_exits_1_with_the_reason(configured: Path, sandbox: RunningSandbox) -> None:
    out = cli("send", "notice/short", "--samples", "--to", "chat9", "--yes", "--bot", "99")
    assert out.returncode == 1
    assert "BOT_ID_ERROR" in out.stderr
    assert "Traceback" not in out.stderr


def test_killed_mid_send_is_unknown_at_next_start(
    configured: Path, sandbox: RunningSandbox
) -> None:
    httpx.post(f"{sandbox.base_url}/sandbox/faults", json={"next": ["timeout"]})
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "b24notify",
            "send",
            "notice/short",
            "--samples",
            "--to",
            "chat9",
            "--yes",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    db = configured / "data" / "history.sqlite3"
    deadline = time.monotonic() + 30
    pending = 0
    while time.monotonic() < deadline and not pending:
        if db.exists():
            with sqlite3.connect(db) as conn:
                try:
                    pending = conn.execute(
                        "select count(*) from sends where status = 'pending'"
                    ).fetchone()[0]
                except sqlite3.OperationalError:
                    pending = 0
        time.sleep(0.05)
    assert pending == 1, "the send never recorded its pending row"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)

    listed = cli("history", "--json")
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [r["status"] for r in rows] == ["unknown"]
