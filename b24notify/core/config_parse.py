"""Parsed config.toml data to a Config: every key and value checked, every problem collected.

Each problem is kept with its dotted key (``profiles.main.api``) so the file's
reader can report all of them at once. Secret values are resolved here, from
the file, the environment or the OS keyring (:func:`~b24notify.core.secrets.resolve_secret`),
and are never quoted back in a reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from b24notify.core.config_keys import (
    ARTICLE,
    OAUTH_KEYS,
    PROFILE_KEYS,
    SANDBOX_KEYS,
    TOP_KEYS,
    did_you_mean,
    fits,
    join,
    kind_of,
    show,
)
from b24notify.core.config_model import Config, OAuth, Profile, SandboxDefaults, send_gaps
from b24notify.core.config_rules import normalised, profile_problems
from b24notify.core.secrets import (
    OAUTH_SECRET_KEYS,
    PROFILE_SECRET_KEYS,
    KeyringBackend,
    SecretRef,
    SecretSource,
    SecretSpec,
    SecretUnavailable,
    env_prefix,
    is_env_name,
    resolve_secret,
)


class Loader:
    """Turns parsed TOML into a Config, collecting every problem with its dotted key."""

    def __init__(
        self, file: Path, environ: Mapping[str, str], keyring: KeyringBackend | None
    ) -> None:
        self.file = file
        self.environ = environ
        self.keyring = keyring
        self.errors: list[tuple[str, str]] = []
        self.warnings: list[str] = []

    def fail(self, key: str, reason: str) -> None:
        self.errors.append((key, reason))

    def known(self, table: Mapping[str, Any], prefix: str, known: tuple[str, ...]) -> None:
        for key in table:
            if key not in known:
                self.fail(join(prefix, key), "unknown key" + did_you_mean(key, known))

    def get(self, table: Mapping[str, Any], key: str, prefix: str, kind: str) -> Any:
        """``table[key]`` when it has the right kind; None when absent or wrong (recorded).

        Only for keys that are never secret: the wrong value is quoted back.
        """
        if key not in table:
            return None
        value = table[key]
        if fits(value, kind):
            return float(value) if kind == "number" else value
        self.fail(
            join(prefix, key),
            f"must be {ARTICLE[kind]}, not {kind_of(value)} ({show(value)})",
        )
        return None

    def load(self, data: dict[str, Any]) -> Config:
        self.known(data, "", TOP_KEYS)
        profiles: dict[str, Profile] = {}
        raw_profiles = self.get(data, "profiles", "", "table") or {}
        for name, raw in raw_profiles.items():
            profile = self.profile(name, raw)
            if profile is not None:
                profiles[name] = profile
        self.prefix_clashes(list(raw_profiles))
        default = self.get(data, "default_profile", "", "string")
        if default is not None and default not in raw_profiles:
            self.fail(
                "default_profile",
                f"names no profile ({show(default)}){did_you_mean(default, raw_profiles)}",
            )
        dirs, spellings = self.template_dirs(data)
        keys = self.keys(data)
        retention = self.get(data, "history_retention_days", "", "integer")
        if retention is not None and retention < 1:
            self.fail("history_retention_days", "must be at least 1 (leave it out to keep all)")
        theme = self.get(data, "theme", "", "string")
        confirm = self.get(data, "confirm_send", "", "boolean")
        return Config(
            profiles=profiles,
            default_profile=default,
            template_dirs=dirs,
            confirm_send=True if confirm is None else confirm,
            theme=theme,
            history_retention_days=retention,
            keys=keys,
            sandbox=self.sandbox(data),
            file_keys=frozenset(data),
            dir_spellings=spellings,
        )

    def prefix_clashes(self, names: list[str]) -> None:
        seen: dict[str, str] = {}
        for name in names:
            prefix = env_prefix(name)
            if prefix in seen:
                self.fail(
                    f"profiles.{name}",
                    f"shares the environment prefix {prefix} with profile {seen[prefix]!r}; "
                    "rename one",
                )
            seen.setdefault(prefix, name)

    def template_dirs(self, data: dict[str, Any]) -> tuple[list[Path], dict[Path, str]]:
        raw = self.get(data, "template_dirs", "", "array") or []
        dirs: list[Path] = []
        spellings: dict[Path, str] = {}
        for index, item in enumerate(raw):
            key = f"template_dirs[{index}]"
            if not isinstance(item, str) or not item.strip():
                self.fail(key, f"must be a directory path, not {kind_of(item)}")
                continue
            path = Path(item).expanduser()
            if not path.is_absolute():
                path = self.file.parent / path
            if not path.is_dir():
                self.warnings.append(f"{self.file}: {key}: {path} is not a directory")
            dirs.append(path)
            spellings[path] = item
        return dirs, spellings

    def keys(self, data: dict[str, Any]) -> dict[str, str]:
        table = self.get(data, "keys", "", "table") or {}
        keys: dict[str, str] = {}
        for binding, value in table.items():
            if isinstance(value, str) and value.strip():
                keys[binding] = value.strip()
            else:
                self.fail(f"keys.{binding}", f'must be a key such as "ctrl+s", not {show(value)}')
        return keys

    def sandbox(self, data: dict[str, Any]) -> SandboxDefaults:
        table = self.get(data, "sandbox", "", "table") or {}
        self.known(table, "sandbox", SANDBOX_KEYS)
        values: dict[str, Any] = {}
        for key, kind in (("host", "string"), ("port", "integer"), ("drain", "number")):
            value = self.get(table, key, "sandbox", kind)
            if value is not None:
                values[key] = value
        burst = self.get(table, "burst", "sandbox", "integer")
        if burst is not None:
            values["burst"] = burst
        state = self.get(table, "state_file", "sandbox", "string")
        if state is not None:
            path = Path(state).expanduser()
            values["state_file"] = path if path.is_absolute() else self.file.parent / path
        if not 0 <= values.get("port", 0) <= 65535:
            self.fail("sandbox.port", "must be a port from 0 (any free port) to 65535")
        if values.get("drain", 1) <= 0 or values.get("burst", 1) < 1:
            key = "sandbox.drain" if values.get("drain", 1) <= 0 else "sandbox.burst"
            self.fail(key, "must be above 0")
        return SandboxDefaults(**values, file_keys=frozenset(table))

    def secret(
        self,
        profile: str,
        table: Mapping[str, Any],
        key: str,
        prefix: str,
        sources: dict[str, SecretSource],
    ) -> str | None:
        spec = self.secret_spec(table, key, prefix)
        try:
            source = resolve_secret(profile, key, spec, self.environ, self.keyring)
        except SecretUnavailable as exc:
            self.fail(join(prefix, key), exc.message)
            return None
        if source is None:
            return None
        sources[key] = source
        return source.value

    def secret_spec(self, table: Mapping[str, Any], key: str, prefix: str) -> SecretSpec | None:
        if key not in table:
            return None
        value = table[key]
        dotted = join(prefix, key)
        if isinstance(value, str):
            if not value.strip():
                self.fail(dotted, "is empty (leave the key out, or set the value)")
                return None
            return value
        if not isinstance(value, dict):
            self.fail(
                dotted,
                f"must be a string or a table such as {{ keyring = true }}, not {kind_of(value)}",
            )
            return None
        self.known(value, dotted, ("keyring", "env"))
        if len(value.keys() & {"keyring", "env"}) != 1:
            self.fail(dotted, 'needs exactly one of keyring = true or env = "VARIABLE"')
            return None
        if "env" in value:
            name = value["env"]
            if not isinstance(name, str) or not is_env_name(name):
                self.fail(f"{dotted}.env", "must be the name of an environment variable")
                return None
            return SecretRef("env", name)
        user = value["keyring"]
        if user is True:
            return SecretRef("keyring")
        if isinstance(user, str) and user.strip():
            return SecretRef("keyring", user.strip())
        self.fail(f"{dotted}.keyring", "must be true or a keyring user name")
        return None

    def profile(self, name: str, raw: Any) -> Profile | None:
        prefix = f"profiles.{name}"
        if not isinstance(raw, dict):
            self.fail(prefix, f"must be a table ([{prefix}]), not {kind_of(raw)}")
            return None
        before = len(self.errors)
        self.known(raw, prefix, PROFILE_KEYS)
        values: dict[str, Any] = {}
        for key, kind in (
            ("api", "string"),
            ("plan", "string"),
            ("bot_id", "integer"),
            ("rate_drain", "number"),
            ("rate_burst", "integer"),
            ("connect_timeout", "number"),
            ("read_timeout", "number"),
            ("max_retries", "integer"),
            ("sandbox", "boolean"),
        ):
            value = self.get(raw, key, prefix, kind)
            if value is not None:
                values[key] = value
        sources: dict[str, SecretSource] = {}
        for key in PROFILE_SECRET_KEYS:
            values[key] = self.secret(name, raw, key, prefix, sources)
        if "oauth" in raw:
            values["oauth"] = self.oauth(name, raw["oauth"], f"{prefix}.oauth", sources)
        if len(self.errors) > before:
            return None
        profile = Profile(name=name, **values, sources=sources, file_keys=frozenset(raw))
        problems = profile_problems(profile)
        for key, reason in problems:
            self.fail(join(prefix, key), reason)
        if problems:
            return None
        for gap in send_gaps(profile, tokens=False):
            self.warnings.append(f"{self.file}: {gap}")
        return normalised(profile)

    def oauth(
        self, profile: str, raw: Any, prefix: str, sources: dict[str, SecretSource]
    ) -> OAuth | None:
        if not isinstance(raw, dict):
            self.fail(prefix, f"must be a table ([{prefix}]), not {kind_of(raw)}")
            return None
        self.known(raw, prefix, OAUTH_KEYS)
        portal = self.get(raw, "portal", prefix, "string")
        client_id = self.get(raw, "client_id", prefix, "string")
        for key, value, what in (
            ("portal", portal, "the portal address, like https://example.bitrix24.com"),
            ("client_id", client_id, "the application's client_id"),
        ):
            if value is None and key not in raw:
                self.fail(f"{prefix}.{key}", f"is required ({what})")
        values: dict[str, Any] = {}
        for key in OAUTH_SECRET_KEYS:
            values[key] = self.secret(profile, raw, key, prefix, sources)
        server = self.get(raw, "oauth_server", prefix, "string")
        if server is not None:
            values["oauth_server"] = server
        values["expires_at"] = self.expires_at(raw, prefix)
        if portal is None or client_id is None:
            return None
        return OAuth(portal=portal, client_id=client_id, **values, file_keys=frozenset(raw))

    def expires_at(self, raw: Mapping[str, Any], prefix: str) -> float | None:
        import datetime

        value = raw.get("expires_at")
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, datetime.datetime) and value.tzinfo is not None:
            return value.timestamp()
        self.fail(
            f"{prefix}.expires_at",
            "must be a unix time or a date-time with a time zone "
            f"(2026-01-31T12:00:00Z), not {kind_of(value)}",
        )
        return None
