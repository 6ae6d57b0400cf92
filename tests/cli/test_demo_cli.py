"""``b24notify demo`` in a real pseudo-terminal: ended by a signal, it leaves nothing behind."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

MARKER = b"Pick a template"


def read_until(fd: int, needle: bytes, timeout: float) -> bytes:
    """What the terminal received until ``needle`` showed (or the time ran out)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
    return seen


@pytest.mark.parametrize(
    ("signum", "exit_code"),
    [
        pytest.param(signal.SIGHUP, 128 + signal.SIGHUP, id="terminal-closed"),
        pytest.param(signal.SIGTERM, 0, id="terminated"),
    ],
)
def test_a_demo_ended_by_a_signal_leaves_nothing_behind(
    tmp_path: Path, signum: int, exit_code: int
) -> None:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    env = {**os.environ, "TMPDIR": str(tmp_path), "TERM": "xterm-256color"}
    env.pop("B24NOTIFY_HOME", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "b24notify", "demo"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    try:
        screen = read_until(master, MARKER, 60)
        assert MARKER in screen, screen[-2000:]
        homes = list(tmp_path.glob("b24notify-demo-*"))
        assert len(homes) == 1
        children = subprocess.run(
            ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True
        ).stdout.split()
        assert children, "the sandbox runs as a child"
        proc.send_signal(signum)
        if signum == signal.SIGTERM:
            # Ended like ctrl+q: the terminal gets its screen back.
            assert b"\x1b[?1049l" in read_until(master, b"\x1b[?1049l", 15)
        assert proc.wait(timeout=15) == exit_code
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert list(tmp_path.glob("b24notify-demo-*")) == []
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in children):
        assert time.monotonic() < deadline, "the sandbox outlived the demo"
        time.sleep(0.1)
