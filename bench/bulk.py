"""Benchmark: a 5,000-message bulk run at the sandbox's default limits, against the limits' bound.

Starts the sandbox portal in its own process (``b24notify sandbox``, 2 requests/s
drain, burst 50, like a standard-plan portal), then:

1. b24notify: checks the data file (every row rendered and validated) and sends
   it with ``BulkRunner`` - v1 ``batch`` calls of 50, paced by the leaky bucket,
   every row written ahead to history;
2. the same messages sent by fast_bitrix24 (``Bitrix(webhook).call(
   "imbot.message.add", items)``) against the same sandbox, reset in between.

The bound those limits set: with the portal's bucket empty at the start, the
first ``burst`` requests go at once and each later one 1/drain s after the
previous, so ⌈N/50⌉ requests cannot all have started before
``(⌈N/50⌉ - burst) / drain`` seconds (25 s for 5,000 messages). Prints the
measured send time, the bound and their ratio (target ≤ 1.1), requests the
sandbox refused for its limit (target 0), distinct messages and sent history
rows (target N each), and the reference run side by side.

    uv run python bench/bulk.py [--rows 5000] [--no-reference]

Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

TEMPLATE = """
name = "Bench notice"
[vars.n]
type = "int"
required = true
[vars.name]
type = "text"
required = true
[body]
message = "[b]Notice {{ n }}[/b] for {{ name }}: the service is back to normal."
"""


class Sandbox:
    """``b24notify sandbox`` in its own process, like a real portal; stopped on exit."""

    def __init__(self, drain: float, burst: int) -> None:
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-u", "-m", "b24notify", "sandbox", "--port", "0"),
                *("--drain", str(drain), "--burst", str(burst)),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.base_url = self.webhook = self.client_id = ""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if match := re.match(r"Sandbox portal: (\S+)", line):
                self.base_url = match.group(1)
            elif match := re.match(r"Webhook URL: (\S+)", line):
                self.webhook = match.group(1)
            elif match := re.match(r"Bot (\d+) .*CLIENT_ID=(\S+)", line):
                self.bot_id, self.client_id = int(match.group(1)), match.group(2)
            if "Press Ctrl+C" in line:
                break
        if not (self.base_url and self.webhook and self.client_id):
            self.stop()
            raise SystemExit("the sandbox did not start")

    def stats(self) -> dict[str, Any]:
        data: dict[str, Any] = httpx.get(f"{self.base_url}/sandbox/stats", timeout=30).json()
        return data

    def messages(self) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = httpx.get(
            f"{self.base_url}/sandbox/messages", timeout=60
        ).json()
        return data

    def reset(self) -> None:
        httpx.post(f"{self.base_url}/sandbox/reset", timeout=30).raise_for_status()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def bound_seconds(requests: int, drain: float, burst: int) -> float:
    """When the last of ``requests`` may start through an empty ``burst``/``drain`` bucket."""
    return max(0, requests - burst) / drain


def b24notify_run(sandbox: Sandbox, rows: int, data: Path) -> dict[str, Any]:
    from b24notify.core import paths
    from b24notify.core.bulk import BulkRunner, BulkSpec
    from b24notify.core.config import Config, Profile
    from b24notify.core.service import Service

    template = paths.user_templates_dir() / "bench" / "notice.toml"
    template.parent.mkdir(parents=True, exist_ok=True)
    template.write_text(TEMPLATE, encoding="utf-8")
    profile = Profile(
        name="bench",
        webhook=sandbox.webhook,
        api="v1",
        bot_id=sandbox.bot_id,
        client_id=sandbox.client_id,
    )
    service = Service(Config(profiles={"bench": profile}, default_profile="bench"))
    runner = BulkRunner(service)
    spec = BulkSpec("bench/notice", data)
    started = time.perf_counter()
    check = runner.check(spec)
    checked = time.perf_counter() - started
    if not check.ok:
        raise SystemExit(f"the data does not pass the check: {check.problems[:3]}")

    async def send() -> Any:
        try:
            return await runner.send(spec, checked=check)
        finally:
            await service.aclose()

    started = time.perf_counter()
    report = asyncio.run(send())
    sent_in = time.perf_counter() - started
    assert report.run_id is not None
    sent_rows = service.history.run_status(report.run_id)["sent"]
    service.history.close()
    return {"check": checked, "send": sent_in, "sent_rows": sent_rows, "report": report}


def reference_run(sandbox: Sandbox, rows: int) -> dict[str, Any]:
    from fast_bitrix24 import Bitrix

    items = [
        {
            "BOT_ID": sandbox.bot_id,
            "CLIENT_ID": sandbox.client_id,
            "DIALOG_ID": f"chat{n}",
            "MESSAGE": f"[b]Notice {n}[/b] for Name {n}: the service is back to normal.",
        }
        for n in range(1, rows + 1)
    ]
    # Its retries log every refused request; the table below says what happened.
    for name in ("asyncio", "fast_bitrix24"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    bitrix = Bitrix(sandbox.webhook, verbose=False)
    started = time.perf_counter()
    error = ""
    try:
        bitrix.call("imbot.message.add", items)
    except Exception as err:  # the reference may give up; its figures still count
        error = f"{type(err).__name__}: {err}"
    return {"send": time.perf_counter() - started, "error": error}


def portal_figures(sandbox: Sandbox) -> dict[str, int]:
    stats = sandbox.stats()
    messages = sandbox.messages()
    texts = Counter(m["message"] for m in messages)
    return {
        "requests": int(stats["requests"]),
        "rejected": int(stats["rejected_by_limit"]),
        "messages": len(messages),
        "distinct": len(texts),
        "twice": sum(1 for c in texts.values() if c > 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--drain", type=float, default=2.0)
    parser.add_argument("--burst", type=int, default=50)
    parser.add_argument("--no-reference", action="store_true", help="skip fast_bitrix24")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="b24notify-bench-"))
    os.environ["B24NOTIFY_HOME"] = str(home)
    data = home / "rows.csv"
    with data.open("w", encoding="utf-8") as out:
        out.write("dialog_id,n,name\n")
        for n in range(1, args.rows + 1):
            out.write(f"chat{n},{n},Name {n}\n")

    requests = math.ceil(args.rows / 50)
    bound = bound_seconds(requests, args.drain, args.burst)
    print(
        f"Bulk run of {args.rows:,} messages; sandbox in its own process at "
        f"{args.drain:g}/s drain, burst {args.burst}"
    )
    print(
        f"Bound: {requests} batch calls, {min(requests, args.burst)} at once, the rest one "
        f"every {1 / args.drain:g} s -> {bound:.1f} s"
    )
    sandbox = Sandbox(args.drain, args.burst)
    try:
        ours = b24notify_run(sandbox, args.rows, data)
        ours_portal = portal_figures(sandbox)
        reference: dict[str, Any] | None = None
        if not args.no_reference:
            sandbox.reset()
            time.sleep(1.0)  # let the portal's bucket drain completely
            reference = reference_run(sandbox, args.rows)
            ref_portal = portal_figures(sandbox)
    finally:
        sandbox.stop()

    def ratio(seconds: float) -> str:
        return f"{seconds / bound:.3f}" if bound > 0 else "n/a"

    header = (
        f"{'':14} {'send s':>8} {'/ bound':>8} {'requests':>9} {'refused':>8} "
        f"{'messages':>9} {'distinct':>9} {'twice':>6} {'sent rows':>10}"
    )
    print(header)
    print(
        f"{'b24notify':14} {ours['send']:8.2f} {ratio(ours['send']):>8} "
        f"{ours_portal['requests']:9,} {ours_portal['rejected']:8,} "
        f"{ours_portal['messages']:9,} {ours_portal['distinct']:9,} {ours_portal['twice']:6,} "
        f"{ours['sent_rows']:10,}"
    )
    if reference is not None:
        print(
            f"{'fast_bitrix24':14} {reference['send']:8.2f} {ratio(reference['send']):>8} "
            f"{ref_portal['requests']:9,} {ref_portal['rejected']:8,} "
            f"{ref_portal['messages']:9,} {ref_portal['distinct']:9,} {ref_portal['twice']:6,} "
            f"{'-':>10}"
        )
    print(
        f"b24notify check pass (render + validate every row, before sending): "
        f"{ours['check']:.2f} s; check + send {ours['check'] + ours['send']:.2f} s "
        f"({ratio(ours['check'] + ours['send'])} of the bound)"
    )
    if reference is not None and not reference["error"]:
        print(f"b24notify / fast_bitrix24 send time: {ours['send'] / reference['send']:.3f}")
    elif reference is not None:
        print(
            f"b24notify / fast_bitrix24 send time: n/a - fast_bitrix24 gave up after "
            f"{reference['send']:.2f} s with {ref_portal['distinct']:,} of {args.rows:,} messages "
            f"delivered and {ref_portal['rejected']:,} requests refused by the portal's limit "
            f"({reference['error']})"
        )


if __name__ == "__main__":
    main()
