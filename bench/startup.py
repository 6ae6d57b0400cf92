"""Benchmark: launch to first frame of `b24notify demo` and `b24notify` against a bare Textual app.

Each command is started in a fresh tmux pane (120×36) and the pane is polled
until a marker shows; the reference is a bare Textual app showing one
``Static``, run by the same Python. Runs alternate command / reference so
drift on a shared machine hits both; the figures are medians and the ratio
command / reference. The product bar (§12) is a ratio ≤ 1.5.

Two markers per command: the first frame (Compose's "Pick a template on the
left" hint, drawn in the very first frame) and the template list (a shipped
template's title, shown once the list has loaded after the first frame).

``b24notify demo`` also starts a sandbox portal in a child process; plain
``b24notify`` runs on a temporary ``B24NOTIFY_HOME`` whose config has one
webhook profile (on an unused loopback port: the first frame never waits for
the network), so the difference between the two is the sandbox child's cost.

When the shared ``first-frame`` tool exists (``../shared/tools/first-frame``
beside the repository) it does the measuring; otherwise, or with ``--own``,
this script does the same with tmux itself.

Python runs in two ways, both for the app and for the reference, each through
a small wrapper around the venv's Python (passed as ``--python``):

- as this environment runs it: with ``PYTHONDONTWRITEBYTECODE`` set no
  ``.pyc`` is ever written, so every start compiles every module it imports;
- with bytecode caching, as installed apps run: ``.pyc`` files go to a
  temporary ``PYTHONPYCACHEPREFIX`` (nothing is written into the repository or
  the venv), filled by the warm-up run.

The wrappers also point ``TMPDIR`` at a folder of this run, removed at the
end: tmux ends a pane with SIGHUP, and whatever a killed run leaves in its
temporary folder goes with it.

    uv run python bench/startup.py [--runs 5] [--own] [--bytecode both|cached|as-is]

Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BAR = 1.5
FIRST_FRAME = "Pick a template on the left"
TEMPLATE_LIST = "Incident opened"
TOOL = Path(__file__).resolve().parents[2] / "shared" / "tools" / "first-frame"
REFERENCE_MARKER = "BARE-READY"
REFERENCE = f"""\
from textual.app import App
from textual.widgets import Static


class Bare(App):
    def compose(self):
        yield Static("{REFERENCE_MARKER}")


Bare().run()
"""
CONFIG = """\
[profiles.support]
webhook = "http://127.0.0.1:9/rest/1/bench-webhook-code/"
api = "v1"
bot_id = 7
client_id = "bench-client-id"
"""
PANE = ("-x", "120", "-y", "36")
POLL_S = 0.005
TIMEOUT_S = 30.0


# ---- measuring with tmux ------------------------------------------------------------------


def launch_ms(command: str, marker: str) -> float | None:
    """Milliseconds from starting ``command`` in a new tmux pane to ``marker`` on screen."""
    session = f"b24bench{os.getpid()}-{time.monotonic_ns() % 1_000_000}"
    started = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-s", session, *PANE, command], check=True)
    try:
        while time.perf_counter() - started < TIMEOUT_S:
            screen = subprocess.run(
                ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
            ).stdout
            if marker in screen:
                return (time.perf_counter() - started) * 1000
            time.sleep(POLL_S)
        return None
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def own_measure(command: list[str], marker: str, python: str, runs: int) -> str:
    """What ``first-frame`` prints, measured here: medians of alternating runs and the ratio."""
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as ref:
        ref.write(REFERENCE)
    # A session that outlives the runs keeps the tmux server up: a server that
    # exits with its last session races the next new-session.
    holder = f"b24benchhold{os.getpid()}"
    subprocess.run(["tmux", "new-session", "-d", "-s", holder, "sleep 3600"], check=True)
    try:
        cmd = subprocess.list2cmdline(command)
        reference = subprocess.list2cmdline([python, ref.name])
        launch_ms(cmd, marker)  # warm-up: disk cache, .pyc files
        launch_ms(reference, REFERENCE_MARKER)
        xs: list[float] = []
        ys: list[float] = []
        for _ in range(runs):
            x, y = launch_ms(cmd, marker), launch_ms(reference, REFERENCE_MARKER)
            if x is None or y is None:
                return f"marker never appeared ({'command' if x is None else 'reference'})"
            xs.append(x)
            ys.append(y)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", holder], capture_output=True)
        os.unlink(ref.name)
    mx, my = statistics.median(xs), statistics.median(ys)
    return (
        f"command   median {mx:.0f} ms  (min {min(xs):.0f}, max {max(xs):.0f})\n"
        f"reference median {my:.0f} ms  (min {min(ys):.0f}, max {max(ys):.0f})\n"
        f"ratio {mx / my:.2f}"
    )


def tool_measure(command: list[str], marker: str, python: str, runs: int) -> str:
    """Run the shared ``first-frame`` tool and return what it printed."""
    done = subprocess.run(
        [str(TOOL), "--runs", str(runs), "--python", python, marker, "--", *command],
        capture_output=True,
        text=True,
        check=False,
    )
    return (done.stdout + done.stderr).strip()


# ---- the cases ----------------------------------------------------------------------------


def ui_home(folder: Path) -> Path:
    """A ``B24NOTIFY_HOME`` in ``folder`` with a config of one webhook profile (mode 0600)."""
    home = folder / "home"
    home.mkdir()
    config = home / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    config.chmod(0o600)
    return home


def wrapper(folder: Path, name: str, python: str, env: list[str]) -> str:
    """A shell script that runs ``python`` with ``env`` changes (``env`` arguments)."""
    path = folder / name
    args = " ".join(shlex.quote(a) for a in [*env, python])
    path.write_text(f'#!/bin/sh\nexec env {args} "$@"\n', encoding="utf-8")
    path.chmod(0o755)
    return str(path)


def ratio_of(output: str) -> float | None:
    found = re.search(r"^ratio ([0-9.]+)", output, re.MULTILINE)
    return float(found.group(1)) if found else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="alternating runs per case")
    parser.add_argument("--own", action="store_true", help="measure here even if the tool exists")
    parser.add_argument(
        "--bytecode",
        choices=["both", "cached", "as-is"],
        default="both",
        help="run Python with .pyc caching, as the environment has it, or both",
    )
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if shutil.which("tmux") is None:
        sys.exit("startup bench: tmux is needed to draw the apps in a real terminal; install it.")

    use_tool = TOOL.exists() and not args.own
    measure = tool_measure if use_tool else own_measure
    work = Path(tempfile.mkdtemp(prefix="b24notify-startup-"))
    home = ui_home(work)
    (work / "tmp").mkdir()
    tmp = f"TMPDIR={work / 'tmp'}"
    pythons: list[tuple[str, str]] = []
    if args.bytecode in ("both", "as-is"):
        flag = os.environ.get("PYTHONDONTWRITEBYTECODE")
        label = f"as the environment runs Python (PYTHONDONTWRITEBYTECODE={flag or 'unset'})"
        pythons.append((label, wrapper(work, "python-as-is", sys.executable, [tmp])))
    if args.bytecode in ("both", "cached"):
        cache = f"PYTHONPYCACHEPREFIX={work / 'pycache'}"
        label = "with bytecode caching (.pyc under a temporary PYTHONPYCACHEPREFIX)"
        env = ["-u", "PYTHONDONTWRITEBYTECODE", cache, tmp]
        pythons.append((label, wrapper(work, "python-cached", sys.executable, env)))
    markers = [("first frame", FIRST_FRAME), ("template list", TEMPLATE_LIST)]
    load = os.getloadavg()
    print(f"launch to marker in a 120x36 tmux pane, {args.runs} alternating runs per case")
    print(f"measured by {TOOL if use_tool else 'this script (tmux)'}; venv python {sys.executable}")
    print(
        f"load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)"
    )
    ratios: list[tuple[str, float | None]] = []
    try:
        for how, python in pythons:
            print(f"\n=== {how}\n    --python {python}")
            cases = [
                ("b24notify demo", [python, "-m", "b24notify", "demo"]),
                ("b24notify", ["env", f"B24NOTIFY_HOME={home}", python, "-m", "b24notify"]),
            ]
            for name, command in cases:
                for what, marker in markers:
                    print(f"\n{name}: {what} (marker {marker!r})")
                    print(f"$ {subprocess.list2cmdline(command)}")
                    output = measure(command, marker, python, args.runs)
                    print(output, flush=True)
                    short = "cached .pyc" if "caching" in how else "as-is"
                    ratios.append((f"{name}: {what}, {short}", ratio_of(output)))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    load = os.getloadavg()
    print(f"\nload average at end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"\n{'case (ratio = command / bare Textual app)':50} {'ratio':>6}  bar ≤ {BAR}")
    for label, ratio in ratios:
        shown = f"{ratio:6.2f}" if ratio is not None else "     —"
        verdict = "" if ratio is None else "  ok" if ratio <= BAR else "  over the bar"
        print(f"{label:50} {shown}{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
