"""A sandbox portal in a child process, for an app that wants one beside it.

``b24notify demo`` and the UI's first-run offer ("try it on a sandbox") start
one with ``start_sandbox_child``: random secrets, a free loopback port, a lower
CPU priority (the app's frames come first) and ``--exit-with`` so the portal
stops when the app's process ends, however it ends. The child is a separate
process so the app never waits for the server to import and bind; the
client's connect retries cover the moments until it listens.

Only the standard library is imported here: the app imports this module on
its way to the first frame.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

DEMO_BOT_ID = 7
"""The sandbox's default bot."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SandboxChild:
    """A running sandbox child: where it listens and the secrets it was given."""

    process: subprocess.Popen[bytes]
    port: int
    code: str
    client_id: str
    bot_token: str
    log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def webhook(self) -> str:
        return f"{self.url}/rest/1/{self.code}/"

    def profile(self, name: str = "sandbox") -> Any:
        """A webhook profile (in memory, never saved) for the sandbox's default bot."""
        return sandbox_profile(
            self.port, self.code, self.client_id, self.bot_token, name=name, ephemeral=True
        )

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the portal (terminate, then kill if it lingers) and close its log."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.log is not None:
            self.log.close()
            self.log = None


def sandbox_profile(
    port: int,
    code: str,
    client_id: str,
    bot_token: str,
    *,
    name: str = "sandbox",
    ephemeral: bool = False,
) -> Any:
    """A webhook profile for the default bot of a sandbox listening on ``port``.

    ``ephemeral``: the profile lives only in this session and is never saved.
    """
    from b24notify.core.config import Profile

    return Profile(
        name=name,
        webhook=f"http://127.0.0.1:{port}/rest/1/{code}/",
        api="v1",
        bot_id=DEMO_BOT_ID,
        client_id=client_id,
        bot_token=bot_token,
        sandbox=True,
        ephemeral=ephemeral,
    )


def start_sandbox_child(log_path: Path, *, port: int = 0) -> SandboxChild:
    """Start ``b24notify sandbox`` in a child process; its output goes to ``log_path``."""
    import secrets

    port = port or free_port()
    code = secrets.token_hex(8)
    client_id = secrets.token_hex(8)
    bot_token = secrets.token_hex(12)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "wb")  # noqa: SIM115 - lives as long as the child
    args = ["--port", str(port), "--code", code, "--client-id", client_id]
    args += ["--bot-token", bot_token, "--exit-with", str(os.getpid())]
    process = subprocess.Popen(
        [sys.executable, "-m", "b24notify", "sandbox", *args],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        # The app's frames come first; the sandbox is needed only at the first send.
        preexec_fn=_lower_priority if hasattr(os, "nice") else None,
    )
    return SandboxChild(process, port, code, client_id, bot_token, log)


def _lower_priority() -> None:
    os.nice(10)


def watch_parent(pid: int, *, every: float = 0.5) -> threading.Event:
    """An event set once process ``pid`` has ended (polled from a daemon thread)."""
    ended = threading.Event()
    # Our parent: its end shows as a new parent (immune to the pid being reused).
    parent = os.getppid() == pid

    def watch() -> None:
        while not ended.is_set():
            if (os.getppid() != pid) if parent else not _alive(pid):
                ended.set()
                return
            time.sleep(every)

    threading.Thread(target=watch, name="exit-with", daemon=True).start()
    return ended


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
