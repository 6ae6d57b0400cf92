"""Sandbox settings: defaults, checks with one clear sentence, and the CLI options."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from b24notify.core.errors import UsageError
from b24notify.sandbox.cli import add_arguments, config_from_args
from b24notify.sandbox.config import Faults, SandboxBot, SandboxConfig


def test_defaults_match_a_standard_portal() -> None:
    config = SandboxConfig()
    assert (config.host, config.port, config.webhook_user, config.webhook_code) == (
        "127.0.0.1",
        0,
        1,
        "sandbox",
    )
    assert config.bots == [
        SandboxBot(7, "Support Bot", "support_bot", "sandbox-client-id", "sandbox-bot-token")
    ]
    assert (config.drain, config.burst, config.operating_budget) == (2.0, 50, 480.0)
    assert (config.oauth_client_id, config.oauth_client_secret) == (
        "local.sandbox",
        "sandbox-secret",
    )
    assert config.access_token_ttl == 3600.0
    assert config.faults == Faults()
    assert config.state_file is None


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"port": 70000}, "port"),
        ({"host": ""}, "host"),
        ({"webhook_user": 0}, "webhook user"),
        ({"webhook_code": "a/b"}, "webhook code"),
        ({"drain": 0.0}, "drain"),
        ({"burst": 0}, "burst"),
        ({"operating_budget": -1.0}, "operating_budget"),
        ({"bots": [SandboxBot(1, "a", "a"), SandboxBot(1, "b", "b")]}, "same id"),
        ({"bots": [SandboxBot(0, "a", "a")]}, "positive"),
        ({"oauth_client_secret": ""}, "OAuth"),
        ({"faults": Faults(drop=1.5)}, "'drop' fault rate"),
        ({"faults": Faults(latency=-1.0)}, "latency"),
    ],
)
def test_bad_settings_are_named(changes: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        SandboxConfig(**changes).checked()


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"bogus": 1}, "'bogus' is not a fault setting"),
        ({"drop": "often"}, "'drop' must be a number"),
        ({"drop": True}, "'drop' must be a number"),
        ({"html": 2}, "between 0 and 1"),
        ({"seed": "x"}, "'seed' must be an integer"),
    ],
)
def test_fault_changes_are_checked(changes: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        Faults().merged(changes)


def test_fault_changes_merge() -> None:
    faults = Faults(drop=0.1).merged({"html": 0.5, "seed": 3})
    assert (faults.drop, faults.html, faults.seed) == (0.1, 0.5, 3)


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="b24notify sandbox")
    add_arguments(parser)
    return parser.parse_args(argv)


def test_cli_defaults_give_the_default_config() -> None:
    assert config_from_args(_parse()) == SandboxConfig()


def test_cli_exposes_every_option(tmp_path: Path) -> None:
    state_file = tmp_path / "s.sqlite3"
    config = config_from_args(
        _parse(
            "--host", "127.0.0.2", "--port", "8123", "--webhook-user", "3", "--code", "c0de",
            "--bot-id", "9", "--bot-name", "Ops", "--bot-code", "ops", "--client-id", "cid",
            "--bot-token", "tok", "--add-bot", "10:second:cid2:tok2:Second Bot",
            "--oauth-client-id", "app.x", "--oauth-client-secret", "sec", "--token-ttl", "60",
            "--drain", "5", "--burst", "250", "--operating-budget", "420",
            "--operating-cost", "0.5", "--latency", "0.25", "--error-500", "0.1", "--html",
            "0.2", "--drop", "0.3", "--lost-answer", "0.05", "--error-503", "0.01",
            "--timeout", "0.02", "--hang-seconds", "5", "--seed", "42",
            "--state-file", str(state_file),
        )
    )  # fmt: skip
    assert config == SandboxConfig(
        host="127.0.0.2",
        port=8123,
        webhook_user=3,
        webhook_code="c0de",
        bots=[
            SandboxBot(9, "Ops", "ops", "cid", "tok"),
            SandboxBot(10, "Second Bot", "second", "cid2", "tok2"),
        ],
        drain=5.0,
        burst=250,
        operating_budget=420.0,
        operating_cost=0.5,
        oauth_client_id="app.x",
        oauth_client_secret="sec",
        access_token_ttl=60.0,
        faults=Faults(
            latency=0.25,
            error_500=0.1,
            html=0.2,
            drop=0.3,
            lost_answer=0.05,
            error_503=0.01,
            timeout=0.02,
            hang_seconds=5.0,
            seed=42,
        ),
        state_file=state_file,
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["--drop", "2"],
        ["--drop", "x"],
        ["--port", "-1"],
        ["--burst", "0"],
        ["--latency", "-3"],
        ["--add-bot", "x:code"],
    ],
)
def test_cli_rejects_bad_values(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        _parse(*argv)
    assert exit_info.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_cli_rejects_inconsistent_options_with_one_sentence() -> None:
    with pytest.raises(UsageError, match="Sandbox options: two sandbox bots share the same id"):
        config_from_args(_parse("--add-bot", "7:dup"))
