"""``b24notify demo``: a sandbox portal in a child process and the UI pointed at it.

Everything is throwaway: a temporary b24notify home (config, history, user
templates) that is removed on exit, and random sandbox secrets. The sandbox
runs in its own process (``b24notify.sandbox.child``) so the UI's first frame
does not wait for the server to import and bind.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Any

from b24notify.sandbox.child import (
    DEMO_BOT_ID,
    SandboxChild,
    free_port,
    sandbox_profile,
    start_sandbox_child,
)

__all__ = ["DEMO_BOT_ID", "demo_config", "free_port", "run_demo"]


def run_demo(*, port: int = 0) -> int:
    with tempfile.TemporaryDirectory(prefix="b24notify-demo-") as home:
        os.environ["B24NOTIFY_HOME"] = home
        os.environ.pop("B24NOTIFY_CONFIG", None)
        child = start_sandbox_child(Path(home) / "sandbox.log", port=port)
        previous = _on_hangup(home, child)
        try:
            return _run_app(child)
        finally:
            if previous is not None:
                signal.signal(signal.SIGHUP, previous)
            child.stop()


def _on_hangup(home: str, child: SandboxChild) -> Any:
    """On SIGHUP (the terminal was closed) stop the sandbox and remove the home, then leave.

    By default SIGHUP ends the process where it stands, so the ``finally`` and
    the temporary directory's cleanup never ran and every closed terminal left
    a demo home behind. Nothing can be drawn or asked any more at that point, so
    the handler cleans up and exits at once. Returns the handler it replaced.
    """
    if not hasattr(signal, "SIGHUP"):
        return None

    def hangup(signum: int, frame: object) -> None:
        child.process.terminate()
        shutil.rmtree(home, ignore_errors=True)
        os._exit(128 + signum)

    return signal.signal(signal.SIGHUP, hangup)


def demo_config(port: int, code: str, client_id: str, bot_token: str) -> Any:
    """An in-memory config with one webhook profile pointing at a sandbox."""
    from b24notify.core.config import Config

    profile = sandbox_profile(port, code, client_id, bot_token)
    return Config(profiles={"sandbox": profile}, default_profile="sandbox")


def _run_app(child: SandboxChild) -> int:
    from b24notify.core.service import Service
    from b24notify.tui.app import B24NotifyApp

    service = Service(demo_config(child.port, child.code, child.client_id, child.bot_token))
    app = B24NotifyApp(service, title_suffix="demo", sandbox_url=child.url)
    app.run()
    return int(app.return_code or 0)
