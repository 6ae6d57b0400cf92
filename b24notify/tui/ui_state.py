"""What the UI remembers between sessions (the theme picked in the app), in a small JSON file.

The config file is the user's: rewriting it for a theme change would drop
their comments. The theme chosen in the app is kept in ``ui-state.json`` in
the data directory instead, together with the config's theme at that moment,
so that editing ``theme`` in the config later still takes effect.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

FILE_NAME = "ui-state.json"


def state_file() -> Path:
    from b24notify.core import paths

    return paths.data_dir() / FILE_NAME


def load_state(path: Path | None = None) -> dict[str, Any]:
    """The remembered state; empty when there is none or it cannot be read."""
    try:
        data = json.loads((path or state_file()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_state(changes: dict[str, Any], path: Path | None = None) -> None:
    """Merge ``changes`` into the state file (atomically; failures are not worth an error)."""
    target = path or state_file()
    state = {**load_state(target), **changes}
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_suffix(".tmp")
        temp.write_text(json.dumps(state, indent=2), encoding="utf-8")
        os.replace(temp, target)
    except OSError:
        pass


def theme_to_use(config_theme: str | None, state: dict[str, Any]) -> str | None:
    """The app's remembered theme, unless the config's theme changed since it was picked."""
    remembered = state.get("theme")
    if isinstance(remembered, str) and state.get("config_theme") == config_theme:
        return remembered
    return config_theme
