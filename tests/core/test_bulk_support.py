"""Shared pieces of the bulk tests: a template, data files, a sandbox-backed service, invariants.

Imported by the ``test_bulk_*`` modules (pytest puts this folder on the path);
it holds no tests itself.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from b24notify.core import paths
from b24notify.core.config import Config, Profile
from b24notify.core.history import History
from b24notify.core.service import Service
from b24notify.sandbox.config import SandboxBot, SandboxConfig
from b24notify.sandbox.runner import RunningSandbox, start_sandbox

CODE = "bulk-w3bh00k-s3cr3t"
CLIENT_ID = "bulk-cl13nt-1d-s3cr3t"
BOT_TOKEN = "bulk-b0t-t0k3n-s3cr3t"
SECRETS = (CODE, CLIENT_ID, BOT_TOKEN)

TEMPLATE = """
name = "Row message"
description = "One message per data row"

[vars.n]
type = "int"
required = true

[vars.name]
type = "text"
required = true

[vars.note]
type = "text"
default = ""

[body]
message = "Row {{ n }} for {{ name }}{% if note %} ({{ note }}){% endif %}"
"""


def install_template(name: str = "bulk/rowmsg", text: str = TEMPLATE) -> str:
    """Write a user template into the test's b24notify home; returns its name."""
    path = paths.user_templates_dir() / f"{name}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return name


def write_rows(path: Path, count: int, *, start: int = 1, delimiter: str = ",") -> Path:
    """A CSV of ``count`` rows: dialog chatN, n = N, name "Name N" (each row unique)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(delimiter.join(["dialog_id", "n", "name"]) + "\n")
        for i in range(start, start + count):
            out.write(delimiter.join([f"chat{i}", str(i), f"Name {i}"]) + "\n")
    return path


def text_of(n: int) -> str:
    """The message the template renders for generated row n."""
    return f"Row {n} for Name {n}"


def sandbox_config(**changes: Any) -> SandboxConfig:
    bot = SandboxBot(7, "Support Bot", "support_bot", client_id=CLIENT_ID, bot_token=BOT_TOKEN)
    values: dict[str, Any] = {"webhook_code": CODE, "bots": [bot], "drain": 200.0, "burst": 50}
    values.update(changes)
    return SandboxConfig(**values)


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    """A loopback sandbox with fast limits (200/s drain, 50 burst) so the suite stays quick."""
    with start_sandbox(sandbox_config()) as running:
        yield running


def profile_for(sandbox: RunningSandbox, *, api: str = "v1", **extra: Any) -> Profile:
    config = sandbox.config
    values: dict[str, Any] = {
        "name": f"sb-{api}",
        "webhook": sandbox.webhook_url,
        "api": api,
        "bot_id": 7,
        "client_id": CLIENT_ID,
        "bot_token": BOT_TOKEN,
        "rate_drain": config.drain,
        "rate_burst": config.burst,
        "sandbox": True,
    }
    values.update(extra)
    return Profile(**values)


def make_service(sandbox: RunningSandbox, *profiles: Profile) -> Service:
    """A service whose default profile is the first given (or a v1 webhook profile)."""
    chosen = list(profiles) or [profile_for(sandbox)]
    config = Config(profiles={p.name: p for p in chosen}, default_profile=chosen[0].name)
    return Service(config, history=History(paths.history_file()))


def inbox(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = httpx.get(f"{sandbox.base_url}/sandbox/messages").json()
    return data


def stats(sandbox: RunningSandbox) -> dict[str, Any]:
    data: dict[str, Any] = httpx.get(f"{sandbox.base_url}/sandbox/stats").json()
    return data


def set_faults(sandbox: RunningSandbox, **faults: Any) -> None:
    httpx.post(f"{sandbox.base_url}/sandbox/faults", json=faults).raise_for_status()


def latest_rows(history: History, run_id: str) -> dict[int, Any]:
    """Row number → the latest attempt's record."""
    return {r.row_number: r for r in history.run_rows(run_id) if r.row_number is not None}


def assert_consistent(
    history: History, run_id: str, sandbox: RunningSandbox, rows: Iterable[int]
) -> dict[str, set[int]]:
    """The fault-run invariants; returns row numbers by final status.

    Every data row has exactly one final status; the sandbox holds no message
    twice; every sent row's message is in the sandbox under its message id;
    rows the sandbox has and history calls failed do not exist.
    """
    expected = set(rows)
    latest = latest_rows(history, run_id)
    assert set(latest) == expected, "every data row has a history row"
    by_status: dict[str, set[int]] = {"sent": set(), "failed": set(), "unknown": set()}
    for number, record in latest.items():
        assert record.status in by_status, f"row {number} is {record.status}"
        by_status[record.status].add(number)
    messages = inbox(sandbox)
    counts = Counter(m["message"] for m in messages)
    assert all(c == 1 for c in counts.values()), f"duplicates: {counts.most_common(3)}"
    stored = {m["message"]: m for m in messages}
    for number in by_status["sent"]:
        message = stored.get(text_of(number))
        assert message is not None, f"sent row {number} is not in the sandbox"
        assert message["id"] == latest[number].message_id
        assert message["dialog_id"] == f"chat{number}"
    for number in by_status["failed"]:
        assert text_of(number) not in stored, f"failed row {number} arrived"
    return by_status


def assert_no_secrets(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def history_text(history: History, run_id: str) -> str:
    return json.dumps([r.to_dict() for r in history.run_rows(run_id, latest=False)])
