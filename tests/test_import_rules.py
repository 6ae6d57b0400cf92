"""The core never imports the UI libraries; the sandbox is not needed by the core."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import b24notify.core


def core_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(b24notify.core.__path__, "b24notify.core."))


def test_core_has_modules() -> None:
    assert "b24notify.core.errors" in core_modules()


def test_core_imports_no_ui_or_sandbox() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {core_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')"
        " or m.startswith('b24notify.sandbox') or m.startswith('b24notify.tui'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"core pulled in: {out.stdout.strip()}"
