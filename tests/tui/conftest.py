"""UI fixtures: the real app over a real Service talking to an in-process sandbox portal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from b24notify.core.config import Config, Profile
from b24notify.core.history import History
from b24notify.core.service import Service
from b24notify.sandbox.app import create_app
from b24notify.sandbox.config import SandboxConfig


@pytest.fixture
def sandbox_app() -> Any:
    """The sandbox portal's ASGI app with its default bot (#7, Support Bot)."""
    return create_app(SandboxConfig())


def sandbox_profile(api: str = "v1", *, client_id: str | None = None) -> Profile:
    """A webhook profile for the sandbox's default bot (the host is never dialled)."""
    defaults = SandboxConfig()
    bot = defaults.bots[0]
    return Profile(
        name="sandbox",
        webhook=f"http://127.0.0.1:9/rest/{defaults.webhook_user}/{defaults.webhook_code}/",
        api=api,  # type: ignore[arg-type]
        bot_id=bot.id,
        client_id=client_id or bot.client_id,
        bot_token=bot.bot_token,
        sandbox=True,
    )


@pytest.fixture
def make_service(sandbox_app: Any, tmp_path: Path) -> Callable[..., Service]:
    """Build a Service over the sandbox; history in ``tmp_path``."""

    def make(
        *,
        confirm_send: bool = True,
        keys: dict[str, str] | None = None,
        client_id: str | None = None,
        history: History | None = None,
        theme: str | None = None,
    ) -> Service:
        config = Config(
            profiles={"sandbox": sandbox_profile(client_id=client_id)},
            default_profile="sandbox",
            confirm_send=confirm_send,
            keys=dict(keys or {}),
            theme=theme,
        )
        return Service(
            config,
            history=history or History(tmp_path / "history.sqlite3"),
            transport_factory=lambda profile: httpx.ASGITransport(app=sandbox_app),
        )

    return make


@pytest.fixture
def service(make_service: Callable[..., Service]) -> Service:
    return make_service()
