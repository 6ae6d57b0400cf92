"""Secrets: environment and keyring sources, the file-mode warning, masking, safe display."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from keyring_fakes import BrokenKeyring, MemoryKeyring

from b24notify.core.config import OAuth, Profile, check_webhook, load_config
from b24notify.core.errors import ConfigError
from b24notify.core.secrets import MASK, env_var, mask, mask_webhook_url

CODE = "s3cr3tcode"
HOOK = f"https://example.bitrix24.com/rest/1/{CODE}/"


def write(home: Path, text: str, mode: int = 0o600) -> Path:
    path = home / "config.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


# --------------------------------------------------------------------------- environment


@pytest.mark.parametrize(
    ("profile", "key", "var"),
    [
        ("main", "webhook", "B24NOTIFY_MAIN_WEBHOOK"),
        ("main", "client_id", "B24NOTIFY_MAIN_CLIENT_ID"),
        ("main", "bot_token", "B24NOTIFY_MAIN_BOT_TOKEN"),
        ("support-v2", "bot_token", "B24NOTIFY_SUPPORT_V2_BOT_TOKEN"),
        ("Crm", "client_secret", "B24NOTIFY_CRM_CLIENT_SECRET"),
        ("crm", "access_token", "B24NOTIFY_CRM_ACCESS_TOKEN"),
        ("crm", "refresh_token", "B24NOTIFY_CRM_REFRESH_TOKEN"),
    ],
)
def test_env_var_names(profile: str, key: str, var: str) -> None:
    assert env_var(profile, key) == var


def test_webhook_and_client_id_from_env(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("B24NOTIFY_MAIN_WEBHOOK", HOOK)
    monkeypatch.setenv("B24NOTIFY_MAIN_CLIENT_ID", "  env-client-id\n")
    config = load_config(write(isolated_home, "[profiles.main]\nbot_id = 7\n", mode=0o644))
    profile = config.profiles["main"]
    assert (profile.webhook, profile.client_id) == (HOOK, "env-client-id")
    assert profile.secret_origin("webhook") == "env"
    assert "client_id from B24NOTIFY_MAIN_CLIENT_ID" in profile.describe()
    # Nothing secret is in the file, so its loose mode is not worth a warning.
    assert config.warnings == []


def test_env_wins_over_the_file(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("B24NOTIFY_MAIN_CLIENT_ID", "from-env")
    path = write(isolated_home, f'[profiles.main]\nwebhook = "{HOOK}"\nclient_id = "from-file"\n')
    profile = load_config(path).profiles["main"]
    assert profile.client_id == "from-env"
    assert profile.secret_origin("client_id") == "env"
    assert profile.secret_origin("webhook") == "file"


def test_empty_env_var_is_ignored(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("B24NOTIFY_MAIN_CLIENT_ID", "")
    path = write(isolated_home, f'[profiles.main]\nwebhook = "{HOOK}"\nclient_id = "file"\n')
    assert load_config(path).profiles["main"].client_id == "file"


def test_named_env_var(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = f'[profiles.v2]\nwebhook = "{HOOK}"\napi = "v2"\nbot_token = {{ env = "MY_TOKEN" }}\n'
    path = write(isolated_home, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.key == "profiles.v2.bot_token"
    assert "environment variable MY_TOKEN is not set" in str(caught.value)
    monkeypatch.setenv("MY_TOKEN", "tok")
    profile = load_config(path).profiles["v2"]
    assert profile.bot_token == "tok"
    assert "bot_token from MY_TOKEN" in profile.describe()


def test_oauth_secrets_from_env(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("B24NOTIFY_CRM_CLIENT_SECRET", "cs")
    monkeypatch.setenv("B24NOTIFY_CRM_ACCESS_TOKEN", "at")
    monkeypatch.setenv("B24NOTIFY_CRM_REFRESH_TOKEN", "rt")
    text = "[profiles.crm.oauth]\nportal = 'https://crm.example.com'\nclient_id = 'local.1'\n"
    oauth = load_config(write(isolated_home, text)).profiles["crm"].oauth
    assert oauth is not None
    assert (oauth.client_secret, oauth.access_token, oauth.refresh_token) == ("cs", "at", "rt")


def test_oauth_env_vars_do_not_apply_to_webhook_profiles(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("B24NOTIFY_MAIN_ACCESS_TOKEN", "at")
    path = write(isolated_home, f'[profiles.main]\nwebhook = "{HOOK}"\nclient_id = "c"\n')
    profile = load_config(path).profiles["main"]
    assert profile.oauth is None and "at" not in profile.secrets()


def test_bad_webhook_from_env_says_where_it_came_from(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("B24NOTIFY_MAIN_WEBHOOK", f"http://example.bitrix24.com/rest/1/{CODE}/")
    with pytest.raises(ConfigError) as caught:
        load_config(write(isolated_home, "[profiles.main]\nclient_id = 'c'\n"))
    message = str(caught.value)
    assert caught.value.key == "profiles.main.webhook"
    assert "must use https" in message and "(from B24NOTIFY_MAIN_WEBHOOK)" in message
    assert CODE not in message


def test_env_webhook_on_an_oauth_profile_is_both(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("B24NOTIFY_CRM_WEBHOOK", HOOK)
    text = "[profiles.crm.oauth]\nportal = 'https://crm.example.com'\nclient_id = 'local.1'\n"
    with pytest.raises(ConfigError, match=r"has both .*B24NOTIFY_CRM_WEBHOOK") as caught:
        load_config(write(isolated_home, text))
    assert caught.value.key == "profiles.crm"


# --------------------------------------------------------------------------- keyring

KEYRING_TEXT = f'[profiles.main]\nwebhook = "{HOOK}"\nclient_id = {{ keyring = true }}\n'


def test_keyring_secret(isolated_home: Path) -> None:
    ring = MemoryKeyring({("b24notify", "main.client_id"): "ring-id"})
    profile = load_config(write(isolated_home, KEYRING_TEXT), keyring=ring).profiles["main"]
    assert profile.client_id == "ring-id"
    assert profile.secret_origin("client_id") == "keyring"
    assert "client_id from the keyring" in profile.describe()


def test_keyring_custom_user(isolated_home: Path) -> None:
    text = KEYRING_TEXT.replace("keyring = true", 'keyring = "team-bot"')
    ring = MemoryKeyring({("b24notify", "team-bot"): "ring-id"})
    assert load_config(write(isolated_home, text), keyring=ring).profiles["main"].client_id == (
        "ring-id"
    )


def test_keyring_missing_entry_says_how_to_store_it(isolated_home: Path) -> None:
    path = write(isolated_home, KEYRING_TEXT)
    with pytest.raises(ConfigError) as caught:
        load_config(path, keyring=MemoryKeyring())
    message = str(caught.value)
    assert caught.value.key == "profiles.main.client_id"
    assert "keyring set b24notify main.client_id" in message
    assert "B24NOTIFY_MAIN_CLIENT_ID" in message


def test_keyring_not_installed(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)  # makes `import keyring` fail
    with pytest.raises(ConfigError) as caught:
        load_config(write(isolated_home, KEYRING_TEXT))
    message = str(caught.value)
    assert message.startswith(f"{isolated_home / 'config.toml'}: profiles.main.client_id: ")
    assert "pip install 'b24notify[keyring]'" in message
    assert "B24NOTIFY_MAIN_CLIENT_ID" in message


def test_keyring_without_backend(isolated_home: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(isolated_home, KEYRING_TEXT), keyring=BrokenKeyring())
    message = str(caught.value)
    assert "keyring is not usable" in message and "keyrings.alt" in message


def test_env_var_spares_the_keyring(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("B24NOTIFY_MAIN_CLIENT_ID", "env-id")
    profile = load_config(write(isolated_home, KEYRING_TEXT), keyring=BrokenKeyring()).profiles[
        "main"
    ]
    assert profile.client_id == "env-id"


# --------------------------------------------------------------------------- file mode


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
@pytest.mark.parametrize(
    ("mode", "warned"),
    [(0o600, False), (0o400, False), (0o640, True), (0o644, True), (0o606, True)],
)
def test_readable_file_with_secrets_is_warned_about(
    isolated_home: Path, mode: int, warned: bool
) -> None:
    path = write(isolated_home, f'[profiles.main]\nwebhook = "{HOOK}"\nclient_id = "c"\n', mode)
    warnings = [w for w in load_config(path).warnings if "other users can read it" in w]
    assert bool(warnings) is warned
    if warned:
        assert str(path) in warnings[0] and f"chmod 600 {path}" in warnings[0]
        assert "profiles.main.webhook" in warnings[0] and "profiles.main.client_id" in warnings[0]
        assert CODE not in warnings[0]


# --------------------------------------------------------------------------- masking and display


def full_profile() -> Profile:
    return Profile(
        name="crm",
        oauth=OAuth(
            portal="https://crm.example.com",
            client_id="local.app",
            client_secret="client-secret-1",
            access_token="access-token-2",
            refresh_token="refresh-token-3",
        ),
        client_id="bot-client-id-4",
        bot_token="bot-token-5",
    )


def test_secrets_lists_every_secret_value() -> None:
    profile = full_profile()
    assert set(profile.secrets()) == {
        "client-secret-1",
        "access-token-2",
        "refresh-token-3",
        "bot-client-id-4",
        "bot-token-5",
    }
    hooked = Profile(name="m", webhook=HOOK, client_id="cid", bot_token="tok")
    assert set(hooked.secrets()) == {CODE, "cid", "tok"}
    assert Profile(name="m", webhook=HOOK).secrets() == [CODE]


@pytest.mark.parametrize(
    "profile",
    [full_profile(), Profile(name="m", webhook=HOOK, client_id="cid-value", bot_token="tok-value")],
    ids=["oauth", "webhook"],
)
def test_describe_and_repr_show_no_secret(profile: Profile) -> None:
    shown = [profile.describe(), repr(profile), str(profile)]
    for text in shown:
        for secret in profile.secrets():
            assert secret not in text
    assert profile.name in profile.describe()


def test_describe_webhook() -> None:
    profile = Profile(name="m", webhook=HOOK, api="v2", bot_id=7, plan="enterprise")
    assert profile.describe() == (
        "m: webhook https://example.bitrix24.com/rest/1/***/, API v2, bot 7, "
        "enterprise plan (5/s, burst 250)"
    )


def test_profile_mask() -> None:
    profile = Profile(name="m", webhook=HOOK, client_id="cid/+x")
    text = f"POST {HOOK}imbot.message.add CLIENT_ID=cid%2F%2Bx or cid/+x"
    masked = profile.mask(text)
    assert CODE not in masked and "cid/+x" not in masked and "cid%2F%2Bx" not in masked
    assert masked.count(MASK) == 3


SECRET = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=4, max_size=24)


@settings(max_examples=200)
@given(st.lists(SECRET, min_size=1, max_size=4), st.lists(st.text(max_size=20), max_size=6))
def test_mask_leaves_no_secret(secrets: list[str], fillers: list[str]) -> None:
    parts = [x for pair in zip(fillers, secrets * 2, strict=False) for x in pair] + secrets
    text = "".join(parts)
    masked = mask(text, secrets)
    for secret in secrets:
        assert secret not in masked


HOSTS = st.sampled_from(
    ["example.bitrix24.com", "b24.corp.local", "127.0.0.1:8080", "localhost", "[::1]:9"]
)
CODES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=6, max_size=20)
TAILS = st.sampled_from(["", "/", "/imbot.message.add", "/profile.json", "?a=1", "#x", "//"])


@settings(max_examples=200)
@given(st.sampled_from(["https", "http", "ftp", ""]), HOSTS, st.integers(0, 999), CODES, TAILS)
def test_check_webhook_accepts_or_explains_without_the_code(
    scheme: str, host: str, user: int, code: str, tail: str
) -> None:
    assume(code not in host and code not in tail)  # the code is the only secret here
    url = f"{scheme}://{host}/rest/{user}/{code}{tail}"
    try:
        normal = check_webhook(url)
    except ValueError as exc:
        assert code not in str(exc)
        return
    assert normal.endswith(f"/rest/{user}/{code}/")
    assert check_webhook(normal) == normal
    assert mask_webhook_url(normal).endswith(f"/rest/{user}/{MASK}/")
    assert Profile(name="p", webhook=normal).secrets() == [code]


@settings(max_examples=200)
@given(st.text(max_size=80))
def test_check_webhook_never_crashes(text: str) -> None:
    with contextlib.suppress(ValueError):
        check_webhook(text)
