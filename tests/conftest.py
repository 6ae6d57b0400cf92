"""Suite-wide fixtures: every test runs with its own b24notify home in a temp dir."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point config, templates and history at a temp dir; never the real user dirs."""
    home = tmp_path / "b24home"
    home.mkdir()
    monkeypatch.setenv("B24NOTIFY_HOME", str(home))
    monkeypatch.delenv("B24NOTIFY_CONFIG", raising=False)
    for name in list(__import__("os").environ):
        if name.startswith("B24NOTIFY_") and name not in ("B24NOTIFY_HOME",):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    return home
