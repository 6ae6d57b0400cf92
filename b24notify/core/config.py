"""Configuration: profiles, validation with clear messages, and loading/saving ``config.toml``.

Every key is documented in ``config.example.toml`` at the repository root.
Errors name the file, the dotted key (``profiles.main.api``) and the reason,
and never show a secret. Secrets may come from the file, the environment or
the OS keyring (see :mod:`b24notify.core.secrets`); a save writes back only
what the file held, never a value that came from elsewhere.

The public face of the config modules; import from here. Behind it:
``config_model`` (the dataclasses), ``config_urls`` (webhook and portal URL
rules), ``config_keys`` (the file's keys and value kinds), ``config_rules``
(what a valid profile and config are), ``config_parse`` and ``config_load``
(reading the file), ``config_save`` (writing it) and ``config_edit`` (the
Profiles screen's edits). The data types load with this module; the code that
reads, checks, writes and edits loads on first use, so importing the types
costs no more than they do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from b24notify.core.config_keys import KNOWN_KEYS as KNOWN_KEYS
from b24notify.core.config_keys import OAUTH_KEYS as OAUTH_KEYS
from b24notify.core.config_keys import PROFILE_KEYS as PROFILE_KEYS
from b24notify.core.config_keys import SANDBOX_KEYS as SANDBOX_KEYS
from b24notify.core.config_keys import TOP_KEYS as TOP_KEYS
from b24notify.core.config_model import (
    API_VERSIONS,
    PLAN_RATES,
    Config,
    OAuth,
    Profile,
    SandboxDefaults,
)
from b24notify.core.config_model import DEFAULT_CONNECT_TIMEOUT as DEFAULT_CONNECT_TIMEOUT
from b24notify.core.config_model import DEFAULT_MAX_RETRIES as DEFAULT_MAX_RETRIES
from b24notify.core.config_model import DEFAULT_READ_TIMEOUT as DEFAULT_READ_TIMEOUT
from b24notify.core.config_model import AuthKind as AuthKind
from b24notify.core.config_model import Plan as Plan
from b24notify.core.config_urls import (
    DEFAULT_OAUTH_SERVER,
    check_portal,
    check_webhook,
    is_loopback,
)
from b24notify.core.config_urls import check_oauth_server as check_oauth_server

# TokenStore and TokenPair live with the other secrets; importable from here too.
from b24notify.core.secrets import TokenPair, TokenStore

if TYPE_CHECKING:
    from b24notify.core.config_edit import (
        keep_in_keyring,
        remove_profile,
        set_default,
        upsert_profile,
    )
    from b24notify.core.config_load import load_config
    from b24notify.core.config_rules import check_config, profile_problems, validate_profile
    from b24notify.core.config_save import config_to_toml, save_config

__all__ = [
    "API_VERSIONS",
    "DEFAULT_OAUTH_SERVER",
    "PLAN_RATES",
    "Config",
    "OAuth",
    "Profile",
    "SandboxDefaults",
    "TokenPair",
    "TokenStore",
    "check_config",
    "check_portal",
    "check_webhook",
    "config_to_toml",
    "is_loopback",
    "keep_in_keyring",
    "load_config",
    "profile_problems",
    "remove_profile",
    "save_config",
    "set_default",
    "upsert_profile",
    "validate_profile",
]

#: Names loaded on first use, and the module under ``b24notify.core`` that holds each.
_ON_FIRST_USE = {
    "check_config": "config_rules",
    "profile_problems": "config_rules",
    "validate_profile": "config_rules",
    "load_config": "config_load",
    "config_to_toml": "config_save",
    "save_config": "config_save",
    "keep_in_keyring": "config_edit",
    "remove_profile": "config_edit",
    "set_default": "config_edit",
    "upsert_profile": "config_edit",
}

if not TYPE_CHECKING:
    # Hidden from type checkers, so a misspelt name stays an error there
    # instead of becoming Any.

    def __getattr__(name: str) -> Any:
        home = _ON_FIRST_USE.get(name)
        if home is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        from importlib import import_module

        value = getattr(import_module(f"b24notify.core.{home}"), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *_ON_FIRST_USE})
