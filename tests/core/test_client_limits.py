"""Rate limits over real loopback HTTP: the bucket keeps the sandbox's counter from overflowing,
and 503s caused by another client sharing the portal are absorbed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from b24notify.core.client import B24Client, ClientSettings
from b24notify.core.ratelimit import LeakyBucket
from b24notify.sandbox.config import SandboxConfig
from b24notify.sandbox.runner import RunningSandbox, start_sandbox

CLIENT_ID = "sandbox-client-id"


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    # A fast, small bucket so a test sees many cycles of it in a few seconds.
    with start_sandbox(SandboxConfig(drain=20.0, burst=10)) as running:
        yield running


async def control(sandbox: RunningSandbox, path: str) -> Any:
    async with httpx.AsyncClient(base_url=sandbox.base_url) as http:
        return (await http.get(path)).json()


def v1_params(i: int) -> dict[str, Any]:
    return {"BOT_ID": 7, "DIALOG_ID": str(1000 + i), "MESSAGE": f"n{i}", "CLIENT_ID": CLIENT_ID}


async def test_two_hundred_concurrent_sends_never_trip_the_limit(sandbox: RunningSandbox) -> None:
    settings = ClientSettings(base_url=sandbox.webhook_url, drain=20.0, burst=10)
    started = time.monotonic()
    async with B24Client(settings, bucket=LeakyBucket(20.0, 10)) as c:
        results = await asyncio.gather(
            *(c.send("imbot.message.add", v1_params(i)) for i in range(200))
        )
    elapsed = time.monotonic() - started
    stats = await control(sandbox, "/sandbox/stats")
    assert stats["rejected_by_limit"] == 0  # the client never caused a QUERY_LIMIT_EXCEEDED
    assert stats["by_method"] == {"imbot.message.add": 200}
    assert all(r.attempts == 1 for r in results)
    messages = await control(sandbox, "/sandbox/messages")
    assert sorted(m["message"] for m in messages) == sorted(f"n{i}" for i in range(200))
    assert len({m["id"] for m in messages}) == 200
    # Paced at the drain rate, not much slower: 195 after the burst at 20/s.
    assert 9.0 < elapsed < 9.75 * 1.5


async def hammer(sandbox: RunningSandbox, bursts: int, size: int, pause: float) -> list[int]:
    """Another application on the same portal, with no limiter: bursts of bot lists."""
    statuses: list[int] = []
    async with httpx.AsyncClient(base_url=sandbox.webhook_url) as http:
        for _ in range(bursts):
            answers = await asyncio.gather(
                *(
                    http.post("imbot.bot.list.json", json={"CLIENT_ID": CLIENT_ID})
                    for _ in range(size)
                )
            )
            statuses += [a.status_code for a in answers]
            await asyncio.sleep(pause)
    return statuses


async def test_503s_caused_by_another_client_are_absorbed(sandbox: RunningSandbox) -> None:
    settings = ClientSettings(
        base_url=sandbox.webhook_url, drain=20.0, burst=10, backoff_base=0.2, max_retries=8
    )
    other = asyncio.create_task(hammer(sandbox, bursts=4, size=12, pause=0.3))
    await asyncio.sleep(0.05)  # the other application fills the portal's bucket first
    async with B24Client(settings, bucket=LeakyBucket(20.0, 10)) as c:
        results = await asyncio.gather(
            *(c.send("imbot.message.add", v1_params(i)) for i in range(40))
        )
    other_statuses = await other
    stats = await control(sandbox, "/sandbox/stats")
    assert 503 in other_statuses  # the portal really was over its limit
    sent_requests = stats["by_method"]["imbot.message.add"]
    assert sent_requests > 40  # some of ours were refused and retried ...
    assert sum(r.attempts for r in results) == sent_requests
    messages = await control(sandbox, "/sandbox/messages")
    # ... and still every message arrived exactly once.
    assert sorted(m["message"] for m in messages) == sorted(f"n{i}" for i in range(40))


async def test_batches_go_through_the_same_bucket(sandbox: RunningSandbox) -> None:
    settings = ClientSettings(base_url=sandbox.webhook_url, drain=20.0, burst=10)
    async with B24Client(settings, bucket=LeakyBucket(20.0, 10)) as c:
        batches = await asyncio.gather(
            *(
                c.batch({f"m{j}": ("imbot.message.add", v1_params(50 * b + j)) for j in range(50)})
                for b in range(30)
            )
        )
    stats = await control(sandbox, "/sandbox/stats")
    assert stats["rejected_by_limit"] == 0
    assert stats["by_method"] == {"batch": 30}
    assert sum(len(b.results) for b in batches) == 1500
    assert stats["messages"] == 1500
