"""The sandbox child: it serves its webhook and ends with the process that started it."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from b24notify.sandbox.child import start_sandbox_child

STARTER = """
import sys, time
from pathlib import Path
from b24notify.sandbox.child import start_sandbox_child
child = start_sandbox_child(Path(sys.argv[1]))
print(child.process.pid, child.port, flush=True)
time.sleep(float(sys.argv[2]))
"""


def wait_listening(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            assert time.monotonic() < deadline, f"nothing listens on {port}"
            time.sleep(0.1)


def test_the_child_answers_its_webhook_with_its_bot(tmp_path: Path) -> None:
    child = start_sandbox_child(tmp_path / "sandbox.log")
    try:
        wait_listening(child.port)
        profile = child.profile()
        answer = httpx.post(f"{profile.webhook}imbot.bot.list.json", data={}, timeout=10)
        assert answer.json()["result"][str(profile.bot_id)]["NAME"] == "Support Bot"
        wrong = httpx.post(f"{child.url}/rest/1/not-the-code/imbot.bot.list.json", timeout=10)
        assert wrong.status_code == 401
    finally:
        child.stop()
    assert child.process.poll() is not None


def test_the_child_ends_when_its_starter_ends(tmp_path: Path) -> None:
    starter = subprocess.Popen(
        [sys.executable, "-c", STARTER, str(tmp_path / "sandbox.log"), "60"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert starter.stdout is not None
    pid, port = (int(x) for x in starter.stdout.readline().split())
    try:
        wait_listening(port)
        starter.kill()  # no cleanup runs: only --exit-with can stop the portal
        starter.wait()
        deadline = time.monotonic() + 15
        while Path(f"/proc/{pid}").exists() and _not_zombie(pid):
            assert time.monotonic() < deadline, "the sandbox outlived the process that started it"
            time.sleep(0.1)
    finally:
        if starter.poll() is None:
            starter.kill()
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 9)


def _not_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def test_the_log_holds_the_announcement(tmp_path: Path) -> None:
    log = tmp_path / "sandbox.log"
    child = start_sandbox_child(log)
    try:
        wait_listening(child.port)
        # The portal listens a moment before it announces itself; the line is
        # flushed at once, so it is in the file while the portal runs.
        deadline = time.monotonic() + 15
        while str(child.port) not in log.read_text(encoding="utf-8"):
            assert time.monotonic() < deadline, "the announcement never reached the log"
            time.sleep(0.05)
    finally:
        child.stop()
    assert str(child.port) in log.read_text(encoding="utf-8")  # and stopping keeps it
