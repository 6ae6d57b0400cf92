"""Where b24notify keeps its files: config, user templates, history, shipped templates.

Resolved on every call (no side effects at import) so tests can point the whole
app elsewhere with environment variables:

- ``B24NOTIFY_HOME``: one directory holding ``config.toml``, ``templates/`` and
  ``data/`` (history). Tests set it to a temp dir; nothing touches real user dirs.
- ``B24NOTIFY_CONFIG``: the config file itself (wins over ``B24NOTIFY_HOME``).

Without them the platformdirs locations for the OS are used.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "b24notify"


def home_override() -> Path | None:
    """The ``B24NOTIFY_HOME`` directory when set, else None."""
    value = os.environ.get("B24NOTIFY_HOME")
    return Path(value).expanduser() if value else None


def config_dir() -> Path:
    home = home_override()
    if home is not None:
        return home
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    home = home_override()
    if home is not None:
        return home / "data"
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_file() -> Path:
    value = os.environ.get("B24NOTIFY_CONFIG")
    if value:
        return Path(value).expanduser()
    return config_dir() / "config.toml"


def user_templates_dir() -> Path:
    """The user's own templates: first on the search path, target of save-as."""
    home = home_override()
    if home is not None:
        return home / "templates"
    return data_dir() / "templates"


def history_file() -> Path:
    return data_dir() / "history.sqlite3"


def shipped_templates_dir() -> Path:
    """The templates that come with b24notify (repo checkout or installed wheel)."""
    package = Path(__file__).resolve().parent.parent
    in_checkout = package.parent / "templates"
    if in_checkout.is_dir():
        return in_checkout
    return package / "_shipped_templates"
