"""Writing config.toml: the TOML document for a Config, and an atomic 0600 save.

Only what the file held is written back: a secret that came from the
environment or the keyring keeps its reference, an edited keyring secret goes
to the keyring, and keys at their default stay out unless the file had them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from b24notify.core import paths
from b24notify.core.config_model import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RETRIES,
    DEFAULT_READ_TIMEOUT,
    Config,
    Profile,
)
from b24notify.core.config_rules import check_config
from b24notify.core.config_urls import DEFAULT_OAUTH_SERVER
from b24notify.core.secrets import (
    OAUTH_SECRET_KEYS,
    KeyringBackend,
    SecretRef,
    SecretSource,
    env_var,
    keyring_set,
    keyring_user,
)


def _secret_out(
    profile: Profile, key: str, value: str | None, keyring: KeyringBackend | None
) -> Any:
    """What to write for one secret key: the value, the file's reference, or nothing."""
    if value is None:
        return None
    source = profile.sources.get(key)
    if source is None:
        return value
    spec = source.spec
    if source.origin != "file" and value == source.value:
        # Unchanged and not from the file: write back what the file held, if anything.
        return spec.to_toml() if isinstance(spec, SecretRef) else spec
    if isinstance(spec, SecretRef) and spec.kind == "keyring":
        user = keyring_user(profile.name, key, spec)
        keyring_set(user, value, keyring, hint_env=env_var(profile.name, key))
        return spec.to_toml()
    return value


def _put(out: dict[str, Any], keys: frozenset[str], key: str, value: Any, default: Any) -> None:
    if value is not None and (key in keys or value != default):
        out[key] = value


def _profile_table(profile: Profile, keyring: KeyringBackend | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    keys = profile.file_keys
    for key in ("webhook",):
        _put(out, keys, key, _secret_out(profile, key, profile.webhook, keyring), None)
    _put(out, keys, "api", profile.api, "v1")
    _put(out, keys, "bot_id", profile.bot_id, None)
    for key in ("client_id", "bot_token"):
        _put(out, keys, key, _secret_out(profile, key, getattr(profile, key), keyring), None)
    _put(out, keys, "plan", profile.plan, "standard")
    _put(out, keys, "rate_drain", profile.rate_drain, None)
    _put(out, keys, "rate_burst", profile.rate_burst, None)
    _put(out, keys, "connect_timeout", profile.connect_timeout, DEFAULT_CONNECT_TIMEOUT)
    _put(out, keys, "read_timeout", profile.read_timeout, DEFAULT_READ_TIMEOUT)
    _put(out, keys, "max_retries", profile.max_retries, DEFAULT_MAX_RETRIES)
    _put(out, keys, "sandbox", profile.sandbox, False)
    oauth = profile.oauth
    if oauth is not None:
        table: dict[str, Any] = {"portal": oauth.portal, "client_id": oauth.client_id}
        for key in OAUTH_SECRET_KEYS:
            value = _secret_out(profile, key, getattr(oauth, key), keyring)
            _put(table, oauth.file_keys, key, value, None)
        # A stored (rotated) expiry belongs to the token store, not the file.
        expires = oauth.expires_at
        if profile.sources.get("access_token", SecretSource("file")).origin == "store":
            expires = None
        _put(table, oauth.file_keys, "expires_at", expires, None)
        _put(table, oauth.file_keys, "oauth_server", oauth.oauth_server, DEFAULT_OAUTH_SERVER)
        out["oauth"] = table
    return out


def config_to_toml(config: Config, *, keyring: KeyringBackend | None = None) -> dict[str, Any]:
    """The TOML document for a config (secrets from env/keyring left as their references).

    Keyring-backed secrets that were edited are written to the keyring here.
    """
    out: dict[str, Any] = {}
    keys = config.file_keys
    _put(out, keys, "default_profile", config.default_profile, None)
    _put(out, keys, "confirm_send", config.confirm_send, True)
    _put(out, keys, "theme", config.theme, None)
    _put(out, keys, "history_retention_days", config.history_retention_days, None)
    dirs = [config.dir_spellings.get(d, str(d)) for d in config.template_dirs]
    _put(out, keys, "template_dirs", dirs, [])
    _put(out, keys, "keys", dict(config.keys), {})
    sandbox = config.sandbox
    table: dict[str, Any] = {}
    for key, default in (("host", "127.0.0.1"), ("port", 0), ("drain", 2.0), ("burst", 50)):
        _put(table, sandbox.file_keys, key, getattr(sandbox, key), default)
    if sandbox.state_file is not None:
        table["state_file"] = str(sandbox.state_file)
    _put(out, keys, "sandbox", table, {})
    out["profiles"] = {
        name: _profile_table(profile, keyring) for name, profile in config.profiles.items()
    }
    return out


_HEADER = "# b24notify configuration; every key is explained in config.example.toml.\n\n"


def without_ephemeral(config: Config) -> Config:
    """The config as it may be saved: session-only profiles (an app's sandbox) left out."""
    from dataclasses import replace

    kept = {name: p for name, p in config.profiles.items() if not p.ephemeral}
    if len(kept) == len(config.profiles):
        return config
    default = config.default_profile if config.default_profile in kept else None
    return replace(config, profiles=kept, default_profile=default)


def save_config(
    config: Config, path: Path | None = None, *, keyring: KeyringBackend | None = None
) -> Path:
    """Validate and write the config atomically with mode 0600; returns the file written.

    Secrets that came from the environment or the keyring are never written
    into the file; what the file held for them is kept. Comments in the old
    file are not kept (tomli-w writes plain TOML).
    """
    import tomli_w

    from b24notify.core.secrets import write_private_file

    config = without_ephemeral(config)
    target = path or config.path or paths.config_file()
    check_config(config, path=target)
    text = _HEADER + tomli_w.dumps(config_to_toml(config, keyring=keyring))
    write_private_file(target, text.encode("utf-8"))
    return target
