"""Limits as clients meet them: 503 QUERY_LIMIT_EXCEEDED and recovery, 429 OPERATION_TIME_LIMIT."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sandbox_support import START, call, in_process, messages, stats, v1

from b24notify.sandbox.config import SandboxConfig
from b24notify.sandbox.limits import ManualClock

LIMIT = {"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"}


async def test_bucket_overflow_and_recovery() -> None:
    clock = ManualClock(START)
    async with in_process(SandboxConfig(drain=1.0, burst=3), clock) as (client, _):
        codes = [
            (await call(client, "imbot.message.add", v1(f"m{i}"))).status_code for i in range(4)
        ]
        assert codes == [200, 200, 200, 503]
        rejected = await call(client, "imbot.message.add", v1("again"))
        assert (rejected.status_code, rejected.json()) == (503, LIMIT)
        assert len(await messages(client)) == 3
        clock.advance(1.0)
        assert (await call(client, "imbot.message.add", v1("later"))).status_code == 200
        counters = await stats(client)
        assert counters["rejected_by_limit"] == 2
        assert counters["requests"] == 6
        assert counters["errors"] == {"QUERY_LIMIT_EXCEEDED": 2}


async def test_limits_change_at_run_time(client: httpx.AsyncClient) -> None:
    response = await client.post("/sandbox/limits", json={"drain": 0.5, "burst": 2})
    assert response.json() == {
        "drain": 0.5,
        "burst": 2,
        "operating_budget": 480.0,
        "operating_cost": 0.05,
    }
    codes = [(await call(client, "imbot.bot.list")).status_code for _ in range(3)]
    assert codes == [200, 200, 503]
    assert (await client.get("/sandbox/limits")).json()["burst"] == 2


@pytest.mark.parametrize(
    "body",
    [{"drain": 0}, {"drain": -1}, {"burst": 0}, {"burst": 1.5}, {"burst": "9"}, {"speed": 3}],
)
async def test_bad_limit_changes_are_refused(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    response = await client.post("/sandbox/limits", json=body)
    assert response.status_code == 400
    assert response.json()["error_description"].startswith("Limits not changed: ")
    assert (await client.get("/sandbox/limits")).json()["burst"] == 50


async def test_over_loopback_a_burst_trips_the_bucket_then_it_drains(
    wire: httpx.AsyncClient,
) -> None:
    await wire.post("/sandbox/limits", json={"drain": 2.0, "burst": 5})
    answers = await asyncio.gather(*(wire.post("/rest/1/sandbox/imbot.bot.list") for _ in range(8)))
    codes = sorted(r.status_code for r in answers)
    assert codes.count(200) == 5
    assert codes.count(503) == 3
    assert all(r.json() == LIMIT for r in answers if r.status_code == 503)
    await asyncio.sleep(0.6)
    assert (await wire.post("/rest/1/sandbox/imbot.bot.list")).status_code == 200


async def test_operating_budget_blocks_one_method_until_reset() -> None:
    clock = ManualClock(60.0 * 30_000_000)  # the start of a minute slot
    config = SandboxConfig(operating_budget=25.0, operating_cost=10.0)
    async with in_process(config, clock) as (client, _):
        times = []
        for i in range(3):
            response = await call(client, "imbot.message.add", v1(f"m{i}"))
            assert response.status_code == 200
            times.append(response.json()["time"])
        assert [t["operating"] for t in times] == [10.0, 20.0, 30.0]
        assert times[-1]["processing"] == 10.0
        blocked = await call(client, "imbot.message.add", v1("blocked"))
        assert blocked.status_code == 429
        assert blocked.json() == {
            "error": "OPERATION_TIME_LIMIT",
            "error_description": "Method is blocked due to operation time limit.",
        }
        assert (await call(client, "imbot.bot.list")).status_code == 200
        reset_at = times[-1]["operating_reset_at"]
        assert reset_at == clock() + 600
        clock.advance(reset_at - clock())
        assert (await call(client, "imbot.message.add", v1("after reset"))).status_code == 200
        assert (await stats(client))["operating_rejections"] == 1
        assert len(await messages(client)) == 4


async def test_each_batch_command_spends_its_methods_budget() -> None:
    config = SandboxConfig(operating_budget=25.0, operating_cost=10.0)
    async with in_process(config) as (client, _):
        cmd = {
            f"k{i}": f"imbot.message.add?DIALOG_ID=1&MESSAGE=m{i}&CLIENT_ID=sandbox-client-id"
            for i in range(5)
        }
        response = await call(client, "batch", {"cmd": cmd})
        result = response.json()["result"]
        assert list(result["result"]) == ["k0", "k1", "k2"]
        assert {k: e["error"] for k, e in result["result_error"].items()} == {
            "k3": "OPERATION_TIME_LIMIT",
            "k4": "OPERATION_TIME_LIMIT",
        }
        # The batch itself is not metered.
        assert response.json()["time"]["operating"] == 0


async def test_operating_settings_change_at_run_time(client: httpx.AsyncClient) -> None:
    changed = await client.post(
        "/sandbox/limits", json={"operating_cost": 2.0, "operating_budget": 3.0}
    )
    assert changed.json()["operating_cost"] == 2.0
    first = await call(client, "imbot.message.add", v1("one"))
    assert first.json()["time"]["processing"] == 2.0
    assert (await call(client, "imbot.message.add", v1("two"))).status_code == 200
    assert (await call(client, "imbot.message.add", v1("three"))).status_code == 429
