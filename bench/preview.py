"""Keystroke → updated chat preview, through a Pilot, for every shipped template and a 30 KB attach.

Each keystroke is timed from the moment the Pilot hands the key to the app to
the moment the compositor paints the chat preview again (its ``render_lines``
runs after the update). The reference is the same Pilot keystroke into a bare
``Input`` with no preview, timed to the Input's own repaint, in the same
process. Prints median and p99 per case and their ratio to the reference.
The last case steps a date field with ↑/↓ (its line in words
is redrawn too). No assertions: the quality bar (§12: median ≤ 5 ms, p99 ≤ 16 ms; 30 KB p99
≤ 50 ms) is read off the figures.

    uv run python bench/preview.py [--keys 120] [--template NAME] [--profile 30]

``--profile N`` runs cProfile around each case's measured keystrokes and prints
its N costliest functions (cumulative time) after the case's figures.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BIG_TEMPLATE = """\
name = "Bench 30 KB attach"
description = "A card of 250 GRID rows: about 30 KB of ATTACH"

[vars.note]
label = "Note"
required = true
sample = "Everything is fine"

[body]
message = "[b]Report[/b] {{ note }}"
attach = \'\'\'
{"COLOR_TOKEN": "primary", "BLOCKS": [
{% for i in range(250) %}
  {"GRID": [{"DISPLAY": "ROW", "NAME": "Row {{ i }}", "VALUE": "{{ note }} — item {{ i }} ok"}]}
  {%- if not loop.last %},{% endif %}
{% endfor %}
]}
\'\'\'
"""


class PaintProbe:
    """Timestamps, per key, when the preview took the new message and when it was painted.

    ``updated_at``: the widget's update method returned (the new content is in
    place; the next frame shows it). ``painted_at``: the compositor called the
    widget's ``render_lines`` for the first time after that.
    """

    def __init__(self, widget: Any, updater: Any = None, method: str = "") -> None:
        self.armed = False
        self.painted_at = 0.0
        self.updated_at = 0.0
        original: Callable[..., Any] = widget.render_lines

        def render_lines(crop: Any) -> Any:
            lines = original(crop)
            if self.armed:
                self.painted_at = time.perf_counter()
                self.armed = False
            return lines

        widget.render_lines = render_lines
        if updater is not None:
            update: Callable[..., Any] = getattr(updater, method)

            def updated(*args: Any, **kwargs: Any) -> Any:
                result = update(*args, **kwargs)
                self.updated_at = time.perf_counter()
                return result

            setattr(updater, method, updated)


Samples = tuple[list[float], list[float], list[float]]


async def time_keys(
    pilot: Any, probe: PaintProbe, keys: list[str], echo: PaintProbe | None = None
) -> Samples:
    """(updated, painted, echoed) milliseconds after each key press.

    ``echo`` watches the typed field itself: its repaint is the echo of the key.
    """
    updated: list[float] = []
    painted: list[float] = []
    echoed: list[float] = []
    for key in keys:
        probe.armed = True
        probe.updated_at = 0.0
        if echo is not None:
            echo.armed = True
        started = time.perf_counter()
        await pilot.press(key)
        deadline = started + 2.0
        while (probe.armed or (echo and echo.armed)) and time.perf_counter() < deadline:
            await pilot.pause(0.001)
        if not probe.armed:
            painted.append((probe.painted_at - started) * 1000)
            if probe.updated_at:
                updated.append((probe.updated_at - started) * 1000)
        if echo is not None and not echo.armed:
            echoed.append((echo.painted_at - started) * 1000)
    return updated, painted, echoed


def keys_for(count: int) -> list[str]:
    # Type and delete in turn so the value (and the message) keeps its size.
    return ["x" if n % 2 == 0 else "backspace" for n in range(count)]


def steps_for(count: int) -> list[str]:
    # A date field: a day later, a day earlier, in turn.
    return ["up" if n % 2 == 0 else "down" for n in range(count)]


async def reference(count: int) -> tuple[list[float], list[float]]:
    """A bare Input in a bare app: its repaint after each key."""
    from textual.app import App, ComposeResult
    from textual.widgets import Input

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Input(id="field")

    app = Bare()
    async with app.run_test(size=(160, 48)) as pilot:
        field = app.query_one(Input)
        field.focus()
        await pilot.pause()
        probe = PaintProbe(field)
        await time_keys(pilot, probe, keys_for(10))  # warm-up
        _, painted, _ = await time_keys(pilot, probe, keys_for(count))
        return painted, painted


def make_service() -> tuple[Any, Any]:
    import httpx

    from b24notify.core.config import Config, Profile
    from b24notify.core.history import History
    from b24notify.core.service import Service
    from b24notify.sandbox.app import create_app
    from b24notify.sandbox.config import SandboxConfig

    sandbox = create_app(SandboxConfig())
    defaults = SandboxConfig()
    bot = defaults.bots[0]
    profile = Profile(
        name="sandbox",
        webhook=f"http://127.0.0.1:9/rest/{defaults.webhook_user}/{defaults.webhook_code}/",
        api="v1",
        bot_id=bot.id,
        client_id=bot.client_id,
        bot_token=bot.bot_token,
        sandbox=True,
    )
    config = Config(profiles={"sandbox": profile}, default_profile="sandbox")
    history = History(Path(os.environ["B24NOTIFY_HOME"]) / "bench-history.sqlite3")
    service = Service(
        config,
        history=history,
        transport_factory=lambda _p: httpx.ASGITransport(app=sandbox),
    )
    return service, sandbox


async def measure_template(
    name: str,
    count: int,
    *,
    tab: str = "chat",
    profile: cProfile.Profile | None = None,
    date_field: str | None = None,
) -> Samples:
    """Keystrokes into the template's first text field, or ↑/↓ in ``date_field``."""
    from textual.widgets import Input

    from b24notify.tui.app import B24NotifyApp
    from b24notify.tui.screens.compose import ComposeScreen
    from b24notify.tui.widgets.chat_preview import ChatPreview
    from b24notify.tui.widgets.preview_pane import PreviewPane
    from b24notify.tui.widgets.request_view import RequestView
    from b24notify.tui.widgets.template_list import TemplateList

    service, _sandbox = make_service()
    app = B24NotifyApp(service)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen
        assert isinstance(screen, ComposeScreen)
        while not screen.query_one(TemplateList).entries:
            await pilot.pause(0.01)
        await screen.select_template(name)
        screen.query_one("#opt-dialog", Input).value = "chat42"
        template = service.template(name)
        keys = steps_for if date_field else keys_for
        field_name = date_field or next(
            v.name for v in template.variables if v.type in ("text", "url")
        )
        field = screen.query_one(f"#var-{field_name}", Input)
        field.select_on_focus = False  # type after the sample value, don't replace it
        field.focus()
        await pilot.pause()
        field.cursor_position = len(field.value)
        pane = screen.query_one(PreviewPane)
        pane.activate(tab)
        await pilot.pause(0.1)
        target: Any = screen.query_one(ChatPreview).query_one("#chat-body")
        updater: Any = screen.query_one(ChatPreview)
        if tab == "request":
            target = screen.query_one(RequestView).query_one("#request-body")
            updater = screen.query_one(RequestView)
        probe = PaintProbe(target, updater, "show")
        echo = PaintProbe(field)
        await time_keys(pilot, probe, keys(10), echo)  # warm-up: imports, caches
        if profile is not None:
            profile.enable()
        try:
            return await time_keys(pilot, probe, keys(count), echo)
        finally:
            if profile is not None:
                profile.disable()


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keys", type=int, default=120, help="keystrokes per case")
    parser.add_argument("--template", action="append", help="only these templates")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="print the N costliest functions"
    )
    args = parser.parse_args()

    home = tempfile.mkdtemp(prefix="b24notify-bench-")
    os.environ["B24NOTIFY_HOME"] = home
    (Path(home) / "templates").mkdir()
    (Path(home) / "templates" / "bench-30kb.toml").write_text(BIG_TEMPLATE, encoding="utf-8")

    from b24notify.core.templates import TemplateLibrary, default_search_path

    library = TemplateLibrary(default_search_path([]))
    names = args.template or [i.name for i in library.list() if i.shipped]

    _, ref = await reference(args.keys)
    ref_median = statistics.median(ref)
    print("updated: the preview widget has the new message (shown at the next frame)")
    print("painted: the compositor has drawn it; reference: a bare Input's own repaint")
    print("echo: the typed field's own repaint in the same app")
    print(
        f"{'case':30} {'updated med':>11} {'p99':>7}  {'painted med':>11} {'p99':>7}"
        f" {'× ref':>6}  {'echo med':>8} {'p99':>7}  (n)"
    )
    print(
        f"{'reference: bare Input':30} {'':>11} {'':>7}  {ref_median:11.2f} {p99(ref):7.2f}"
        f" {1.0:6.2f}  ({len(ref)})"
    )
    cases: list[tuple[str, str, str, str | None]] = [(n, n, "chat", None) for n in names]
    if not args.template:
        cases += [
            ("30 KB attach (chat)", "bench-30kb", "chat", None),
            ("30 KB attach (request tab)", "bench-30kb", "request", None),
            ("planned, date field ↑/↓", "maintenance/planned", "chat", "window_start"),
        ]
    for label, name, tab, date_field in cases:
        profile = cProfile.Profile() if args.profile else None
        updated, painted, echoed = await measure_template(
            name, args.keys, tab=tab, profile=profile, date_field=date_field
        )
        if not painted or not updated or not echoed:
            print(f"{label:30} no update observed")
            continue
        median = statistics.median(painted)
        print(
            f"{label:30} {statistics.median(updated):11.2f} {p99(updated):7.2f}"
            f"  {median:11.2f} {p99(painted):7.2f} {median / ref_median:6.2f}"
            f"  {statistics.median(echoed):8.2f} {p99(echoed):7.2f}  ({len(painted)})"
        )
        if profile is not None:
            pstats.Stats(profile, stream=sys.stdout).sort_stats("cumulative").print_stats(
                args.profile
            )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
