"""Loading config.toml: good configs, every kind of bad one, and the rules on profiles."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from b24notify.core.config import Config, Profile, load_config
from b24notify.core.errors import ConfigError

CODE = "s3cr3tcode"
HOOK = f"https://example.bitrix24.com/rest/1/{CODE}/"


def write(home: Path, text: str, name: str = "config.toml") -> Path:
    path = home / name
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def test_missing_file_is_an_empty_first_run_config(isolated_home: Path) -> None:
    config = load_config()
    assert config == Config()
    assert config.found is False
    assert config.path == isolated_home / "config.toml"
    assert config.warnings == []


def test_default_path_follows_b24notify_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = write(tmp_path, f'[profiles.x]\nwebhook = "{HOOK}"\nclient_id = "c"\n', "other.toml")
    monkeypatch.setenv("B24NOTIFY_CONFIG", str(other))
    config = load_config()
    assert config.path == other and list(config.profiles) == ["x"]


# --------------------------------------------------------------------------- good

GOOD: list[tuple[str, str, Callable[[Config], object]]] = [
    (
        "minimal webhook profile with defaults",
        f'[profiles.main]\nwebhook = "{HOOK}"\nclient_id = "cid"\n',
        lambda c: (
            c.profiles["main"] == Profile(name="main", webhook=HOOK, client_id="cid")
            and c.default_name == "main"
            and c.confirm_send is True
        ),
    ),
    (
        "webhook without trailing slash is normalised",
        f'[profiles.main]\nwebhook = "{HOOK[:-1]}"\nclient_id = "c"\n',
        lambda c: c.profiles["main"].webhook == HOOK,
    ),
    (
        "webhook under a path prefix (self-hosted)",
        f'[profiles.main]\nwebhook = "https://b24.corp.local/portal/rest/12/{CODE}/"\n'
        'client_id = "c"\n',
        lambda c: (
            c.profiles["main"].portal_url == "https://b24.corp.local"
            and c.profiles["main"].webhook_code == CODE
        ),
    ),
    (
        "v2 webhook profile with bot token",
        f'[profiles.v2]\nwebhook = "{HOOK}"\napi = "v2"\nbot_id = 7\nbot_token = "tok"\n',
        lambda c: (
            (c.profiles["v2"].api, c.profiles["v2"].bot_id, c.profiles["v2"].bot_token)
            == ("v2", 7, "tok")
        ),
    ),
    (
        "OAuth profile with a date-time expiry",
        "[profiles.crm]\napi = 'v2'\n[profiles.crm.oauth]\nportal = 'https://crm.example.com/'\n"
        "client_id = 'local.1'\nclient_secret = 'cs'\naccess_token = 'at'\n"
        "refresh_token = 'rt'\nexpires_at = 2030-01-01T00:00:00Z\n",
        lambda c: (
            c.profiles["crm"].auth_kind == "oauth"
            and c.profiles["crm"].oauth is not None
            and c.profiles["crm"].oauth.portal == "https://crm.example.com"
            and c.profiles["crm"].oauth.expires_at == 1893456000.0
            and c.profiles["crm"].oauth.oauth_server == "https://oauth.bitrix.info/oauth/token/"
            and c.profiles["crm"].base_url == "https://crm.example.com/rest/"
        ),
    ),
    (
        "explicit default among several, order kept",
        f'default_profile = "b"\n[profiles.a]\nwebhook = "{HOOK}"\nclient_id = "c"\n'
        f'[profiles.b]\nwebhook = "{HOOK}"\nclient_id = "c"\n',
        lambda c: list(c.profiles) == ["a", "b"] and c.profile().name == "b",
    ),
    (
        "application settings",
        "confirm_send = false\ntheme = 'nord'\nhistory_retention_days = 30\n"
        "[keys]\nsend = 'ctrl+s'\nhistory = 'f3'\n",
        lambda c: (
            (c.confirm_send, c.theme, c.history_retention_days, c.keys)
            == (False, "nord", 30, {"send": "ctrl+s", "history": "f3"})
        ),
    ),
    (
        "sandbox defaults",
        "[sandbox]\nport = 8765\ndrain = 10\nburst = 5\nstate_file = 'sb.sqlite3'\n",
        lambda c: (
            (c.sandbox.port, c.sandbox.drain, c.sandbox.burst, c.sandbox.host)
            == (8765, 10.0, 5, "127.0.0.1")
            and c.sandbox.state_file is not None
            and c.sandbox.state_file.name == "sb.sqlite3"
            and c.sandbox.state_file.is_absolute()
        ),
    ),
    (
        "timeouts, retries and rate overrides",
        f'[profiles.m]\nwebhook = "{HOOK}"\nclient_id = "c"\nconnect_timeout = 2\n'
        "read_timeout = 30.5\nmax_retries = 0\nrate_drain = 1\nrate_burst = 10\n",
        lambda c: (
            (
                c.profiles["m"].connect_timeout,
                c.profiles["m"].read_timeout,
                c.profiles["m"].max_retries,
                c.profiles["m"].rate(),
            )
            == (2.0, 30.5, 0, (1.0, 10))
        ),
    ),
    (
        "sandbox profile over loopback http",
        '[profiles.sb]\nwebhook = "http://127.0.0.1:8765/rest/1/sandbox/"\nclient_id = "c"\n'
        "sandbox = true\n",
        lambda c: c.profiles["sb"].sandbox and c.profiles["sb"].portal_key == "127.0.0.1:8765",
    ),
]


@pytest.mark.parametrize(("text", "check"), [g[1:] for g in GOOD], ids=[g[0] for g in GOOD])
def test_good_configs(isolated_home: Path, text: str, check: Callable[[Config], object]) -> None:
    config = load_config(write(isolated_home, text))
    assert config.found
    assert check(config)


def test_template_dirs_expand_home_and_resolve_relative_to_the_file(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home" / "team").mkdir(parents=True)
    (isolated_home / "local").mkdir()
    config = load_config(write(isolated_home, 'template_dirs = ["~/team", "local", "/nowhere"]\n'))
    assert config.template_dirs == [
        tmp_path / "home" / "team",
        isolated_home / "local",
        Path("/nowhere"),
    ]
    assert any("template_dirs[2]" in w and "not a directory" in w for w in config.warnings)


# --------------------------------------------------------------------------- bad

P = f'[profiles.main]\nwebhook = "{HOOK}"\nclient_id = "cid"\n'
OAUTH = "[profiles.crm.oauth]\nportal = 'https://crm.example.com'\nclient_id = 'local.1'\n"

BAD: list[tuple[str, str, str, str]] = [
    # (id, toml, key, reason fragment)
    ("unknown top key", "confirm_sends = true\n", "confirm_sends", "did you mean 'confirm_send'"),
    ("unknown profile key", P + "bot_idd = 7\n", "profiles.main.bot_idd", "did you mean 'bot_id'"),
    ("bad api", P + "api = 'v3'\n", "profiles.main.api", 'must be "v1" or "v2", not "v3"'),
    ("bad plan", P + "plan = 'premium'\n", "profiles.main.plan", '"standard" or "enterprise"'),
    ("bot_id string", P + "bot_id = '7'\n", "profiles.main.bot_id", "integer, not a string"),
    ("bot_id boolean", P + "bot_id = true\n", "profiles.main.bot_id", "not a boolean"),
    ("bot_id zero", P + "bot_id = 0\n", "profiles.main.bot_id", "positive"),
    (
        "http webhook",
        f'[profiles.main]\nwebhook = "http://example.bitrix24.com/rest/1/{CODE}/"\n',
        "profiles.main.webhook",
        "must use https",
    ),
    (
        "webhook without /rest/",
        f'[profiles.main]\nwebhook = "https://example.bitrix24.com/{CODE}/"\n',
        "profiles.main.webhook",
        "/rest/<user id>/<code>/",
    ),
    (
        "webhook with a method name",
        f'[profiles.main]\nwebhook = "{HOOK}imbot.message.add.json"\n',
        "profiles.main.webhook",
        "ends with a method name ('imbot.message.add.json')",
    ),
    (
        "webhook with a query",
        f'[profiles.main]\nwebhook = "{HOOK}?x=1"\n',
        "profiles.main.webhook",
        "query",
    ),
    (
        "webhook with credentials",
        f'[profiles.main]\nwebhook = "https://u:p@example.bitrix24.com/rest/1/{CODE}/"\n',
        "profiles.main.webhook",
        "user name or password",
    ),
    (
        "webhook not a URL",
        "[profiles.main]\nwebhook = 'example.bitrix24.com'\n",
        "profiles.main.webhook",
        "not a valid URL",
    ),
    ("webhook number", "[profiles.main]\nwebhook = 42\n", "profiles.main.webhook", "an integer"),
    ("webhook and oauth", P + OAUTH.replace("crm", "main"), "profiles.main", "has both"),
    ("neither webhook nor oauth", "[profiles.main]\napi = 'v1'\n", "profiles.main", "needs"),
    (
        "default_profile inside a profile table",
        P + "default_profile = 'mian'\n",
        "profiles.main.default_profile",
        "unknown key",
    ),
    (
        "default names no profile (top level)",
        "default_profile = 'mian'\n" + P,
        "default_profile",
        "did you mean 'main'",
    ),
    (
        "oauth without portal",
        "[profiles.crm.oauth]\nclient_id = 'local.1'\n",
        "profiles.crm.oauth.portal",
        "is required",
    ),
    (
        "oauth portal over http",
        OAUTH.replace("https://crm", "http://crm"),
        "profiles.crm.oauth.portal",
        "must use https",
    ),
    (
        "oauth portal with a path",
        OAUTH.replace("example.com", "example.com/crm/deal"),
        "profiles.crm.oauth.portal",
        "portal address only",
    ),
    (
        "oauth server over http",
        OAUTH + "oauth_server = 'http://oauth.example.com/token/'\n",
        "profiles.crm.oauth.oauth_server",
        "must use https",
    ),
    (
        "oauth typo",
        OAUTH + "client_secrte = 'x'\n",
        "profiles.crm.oauth.client_secrte",
        "did you mean 'client_secret'",
    ),
    (
        "oauth not a table",
        "[profiles.crm]\noauth = 'yes'\n",
        "profiles.crm.oauth",
        "must be a table",
    ),
    (
        "expires_at as text",
        OAUTH + "expires_at = 'tomorrow'\n",
        "profiles.crm.oauth.expires_at",
        "unix time",
    ),
    (
        "connect timeout zero",
        P + "connect_timeout = 0\n",
        "profiles.main.connect_timeout",
        "above 0",
    ),
    ("read timeout text", P + "read_timeout = '60s'\n", "profiles.main.read_timeout", "a number"),
    ("negative retries", P + "max_retries = -1\n", "profiles.main.max_retries", "0 to 100"),
    ("burst zero", P + "rate_burst = 0\n", "profiles.main.rate_burst", "at least 1"),
    ("drain negative", P + "rate_drain = -2\n", "profiles.main.rate_drain", "above 0"),
    ("sandbox flag text", P + "sandbox = 'yes'\n", "profiles.main.sandbox", "true or false"),
    ("confirm_send text", "confirm_send = 'yes'\n", "confirm_send", "true or false"),
    ("retention zero", "history_retention_days = 0\n", "history_retention_days", "at least 1"),
    ("template_dirs string", "template_dirs = 'x'\n", "template_dirs", "must be an array"),
    ("template_dirs item", "template_dirs = [1]\n", "template_dirs[0]", "directory path"),
    ("key binding number", "[keys]\nsend = 5\n", "keys.send", "ctrl+s"),
    ("profiles not a table", "profiles = 3\n", "profiles", "must be a table"),
    ("profile not a table", "[profiles]\nmain = 3\n", "profiles.main", "must be a table"),
    (
        "profile name with a space",
        f'[profiles."bad name"]\nwebhook = "{HOOK}"\n',
        "profiles.bad name",
        "letters, digits",
    ),
    (
        "profile names sharing an env prefix",
        P + P.replace("main", "MAIN"),
        "profiles.MAIN",
        "environment prefix B24NOTIFY_MAIN_",
    ),
    ("empty secret", P.replace('"cid"', '""'), "profiles.main.client_id", "is empty"),
    (
        "secret ref with two sources",
        P.replace('"cid"', '{ keyring = true, env = "X" }'),
        "profiles.main.client_id",
        "exactly one",
    ),
    (
        "secret ref with a bad variable name",
        P.replace('"cid"', '{ env = "1BAD" }'),
        "profiles.main.client_id.env",
        "environment variable",
    ),
    (
        "secret ref of an unknown kind",
        P.replace('"cid"', "{ vault = true }"),
        "profiles.main.client_id.vault",
        "unknown key",
    ),
    (
        "secret ref keyring false",
        P.replace('"cid"', "{ keyring = false }"),
        "profiles.main.client_id.keyring",
        "true or a keyring user name",
    ),
    ("sandbox port", "[sandbox]\nport = 70000\n", "sandbox.port", "65535"),
    ("sandbox key typo", "[sandbox]\nprot = 1\n", "sandbox.prot", "did you mean 'port'"),
]


@pytest.mark.parametrize(("text", "key", "reason"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_configs_name_file_key_and_reason(
    isolated_home: Path, text: str, key: str, reason: str
) -> None:
    path = write(isolated_home, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    err = caught.value
    assert err.path == str(path)
    assert err.key == key
    message = str(err)
    assert message.startswith(f"{path}: {key}: ")
    assert reason in message
    assert "\n" not in message
    assert CODE not in message and CODE not in (err.detail or "")
    assert err.exit_code == 2


def test_every_problem_is_listed_in_the_detail(isolated_home: Path) -> None:
    text = "theme = 3\n" + P + "api = 'v9'\nplan = 'gold'\n"
    with pytest.raises(ConfigError) as caught:
        load_config(write(isolated_home, text))
    assert "(and 2 more)" in str(caught.value)
    detail = caught.value.detail or ""
    for key in ("theme", "profiles.main.api", "profiles.main.plan"):
        assert key in detail


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("theme = 'a'\nconfirm_send = \n", "line 2, column 16"),
        ("[profiles.main]\nwebhook = 'x'\n[profiles.main]\n", "line 3"),
        ("template_dirs = ['a'", "end of file"),
        ('theme = "unterminated\n', "line 1, column 22"),
        ("theme = 'a' b\n", "line 1, column 13"),
    ],
)
def test_broken_toml_gives_the_line(isolated_home: Path, text: str, where: str) -> None:
    path = write(isolated_home, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {where}")
    assert "not valid TOML" in message
    assert caught.value.key is None


def test_non_utf8_file(isolated_home: Path) -> None:
    path = isolated_home / "config.toml"
    path.write_bytes(b"theme = '\xff'\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(path)


def test_unreadable_path(isolated_home: Path) -> None:
    (isolated_home / "config.toml").mkdir()
    with pytest.raises(ConfigError, match="could not read the config file"):
        load_config()


# --------------------------------------------------------------------------- rules


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        (f"https://example.bitrix24.com/rest/1/{CODE}/", True),
        (f"https://example.bitrix24.com:8443/rest/1/{CODE}/", True),
        (f"http://example.bitrix24.com/rest/1/{CODE}/", False),
        (f"http://10.0.0.5/rest/1/{CODE}/", False),
        (f"http://127.0.0.1/rest/1/{CODE}/", True),
        (f"http://127.8.9.10:9000/rest/1/{CODE}/", True),
        (f"http://localhost:8765/rest/1/{CODE}/", True),
        (f"http://LOCALHOST/rest/1/{CODE}/", True),
        (f"http://[::1]:8765/rest/1/{CODE}/", True),
        (f"http://localhost.example.com/rest/1/{CODE}/", False),
        (f"http://128.0.0.1/rest/1/{CODE}/", False),
        (f"ftp://example.bitrix24.com/rest/1/{CODE}/", False),
    ],
)
def test_https_required_except_loopback(isolated_home: Path, url: str, ok: bool) -> None:
    path = write(isolated_home, f'[profiles.main]\nwebhook = "{url}"\nclient_id = "c"\n')
    if ok:
        assert load_config(path).profiles["main"].webhook == url
    else:
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        assert caught.value.key == "profiles.main.webhook"


@pytest.mark.parametrize(
    ("extra", "rate"),
    [
        ("", (2.0, 50)),
        ("plan = 'standard'\n", (2.0, 50)),
        ("plan = 'enterprise'\n", (5.0, 250)),
        ("plan = 'enterprise'\nrate_drain = 3\n", (3.0, 250)),
        ("rate_burst = 20\n", (2.0, 20)),
        ("plan = 'enterprise'\nrate_drain = 0.5\nrate_burst = 7\n", (0.5, 7)),
    ],
)
def test_rate_per_plan(isolated_home: Path, extra: str, rate: tuple[float, int]) -> None:
    profile = load_config(write(isolated_home, P + extra)).profiles["main"]
    assert profile.rate() == rate


def test_missing_bot_secret_is_a_warning_not_an_error(isolated_home: Path) -> None:
    text = f'[profiles.v1]\nwebhook = "{HOOK}"\n[profiles.v2]\nwebhook = "{HOOK}"\napi = "v2"\n'
    config = load_config(write(isolated_home, text))
    assert any("'v1'" in w and "B24NOTIFY_V1_CLIENT_ID" in w for w in config.warnings)
    assert any("'v2'" in w and "B24NOTIFY_V2_BOT_TOKEN" in w for w in config.warnings)
    assert config.profiles["v1"].problems() and config.profiles["v2"].problems()


def test_profile_lookup_errors(isolated_home: Path) -> None:
    with pytest.raises(ConfigError, match="no profiles are configured"):
        load_config().profile()
    config = load_config(write(isolated_home, P))
    with pytest.raises(ConfigError, match="did you mean 'main'") as caught:
        config.profile("mian")
    assert caught.value.key == "profiles.mian"


def test_portal_properties(isolated_home: Path) -> None:
    text = (
        f'[profiles.a]\nwebhook = "https://Example.Bitrix24.com/rest/1/{CODE}/"\nclient_id = "c"\n'
        "[profiles.b.oauth]\nportal = 'https://example.bitrix24.com'\nclient_id = 'l'\n"
    )
    config = load_config(write(isolated_home, text))
    a, b = config.profiles["a"], config.profiles["b"]
    assert a.portal_url == "https://Example.Bitrix24.com"
    assert a.portal_key == b.portal_key == "example.bitrix24.com"
    assert a.portal_host == "example.bitrix24.com"
    assert (a.auth_kind, b.auth_kind) == ("webhook", "oauth")
    assert a.method_url("imbot.message.add") == (
        f"https://Example.Bitrix24.com/rest/1/{CODE}/imbot.message.add"
    )
    assert b.method_url("batch") == "https://example.bitrix24.com/rest/batch"


def test_loading_has_no_side_effects(isolated_home: Path) -> None:
    path = write(isolated_home, P)
    before = sorted(os.listdir(isolated_home))
    load_config(path)
    assert sorted(os.listdir(isolated_home)) == before
