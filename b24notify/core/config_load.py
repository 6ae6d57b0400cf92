"""Reading config.toml: the file, its TOML, one clear error for every problem, mode warnings.

A missing file is a first run (an empty Config). Errors name the file, the
line or dotted key, and the reason; they never show a secret.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

from b24notify.core import paths
from b24notify.core.config_model import Config
from b24notify.core.config_parse import Loader
from b24notify.core.errors import ConfigError
from b24notify.core.secrets import OAUTH_SECRET_KEYS, KeyringBackend


def _toml_error_where(exc: tomllib.TOMLDecodeError) -> tuple[str, str]:
    """(where, reason) from a TOMLDecodeError: 'line 3, column 5' and the bare message."""
    text = str(exc)
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)\s*$", text)
    if match is None:
        match = re.search(r"\s*\(at end of document\)\s*$", text)
        return ("end of file" if match else "", text[: match.start()] if match else text)
    return f"line {match[1]}, column {match[2]}", text[: match.start()]


def load_config(
    path: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    keyring: KeyringBackend | None = None,
) -> Config:
    """Read and validate the config file (``paths.config_file()`` when None).

    A missing file gives an empty Config (first run). Any problem raises one
    ConfigError naming the file and dotted key of the first one; ``detail``
    lists all of them. ``environ`` defaults to ``os.environ``; ``keyring`` to
    the ``keyring`` package, imported only when the file asks for it.
    """
    file = path if path is not None else paths.config_file()
    environ = os.environ if environ is None else environ
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        return Config(path=file, found=False)
    except OSError as exc:
        raise ConfigError(
            f"{file}: could not read the config file: {exc.strerror or exc}", path=str(file)
        ) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{file}: not UTF-8 text (bad byte at offset {exc.start}); save it as UTF-8",
            path=str(file),
        ) from None
    except tomllib.TOMLDecodeError as exc:
        where, reason = _toml_error_where(exc)
        raise ConfigError(
            f"{file}: {where}: not valid TOML: {reason}" if where else f"{file}: {reason}",
            path=str(file),
        ) from None
    loader = Loader(file, environ, keyring)
    config = loader.load(data)
    if loader.errors:
        key, reason = loader.errors[0]
        message = f"{file}: {key}: {reason}"
        detail = None
        if len(loader.errors) > 1:
            message += f" (and {len(loader.errors) - 1} more)"
            detail = "\n".join(f"{k}: {r}" for k, r in loader.errors)
        raise ConfigError(message, path=str(file), key=key, detail=detail)
    config.path = file
    config.found = True
    config.warnings = _mode_warnings(file, config) + loader.warnings
    return config


def _file_secret_keys(config: Config) -> list[str]:
    keys = []
    for profile in config.profiles.values():
        for key, source in profile.sources.items():
            if isinstance(source.spec, str):
                inner = "oauth." if key in OAUTH_SECRET_KEYS else ""
                keys.append(f"profiles.{profile.name}.{inner}{key}")
    return keys


def _mode_warnings(file: Path, config: Config) -> list[str]:
    if os.name == "nt":
        return []
    held = _file_secret_keys(config)
    try:
        mode = file.stat().st_mode & 0o777
    except OSError:
        return []
    if not held or not mode & 0o077:
        return []
    return [
        f"{file}: holds secrets ({', '.join(held)}) but other users can read it "
        f"(mode {mode:04o}); run chmod 600 {file}"
    ]
