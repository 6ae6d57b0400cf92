"""Another Bitrix24 client works against the sandbox unchanged: fast_bitrix24 over loopback."""

from __future__ import annotations

import httpx
from fast_bitrix24 import Bitrix
from sandbox_support import v1, v2

from b24notify.sandbox.runner import RunningSandbox


def test_fast_bitrix24_bulk_call_lands_every_message_once(running: RunningSandbox) -> None:
    bitrix = Bitrix(running.webhook_url, verbose=False)
    items = [v1(f"bulk {i}", f"chat{i % 3}") for i in range(120)]
    results = bitrix.call("imbot.message.add", items)
    assert sorted(results) == list(range(1001, 1121))
    stored = httpx.get(f"{running.base_url}/sandbox/messages").json()
    assert sorted(m["message"] for m in stored) == sorted(f"bulk {i}" for i in range(120))
    counters = httpx.get(f"{running.base_url}/sandbox/stats").json()
    # It packs the calls into batches of 50: three requests, 120 commands.
    assert counters["by_method"] == {"batch": 3}
    assert counters["batch_commands"] == {"imbot.message.add": 120}


def test_fast_bitrix24_v2_in_a_batch_and_as_raw_json(running: RunningSandbox) -> None:
    bitrix = Bitrix(running.webhook_url, verbose=False)
    # Batched: nested fields travel in bracket notation, the method name lower-cased.
    bitrix.call("imbot.v2.Chat.Message.send", [v2("batched v2", urlPreview=False)])
    # Raw: one JSON POST to the lower-cased method.
    raw = bitrix.call("imbot.v2.Chat.Message.send", v2("raw v2"), raw=True)
    assert raw["result"] == {"id": 1002, "uuidMap": {}}
    stored = httpx.get(f"{running.base_url}/sandbox/messages").json()
    assert [(m["message"], m["url_preview"]) for m in stored] == [
        ("batched v2", False),
        ("raw v2", True),
    ]
    bots = bitrix.call("imbot.bot.list", {}, raw=True)
    assert bots["result"]["7"]["CODE"] == "support_bot"
