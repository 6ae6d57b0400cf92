"""Benchmark: the History screen of the real app on a 1,000,000-row history, against direct queries.

Builds a history with ``bench/history.py``'s builder (cached in a temp folder
named by the row count; ``--keep`` leaves it there for the next run), then
starts ``B24NotifyApp`` headless (``run_test(size=(160, 48))``) over it, set
up as ``b24notify demo`` runs it: a sandbox portal in a child process and a
webhook profile pointing at it. Through a Pilot it times

- opening the History screen (f3) until the first page of rows is in its table,
  for the first visit in a cold process, for a new screen in a warm process and
  for a return visit;
- a search: the last key of a query typed into the search box until the table
  holds that query's first page (the key before it has already had its answer,
  as when typing at a human pace), for a common word, a rare one and a rare
  combination of common words;
- loading the next page: ctrl+end on the table until the next page is appended.

Each figure is the median over ``--repeat`` runs, twice: until the rows are in
the table (the ``add_row`` call that completes them; the key is pressed and
the screen's state observed without fixed sleeps) and until the first frame
shown with them (the first ``App._display`` outside a batch after the table's
``render_lines`` has drawn them: frames drawn while Textual holds the screen
back, 50 ms after each switch, never reach the terminal). The reference is
the page query whose answer fills the table (``History.search`` for one page;
the screen's count comes after the rows) called directly on the same
``History`` in the same process, so the ratio says what the UI adds.

Memory is the process's RSS (peak ``ru_maxrss`` and current ``VmRSS``),
sampled as the run goes: Compose ready, History opened, one search of each
kind, all searches, paging, return visits, new screens, and after 50 screen
switches in all (Compose ⇄ History, each waiting for the first page). The
reference is a bare Textual app (one ``Static``) run the same way. Each app runs in a process
of its own: the bare one must not share imports or freed memory with the UI,
and ``ru_maxrss`` is a peak that Linux carries into a child from its parent,
so the history is built in a child too (its page cache takes hundreds of MB).
Bars (§12): 100 ms for opening and for a search, 150 MB of RSS.

    uv run python bench/ui_history.py [--rows 1000000] [--repeat 7] [--keep]

Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

BAR_MS = 100.0
BAR_RSS_MB = 150.0
COMMON = "incident"
COMBINATION = "VPN critical Almaty"
POLL_S = 0.001
SWITCHES = 50
"""Screen switches (Compose ⇄ History) before the last memory sample."""
TIMEOUT_S = 30.0


# ---- the history database -------------------------------------------------------------


def cached_db(rows: int) -> tuple[Path, bool]:
    """The history file for ``rows`` rows, built unless a complete one is cached; (path, built)."""
    from b24notify.core.history import History

    folder = Path(tempfile.gettempdir()) / f"b24notify-uibench-{rows}"
    path = folder / "history.sqlite3"
    if path.exists():
        try:
            with History(path) as history:
                if history.count() == rows:
                    return path, False
        except Exception as exc:  # a damaged cache is rebuilt, not trusted
            print(f"cached history at {path} is unusable ({exc}); rebuilding")
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    # Built under another name and renamed when complete, so an interrupted
    # build is never taken for a cached one. Built in a child process: the
    # builder's page cache takes hundreds of MB, and Linux hands a process's
    # peak RSS (ru_maxrss) on to the children it starts.
    partial = folder / "history.sqlite3.partial"
    print(f"building {rows:,} rows in {folder} …", flush=True)
    child = [
        sys.executable,
        __file__,
        "--child",
        "build",
        "--db",
        str(partial),
        "--rows",
        str(rows),
    ]
    if subprocess.run(child, check=False).returncode != 0:
        sys.exit("building the history failed (see above)")
    partial.replace(path)
    print(f"  file size          {path.stat().st_size / 1e6:6.0f} MB", flush=True)
    return path, True


# ---- measuring in a child process -----------------------------------------------------


def build_child(path: Path, rows: int) -> None:
    """Build the history with bench/history.py's builder, printing how long each step took."""
    sys.path.insert(0, str(Path(__file__).parent))
    from history import build  # bench/history.py

    for name, seconds in build(path, rows).items():
        print(f"  {name:<18} {seconds:6.1f} s", flush=True)


def rss_mb() -> dict[str, float]:
    """This process's peak (``ru_maxrss``) and current (``VmRSS``) resident size in MB."""
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    current_kb = 0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            current_kb = int(line.split()[1])
    return {"peak": peak_kb / 1024, "current": current_kb / 1024}


async def until(condition: Callable[[], bool], what: str) -> float:
    """Poll ``condition`` between the app's turns; the perf_counter time it first held."""
    deadline = time.perf_counter() + TIMEOUT_S
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        await asyncio.sleep(POLL_S)
    return time.perf_counter()


class TableWatch:
    """When a table (by id) first holds given rows, and when a frame first shows them.

    Wraps the widget class's ``clear``, ``add_row`` and ``render_lines``, and
    ``App._display``, in this process only. ``filled_at``: the ``add_row`` call
    after which the armed condition first holds (the rows are in the table).
    ``painted_at``: the first frame handed to the terminal (``App._display``
    outside a batch) after a ``render_lines`` call of the table found the
    condition holding. A frame drawn while Textual holds updates back (it
    does for 50 ms after every screen switch) is not shown, so it does not
    count: the user sees the rows only in the next frame that is. A new list
    starts with ``clear``, so counting clears tells a fresh answer from the
    same rows already there.
    """

    def __init__(self, widget_class: Any, widget_id: str, app_class: Any) -> None:
        self.clears = 0
        self.condition: Callable[[], bool] | None = None
        self.filled_at = 0.0
        self.drawn_at = 0.0
        self.painted_at = 0.0
        render: Callable[..., Any] = widget_class.render_lines
        add_row: Callable[..., Any] = widget_class.add_row
        clear: Callable[..., Any] = widget_class.clear
        display: Callable[..., Any] = app_class._display
        watch = self

        def render_lines(widget: Any, crop: Any) -> Any:
            lines = render(widget, crop)
            fresh = widget.id == widget_id and not watch.drawn_at and watch.armed()
            if fresh and watch.condition():  # type: ignore[misc]
                watch.drawn_at = time.perf_counter()
            return lines

        def displayed(app: Any, screen: Any, renderable: Any) -> Any:
            result = display(app, screen, renderable)
            shown = renderable is not None and not app._batch_count
            if shown and watch.drawn_at and watch.armed():
                watch.painted_at = time.perf_counter()
                watch.condition = None
            return result

        def added(widget: Any, *args: Any, **kwargs: Any) -> Any:
            key = add_row(widget, *args, **kwargs)
            fresh = widget.id == widget_id and not watch.filled_at and watch.armed()
            if fresh and watch.condition():  # type: ignore[misc]
                watch.filled_at = time.perf_counter()
            return key

        def cleared(widget: Any, *args: Any, **kwargs: Any) -> Any:
            if widget.id == widget_id:
                watch.clears += 1
            return clear(widget, *args, **kwargs)

        widget_class.render_lines = render_lines
        widget_class.add_row = added
        widget_class.clear = cleared
        app_class._display = displayed

    def armed(self) -> bool:
        return self.condition is not None

    def arm(self, condition: Callable[[], bool]) -> None:
        self.condition = condition
        self.filled_at = self.drawn_at = self.painted_at = 0.0


def timed_direct(fn: Callable[[], object], repeat: int) -> float:
    """Median milliseconds of a direct call (after one warm-up call)."""
    fn()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


async def bare_child() -> dict[str, Any]:
    """RSS of a bare Textual app showing one widget, run headless like the UI."""
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("BARE-READY")

    app = Bare()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        return {"rss": rss_mb()}


def start_sandbox(home: Path) -> tuple[subprocess.Popen[bytes], int, str, str, str]:
    """A sandbox portal in a child process, as ``b24notify demo`` starts it."""
    from b24notify.cli.demo import free_port

    port = free_port()
    code, client_id, bot_token = (secrets.token_hex(n) for n in (8, 8, 12))
    log = open(home / "sandbox.log", "wb")  # noqa: SIM115 - closed with the child's output
    child = subprocess.Popen(
        [
            *(sys.executable, "-m", "b24notify", "sandbox", "--port", str(port)),
            *("--code", code, "--client-id", client_id, "--bot-token", bot_token),
        ],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    return child, port, code, client_id, bot_token


async def ui_child(db: Path, repeat: int, page: int) -> dict[str, Any]:
    """The History screen timings and the RSS of the real app over ``db``."""
    home = Path(tempfile.mkdtemp(prefix="b24notify-uibench-home-"))
    os.environ["B24NOTIFY_HOME"] = str(home)
    os.environ.pop("B24NOTIFY_CONFIG", None)
    child, port, code, client_id, bot_token = start_sandbox(home)
    try:
        return await measure_ui(db, repeat, page, port, code, client_id, bot_token)
    finally:
        child.terminate()
        child.wait(timeout=5)
        shutil.rmtree(home, ignore_errors=True)


async def measure_ui(
    db: Path, repeat: int, page: int, port: int, code: str, client_id: str, bot_token: str
) -> dict[str, Any]:
    """Drive the app through the History screen; times, direct references and RSS samples."""
    from textual.app import App
    from textual.widgets import DataTable, Input

    from b24notify.cli.demo import demo_config
    from b24notify.core.history import History
    from b24notify.core.service import Service
    from b24notify.tui.app import SCREENS, B24NotifyApp, _mode_factory
    from b24notify.tui.widgets.template_list import TemplateList

    config: Any = demo_config(port, code, client_id, bot_token)
    history = History(db)
    service = Service(config, history=history)
    app = B24NotifyApp(service, title_suffix="bench", sandbox_url=f"http://127.0.0.1:{port}")
    ui: dict[str, dict[str, list[float]]] = {}
    direct: dict[str, float] = {}
    rss: dict[str, dict[str, float]] = {}
    matches: dict[str, int] = {}

    def page_ids(**filters: Any) -> list[int]:
        return [r.id for r in history.search(**filters, limit=page)]

    def first_page_query(**filters: Any) -> Callable[[], object]:
        return lambda: history.search(**filters, limit=page)

    def record(name: str, sample: tuple[float, float]) -> None:
        times = ui.setdefault(name, {"in table": [], "painted": []})
        times["in table"].append(sample[0])
        times["painted"].append(sample[1])

    watch = TableWatch(DataTable, "history-table", App)
    async with app.run_test(size=(160, 48)) as pilot:

        async def settle() -> None:
            """Wait until every background job has ended (done, failed or replaced)."""
            await until(lambda: all(w.is_finished for w in app.workers), "background jobs")
            await pilot.pause()

        def shows(ids: list[int]) -> Callable[[], bool]:
            """The History screen's table starts with exactly ``ids`` (more may follow)."""

            def check() -> bool:
                found: Any = app.screen_of("history")
                order = getattr(found, "order", None)
                if not order or order[: len(ids)] != ids:
                    return False
                return bool(found.query_one(DataTable).row_count >= len(ids))

            return check

        async def timed(
            key: str, ids: list[int], what: str, *, reset: bool = True
        ) -> tuple[float, float]:
            """Milliseconds from pressing ``key`` to ``ids`` in the table, and to them painted.

            With ``reset`` the list must have started over since the key (the rows
            may be the same as before it: a return visit, a longer query).
            """
            in_table = shows(ids)
            clears = watch.clears
            watch.arm(lambda: (not reset or watch.clears > clears) and in_table())
            t0 = time.perf_counter()
            # Not awaited first: Pilot.press returns only once every widget of the
            # screen has worked through its queue, well after the rows are in.
            press = asyncio.create_task(pilot.press(key))
            await until(lambda: watch.painted_at > 0, what)
            await press
            return (watch.filled_at - t0) * 1000, (watch.painted_at - t0) * 1000

        compose = app.screen
        await until(lambda: bool(compose.query_one(TemplateList).entries), "the template list")
        await settle()  # dialogs, warm-up imports, the bot list
        rss["Compose ready, before History"] = rss_mb()

        # (a) the first visit: imports the screen's module, builds and mounts it
        cold = "open: first visit, cold process"
        ui[cold] = {"in table": [], "painted": []}  # keeps the order of the table
        fresh, again = "open: new screen, warm process", "open: return visit"
        ui[fresh], ui[again] = {"in table": [], "painted": []}, {"in table": [], "painted": []}
        first = page_ids()
        record(cold, await timed("f3", first, "the first page"))
        await settle()
        rss["History opened"] = rss_mb()
        history_screen: Any = app.screen_of("history")

        # (b) searches: the last key of the query, the key before it already answered
        box = history_screen.query_one("#history-search", Input)
        await pilot.press("ctrl+f")

        async def search_for(text: str) -> None:
            """Put ``text`` in the search box and wait until its answer is in and all is idle."""
            clears = watch.clears
            box.value = text
            box.cursor_position = len(text)
            ids = page_ids(text=text) if text else first
            await until(lambda: watch.clears > clears and shows(ids)(), f"results for {text!r}")
            await settle()

        newest = history.search(limit=1)[0]
        ticket = re.search(r"#(\d{5})", newest.message_text)
        rare = ticket.group(1) if ticket else newest.dialog_id
        queries = [("common word", COMMON), ("rare word", rare), ("rare combination", COMBINATION)]
        for run in range(repeat):
            for label, query in queries:
                name = f"search: {label} {query!r}"
                await search_for(query[:-1])
                expected = page_ids(text=query)
                record(name, await timed(query[-1], expected, f"results for {query!r}"))
                await settle()
            if run == 0:
                rss["History opened, one search of each"] = rss_mb()
        for label, query in queries:
            name = f"search: {label} {query!r}"
            matches[query] = history.count(text=query, at_most=10_000)
            direct[name] = timed_direct(first_page_query(text=query), repeat)
        rss[f"after {repeat * len(queries)} searches"] = rss_mb()

        # (c) the next page: ctrl+end puts the cursor on the last row, which asks for more
        await search_for("")
        history_screen.query_one(DataTable).focus()
        await settle()
        befores = []
        for _ in range(repeat):
            shown = list(history_screen.order)
            expected = shown + [r.id for r in history.search(limit=page, before_id=shown[-1])]
            befores.append(shown[-1])
            record(
                "next page (ctrl+end)",
                await timed("ctrl+end", expected, "the next page", reset=False),
            )
            await settle()
        direct["next page (ctrl+end)"] = timed_direct(
            lambda: history.search(limit=page, before_id=befores[-1]), repeat
        )
        rss[f"after {repeat} more pages ({len(history_screen.order)} rows)"] = rss_mb()

        # (a) again: return visits (Compose, then History again), then brand-new screens
        async def back_to_compose() -> None:
            await pilot.press("f2")
            await until(lambda: app.current_mode == "compose", "Compose")
            await settle()

        for _ in range(repeat):
            await back_to_compose()
            record(again, await timed("f3", first, "the first page"))
            await settle()
        rss[f"after {repeat} return visits"] = rss_mb()
        for _ in range(repeat):
            await back_to_compose()
            await app.remove_mode("history")
            app.add_mode("history", _mode_factory(app, SCREENS["history"]))
            record(fresh, await timed("f3", first, "the first page"))
            await settle()
        rss[f"after {repeat} new screens"] = rss_mb()

        # Memory over a working session: switch between Compose and History until
        # SWITCHES switches (each waits for History's first page; not timed).
        def first_page_since(clears: int) -> Callable[[], bool]:
            in_table = shows(first)
            return lambda: watch.clears > clears and in_table()

        switches = 4 * repeat  # the return visits and new screens above, both ways
        while switches < SWITCHES:
            await back_to_compose()
            since = first_page_since(watch.clears)
            await pilot.press("f3")
            await until(since, "the first page")
            await settle()
            switches += 2
        for name in (cold, fresh, again):
            direct[name] = timed_direct(first_page_query(), repeat)
        rss[f"after {switches} screen switches (end of the run)"] = rss_mb()
    return {"ui": ui, "direct": direct, "rss": rss, "matches": matches, "page": page}


def page_size() -> int:
    """The History screen's page size, read in a child so this process stays small."""
    code = "from b24notify.tui.screens.history import PAGE; print(PAGE)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(done.stdout)


def run_child(kind: str, *args: str) -> dict[str, Any]:
    """Run this script as a measuring child and return what it printed as JSON."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"the {kind} run failed:\n{done.stderr.strip()}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# ---- the report -------------------------------------------------------------------------


def report(rows: int, ui: dict[str, Any], bare: dict[str, Any]) -> None:
    """Print the times and the memory as a table: figure, medians, ratio, bar."""
    print(f"\nhistory: {rows:,} rows, pages of {ui['page']}; medians over (n) runs")
    print("in table: the rows are in the DataTable; painted: the first frame shown with them")
    print("direct: the same page query on the same History, called directly in the same process")
    head = f"{'figure':48} {'in table':>9} {'painted':>8} {'direct':>7} {'× direct':>9} {'bar':>7}"
    print(f"\n{head}  (n)")
    print("-" * (len(head) + 5))
    for name, samples in ui["ui"].items():
        shown = statistics.median(samples["in table"])
        painted = statistics.median(samples["painted"])
        ref = ui["direct"][name]
        has_bar = name.startswith(("open", "search"))
        bar = f"{BAR_MS:.0f} ms" if has_bar else "—"
        flag = "  over the bar" if has_bar and max(shown, painted) > BAR_MS else ""
        print(
            f"{name:48} {shown:9.1f} {painted:8.1f} {ref:7.2f} {shown / ref:9.0f} {bar:>7}"
            f"  ({len(samples['in table'])}){flag}"
        )
    counted = (f"{q!r} {n:,}{'+' if n >= 10_000 else ''}" for q, n in ui["matches"].items())
    print("times in ms; rows matching:", ", ".join(counted))

    bare_rss = bare["rss"]
    head = f"{'memory (RSS)':48} {'peak MB':>9} {'now MB':>8} {'× bare':>7} {'bar':>9}"
    print(f"\n{head}")
    print("-" * (len(head) + 5))
    print(
        f"{'bare Textual app (one Static), own process':48} {bare_rss['peak']:9.1f}"
        f" {bare_rss['current']:8.1f} {1.0:7.2f}"
    )
    for label, sample in ui["rss"].items():
        flag = "  over the bar" if sample["peak"] > BAR_RSS_MB else ""
        print(
            f"{'UI: ' + label:48} {sample['peak']:9.1f} {sample['current']:8.1f}"
            f" {sample['peak'] / bare_rss['peak']:7.2f} {BAR_RSS_MB:6.0f} MB{flag}"
        )
    print("peak: ru_maxrss; now: VmRSS; × bare compares the peaks")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="history rows")
    parser.add_argument("--repeat", type=int, default=7, help="runs per figure")
    parser.add_argument("--keep", action="store_true", help="keep the built history for next time")
    parser.add_argument("--child", choices=["build", "bare", "ui"], help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--page", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rows < 1 or args.repeat < 1:
        parser.error("--rows and --repeat must be at least 1")

    if args.child == "build":
        build_child(args.db, args.rows)
        return 0
    if args.child:
        work: Coroutine[Any, Any, dict[str, Any]] = (
            bare_child() if args.child == "bare" else ui_child(args.db, args.repeat, args.page)
        )
        print(json.dumps(asyncio.run(work)))
        return 0

    started = time.perf_counter()
    db, built = cached_db(args.rows)
    if not built:
        print(f"reusing the history at {db}", flush=True)
    try:
        bare = run_child("bare")
        page = str(page_size())
        ui = run_child("ui", "--db", str(db), "--repeat", str(args.repeat), "--page", page)
    finally:
        if not args.keep:
            shutil.rmtree(db.parent, ignore_errors=True)
    report(args.rows, ui, bare)
    kept = f"; history kept at {db}" if args.keep else ""
    print(f"\ntotal {time.perf_counter() - started:.0f} s{kept}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
