"""Secrets of a profile: where they come from (file, environment, OS keyring), masking, tokens.

A secret key in ``config.toml`` holds the value itself, or a reference:
``{ keyring = true }`` (the OS keyring, service ``b24notify``, user
``<profile>.<key>``), ``{ keyring = "user" }`` (another keyring user name) or
``{ env = "VAR" }`` (a named environment variable). Whatever the file says,
``B24NOTIFY_<PROFILE>_<KEY>`` wins when set, so CI can inject secrets without a
file. Rotated OAuth token pairs live in a :class:`TokenStore` (``tokens.json``
in the data dir, mode 0600), written the moment a refresh returns them.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from b24notify.core import paths
from b24notify.core.errors import ConfigError

if TYPE_CHECKING:
    from b24notify.core.config import Profile

KEYRING_SERVICE = "b24notify"
MASK = "***"

#: Secret keys of a profile table, and those of its ``oauth`` table.
PROFILE_SECRET_KEYS = ("webhook", "client_id", "bot_token")
OAUTH_SECRET_KEYS = ("client_secret", "access_token", "refresh_token")
SECRET_KEYS = PROFILE_SECRET_KEYS + OAUTH_SECRET_KEYS

#: Where the value of a secret came from; ``store`` is the token store.
Origin = Literal["file", "env", "keyring", "store"]

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class SecretUnavailable(ConfigError):
    """A secret reference could not be resolved; the message says how to fix it."""


class KeyringBackend(Protocol):
    """The part of the ``keyring`` package b24notify uses (the module itself fits)."""

    def get_password(self, service_name: str, username: str) -> str | None: ...

    def set_password(self, service_name: str, username: str, password: str) -> None: ...


@dataclass(frozen=True)
class SecretRef:
    """A config value that says where a secret lives instead of holding it."""

    kind: Literal["env", "keyring"]
    #: The environment variable (``env``), or the keyring user name (``keyring``;
    #: None means the default ``<profile>.<key>``).
    name: str | None = None

    def to_toml(self) -> dict[str, Any]:
        if self.kind == "env":
            return {"env": self.name}
        return {"keyring": self.name if self.name else True}


#: What a config file holds for a secret key: the value itself or a reference.
SecretSpec = str | SecretRef


@dataclass(frozen=True)
class SecretSource:
    """Where one secret of a profile came from, and what the config file says for it.

    ``spec`` is kept so a save writes back what the file held (never a value
    that came from the environment or the keyring); ``value`` is the value as
    resolved at load, so an edit made afterwards can be told apart.
    """

    origin: Origin
    spec: SecretSpec | None = field(default=None, repr=False)
    value: str | None = field(default=None, repr=False)
    #: The environment variable or keyring user the value came from (for messages).
    where: str | None = None


def env_prefix(profile: str) -> str:
    """``B24NOTIFY_<PROFILE>_``: the profile name upper-cased with ``-`` as ``_``."""
    return "B24NOTIFY_" + profile.upper().replace("-", "_") + "_"


def env_var(profile: str, key: str) -> str:
    """The environment variable that overrides one secret key of a profile."""
    return env_prefix(profile) + key.upper()


def is_env_name(name: str) -> bool:
    return _ENV_NAME.fullmatch(name) is not None


def keyring_user(profile: str, key: str, ref: SecretRef) -> str:
    return ref.name or f"{profile}.{key}"


def resolve_secret(
    profile: str,
    key: str,
    spec: SecretSpec | None,
    environ: Mapping[str, str],
    keyring: KeyringBackend | None = None,
) -> SecretSource | None:
    """The value of one secret and where it came from; None when it is not set anywhere.

    ``B24NOTIFY_<PROFILE>_<KEY>`` wins over the file. Raises
    :class:`SecretUnavailable` (message only; the caller adds file and key)
    when the file points at an environment variable or keyring entry that
    has nothing.
    """
    implicit = env_var(profile, key)
    override = environ.get(implicit, "").strip()
    if override:
        return SecretSource("env", spec, override, implicit)
    if spec is None:
        return None
    if isinstance(spec, str):
        return SecretSource("file", spec, spec.strip())
    if spec.kind == "env":
        name = spec.name or ""
        value = environ.get(name, "").strip()
        if not value:
            raise SecretUnavailable(f"environment variable {name} is not set or empty")
        return SecretSource("env", spec, value, name)
    user = keyring_user(profile, key, spec)
    found = keyring_get(user, keyring, hint_env=implicit)
    if not found or not found.strip():
        raise SecretUnavailable(
            f"the OS keyring has no entry for service {KEYRING_SERVICE!r}, user {user!r}: "
            f"store it with `keyring set {KEYRING_SERVICE} {user}` or set {implicit}"
        )
    return SecretSource("keyring", spec, found.strip(), user)


def _default_keyring(hint_env: str) -> KeyringBackend:
    try:
        import keyring
    except ImportError:
        raise SecretUnavailable(
            "the keyring package is not installed: install it with "
            f"`pip install 'b24notify[keyring]'`, or set {hint_env} instead"
        ) from None
    return keyring


def _keyring_failure(exc: Exception, hint_env: str) -> SecretUnavailable:
    # Keyring errors don't carry the password, but keep the text short anyway.
    why = f"{type(exc).__name__}: {exc}"[:160]
    return SecretUnavailable(
        f"the OS keyring is not usable ({why}): install a backend "
        f"(for example `pip install keyrings.alt`) or set {hint_env} instead"
    )


def keyring_get(user: str, keyring: KeyringBackend | None, *, hint_env: str) -> str | None:
    """Read one secret from the OS keyring (imported lazily; optional dependency)."""
    backend = keyring if keyring is not None else _default_keyring(hint_env)
    try:
        return backend.get_password(KEYRING_SERVICE, user)
    except Exception as exc:  # any backend failure (no backend, locked, D-Bus gone)
        raise _keyring_failure(exc, hint_env) from None


def keyring_set(user: str, value: str, keyring: KeyringBackend | None, *, hint_env: str) -> None:
    """Store one secret in the OS keyring."""
    backend = keyring if keyring is not None else _default_keyring(hint_env)
    try:
        backend.set_password(KEYRING_SERVICE, user, value)
    except Exception as exc:
        raise _keyring_failure(exc, hint_env) from None


def mask(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret (and its URL-encoded form) replaced by ``***``."""
    from urllib.parse import quote

    variants: set[str] = set()
    for secret in secrets:
        if secret:
            variants.add(secret)
            variants.add(quote(secret, safe=""))
    # Longest first, so a secret containing another is masked whole.
    for secret in sorted(variants, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


_WEBHOOK_CODE = re.compile(r"(/rest/\d+/)([^/?#\s]+)")


def mask_webhook_url(url: str) -> str:
    """A URL with the code after ``/rest/<user>/`` replaced by ``***``."""
    return _WEBHOOK_CODE.sub(lambda m: m.group(1) + MASK, url)


def write_private_file(path: Path, data: bytes) -> None:
    """Write ``data`` atomically (temp file + rename) with mode 0600.

    A symlinked target (dotfile managers) is written through, not replaced.
    Raises ConfigError naming the file when the write fails.
    """
    import tempfile

    target = path.resolve() if path.is_symlink() else path
    tmp: str | None = None
    try:
        if not target.parent.exists():
            target.parent.mkdir(parents=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise ConfigError(
            f"{path}: could not write the file: {exc.strerror or exc}", path=str(path)
        ) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


@dataclass(frozen=True)
class TokenPair:
    """An OAuth access/refresh token pair and when the access token expires (unix time)."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: float


TokenCallback = Callable[[str, str, float], None]


class TokenStore:
    """Rotated OAuth token pairs per profile, persisted at once (JSON, atomic, mode 0600).

    A refresh invalidates the old refresh token, so the new pair must be on
    disk before anything else happens; :meth:`saver` gives the client a
    callback that does exactly that. Entries remember the portal they belong
    to: tokens of a profile that now points at another portal are ignored.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else paths.data_dir() / "tokens.json"

    def load(self, profile: Profile | str) -> TokenPair | None:
        """The stored pair for a profile, or None (nothing stored, or another portal)."""
        name, portal = _profile_key(profile)
        entry = self._read(strict=True).get(name)
        if not isinstance(entry, dict):
            return None
        if portal is not None and entry.get("portal") not in (None, portal):
            return None
        try:
            return TokenPair(
                access_token=str(entry["access_token"]),
                refresh_token=str(entry["refresh_token"]),
                expires_at=float(entry["expires_at"]),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def save(
        self, profile: Profile | str, access_token: str, refresh_token: str, expires_at: float
    ) -> None:
        """Persist a new pair for a profile (replacing the old one) before returning."""
        import time

        name, portal = _profile_key(profile)
        with self._locked():
            # Never lose a fresh pair because the old file is unreadable.
            entries = self._read(strict=False)
            entries[name] = {
                "access_token": access_token,
                "refresh_token": refresh_token,
                "expires_at": float(expires_at),
                "portal": portal,
                "saved_at": time.time(),
            }
            self._write(entries)

    def forget(self, profile: Profile | str) -> None:
        """Drop the stored pair of a profile (removed or renamed profile)."""
        name, _ = _profile_key(profile)
        with self._locked():
            entries = self._read(strict=False)
            if entries.pop(name, None) is not None:
                self._write(entries)

    def saver(self, profile: Profile | str) -> TokenCallback:
        """A callback ``(access, refresh, expires_at)`` that saves for this profile."""

        def on_tokens(access_token: str, refresh_token: str, expires_at: float) -> None:
            self.save(profile, access_token, refresh_token, expires_at)

        return on_tokens

    def overlay(self, profile: Profile) -> Profile:
        """The profile with stored tokens in place of its config tokens when they are newer."""
        from dataclasses import replace

        oauth = profile.oauth
        if oauth is None:
            return profile
        pair = self.load(profile)
        if pair is None:
            return profile
        if oauth.expires_at is not None and oauth.expires_at >= pair.expires_at:
            return profile
        sources = dict(profile.sources)
        for key, value in (
            ("access_token", pair.access_token),
            ("refresh_token", pair.refresh_token),
        ):
            old = sources.get(key)
            sources[key] = SecretSource("store", old.spec if old else None, value)
        new_oauth = replace(
            oauth,
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_at=pair.expires_at,
        )
        return replace(profile, oauth=new_oauth, sources=sources)

    def _read(self, *, strict: bool) -> dict[str, Any]:
        import json

        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            if not strict:
                return {}
            raise ConfigError(
                f"{self.path}: could not read the token store: {exc.strerror or exc}",
                path=str(self.path),
            ) from None
        try:
            data = json.loads(raw)
            profiles = data["profiles"]
            if not isinstance(profiles, dict):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            if not strict:
                self._set_aside()
                return {}
            raise ConfigError(
                f"{self.path}: the token store is damaged: delete it and sign in again "
                "(new OAuth tokens are needed)",
                path=str(self.path),
            ) from None
        return dict(profiles)

    def _set_aside(self) -> None:
        # Keep a damaged store for inspection instead of silently overwriting it.
        import time

        with contextlib.suppress(OSError):
            os.replace(
                self.path, self.path.with_name(f"{self.path.name}.damaged-{int(time.time())}")
            )

    def _write(self, entries: dict[str, Any]) -> None:
        import json

        data = {"version": 1, "profiles": entries}
        write_private_file(self.path, json.dumps(data, indent=2, sort_keys=True).encode())

    def _locked(self) -> Any:
        return _FileLock(self.path.with_name(self.path.name + ".lock"))


class _FileLock:
    """An advisory inter-process lock (fcntl) around a read-modify-write; no-op without fcntl."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def __enter__(self) -> _FileLock:
        try:
            import fcntl
        except ImportError:  # Windows: single-writer best effort
            return self
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise ConfigError(
                f"{self.path}: could not lock the token store: {exc.strerror or exc}",
                path=str(self.path),
            ) from None
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _profile_key(profile: Profile | str) -> tuple[str, str | None]:
    if isinstance(profile, str):
        return profile, None
    return profile.name, profile.portal_key
