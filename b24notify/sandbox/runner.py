"""Serving the sandbox on a real loopback socket: in a background thread, or in the foreground.

``start_sandbox(config)`` binds the socket itself (port 0 → a free port, read
back before the server starts) and runs uvicorn in a daemon thread;
``serve(config)`` does the same, announces the URLs and credentials, and
waits for Ctrl+C.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from b24notify.sandbox.config import SandboxConfig
from b24notify.sandbox.limits import Clock
from b24notify.sandbox.state import SandboxState


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must say TCP: asyncio only turns Nagle off (TCP_NODELAY) on accepted
    # sockets whose proto is IPPROTO_TCP, and with Nagle on, every keep-alive
    # answer (headers and body are two writes) waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        from b24notify.core.errors import UsageError

        raise UsageError(f"The sandbox cannot listen on {host}:{port}: {err.strerror}.") from None
    sock.listen(128)
    return sock


class RunningSandbox:
    """A sandbox portal serving on loopback; ``stop()`` (or leaving the ``with``) ends it."""

    def __init__(self, config: SandboxConfig, *, clock: Clock | None = None) -> None:
        import uvicorn

        from b24notify.sandbox.app import create_app

        self.config = config
        self.state = SandboxState(config, clock)
        self.app = create_app(config, state=self.state)
        try:
            self._sock = _bind(config.host, config.port)
        except BaseException:
            self.state.close()
            raise
        self.host = config.host
        self.port: int = self._sock.getsockname()[1]
        shown = f"[{self.host}]" if ":" in self.host else self.host
        self.base_url = f"http://{shown}:{self.port}"
        server_config = uvicorn.Config(
            self.app,
            log_config=None,
            access_log=False,
            lifespan="off",
            http="h11",
            ws="none",
            loop="asyncio",
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(server_config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._sock]},
            name=f"b24notify-sandbox-{self.port}",
            daemon=True,
        )

    @property
    def webhook_url(self) -> str:
        """The inbound webhook base, ending in ``/``: ``http://127.0.0.1:PORT/rest/1/CODE/``."""
        return f"{self.base_url}/rest/{self.config.webhook_user}/{self.config.webhook_code}/"

    @property
    def alive(self) -> bool:
        """True while the server thread runs."""
        return self._thread.is_alive()

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/oauth/token/"

    @property
    def inbox_url(self) -> str:
        return f"{self.base_url}/sandbox/inbox"

    def start(self, timeout: float = 10.0) -> RunningSandbox:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving (hanging requests give up at once) and close the state file."""
        self.state.stopping.set()
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._sock.close()
        self.state.close()

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_sandbox(
    config: SandboxConfig | None = None, *, clock: Clock | None = None
) -> RunningSandbox:
    """Serve a sandbox portal on loopback in a background thread; returns once it accepts calls."""
    return RunningSandbox(config or SandboxConfig(), clock=clock).start()


def announcement(running: RunningSandbox) -> list[str]:
    """The lines ``serve`` prints: URLs, bot secrets, OAuth client and a fresh token pair."""
    config = running.config
    with running.state.lock:
        pair = running.state.tokens.issue()
    lines = [
        f"Sandbox portal: {running.base_url}",
        f"Webhook URL: {running.webhook_url}",
    ]
    if not config.bots:
        lines.append("Bots: none")
    for bot in config.bots:
        lines.append(
            f"Bot {bot.id} {bot.name!r} ({bot.code}): CLIENT_ID={bot.client_id} "
            f"botToken={bot.bot_token}"
        )
    lines += [
        f"OAuth client_id={config.oauth_client_id} client_secret={config.oauth_client_secret}",
        f"OAuth access_token={pair.access_token} refresh_token={pair.refresh_token}",
        f"OAuth token endpoint: {running.token_url}  REST endpoint: {running.base_url}/rest/",
        f"Inbox: {running.inbox_url}",
        f"Messages (JSON): {running.base_url}/sandbox/messages  "
        f"Stats: {running.base_url}/sandbox/stats",
        f"State file: {config.state_file}" if config.state_file else "State: in memory only",
        "Press Ctrl+C to stop.",
    ]
    return lines


def serve(
    config: SandboxConfig,
    *,
    announce: Callable[[str], Any] = print,
    until: threading.Event | None = None,
) -> None:
    """Run the sandbox in the foreground until Ctrl+C (or until ``until`` is set)."""
    running = start_sandbox(config)
    try:
        for line in announcement(running):
            announce(line)
        while running.alive and not (until is not None and until.is_set()):
            if until is not None:
                until.wait(0.2)
            else:
                time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
