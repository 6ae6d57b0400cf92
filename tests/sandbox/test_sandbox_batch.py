"""``batch``: per-key results and errors, halt, the 50-command limit, nesting, references."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from sandbox_support import CLIENT_ID, WEBHOOK, call, in_process, messages, stats

from b24notify.sandbox.config import SandboxConfig


def add(text: str, dialog: str = "chat1", client_id: str = CLIENT_ID) -> str:
    return "imbot.message.add?" + urlencode(
        {"DIALOG_ID": dialog, "MESSAGE": text, "CLIENT_ID": client_id}
    )


async def batch(client: httpx.AsyncClient, cmd: Any, halt: int = 0) -> dict[str, Any]:
    response = await call(client, "batch", {"halt": halt, "cmd": cmd})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "time" in body
    result: dict[str, Any] = body["result"]
    return result


async def test_mixed_commands_answer_per_key(client: httpx.AsyncClient) -> None:
    result = await batch(
        client,
        {"ok": add("first"), "empty": add(""), "gone": "imbot.nothing?x=1", "ok2": add("second")},
    )
    assert result["result"] == {"ok": 1001, "ok2": 1002}
    assert result["result_error"] == {
        "empty": {"error": "MESSAGE_EMPTY", "error_description": "Message can't be empty"},
        "gone": {"error": "ERROR_METHOD_NOT_FOUND", "error_description": "Method not found!"},
    }
    assert result["result_total"] == []
    assert result["result_next"] == []
    assert set(result["result_time"]) == {"ok", "ok2"}
    assert result["result_time"]["ok"]["operating"] > 0
    assert [m["message"] for m in await messages(client)] == ["first", "second"]


async def test_empty_sections_are_php_empty_arrays(client: httpx.AsyncClient) -> None:
    ok = await batch(client, {"a": add("x")})
    assert ok["result_error"] == []
    nothing = await batch(client, {})
    assert nothing == {
        "result": [],
        "result_error": [],
        "result_total": [],
        "result_next": [],
        "result_time": [],
    }


async def test_list_commands_give_lists_when_keys_are_0_to_n(client: httpx.AsyncClient) -> None:
    all_good = await batch(client, [add("a"), add("b")])
    assert all_good["result"] == [1001, 1002]
    assert isinstance(all_good["result_time"], list)
    gap = await batch(client, [add("c"), add(""), add("d")])
    assert gap["result"] == {"0": 1003, "2": 1004}
    assert list(gap["result_error"]) == ["1"]


async def test_halt_stops_at_the_first_error(client: httpx.AsyncClient) -> None:
    result = await batch(client, {"a": add("one"), "b": add(""), "c": add("three")}, halt=1)
    assert result["result"] == {"a": 1001}
    assert list(result["result_error"]) == ["b"]
    assert "c" not in result["result_time"]
    assert [m["message"] for m in await messages(client)] == ["one"]


@pytest.mark.parametrize(("halt", "errors"), [(0, ["c50", "c51"]), (1, ["c50"])])
async def test_more_than_50_commands(
    client: httpx.AsyncClient, halt: int, errors: list[str]
) -> None:
    cmd = {f"c{i}": add(f"m{i}") for i in range(52)}
    result = await batch(client, cmd, halt=halt)
    assert len(result["result"]) == 50
    assert list(result["result_error"]) == errors
    assert all(
        e
        == {
            "error": "ERROR_BATCH_LENGTH_EXCEEDED",
            "error_description": "Max batch length exceeded",
        }
        for e in result["result_error"].values()
    )
    assert len(await messages(client)) == 50


async def test_nested_batch_is_not_allowed(client: httpx.AsyncClient) -> None:
    result = await batch(client, {"inner": "batch?cmd[x]=imbot.bot.list"})
    assert result["result_error"]["inner"]["error"] == "ERROR_BATCH_METHOD_NOT_ALLOWED"


async def test_non_string_commands_are_skipped(client: httpx.AsyncClient) -> None:
    result = await batch(client, {"a": {"method": "imbot.message.add"}, "b": 5, "c": add("x")})
    assert result["result"] == {"c": 1001}
    assert result["result_error"] == []


async def test_commands_inherit_oauth(client: httpx.AsyncClient) -> None:
    token = (await client.post("/sandbox/oauth/issue")).json()["access_token"]
    cmd = {"a": "imbot.message.add?DIALOG_ID=1&MESSAGE=oauth", "b": "imbot.bot.list"}
    response = await client.post("/rest/batch", json={"auth": token, "cmd": cmd})
    result = response.json()["result"]
    assert result["result"]["a"] == 1001
    assert "7" in result["result"]["b"]
    denied = await batch(client, {"a": "imbot.message.add?DIALOG_ID=1&MESSAGE=x"})
    assert denied["result_error"]["a"]["error"] == "ACCESS_DENIED"


async def test_results_can_be_referenced(client: httpx.AsyncClient) -> None:
    cmd = {
        "sent": add("draft"),
        "fix": "imbot.message.update?MESSAGE_ID=$result[sent]&MESSAGE=final&CLIENT_ID=" + CLIENT_ID,
    }
    result = await batch(client, cmd)
    assert result["result"] == {"sent": 1001, "fix": True}
    assert (await messages(client))[0]["message"] == "final"


async def test_form_encoded_batch(client: httpx.AsyncClient) -> None:
    form = {"halt": "0", "cmd[a]": add("form batch"), "cmd[b]": add("two")}
    response = await client.post(f"{WEBHOOK}batch", data=form)
    assert response.json()["result"]["result"] == {"a": 1001, "b": 1002}


async def test_stats_count_one_request_and_each_command(client: httpx.AsyncClient) -> None:
    await batch(client, [add("a"), add("b"), "imbot.bot.list"])
    counters = await stats(client)
    assert counters["requests"] == 1
    assert counters["by_method"] == {"batch": 1}
    assert counters["batch_commands"] == {"imbot.message.add": 2, "imbot.bot.list": 1}


async def test_v2_commands_work_in_batch(client: httpx.AsyncClient) -> None:
    v2 = (
        "imbot.v2.Chat.Message.send?botId=7&botToken=sandbox-bot-token&dialogId=chat9"
        "&fields[message]=v2%20in%20batch"
    )
    result = await batch(client, {"a": v2})
    assert result["result"]["a"]["id"] == 1001


async def test_a_batch_is_one_request_for_the_bucket() -> None:
    async with in_process(SandboxConfig(burst=1)) as (client, _):
        result = await batch(client, {f"k{i}": add(f"m{i}") for i in range(10)})
        assert len(result["result"]) == 10
        after = await call(client, "imbot.bot.list")
        assert after.status_code == 503
