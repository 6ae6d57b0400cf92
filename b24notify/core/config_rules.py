"""The rules a profile and a whole config must keep, shared by loading, saving and editing.

Reasons name the key inside the profile and never show a secret; a secret
that came from the environment says which variable it came from.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from b24notify.core import paths
from b24notify.core.config_keys import did_you_mean, show
from b24notify.core.config_model import API_VERSIONS, PLAN_RATES, Config, Profile
from b24notify.core.config_urls import (
    WEBHOOK_SHAPE,
    check_oauth_server,
    check_portal,
    check_webhook,
)
from b24notify.core.errors import ConfigError
from b24notify.core.secrets import env_prefix, env_var

_PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def _origin_note(profile: Profile, key: str) -> str:
    source = profile.sources.get(key)
    if source is None or source.origin != "env":
        return ""
    return f" (from {source.where})"


def profile_problems(profile: Profile) -> list[tuple[str, str]]:
    """Every rule a profile breaks, as (key inside the profile, reason); empty when valid."""
    found: list[tuple[str, str]] = []
    if not _PROFILE_NAME.fullmatch(profile.name):
        found.append(("", "name may use letters, digits, '-' and '_' only (at most 64)"))
    if profile.api not in API_VERSIONS:
        found.append(("api", f'must be "v1" or "v2", not {show(profile.api)}'))
    if profile.plan not in PLAN_RATES:
        found.append(("plan", f'must be "standard" or "enterprise", not {show(profile.plan)}'))
    if profile.bot_id is not None and profile.bot_id <= 0:
        found.append(("bot_id", f"must be a positive bot id, not {profile.bot_id}"))
    if profile.rate_drain is not None and profile.rate_drain <= 0:
        found.append(("rate_drain", "must be a number of requests per second above 0"))
    if profile.rate_burst is not None and profile.rate_burst < 1:
        found.append(("rate_burst", "must be a whole number of requests, at least 1"))
    for key in ("connect_timeout", "read_timeout"):
        if getattr(profile, key) <= 0:
            found.append((key, "must be a number of seconds above 0"))
    if not 0 <= profile.max_retries <= 100:
        found.append(("max_retries", "must be a whole number from 0 to 100"))
    for key in ("client_id", "bot_token"):
        if getattr(profile, key) == "":
            found.append((key, "is empty" + _origin_note(profile, key)))
    if profile.webhook is not None and profile.oauth is not None:
        found.append(
            (
                "",
                "has both webhook and an oauth table; keep one" + _origin_note(profile, "webhook"),
            )
        )
    elif profile.webhook is None and profile.oauth is None:
        found.append(
            (
                "",
                f'needs webhook = "{WEBHOOK_SHAPE}" or an oauth table '
                f"(or the environment variable {env_var(profile.name, 'webhook')})",
            )
        )
    if profile.webhook is not None:
        try:
            check_webhook(profile.webhook)
        except ValueError as exc:
            found.append(("webhook", f"{exc}{_origin_note(profile, 'webhook')}"))
    if profile.oauth is not None:
        found += _oauth_problems(profile)
    return found


def _oauth_problems(profile: Profile) -> list[tuple[str, str]]:
    oauth = profile.oauth
    assert oauth is not None
    found: list[tuple[str, str]] = []
    try:
        check_portal(oauth.portal)
    except ValueError as exc:
        found.append(("oauth.portal", str(exc)))
    if not oauth.client_id.strip():
        found.append(("oauth.client_id", "is empty (the application's client_id, like local.5f…)"))
    try:
        check_oauth_server(oauth.oauth_server)
    except ValueError as exc:
        found.append(("oauth.oauth_server", str(exc)))
    return found


def validate_profile(profile: Profile, *, path: Path | str | None = None) -> Profile:
    """The profile with its URLs normalised, or ConfigError naming the first broken rule."""
    where = str(path or paths.config_file())
    problems = profile_problems(profile)
    if problems:
        key, reason = problems[0]
        dotted = f"profiles.{profile.name}" + (f".{key}" if key else "")
        raise ConfigError(f"{where}: {dotted}: {reason}", path=where, key=dotted)
    return normalised(profile)


def normalised(profile: Profile) -> Profile:
    """A valid profile with its webhook and portal URLs in their normal form."""
    changes: dict[str, Any] = {}
    if profile.webhook is not None:
        changes["webhook"] = check_webhook(profile.webhook)
    if profile.oauth is not None:
        changes["oauth"] = replace(profile.oauth, portal=check_portal(profile.oauth.portal))
    return replace(profile, **changes) if changes else profile


def check_config(config: Config, *, path: Path | str | None = None) -> None:
    """Raise ConfigError for the first rule the config breaks (what a save would refuse)."""
    where = str(path or config.path or paths.config_file())
    seen: dict[str, str] = {}
    for name, profile in config.profiles.items():
        if name != profile.name:
            raise ConfigError(
                f"{where}: profiles.{name}: holds a profile named {profile.name!r}",
                path=where,
                key=f"profiles.{name}",
            )
        validate_profile(profile, path=where)
        prefix = env_prefix(name)
        if prefix in seen:
            raise ConfigError(
                f"{where}: profiles.{name}: shares the environment prefix {prefix} "
                f"with profile {seen[prefix]!r}; rename one",
                path=where,
                key=f"profiles.{name}",
            )
        seen[prefix] = name
    default = config.default_profile
    if default is not None and default not in config.profiles:
        raise ConfigError(
            f"{where}: default_profile: names no profile ({show(default)})"
            + did_you_mean(default, config.profiles),
            path=where,
            key="default_profile",
        )
