"""From the profile form to a Profile and back: field errors, where secrets go, round trips."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b24notify.core.config import Config, OAuth, Profile, config_to_toml
from b24notify.core.secrets import SecretRef, SecretSource
from b24notify.tui.widgets.profile_build import (
    SECRET_FIELDS,
    as_saved,
    build_profile,
    form_values,
    keyring_notes,
    list_line,
    locked_secrets,
    secret_key,
    secret_store,
    sending_gaps,
)

WEBHOOK = "https://example.bitrix24.com/rest/1/abc123/"


def values(**changes: str) -> dict[str, str]:
    base = form_values(None) | {"name": "support", "webhook": WEBHOOK, "client_id": "cid"}
    return base | changes


def test_a_valid_form_builds_the_profile() -> None:
    profile, errors = build_profile(values(bot_id="7", api="v1", plan="enterprise"))
    assert errors == {}
    assert profile == Profile(
        name="support", webhook=WEBHOOK, bot_id=7, client_id="cid", plan="enterprise"
    )


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"name": ""}, "name", "is needed"),
        ({"name": "bad name"}, "name", "letters, digits"),
        ({"webhook": ""}, "webhook", "is needed"),
        ({"webhook": "http://example.com/rest/1/x/"}, "webhook", "https"),
        ({"webhook": "https://example.com/nothing"}, "webhook", "/rest/<user id>/<code>/"),
        ({"webhook": WEBHOOK + "imbot.message.add"}, "webhook", "method name"),
        ({"bot_id": "seven"}, "bot_id", "whole number"),
        ({"bot_id": "-3"}, "bot_id", "positive"),
        ({"auth": "oauth"}, "oauth.portal", "valid URL"),
        ({"auth": "oauth", "oauth.portal": "https://x.bitrix24.com"}, "oauth.client_id", "empty"),
        (
            {"auth": "oauth", "oauth.portal": "https://x.bitrix24.com/some/page"},
            "oauth.portal",
            "address only",
        ),
    ],
)
def test_field_errors_land_on_their_field(changes: dict[str, str], field: str, reason: str) -> None:
    profile, errors = build_profile(values(**changes))
    assert profile is None
    assert field in errors, errors
    assert reason in errors[field]


def test_the_webhook_code_never_appears_in_an_error() -> None:
    _, errors = build_profile(values(webhook="https://x.com/rest/1/secretcode/imbot.bot.list"))
    assert "secretcode" not in " ".join(errors.values())


def test_an_oauth_profile() -> None:
    profile, errors = build_profile(
        values(
            auth="oauth",
            **{
                "oauth.portal": "https://x.bitrix24.com",
                "oauth.client_id": "local.1",
                "oauth.client_secret": "s",
                "oauth.refresh_token": "r",
            },
        )
    )
    assert errors == {}
    assert profile is not None and profile.webhook is None and profile.oauth is not None
    assert (profile.oauth.client_id, profile.oauth.refresh_token) == ("local.1", "r")


def test_unshown_settings_are_kept() -> None:
    base = Profile(
        name="main",
        webhook=WEBHOOK,
        client_id="cid",
        read_timeout=10.0,
        rate_burst=5,
        sandbox=True,
    )
    profile, errors = build_profile(form_values(base) | {"bot_id": "9"}, base)
    assert errors == {}
    assert profile == replace(base, bot_id=9)


def test_a_secret_from_the_environment_is_locked_and_kept() -> None:
    source = SecretSource("env", None, WEBHOOK, "B24NOTIFY_MAIN_WEBHOOK")
    base = Profile(name="main", webhook=WEBHOOK, client_id="cid", sources={"webhook": source})
    locked = locked_secrets(base)
    assert set(locked) == {"webhook"}
    assert "abc123" not in locked["webhook"].shown
    assert "B24NOTIFY_MAIN_WEBHOOK" in locked["webhook"].note
    # Whatever the form says for a locked field, the loaded value stays.
    profile, errors = build_profile(form_values(base) | {"webhook": "typed over"}, base)
    assert errors == {}
    assert profile is not None and profile.webhook == WEBHOOK
    assert profile.sources == base.sources


def keyring_source(value: str, user: str | None = None) -> SecretSource:
    return SecretSource("keyring", SecretRef("keyring", user), value, user)


class RefusingKeyring:
    """A keyring backend that fails every call: using it at all is the failure."""

    def get_password(self, service_name: str, username: str) -> str | None:
        raise RuntimeError("the keyring was used")

    def set_password(self, service_name: str, username: str, password: str) -> None:
        raise RuntimeError("the keyring was used")


def test_a_keyring_secret_stays_editable_with_a_note_naming_its_user() -> None:
    source = keyring_source("cid", "main.client_id")
    base = Profile(name="main", webhook=WEBHOOK, client_id="cid", sources={"client_id": source})
    assert "client_id" not in locked_secrets(base)
    assert form_values(base)["client_id"] == "cid"
    note = keyring_notes(base)["client_id"]
    assert "OS keyring" in note and "main.client_id" in note and "cid" not in note
    # A change stays in the keyring whatever the form's choice for typed secrets.
    edited, errors = build_profile(form_values(base) | {"client_id": "new", "store": "file"}, base)
    assert errors == {} and edited is not None and edited.client_id == "new"
    assert edited.secret_origin("client_id") == "keyring"


KEYRING = keyring_source("k-value")
FROM_FILE = SecretSource("file", "f-value", "f-value")
FROM_ENV = SecretSource("env", None, "e-value", "B24NOTIFY_MAIN_CLIENT_ID")


@pytest.mark.parametrize(
    ("store", "source", "origin"),
    [
        ("file", None, "file"),  # typed into a new field: the file
        ("keyring", None, "keyring"),  # typed, keyring chosen: moves
        ("keyring", FROM_FILE, "keyring"),  # held by the file, keyring chosen: moves
        ("file", FROM_FILE, "file"),
        ("keyring", FROM_ENV, "env"),  # the environment's stays there
        ("file", KEYRING, "keyring"),  # the keyring's stays there
        ("keyring", KEYRING, "keyring"),
    ],
)
def test_where_a_saved_secret_goes(store: str, source: SecretSource | None, origin: str) -> None:
    value = source.value if source is not None else "typed"
    sources = {"client_id": source} if source is not None else {}
    base = Profile(name="main", webhook=WEBHOOK, client_id=value, sources=sources)
    profile, errors = build_profile(form_values(base) | {"store": store}, base)
    assert errors == {} and profile is not None
    assert profile.client_id == value
    assert profile.secret_origin("client_id") == origin


def test_the_keyring_choice_leaves_token_store_tokens_alone() -> None:
    oauth = OAuth(
        portal="https://x.bitrix24.com", client_id="a", client_secret="s", refresh_token="r"
    )
    stored = SecretSource("store", None, "r")
    base = Profile(name="crm", oauth=oauth, sources={"refresh_token": stored})
    profile, errors = build_profile(form_values(base) | {"store": "keyring"}, base)
    assert errors == {} and profile is not None
    assert profile.secret_origin("client_secret") == "keyring"
    assert profile.secret_origin("refresh_token") == "store"


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        ({}, "file"),
        ({"webhook": KEYRING}, "file"),  # client_id is still in the file
        ({"webhook": KEYRING, "client_id": KEYRING}, "keyring"),
        ({"webhook": FROM_ENV, "client_id": KEYRING}, "keyring"),
        ({"webhook": FROM_ENV}, "file"),
    ],
)
def test_the_form_opens_on_where_the_secrets_are(
    sources: dict[str, SecretSource], expected: str
) -> None:
    profile = Profile(name="main", webhook=WEBHOOK, client_id="cid", sources=sources)
    assert secret_store(profile) == expected
    assert form_values(profile)["store"] == expected


def test_a_rename_keeps_keyring_secrets_under_their_old_user() -> None:
    base = Profile(name="ops", webhook=WEBHOOK, client_id="k-value", sources={"client_id": KEYRING})
    profile, errors = build_profile(form_values(base) | {"name": "ops2"}, base)
    assert errors == {} and profile is not None
    table = config_to_toml(Config(profiles={"ops2": profile}), keyring=RefusingKeyring())
    assert table["profiles"]["ops2"]["client_id"] == {"keyring": "ops.client_id"}


def test_after_a_save_the_keyring_is_not_written_again() -> None:
    base = Profile(name="ops", webhook=WEBHOOK, client_id="cid")
    profile, _ = build_profile(form_values(base) | {"store": "keyring"}, base)
    assert profile is not None
    config = Config(profiles={"ops": profile})
    with pytest.raises(Exception, match="keyring is not usable"):
        config_to_toml(config, keyring=RefusingKeyring())  # the first save writes the keyring
    settled = Config(profiles={"ops": as_saved(profile)})
    table = config_to_toml(settled, keyring=RefusingKeyring())  # the next one does not
    assert table["profiles"]["ops"] == {
        "webhook": {"keyring": True},
        "client_id": {"keyring": True},
    }
    assert as_saved(profile).sources["client_id"].where == "ops.client_id"


def test_an_oauth_expiry_stays_only_with_its_token() -> None:
    oauth = OAuth(portal="https://x.bitrix24.com", client_id="a", access_token="t", expires_at=5.0)
    base = Profile(name="crm", oauth=oauth)
    same, _ = build_profile(form_values(base), base)
    assert same is not None and same.oauth is not None and same.oauth.expires_at == 5.0
    new, _ = build_profile(form_values(base) | {"oauth.access_token": "t2"}, base)
    assert new is not None and new.oauth is not None and new.oauth.expires_at is None


def test_gaps_and_list_line_show_no_secret() -> None:
    profile = Profile(name="main", webhook=WEBHOOK, api="v2", bot_id=7)
    assert any("bot_token" in gap for gap in sending_gaps(profile))
    line = list_line(profile)
    assert "abc123" not in line and "v2" in line and "bot 7" in line


NAMES = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,20}", fullmatch=True)
CODES = st.from_regex(r"[a-z0-9]{4,16}", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(
    name=NAMES,
    code=CODES,
    user=st.integers(min_value=1, max_value=999),
    bot=st.one_of(st.none(), st.integers(min_value=1, max_value=10_000)),
    api=st.sampled_from(["v1", "v2"]),
    plan=st.sampled_from(["standard", "enterprise"]),
    secret=st.one_of(st.none(), CODES),
)
def test_form_round_trip(
    name: str, code: str, user: int, bot: int | None, api: str, plan: str, secret: str | None
) -> None:
    """A valid profile shown in the form and built back is the same profile."""
    profile = Profile(
        name=name,
        webhook=f"https://p.example.com/rest/{user}/{code}/",
        api=api,  # type: ignore[arg-type]
        bot_id=bot,
        client_id=secret,
        bot_token=secret,
        plan=plan,  # type: ignore[arg-type]
    )
    built, errors = build_profile(form_values(profile), profile)
    assert errors == {}
    assert built == profile


@settings(max_examples=200, deadline=None)
@given(
    code=CODES,
    secret=st.one_of(st.none(), CODES),
    token=st.one_of(st.none(), CODES),
    store=st.sampled_from(["file", "keyring"]),
)
def test_the_choice_moves_every_typed_secret_and_changes_no_value(
    code: str, secret: str | None, token: str | None, store: str
) -> None:
    base = Profile(
        name="m",
        webhook=f"https://p.example.com/rest/1/{code}/",
        client_id=secret,
        bot_token=token,
    )
    built, errors = build_profile(form_values(base) | {"store": store}, base)
    assert errors == {} and built == base
    for field in SECRET_FIELDS:
        key = secret_key(field)
        if key in ("webhook", "client_id", "bot_token") and getattr(base, key):
            assert built.secret_origin(key) == store
