"""Sandbox fixtures: an in-process app on a manual clock, and a real server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sandbox_support import START
from starlette.applications import Starlette

from b24notify.sandbox.app import create_app
from b24notify.sandbox.config import SandboxConfig
from b24notify.sandbox.limits import ManualClock
from b24notify.sandbox.runner import RunningSandbox, start_sandbox
from b24notify.sandbox.state import SandboxState


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def config() -> SandboxConfig:
    return SandboxConfig()


@pytest.fixture
def app(config: SandboxConfig, clock: ManualClock) -> Starlette:
    return create_app(config, clock=clock)


@pytest.fixture
def state(app: Starlette) -> SandboxState:
    sandbox: SandboxState = app.state.sandbox
    return sandbox


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client talking to the app in-process (no socket)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as c:
        yield c


@pytest.fixture
def running(config: SandboxConfig) -> Iterator[RunningSandbox]:
    """A sandbox served by uvicorn on a free loopback port."""
    with start_sandbox(config) as sandbox:
        yield sandbox


@pytest.fixture
async def wire(running: RunningSandbox) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client talking to the running sandbox over real loopback HTTP."""
    async with httpx.AsyncClient(base_url=running.base_url, timeout=10) as c:
        yield c
