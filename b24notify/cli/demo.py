"""``b24notify demo``: a sandbox portal in a child process and the UI pointed at it.

Everything is throwaway: a temporary b24notify home (config, history, user
templates) that is removed on exit, and random sandbox secrets. The sandbox
runs in its own process so the UI's first frame does not wait for the server
to import and bind; the client's connect retries cover the few hundred
milliseconds until it listens.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

DEMO_BOT_ID = 7


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_demo(*, port: int = 0) -> int:
    port = port or free_port()
    code = secrets.token_hex(8)
    client_id = secrets.token_hex(8)
    bot_token = secrets.token_hex(12)
    with tempfile.TemporaryDirectory(prefix="b24notify-demo-") as home:
        os.environ["B24NOTIFY_HOME"] = home
        os.environ.pop("B24NOTIFY_CONFIG", None)
        log = open(Path(home) / "sandbox.log", "wb")  # noqa: SIM115 - lives as long as the child
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "b24notify",
                "sandbox",
                "--port",
                str(port),
                "--code",
                code,
                "--client-id",
                client_id,
                "--bot-token",
                bot_token,
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            # The UI's first frame comes first; the sandbox is needed only at the first send.
            preexec_fn=_lower_priority if hasattr(os, "nice") else None,
        )
        previous = _on_hangup(home, child)
        try:
            return _run_app(port, code, client_id, bot_token)
        finally:
            if previous is not None:
                signal.signal(signal.SIGHUP, previous)
            child.terminate()
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                child.kill()
            log.close()


def _on_hangup(home: str, child: subprocess.Popen[bytes]) -> Any:
    """On SIGHUP (the terminal was closed) stop the sandbox and remove the home, then leave.

    By default SIGHUP ends the process where it stands, so the ``finally`` and
    the temporary directory's cleanup never ran and every closed terminal left
    a demo home behind. Nothing can be drawn or asked any more at that point, so
    the handler cleans up and exits at once. Returns the handler it replaced.
    """
    if not hasattr(signal, "SIGHUP"):
        return None

    def hangup(signum: int, frame: object) -> None:
        child.terminate()
        shutil.rmtree(home, ignore_errors=True)
        os._exit(128 + signum)

    return signal.signal(signal.SIGHUP, hangup)


def _lower_priority() -> None:
    os.nice(10)


def demo_config(port: int, code: str, client_id: str, bot_token: str) -> object:
    """An in-memory config with one webhook profile pointing at the sandbox."""
    from b24notify.core.config import Config, Profile

    profile = Profile(
        name="sandbox",
        webhook=f"http://127.0.0.1:{port}/rest/1/{code}/",
        api="v1",
        bot_id=DEMO_BOT_ID,
        client_id=client_id,
        bot_token=bot_token,
        sandbox=True,
    )
    return Config(profiles={"sandbox": profile}, default_profile="sandbox")


def _run_app(port: int, code: str, client_id: str, bot_token: str) -> int:
    from b24notify.core.service import Service
    from b24notify.tui.app import B24NotifyApp

    config = demo_config(port, code, client_id, bot_token)
    service = Service(config)  # type: ignore[arg-type]
    B24NotifyApp(service, title_suffix="demo", sandbox_url=f"http://127.0.0.1:{port}").run()
    return 0
