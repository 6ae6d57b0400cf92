"""Saving config.toml: atomic 0600 writes, round trips, secrets kept out, Profiles-screen edits."""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from keyring_fakes import MemoryKeyring

from b24notify.core.config import (
    Config,
    OAuth,
    Profile,
    keep_in_keyring,
    load_config,
    remove_profile,
    save_config,
    set_default,
    upsert_profile,
)
from b24notify.core.errors import ConfigError

CODE = "s3cr3tcode"
HOOK = f"https://example.bitrix24.com/rest/1/{CODE}/"

FULL = f"""\
default_profile = "crm"
confirm_send = false
theme = "nord"
history_retention_days = 90
template_dirs = ["~/team-templates", "local"]

[keys]
send = "ctrl+s"

[sandbox]
port = 8765
burst = 10
state_file = "/var/tmp/sb.sqlite3"

[profiles.main]
webhook = "{HOOK}"
api = "v1"
bot_id = 7
client_id = "file-client-id"
plan = "standard"
read_timeout = 30.0

[profiles.v2]
webhook = "{HOOK}"
api = "v2"
bot_token = {{ env = "V2_TOKEN" }}
max_retries = 2
sandbox = true

[profiles.crm]
plan = "enterprise"
rate_drain = 4.0

[profiles.crm.oauth]
portal = "https://crm.example.com"
client_id = "local.app"
client_secret = {{ keyring = true }}
access_token = "file-access"
refresh_token = "file-refresh"
expires_at = 1900000000.0
"""


def ring() -> MemoryKeyring:
    return MemoryKeyring({("b24notify", "crm.client_secret"): "ring-secret"})


def write(home: Path, text: str) -> Path:
    path = home / "config.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def full(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("V2_TOKEN", "env-v2-token")
    return write(isolated_home, FULL)


def test_round_trip_keeps_what_was_read(full: Path) -> None:
    keyring = ring()
    config = load_config(full, keyring=keyring)
    saved = save_config(config, keyring=keyring)
    assert saved == full
    text = full.read_text()
    assert tomllib.loads(text) == tomllib.loads(FULL)
    again = load_config(full, keyring=keyring)
    assert again == config
    assert keyring.writes == []


def test_secrets_from_env_and_keyring_never_reach_the_file(
    full: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("B24NOTIFY_MAIN_CLIENT_ID", "env-client-id")
    monkeypatch.setenv("B24NOTIFY_MAIN_WEBHOOK", HOOK.replace(CODE, "envhookcode"))
    keyring = ring()
    config = load_config(full, keyring=keyring)
    assert config.profiles["main"].client_id == "env-client-id"
    save_config(config, keyring=keyring)
    data = full.read_bytes()
    for secret in (b"env-client-id", b"envhookcode", b"env-v2-token", b"ring-secret"):
        assert secret not in data
    # What the file held is still there.
    assert b"file-client-id" in data and CODE.encode() in data


def test_an_edited_keyring_secret_goes_to_the_keyring(full: Path) -> None:
    keyring = ring()
    config = load_config(full, keyring=keyring)
    crm = config.profiles["crm"]
    assert crm.oauth is not None
    edited = replace(crm, oauth=replace(crm.oauth, client_secret="new-secret"))
    save_config(upsert_profile(config, edited), keyring=keyring)
    assert keyring.entries[("b24notify", "crm.client_secret")] == "new-secret"
    assert b"new-secret" not in full.read_bytes()
    assert load_config(full, keyring=keyring).profiles["crm"].oauth.client_secret == "new-secret"  # type: ignore[union-attr]


def test_keep_in_keyring_moves_a_typed_secret_out_of_the_file(isolated_home: Path) -> None:
    keyring = MemoryKeyring()
    profile = keep_in_keyring(Profile(name="ops", webhook=HOOK, client_id="typed-id"), "client_id")
    path = save_config(upsert_profile(load_config(), profile), keyring=keyring)
    assert b"typed-id" not in path.read_bytes()
    assert keyring.entries == {("b24notify", "ops.client_id"): "typed-id"}
    assert tomllib.loads(path.read_text())["profiles"]["ops"]["client_id"] == {"keyring": True}
    assert load_config(keyring=keyring).profiles["ops"].client_id == "typed-id"


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_save_is_0600_even_over_a_looser_file(isolated_home: Path) -> None:
    path = write(isolated_home, f'[profiles.main]\nwebhook = "{HOOK}"\nclient_id = "c"\n')
    path.chmod(0o644)
    config = load_config(path)
    assert config.warnings
    save_config(config)
    assert mode(path) == 0o600
    assert load_config(path).warnings == []


def test_save_creates_the_directory_and_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "new" / "dir" / "config.toml"
    config = upsert_profile(Config(), Profile(name="m", webhook=HOOK, client_id="c"))
    save_config(config, target)
    assert os.listdir(target.parent) == ["config.toml"]
    assert load_config(target).profiles == config.profiles
    assert target.read_text().startswith("# b24notify configuration")


def test_save_writes_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "b24notify.toml"
    real.parent.mkdir()
    real.write_text("theme = 'nord'\n")
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    save_config(
        set_default(upsert_profile(load_config(link), Profile(name="m", webhook=HOOK)), "m")
    )
    assert link.is_symlink()
    assert load_config(real).default_profile == "m"


def test_invalid_config_is_not_written(isolated_home: Path) -> None:
    path = write(isolated_home, "theme = 'nord'\n")
    before = path.read_bytes()
    config = load_config(path)
    config.profiles["bad"] = Profile(name="bad", webhook="http://example.com/rest/1/abc/")
    with pytest.raises(ConfigError) as caught:
        save_config(config)
    assert caught.value.key == "profiles.bad.webhook"
    config.profiles.clear()
    config.default_profile = "ghost"
    with pytest.raises(ConfigError, match="default_profile: names no profile"):
        save_config(config)
    assert path.read_bytes() == before


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="root ignores directory modes")
def test_write_failure_is_a_config_error_and_keeps_the_old_file(isolated_home: Path) -> None:
    path = write(isolated_home, "theme = 'nord'\n")
    config = load_config(path)
    config.theme = "gruvbox"
    isolated_home.chmod(0o500)
    try:
        with pytest.raises(ConfigError, match="could not write"):
            save_config(config)
    finally:
        isolated_home.chmod(0o700)
    assert load_config(path).theme == "nord"


def test_write_errors_are_config_errors_and_leave_no_temp_files(tmp_path: Path) -> None:
    tmp_path = tmp_path / "work"
    tmp_path.mkdir()
    config = upsert_profile(Config(), Profile(name="m", webhook=HOOK))
    (tmp_path / "plain-file").write_text("x")
    with pytest.raises(ConfigError, match="could not write the file"):
        save_config(config, tmp_path / "plain-file" / "config.toml")
    (tmp_path / "taken" / "inside").mkdir(parents=True)
    with pytest.raises(ConfigError, match="could not write the file") as caught:
        save_config(config, tmp_path / "taken")
    assert caught.value.path == str(tmp_path / "taken")
    assert sorted(os.listdir(tmp_path)) == ["plain-file", "taken"]


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_new_file_is_0600_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        path = save_config(Config(theme="nord"), tmp_path / "config.toml")
    finally:
        os.umask(old)
    assert mode(path) == 0o600


def test_readers_never_see_a_half_written_file(isolated_home: Path) -> None:
    import threading

    config = upsert_profile(Config(), Profile(name="m", webhook=HOOK, client_id="c" * 5000))
    path = save_config(config)
    seen: list[int] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            seen.append(len(load_config(path).profiles))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(60):
            config.theme = f"theme-{i}"
            save_config(config)
    finally:
        stop.set()
        reader.join()
    assert seen and set(seen) == {1}


def test_a_failing_keyring_write_leaves_the_file_alone(full: Path) -> None:
    class Failing(MemoryKeyring):
        def set_password(self, service_name: str, username: str, password: str) -> None:
            raise RuntimeError("locked")

    keyring = Failing(ring().entries)
    config = load_config(full, keyring=keyring)
    crm = config.profiles["crm"]
    assert crm.oauth is not None
    edited = upsert_profile(config, replace(crm, oauth=replace(crm.oauth, client_secret="x")))
    before = full.read_bytes()
    with pytest.raises(ConfigError, match="keyring is not usable"):
        save_config(edited, keyring=keyring)
    assert full.read_bytes() == before


# --------------------------------------------------------------------------- Profiles screen


def test_first_profile_becomes_default_and_order_is_kept() -> None:
    config = upsert_profile(Config(), Profile(name="a", webhook=HOOK))
    assert config.default_profile == "a"
    config = upsert_profile(config, Profile(name="b", webhook=HOOK))
    config = upsert_profile(config, Profile(name="c", webhook=HOOK), make_default=True)
    assert list(config.profiles) == ["a", "b", "c"] and config.default_profile == "c"
    config = upsert_profile(config, Profile(name="a", webhook=HOOK, api="v2"))
    assert list(config.profiles) == ["a", "b", "c"] and config.profiles["a"].api == "v2"


def test_upsert_does_not_touch_the_original() -> None:
    original = upsert_profile(Config(), Profile(name="a", webhook=HOOK))
    upsert_profile(original, Profile(name="b", webhook=HOOK))
    assert list(original.profiles) == ["a"]


def test_upsert_normalises_the_webhook() -> None:
    config = upsert_profile(Config(), Profile(name="a", webhook=" " + HOOK[:-1]))
    assert config.profiles["a"].webhook == HOOK


def test_rename_keeps_place_and_default() -> None:
    config = Config()
    for name in ("a", "b", "c"):
        config = upsert_profile(config, Profile(name=name, webhook=HOOK))
    config = set_default(config, "b")
    config = upsert_profile(config, Profile(name="bee", webhook=HOOK), previous_name="b")
    assert list(config.profiles) == ["a", "bee", "c"]
    assert config.default_profile == "bee"
    with pytest.raises(ConfigError, match="already exists"):
        upsert_profile(config, Profile(name="c", webhook=HOOK), previous_name="a")


@pytest.mark.parametrize(
    ("profile", "key", "reason"),
    [
        (Profile(name="x", webhook="https://example.com/no/code"), "profiles.x.webhook", "/rest/"),
        (Profile(name="x"), "profiles.x", "needs webhook"),
        (Profile(name="x y", webhook=HOOK), "profiles.x y", "letters, digits"),
        (Profile(name="x", webhook=HOOK, api="v3"), "profiles.x.api", '"v1" or "v2"'),  # type: ignore[arg-type]
        (
            Profile(name="x", oauth=OAuth(portal="http://crm.example.com", client_id="l")),
            "profiles.x.oauth.portal",
            "https",
        ),
        (Profile(name="x", webhook=HOOK, read_timeout=0), "profiles.x.read_timeout", "above 0"),
    ],
)
def test_upsert_rejects_bad_profiles(profile: Profile, key: str, reason: str) -> None:
    config = upsert_profile(Config(), Profile(name="a", webhook=HOOK))
    with pytest.raises(ConfigError) as caught:
        upsert_profile(config, profile)
    assert caught.value.key == key and reason in str(caught.value)
    assert list(config.profiles) == ["a"]


def test_upsert_rejects_an_env_prefix_clash() -> None:
    config = upsert_profile(Config(), Profile(name="support-v2", webhook=HOOK))
    with pytest.raises(ConfigError, match="B24NOTIFY_SUPPORT_V2_"):
        upsert_profile(config, Profile(name="support_v2", webhook=HOOK))


def test_remove_profile_moves_the_default() -> None:
    config = Config()
    for name in ("a", "b"):
        config = upsert_profile(config, Profile(name=name, webhook=HOOK))
    config = remove_profile(config, "a")
    assert list(config.profiles) == ["b"] and config.default_profile == "b"
    config = remove_profile(config, "b")
    assert config.profiles == {} and config.default_profile is None
    with pytest.raises(ConfigError, match="no profile named 'b'"):
        remove_profile(config, "b")


def test_set_default_unknown_suggests() -> None:
    config = upsert_profile(Config(), Profile(name="main", webhook=HOOK))
    with pytest.raises(ConfigError, match="did you mean 'main'"):
        set_default(config, "mian")


def test_edits_save_and_load_back(isolated_home: Path) -> None:
    config = load_config()
    config = upsert_profile(config, Profile(name="a", webhook=HOOK, client_id="c", bot_id=3))
    config = upsert_profile(
        config,
        Profile(
            name="crm",
            api="v2",
            oauth=OAuth(portal="https://crm.example.com", client_id="l", client_secret="s"),
        ),
        make_default=True,
    )
    save_config(config)
    loaded = load_config()
    assert loaded == config and loaded.default_profile == "crm"


# --------------------------------------------------------------------------- property

NAMES = st.from_regex(r"[a-z][a-z0-9_-]{0,10}", fullmatch=True)
SECRETS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=1, max_size=30)
WEBHOOKS = st.builds(
    lambda host, user, code: f"https://{host}/rest/{user}/{code}/",
    st.sampled_from(["example.bitrix24.com", "b24.example.org:8443"]),
    st.integers(1, 9999),
    st.from_regex(r"[a-z0-9]{4,24}", fullmatch=True),
)
OAUTHS = st.builds(
    OAuth,
    portal=st.sampled_from(["https://crm.example.com", "http://127.0.0.1:5000"]),
    client_id=SECRETS,
    client_secret=st.none() | SECRETS,
    access_token=st.none() | SECRETS,
    refresh_token=st.none() | SECRETS,
    expires_at=st.none() | st.floats(0, 4e9, allow_nan=False),
)


@st.composite
def profiles(draw: st.DrawFn) -> Profile:
    oauth = draw(st.none() | OAUTHS)
    return Profile(
        name=draw(NAMES),
        webhook=None if oauth else draw(WEBHOOKS),
        oauth=oauth,
        api=draw(st.sampled_from(["v1", "v2"])),
        bot_id=draw(st.none() | st.integers(1, 10**6)),
        client_id=draw(st.none() | SECRETS),
        bot_token=draw(st.none() | SECRETS),
        plan=draw(st.sampled_from(["standard", "enterprise"])),
        rate_drain=draw(st.none() | st.floats(0.1, 100)),
        rate_burst=draw(st.none() | st.integers(1, 1000)),
        connect_timeout=draw(st.floats(0.5, 60)),
        read_timeout=draw(st.floats(1, 300)),
        max_retries=draw(st.integers(0, 10)),
        sandbox=draw(st.booleans()),
    )


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(profiles(), min_size=1, max_size=4, unique_by=lambda p: p.name.replace("-", "_")))
def test_any_valid_config_round_trips(isolated_home: Path, items: list[Profile]) -> None:
    config = Config()
    for profile in items:
        config = upsert_profile(config, profile)
    path = save_config(config, isolated_home / "round.toml")
    assert load_config(path) == config


def test_a_session_only_profile_is_never_written(tmp_path: Path) -> None:
    from b24notify.sandbox.child import sandbox_profile

    kept = Profile(name="support", webhook="https://example.bitrix24.com/rest/1/abc/", bot_id=3)
    sandbox = sandbox_profile(45000, "sandbox-code", "cid", "tok", ephemeral=True)
    config = Config(profiles={"support": kept, "sandbox": sandbox}, default_profile="sandbox")
    target = save_config(config, tmp_path / "config.toml")
    text = target.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert list(data["profiles"]) == ["support"]
    assert "default_profile" not in data  # it named the sandbox
    assert "sandbox-code" not in text
    persistent = replace(sandbox, ephemeral=False)
    config = Config(profiles={"sandbox": persistent}, default_profile="sandbox")
    data = tomllib.loads(save_config(config, tmp_path / "kept.toml").read_text(encoding="utf-8"))
    assert data["default_profile"] == "sandbox" and data["profiles"]["sandbox"]["sandbox"] is True
