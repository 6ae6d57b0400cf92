"""Injected faults over real loopback HTTP: what the client observes and what is stored.

Observed with httpx over uvicorn: ``drop``, ``lost_answer`` and an expired
``timeout`` hang close the connection before any response byte, so httpx
raises ``RemoteProtocolError`` ("Server disconnected without sending a
response") — or ``ReadError`` should the close arrive as a reset. A client
read timeout shorter than the hang gives ``ReadTimeout``.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from sandbox_support import WEBHOOK, call, in_process, messages, stats, v1, v2

from b24notify.sandbox.config import Faults, SandboxConfig
from b24notify.sandbox.runner import RunningSandbox

CUT = (httpx.RemoteProtocolError, httpx.ReadError)


async def queue(client: httpx.AsyncClient, *kinds: str, **rates: Any) -> dict[str, Any]:
    response = await client.post("/sandbox/faults", json={"next": list(kinds), **rates})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def send(client: httpx.AsyncClient, text: str = "Hello") -> httpx.Response:
    return await call(client, "imbot.message.add", v1(text))


@pytest.mark.parametrize(("kind", "stored"), [("drop", 0), ("lost_answer", 1)])
async def test_cut_connections(wire: httpx.AsyncClient, kind: str, stored: int) -> None:
    await queue(wire, kind)
    with pytest.raises(CUT):
        await send(wire)
    assert len(await messages(wire)) == stored
    counters = await stats(wire)
    assert counters["faults"] == {kind: 1}
    assert counters["requests"] == 1
    # The next request is served normally.
    assert (await send(wire, "next")).status_code == 200


def test_a_dropped_connection_carries_no_response_byte(running: RunningSandbox) -> None:
    with httpx.Client(base_url=running.base_url) as c:
        c.post("/sandbox/faults", json={"next": ["drop"]})
    body = json.dumps(v1()).encode()
    request = (
        f"POST {WEBHOOK}imbot.message.add HTTP/1.1\r\nHost: x\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    with socket.create_connection((running.host, running.port), timeout=5) as sock:
        sock.sendall(request)
        try:
            received = sock.recv(1024)
        except ConnectionResetError:
            received = b""
    assert received == b""


@pytest.mark.parametrize(
    ("kind", "status", "content_type", "marker"),
    [
        ("error_500", 500, "application/json", '"error":"INTERNAL_SERVER_ERROR"'),
        ("html", 502, "text/html", "502 Bad Gateway"),
        ("html_500", 500, "text/html", "500 Internal Server Error"),
        ("error_503", 503, "application/json", '"error":"QUERY_LIMIT_EXCEEDED"'),
    ],
)
async def test_answering_faults_store_nothing(
    wire: httpx.AsyncClient, kind: str, status: int, content_type: str, marker: str
) -> None:
    await queue(wire, kind)
    response = await send(wire)
    assert response.status_code == status
    assert response.headers["content-type"].startswith(content_type)
    assert marker in response.text
    assert await messages(wire) == []
    counters = await stats(wire)
    assert counters["faults"] == {kind: 1}
    assert counters["rejected_by_limit"] == 0


async def test_timeout_hangs_past_the_client_read_timeout(wire: httpx.AsyncClient) -> None:
    await queue(wire, "timeout")
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=wire.base_url, timeout=0.5) as impatient:
        with pytest.raises(httpx.ReadTimeout):
            await send(impatient)
    assert time.monotonic() - started >= 0.5
    assert await messages(wire) == []
    assert (await send(wire)).status_code == 200


async def test_timeout_cuts_the_connection_after_the_hang(wire: httpx.AsyncClient) -> None:
    await queue(wire, "timeout", hang_seconds=0.3)
    started = time.monotonic()
    with pytest.raises(CUT):
        await send(wire)
    assert 0.3 <= time.monotonic() - started < 5
    assert await messages(wire) == []


async def test_queued_faults_apply_in_order_to_message_requests_only(
    wire: httpx.AsyncClient,
) -> None:
    described = await queue(wire, "error_500", "drop", "lost_answer")
    assert described["next"] == ["error_500", "drop", "lost_answer"]
    assert (await call(wire, "imbot.bot.list")).status_code == 200
    assert (await send(wire, "a")).status_code == 500
    assert (await call(wire, "imbot.v2.Bot.list")).status_code == 200
    with pytest.raises(CUT):
        await call(wire, "imbot.v2.Chat.Message.send", v2("b"))
    only_lists = {"cmd": {"x": "imbot.bot.list"}}
    assert (await call(wire, "batch", only_lists)).status_code == 200
    with pytest.raises(CUT):
        await call(wire, "batch", {"cmd": {"m": "imbot.message.add?" + urlencode(v1("in batch"))}})
    assert (await send(wire, "c")).status_code == 200
    assert [m["message"] for m in await messages(wire)] == ["in batch", "c"]
    assert (await wire.get("/sandbox/faults")).json()["next"] == []


async def test_latency_delays_every_answer(wire: httpx.AsyncClient) -> None:
    await queue(wire, latency=0.3)
    started = time.monotonic()
    assert (await send(wire)).status_code == 200
    assert time.monotonic() - started >= 0.3
    assert (await stats(wire))["faults"] == {"latency": 1}


async def test_in_process_cut_raises_what_a_wire_client_would_see() -> None:
    async with in_process(SandboxConfig()) as (client, state):
        await queue(client, "drop", "lost_answer")
        with pytest.raises(httpx.RemoteProtocolError):
            await send(client, "dropped")
        with pytest.raises(httpx.RemoteProtocolError):
            await send(client, "lost")
        assert [m.message for m in state.messages()] == ["lost"]


async def _pattern(seed: int) -> list[int]:
    config = SandboxConfig(faults=Faults(error_500=0.3, error_503=0.3, seed=seed))
    async with in_process(config) as (client, _):
        return [(await call(client, "imbot.bot.list")).status_code for _ in range(40)]


async def test_random_rates_are_repeatable_with_a_seed() -> None:
    first, again, other = await _pattern(1), await _pattern(1), await _pattern(2)
    assert first == again
    assert first != other
    assert {200, 500, 503} == set(first)


async def test_rates_can_be_merged_and_replaced(client: httpx.AsyncClient) -> None:
    merged = await queue(client, drop=0.25, seed=9)
    assert (merged["drop"], merged["seed"], merged["html"]) == (0.25, 9, 0.0)
    merged = await queue(client, html=0.5)
    assert (merged["drop"], merged["html"]) == (0.25, 0.5)
    replaced = (await client.post("/sandbox/faults", json={"replace": True, "html": 0.1})).json()
    assert (replaced["drop"], replaced["html"], replaced["seed"]) == (0.0, 0.1, None)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"next": ["explode"]}, "'explode' is not a fault kind"),
        ({"next": "drop"}, "'next' must be a list"),
        ({"drop": 3}, "between 0 and 1"),
        ({"nonsense": 1}, "'nonsense' is not a fault setting"),
    ],
)
async def test_bad_fault_settings_change_nothing(
    client: httpx.AsyncClient, body: dict[str, Any], reason: str
) -> None:
    response = await client.post("/sandbox/faults", json=body)
    assert response.status_code == 400
    assert reason in response.json()["error_description"]
    assert (await client.get("/sandbox/faults")).json()["next"] == []


async def test_faulted_requests_during_a_busy_run_are_counted(wire: httpx.AsyncClient) -> None:
    await queue(wire, "error_503", "error_503")
    answers = await asyncio.gather(*(send(wire, f"m{i}") for i in range(6)))
    assert sorted(r.status_code for r in answers) == [200, 200, 200, 200, 503, 503]
    counters = await stats(wire)
    assert counters["faults"] == {"error_503": 2}
    assert counters["requests"] == 6
    assert len(await messages(wire)) == 4
