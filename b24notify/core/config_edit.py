"""Profile edits: add, replace, rename or remove one, set the default, move a secret to the keyring.

Every edit returns a changed copy of the Config and leaves the original
alone; nothing is written until the copy is saved.
"""

from __future__ import annotations

from dataclasses import replace

from b24notify.core import paths
from b24notify.core.config_model import Config, Profile
from b24notify.core.config_rules import validate_profile
from b24notify.core.errors import ConfigError
from b24notify.core.secrets import (
    OAUTH_SECRET_KEYS,
    PROFILE_SECRET_KEYS,
    SecretRef,
    SecretSource,
    env_prefix,
)


def upsert_profile(
    config: Config,
    profile: Profile,
    *,
    previous_name: str | None = None,
    make_default: bool = False,
) -> Config:
    """A copy of ``config`` with ``profile`` added or replaced (renamed from ``previous_name``).

    The profile keeps its place when replaced or renamed; the first profile
    becomes the default. Raises ConfigError (nothing changed) when invalid.
    """
    where = config.path or paths.config_file()
    profile = validate_profile(profile, path=where)
    old = previous_name if previous_name is not None else profile.name
    if old != profile.name and profile.name in config.profiles:
        raise ConfigError(
            f"{where}: profiles.{profile.name}: a profile with this name already exists",
            path=str(where),
            key=f"profiles.{profile.name}",
        )
    for other in config.profiles:
        if other not in (old, profile.name) and env_prefix(other) == env_prefix(profile.name):
            raise ConfigError(
                f"{where}: profiles.{profile.name}: shares the environment prefix "
                f"{env_prefix(other)} with profile {other!r}; pick another name",
                path=str(where),
                key=f"profiles.{profile.name}",
            )
    profiles: dict[str, Profile] = {}
    for name, existing in config.profiles.items():
        profiles[profile.name if name == old else name] = profile if name == old else existing
    profiles.setdefault(profile.name, profile)
    default = config.default_profile
    if make_default or (default is not None and default == old):
        default = profile.name
    if default is None and len(profiles) == 1:
        default = profile.name
    return replace(config, profiles=profiles, default_profile=default, warnings=[])


def remove_profile(config: Config, name: str) -> Config:
    """A copy of ``config`` without profile ``name`` (the default moves to the first left)."""
    if name not in config.profiles:
        config.profile(name)  # raises the did-you-mean error
    profiles = {k: v for k, v in config.profiles.items() if k != name}
    default = config.default_profile
    if default == name:
        default = next(iter(profiles), None)
    return replace(config, profiles=profiles, default_profile=default, warnings=[])


def set_default(config: Config, name: str) -> Config:
    """A copy of ``config`` whose default profile is ``name``."""
    config.profile(name)
    return replace(config, default_profile=name)


def keep_in_keyring(profile: Profile, key: str, *, user: str | None = None) -> Profile:
    """The profile with secret ``key`` marked to live in the OS keyring from the next save."""
    if key not in PROFILE_SECRET_KEYS + OAUTH_SECRET_KEYS:
        raise ValueError(f"{key!r} is not a secret key")
    sources = dict(profile.sources)
    sources[key] = SecretSource("keyring", SecretRef("keyring", user), None)
    return replace(profile, sources=sources)
