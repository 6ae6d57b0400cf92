"""The sandbox portal as an ASGI app: REST, OAuth, inbox and ``/sandbox/*`` controls.

``create_app(config)`` returns a Starlette app whose ``app.state.sandbox`` is
the portal's ``SandboxState``; serve it with ``runner.start_sandbox`` or call
it in-process through ``httpx.ASGITransport``.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from b24notify.sandbox import control
from b24notify.sandbox.config import SandboxConfig
from b24notify.sandbox.faults import ConnectionCutter
from b24notify.sandbox.inbox import inbox
from b24notify.sandbox.limits import Clock
from b24notify.sandbox.rest import rest_endpoint, token_endpoint
from b24notify.sandbox.state import SandboxState

MAX_BODY = 32 * 1024 * 1024


class SandboxApp(Starlette):
    """Starlette with ``ConnectionCutter`` outside everything, so faults can cut connections."""

    def build_middleware_stack(self) -> ASGIApp:
        return ConnectionCutter(super().build_middleware_stack())


async def _home(request: Request) -> Response:
    return RedirectResponse("/sandbox/inbox", status_code=302)


def create_app(
    config: SandboxConfig, *, clock: Clock | None = None, state: SandboxState | None = None
) -> Starlette:
    """A portal app for ``config`` (or around an existing ``state``); time from ``clock``."""
    routes = [
        Route("/", _home),
        Route("/rest/{path:path}", rest_endpoint, methods=["GET", "POST"]),
        Route("/oauth/token/", token_endpoint, methods=["GET", "POST"]),
        Route("/oauth/token", token_endpoint, methods=["GET", "POST"]),
        Route("/sandbox/messages", control.messages),
        Route("/sandbox/stats", control.stats),
        Route("/sandbox/faults", control.faults, methods=["GET", "POST"]),
        Route("/sandbox/limits", control.limits, methods=["GET", "POST"]),
        Route("/sandbox/reset", control.reset, methods=["POST"]),
        Route("/sandbox/oauth/expire", control.expire_tokens, methods=["POST"]),
        Route("/sandbox/oauth/issue", control.issue_tokens, methods=["POST"]),
        Route("/sandbox/inbox", inbox),
    ]
    app = SandboxApp(routes=routes, max_body_size=MAX_BODY)
    app.state.sandbox = state if state is not None else SandboxState(config, clock)
    return app
