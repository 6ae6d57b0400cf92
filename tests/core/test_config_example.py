"""config.example.toml: it loads, every key it documents is known, every known key is documented."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from b24notify.core.config import KNOWN_KEYS, load_config, save_config

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


@pytest.fixture
def example_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # The secrets the example leaves to the environment.
    monkeypatch.setenv("SUPPORT_BOT_TOKEN", "example-bot-token")
    monkeypatch.setenv("B24NOTIFY_CRM_CLIENT_SECRET", "example-client-secret")


SECRET_REFS = {
    "profiles.*.webhook",
    "profiles.*.client_id",
    "profiles.*.bot_token",
    "profiles.*.oauth.client_secret",
    "profiles.*.oauth.access_token",
    "profiles.*.oauth.refresh_token",
}


def dotted_keys(table: dict[str, object], parts: tuple[str, ...] = ()) -> set[str]:
    """Every key of a parsed TOML document as a dotted path, names as ``*``."""
    keys: set[str] = set()
    for key, value in table.items():
        path = (*parts, key)
        if path[0] == "profiles" and len(path) >= 2:
            path = ("profiles", "*", *path[2:])
        if path[0] == "keys" and len(path) == 2:
            path = ("keys", "*")
        dotted = ".".join(path)
        if dotted != "profiles.*":
            keys.add(dotted)
        # A secret reference ({ env = … }) is a value, not a table of keys.
        if isinstance(value, dict) and dotted not in SECRET_REFS:
            keys |= dotted_keys(value, path)
    return keys


def commented_keys(text: str) -> set[str]:
    """Keys shown in commented-out lines (``# key = …``) under their table header."""
    keys: set[str] = set()
    table = ""
    for line in text.splitlines():
        header = re.match(r"\[([^\]]+)\]", line)
        if header:
            parts = header[1].split(".")
            if parts[0] == "profiles":
                parts[1] = "*"
            table = ".".join(parts)
            continue
        # Binding ids hold dots, so [keys] shows them quoted.
        key_pattern = r'"[^"]+"' if table == "keys" else r"[a-z_]+"
        entry = re.match(rf"#\s?({key_pattern}) = ", line)
        if entry:
            key = entry[1]
            keys.add("keys.*" if table == "keys" else f"{table}.{key}" if table else key)
    return keys


def test_example_loads(example_env: None) -> None:
    config = load_config(EXAMPLE)
    assert list(config.profiles) == ["support", "support-v2", "crm", "sandbox"]
    assert config.profile().name == "support"
    crm = config.profiles["crm"]
    assert crm.auth_kind == "oauth" and crm.plan == "enterprise" and crm.rate() == (4.0, 200)
    assert config.profiles["support-v2"].bot_token == "example-bot-token"
    assert crm.oauth is not None and crm.oauth.client_secret == "example-client-secret"
    assert config.profiles["sandbox"].sandbox


def test_every_documented_key_is_known(example_env: None) -> None:
    text = EXAMPLE.read_text()
    active = dotted_keys(tomllib.loads(text))
    documented = active | commented_keys(text)
    assert documented - KNOWN_KEYS == set()


def test_every_known_key_is_documented() -> None:
    text = EXAMPLE.read_text()
    documented = dotted_keys(tomllib.loads(text)) | commented_keys(text)
    assert KNOWN_KEYS - documented == set()


def test_example_round_trips(example_env: None, tmp_path: Path) -> None:
    config = load_config(EXAMPLE)
    saved = save_config(config, tmp_path / "config.toml")
    assert tomllib.loads(saved.read_text()) == tomllib.loads(EXAMPLE.read_text())
    assert b"example-bot-token" not in saved.read_bytes()
    assert b"example-client-secret" not in saved.read_bytes()
