"""Try `b24notify demo` as a person would: in tmux, keys only, reading the screen.

Starts the demo in a 120×36 tmux pane, picks the "Short notice" template by
typing, jumps to the dialog (ctrl+o), types one, sends (ctrl+s), confirms,
waits for "Sent: message id" and then opens the Sandbox inbox (f5) to see the
message arrive. Prints each screen it waited for; exits 1 with the last screen
when a step does not show up.

    uv run python scripts/smoke_demo.py
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time

SESSION = f"b24smoke{os.getpid()}"


def tmux(*args: str) -> str:
    done = subprocess.run(["tmux", *args], capture_output=True, text=True, check=False)
    return done.stdout


def screen() -> str:
    return tmux("capture-pane", "-p", "-t", SESSION)


def wait_for(text: str, step: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    shown = ""
    while time.monotonic() < deadline:
        shown = screen()
        if text in shown:
            print(f"ok   {step}")
            return shown
        time.sleep(0.1)
    print(f"FAIL {step}: {text!r} never appeared; the screen was:\n{shown}")
    raise SystemExit(1)


def keys(*names: str, pause: float = 0.3) -> None:
    for name in names:
        tmux("send-keys", "-t", SESSION, name)
        time.sleep(pause)


def main() -> int:
    if shutil.which("tmux") is None:
        print("tmux is not installed (apt-get install -y tmux)")
        return 2
    command = shlex.join([sys.executable, "-m", "b24notify", "demo"])
    tmux("new-session", "-d", "-s", SESSION, "-x", "120", "-y", "36", command)
    try:
        wait_for("Search templates", "the demo opens on Compose")
        keys("short", "Enter")
        wait_for("Notice *", "typing picks the Short notice template and shows its form")
        keys("C-o", "chat42", "C-s")
        wait_for("Send this message?", "ctrl+s asks to confirm with dialog, bot and profile")
        keys("Enter")
        wait_for("Sent: message id", "the send is confirmed with the portal's message id")
        keys("F5")
        final = wait_for("1 message", "the Sandbox inbox shows the message")
        if "chat42" not in final:
            print(f"FAIL the inbox does not show chat42:\n{final}")
            return 1
        print(final)
        return 0
    finally:
        tmux("kill-session", "-t", SESSION)


if __name__ == "__main__":
    sys.exit(main())
