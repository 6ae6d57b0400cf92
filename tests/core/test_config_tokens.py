"""TokenStore: rotated OAuth pairs persisted at once, atomically, 0600; overlay onto profiles."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from b24notify.core.config import (
    OAuth,
    Profile,
    TokenPair,
    TokenStore,
    load_config,
    save_config,
    upsert_profile,
)
from b24notify.core.errors import ConfigError


def crm(expires_at: float | None = None, portal: str = "https://crm.example.com") -> Profile:
    return Profile(
        name="crm",
        oauth=OAuth(
            portal=portal,
            client_id="local.app",
            client_secret="cs",
            access_token="config-access",
            refresh_token="config-refresh",
            expires_at=expires_at,
        ),
    )


def test_default_path_is_in_the_data_dir(isolated_home: Path) -> None:
    assert TokenStore().path == isolated_home / "data" / "tokens.json"


def test_save_then_load(isolated_home: Path) -> None:
    store = TokenStore()
    assert store.load("crm") is None
    store.save(crm(), "a1", "r1", 1000.0)
    assert store.load(crm()) == TokenPair("a1", "r1", 1000.0)
    assert TokenStore().load("crm") == TokenPair("a1", "r1", 1000.0)
    assert store.load("other") is None


def test_the_newest_pair_replaces_the_old(isolated_home: Path) -> None:
    store = TokenStore()
    store.save("crm", "a1", "r1", 1000.0)
    store.save("crm", "a2", "r2", 2000.0)
    store.save("ops", "x", "y", 5.0)
    assert store.load("crm") == TokenPair("a2", "r2", 2000.0)
    assert store.load("ops") == TokenPair("x", "y", 5.0)
    assert b"r1" not in store.path.read_bytes()


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_file_is_0600_and_written_atomically(isolated_home: Path) -> None:
    store = TokenStore()
    store.save("crm", "a1", "r1", 1000.0)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    leftovers = [p.name for p in store.path.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_tokens_of_another_portal_are_ignored(isolated_home: Path) -> None:
    store = TokenStore()
    store.save(crm(), "a1", "r1", 1000.0)
    assert store.load(crm(portal="https://other.example.com")) is None
    assert store.load("crm") is not None


def test_repr_shows_no_token() -> None:
    assert "secret" not in repr(TokenPair("secret-a", "secret-r", 1.0))


@pytest.mark.parametrize(
    ("config_expiry", "stored_expiry", "store_wins"),
    [(None, 100.0, True), (50.0, 100.0, True), (100.0, 100.0, False), (200.0, 100.0, False)],
)
def test_overlay_prefers_newer_stored_tokens(
    isolated_home: Path, config_expiry: float | None, stored_expiry: float, store_wins: bool
) -> None:
    store = TokenStore()
    store.save("crm", "stored-access", "stored-refresh", stored_expiry)
    profile = store.overlay(crm(config_expiry))
    assert profile.oauth is not None
    expected = "stored-access" if store_wins else "config-access"
    assert profile.oauth.access_token == expected
    assert profile.oauth.refresh_token == expected.replace("access", "refresh")
    assert profile.secret_origin("refresh_token") == ("store" if store_wins else "file")


def test_overlay_leaves_webhook_profiles_and_empty_stores_alone(isolated_home: Path) -> None:
    store = TokenStore()
    hook = Profile(name="m", webhook="https://example.bitrix24.com/rest/1/abc/")
    assert store.overlay(hook) is hook
    profile = crm()
    assert store.overlay(profile) is profile


def test_overlaid_tokens_stay_out_of_the_config_file(isolated_home: Path) -> None:
    store = TokenStore()
    path = save_config(upsert_profile(load_config(), crm(10.0)))
    profile = load_config().profiles["crm"]
    store.save(profile, "rotated-access", "rotated-refresh", 99.0)
    overlaid = store.overlay(profile)
    config = upsert_profile(load_config(), overlaid)
    save_config(config)
    data = path.read_bytes()
    assert b"rotated" not in data
    assert b"config-refresh" in data


def test_saver_callback_persists_at_once(isolated_home: Path) -> None:
    store = TokenStore()
    on_tokens = store.saver(crm())
    on_tokens("a9", "r9", 9.0)
    assert TokenStore().load(crm()) == TokenPair("a9", "r9", 9.0)


def test_forget(isolated_home: Path) -> None:
    store = TokenStore()
    store.save("crm", "a", "r", 1.0)
    store.save("ops", "a", "r", 1.0)
    store.forget("crm")
    store.forget("never-saved")
    assert store.load("crm") is None and store.load("ops") is not None


def test_damaged_store_load_says_what_to_do_and_save_recovers(isolated_home: Path) -> None:
    store = TokenStore()
    store.path.parent.mkdir(parents=True)
    store.path.write_text("{not json")
    with pytest.raises(ConfigError, match="token store is damaged") as caught:
        store.load("crm")
    assert caught.value.path == str(store.path)
    # A fresh pair must never be lost because the old file is unreadable.
    store.save("crm", "a", "r", 1.0)
    assert store.load("crm") == TokenPair("a", "r", 1.0)
    kept = [p for p in store.path.parent.iterdir() if ".damaged-" in p.name]
    assert len(kept) == 1 and kept[0].read_text() == "{not json"


def test_concurrent_saves_lose_nothing(isolated_home: Path) -> None:
    store = TokenStore()

    def save(i: int) -> None:
        for round_ in range(5):
            TokenStore().save(f"p{i}", f"a{i}-{round_}", f"r{i}-{round_}", float(round_))

    threads = [threading.Thread(target=save, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    code = (
        "import sys\n"
        "from b24notify.core.secrets import TokenStore\n"
        "for r in range(5): TokenStore().save('child', f'a{r}', f'r{r}', float(r))\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=os.environ.copy())
    for i in range(8):
        assert store.load(f"p{i}") == TokenPair(f"a{i}-4", f"r{i}-4", 4.0)
    assert store.load("child") == TokenPair("a4", "r4", 4.0)
    assert set(json.loads(store.path.read_text())["profiles"]) == {f"p{i}" for i in range(8)} | {
        "child"
    }
