"""Between the profile form and ``Profile``: form values of a profile, and a profile from the form.

Pure functions (no widgets). Form keys are the config's own keys inside a
profile (``webhook``, ``bot_id``, ``oauth.portal`` …) plus ``name`` and
``auth`` and ``store`` (where typed secrets are saved: the config file or the
OS keyring), so the problems ``profile_problems`` reports land on the field
that holds the value. Secrets that came from the environment or the token
store are "locked": the form shows them read-only and a built profile keeps
them as loaded, so a save writes back only the reference the file held, never
the value. Secrets from the keyring stay editable: a change goes back to the
keyring.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from b24notify.core.config import DEFAULT_OAUTH_SERVER, OAuth, Profile, profile_problems
from b24notify.core.config_model import secret_value
from b24notify.core.secrets import (
    KEYRING_SERVICE,
    SecretRef,
    SecretSource,
    env_var,
    keyring_user,
    mask_webhook_url,
)

WEBHOOK_SECRETS = ("webhook", "client_id", "bot_token")
OAUTH_SECRETS = ("client_secret", "access_token", "refresh_token")
SECRET_FIELDS = (*WEBHOOK_SECRETS, *(f"oauth.{k}" for k in OAUTH_SECRETS))
FIELDS = (
    "name",
    "auth",
    "webhook",
    "oauth.portal",
    "oauth.client_id",
    "oauth.client_secret",
    "oauth.access_token",
    "oauth.refresh_token",
    "api",
    "bot_id",
    "client_id",
    "bot_token",
    "store",
    "plan",
)
#: Where a save puts the secrets typed in the form (``store`` field values).
STORE_FILE = "file"
STORE_KEYRING = "keyring"


@dataclass(frozen=True)
class Locked:
    """A secret the form must not edit, and why (shown under the field)."""

    key: str
    shown: str
    note: str


def secret_key(field: str) -> str:
    """``oauth.client_secret`` → ``client_secret`` (the key ``Profile.sources`` uses)."""
    return field.removeprefix("oauth.")


def form_values(profile: Profile | None) -> dict[str, str]:
    """The form's text for every field (empty for a new profile)."""
    if profile is None:
        return {key: "" for key in FIELDS} | {
            "auth": "webhook",
            "api": "v1",
            "store": STORE_FILE,
            "plan": "standard",
        }
    oauth = profile.oauth
    return {
        "name": profile.name,
        "auth": profile.auth_kind,
        "webhook": profile.webhook or "",
        "oauth.portal": oauth.portal if oauth else "",
        "oauth.client_id": oauth.client_id if oauth else "",
        "oauth.client_secret": (oauth.client_secret or "") if oauth else "",
        "oauth.access_token": (oauth.access_token or "") if oauth else "",
        "oauth.refresh_token": (oauth.refresh_token or "") if oauth else "",
        "api": profile.api,
        "bot_id": "" if profile.bot_id is None else str(profile.bot_id),
        "client_id": profile.client_id or "",
        "bot_token": profile.bot_token or "",
        "store": secret_store(profile),
        "plan": profile.plan,
    }


def secret_store(profile: Profile) -> str:
    """``keyring`` when the profile keeps its secrets there and none in the file, else ``file``."""
    origins = {
        profile.secret_origin(secret_key(field))
        for field in SECRET_FIELDS
        if secret_value(profile, secret_key(field))
    }
    return STORE_KEYRING if "keyring" in origins and "file" not in origins else STORE_FILE


def locked_secrets(profile: Profile | None) -> dict[str, Locked]:
    """Field → why it is read-only, for each secret that did not come from the file."""
    if profile is None:
        return {}
    out: dict[str, Locked] = {}
    values = form_values(profile)
    for field in SECRET_FIELDS:
        key = secret_key(field)
        source = profile.sources.get(key)
        if source is None or source.origin == "file" or not values[field]:
            continue
        if source.origin == "keyring":
            continue  # editable: a change is saved back to the keyring
        shown = mask_webhook_url(values[field]) if field == "webhook" else "***"
        if source.origin == "env":
            note = (
                f"From the environment variable {source.where or env_var(profile.name, key)}; "
                "never written to the config file. Change it there."
            )
        else:
            note = "Kept fresh by b24notify in its token store; never written to the config file."
        out[field] = Locked(key, shown, note)
    return out


def keyring_notes(profile: Profile | None) -> dict[str, str]:
    """Field → where in the OS keyring its secret lives, for each secret that came from there."""
    if profile is None:
        return {}
    out: dict[str, str] = {}
    for field in SECRET_FIELDS:
        key = secret_key(field)
        source = profile.sources.get(key)
        if source is None or source.origin != "keyring" or not secret_value(profile, key):
            continue
        spec = source.spec if isinstance(source.spec, SecretRef) else SecretRef("keyring")
        user = source.where or keyring_user(profile.name, key, spec)
        out[field] = (
            f"In the OS keyring (service {KEYRING_SERVICE}, user {user}); "
            "a change is saved there, never in the config file."
        )
    return out


def build_profile(
    values: Mapping[str, str], base: Profile | None = None
) -> tuple[Profile | None, dict[str, str]]:
    """A profile from the form's values over ``base`` (the profile being edited).

    Returns (profile, {}) when every rule holds, else (None, field → reason).
    Locked secrets keep ``base``'s values; settings the form does not show
    (timeouts, rate overrides, sandbox) are kept from ``base``.
    """
    errors: dict[str, str] = {}
    locked = locked_secrets(base)
    text = {key: values.get(key, "").strip() for key in FIELDS}
    old = form_values(base) if base is not None else {}
    for field in locked:
        text[field] = old[field]

    def opt(key: str) -> str | None:
        return text[key] or None

    bot_id: int | None = None
    if text["bot_id"]:
        try:
            bot_id = int(text["bot_id"])
        except ValueError:
            errors["bot_id"] = "must be a whole number (the bot's id, like 7)"
    auth = text["auth"] if text["auth"] in ("webhook", "oauth") else "webhook"
    oauth: OAuth | None = None
    webhook: str | None = None
    if auth == "oauth":
        previous = base.oauth if base is not None else None
        oauth = OAuth(
            portal=text["oauth.portal"],
            client_id=text["oauth.client_id"],
            client_secret=opt("oauth.client_secret"),
            access_token=opt("oauth.access_token"),
            refresh_token=opt("oauth.refresh_token"),
            expires_at=_kept_expiry(previous, text),
            oauth_server=previous.oauth_server if previous else DEFAULT_OAUTH_SERVER,
            file_keys=previous.file_keys if previous else frozenset(),
        )
    else:
        webhook = opt("webhook")
    fields: dict[str, Any] = {
        "name": text["name"],
        "webhook": webhook,
        "oauth": oauth,
        "api": text["api"] or "v1",
        "bot_id": bot_id,
        "client_id": opt("client_id"),
        "bot_token": opt("bot_token"),
        "plan": text["plan"] or "standard",
    }
    profile = replace(base, **fields) if base is not None else Profile(**fields)
    if base is not None and base.name != profile.name:
        profile = _pin_keyring_users(profile, base.name)
    if text["store"] == STORE_KEYRING:
        profile = _typed_to_keyring(profile, locked)
    for key, reason in profile_problems(profile):
        field = _field_of(key, reason, auth)
        errors.setdefault(field, reason)
    if not text["name"]:
        errors["name"] = "is needed (letters, digits, '-' and '_')"
    if auth == "webhook" and webhook is None:
        errors["webhook"] = "is needed: paste the inbound webhook URL from the portal"
    if errors:
        return None, errors
    return profile, {}


def _typed_to_keyring(profile: Profile, locked: Mapping[str, Locked]) -> Profile:
    """The profile with every typed secret marked to move into the OS keyring on save.

    Secrets from the environment or the token store (locked) and those already
    in the keyring keep their place.
    """
    from b24notify.core.config import keep_in_keyring

    for field in SECRET_FIELDS:
        key = secret_key(field)
        source = profile.sources.get(key)
        if field in locked or not secret_value(profile, key):
            continue
        if source is not None and source.origin != "file":
            continue
        profile = keep_in_keyring(profile, key)
    return profile


def _pin_keyring_users(profile: Profile, old_name: str) -> Profile:
    """After a rename, keyring secrets stored under ``<old name>.<key>`` keep that user.

    ``{ keyring = true }`` means the user ``<profile>.<key>``: written back
    unchanged under the new name it would point at an entry that does not exist.
    """
    sources = dict(profile.sources)
    for key, source in profile.sources.items():
        spec = source.spec
        if source.origin == "keyring" and isinstance(spec, SecretRef) and spec.name is None:
            user = f"{old_name}.{key}"
            sources[key] = SecretSource("keyring", SecretRef("keyring", user), source.value, user)
    return replace(profile, sources=sources)


def as_saved(profile: Profile) -> Profile:
    """The profile as its save left it: each keyring secret's source holds the value now stored.

    So the next save of the config (another profile, the default) writes only
    the references and does not store the same secrets in the keyring again.
    """
    sources = dict(profile.sources)
    for key, source in profile.sources.items():
        if source.origin != "keyring" or not isinstance(source.spec, SecretRef):
            continue
        value = secret_value(profile, key)
        if value is None:
            del sources[key]  # cleared: the file no longer names it
        elif value != source.value:
            user = keyring_user(profile.name, key, source.spec)
            sources[key] = SecretSource("keyring", source.spec, value, user)
    return replace(profile, sources=sources)


def _kept_expiry(previous: OAuth | None, text: Mapping[str, str]) -> float | None:
    """The known expiry stays only while the access token is the one it belongs to."""
    if previous is None or previous.access_token != (text["oauth.access_token"] or None):
        return None
    return previous.expires_at


def _field_of(key: str, reason: str, auth: str) -> str:
    """The form field a ``profile_problems`` key points at (``""`` is the profile itself)."""
    if key in FIELDS:
        return key
    if key == "oauth.oauth_server":
        return "oauth.portal"
    if reason.startswith("name"):
        return "name"
    return "webhook" if auth == "webhook" else "oauth.portal"


def sending_gaps(profile: Profile) -> list[str]:
    """What would still stop this profile from sending (a missing bot secret or tokens)."""
    prefix = f"profile {profile.name!r}: "
    return [gap.removeprefix(prefix) for gap in profile.problems()]


def list_line(profile: Profile) -> str:
    """One secret-free line about a profile for the profiles list."""
    parts = [f"OAuth {profile.api}" if profile.oauth is not None else profile.api]
    if profile.bot_id is not None:
        parts.append(f"bot {profile.bot_id}")
    parts.append("sandbox" if profile.sandbox else profile.portal_host or "?")
    return " · ".join(parts)
