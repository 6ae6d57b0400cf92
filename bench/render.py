"""Benchmark: keystroke-to-preview cost of rendering each shipped template, as a ratio.

For every shipped template it times what the preview does on a keystroke —
``parse_values`` of the sample values, then ``render`` (sandboxed, escaped,
every JSON part parsed) — and reports median and p99 in ms next to a
reference measured in the same run: a bare ``jinja2.Template`` of the
message part alone, rendered with the same values. A second case renders a
~30 KB ATTACH (a GRID row per list item) against a bare ``jinja2.Template``
of the same attach followed by ``json.loads``.

Targets (product.md §12): median ≤ 5 ms and p99 ≤ 16 ms per shipped
template; p99 ≤ 50 ms for a 30 KB attach. Prints figures; asserts nothing.

    uv run python bench/render.py [--runs 2000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import jinja2

from b24notify.core import paths
from b24notify.core.template_escape import link, mention
from b24notify.core.templates import Template, TemplateLibrary, parse_values, render, sample_values

ROW = (
    '{"DISPLAY": "ROW", "WIDTH": 120, "NAME": "{{ row.name }}", '
    '"VALUE": "{{ row.value }} [{{ loop.index }}]"}'
)
BIG_ATTACH = (
    '{"COLOR_TOKEN": "primary", "BLOCKS": [{"MESSAGE": "[b]{{ title }}[/b]"}, {"GRID": [\n'
    "{% for row in rows %}" + ROW + "{% if not loop.last %},{% endif %}\n{% endfor %}"
    "]}]}"
)


def timings(fn: Callable[[], Any], runs: int) -> list[float]:
    """Milliseconds per call, after a few warm-up calls."""
    for _ in range(min(50, runs)):
        fn()
    out = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        fn()
        out.append((time.perf_counter_ns() - start) / 1e6)
    return out


def keystroke(t: Template, raw: dict[str, Any]) -> Callable[[], Any]:
    """What the preview does when a field changes: check the values, render every part."""
    return lambda: render(t, parse_values(t, raw))


def p99(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.99) - 1)]


def big_template(
    lib: TemplateLibrary, target_bytes: int = 30_000
) -> tuple[Template, dict[str, Any]]:
    rows: list[dict[str, str]] = []
    raw = {"title": "Nightly report", "rows": rows}
    t = lib.from_data(
        {
            "vars": {"title": {"type": "text"}, "rows": {"type": "list"}},
            "body": {"message": "[b]{{ title }}[/b]", "attach": BIG_ATTACH},
        },
        "bench/attach-30k",
    )
    while True:
        # Values the bare reference can also turn into valid JSON (no quotes or
        # backslashes), so both sides do the same work; markup still gets escaped.
        rows.append({"name": f"Service {len(rows) + 1}", "value": "ok, green [b]fine[/b] ünï"})
        size = len(json.dumps(render(t, parse_values(t, raw)).attach, ensure_ascii=False))
        if size >= target_bytes:
            return t, raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000, help="timed runs per case")
    args = parser.parse_args()
    runs: int = args.runs

    lib = TemplateLibrary([paths.shipped_templates_dir()])
    # The reference: plain Jinja, no sandbox, no escaping, no limits; it gets the
    # same partials and helpers so the shipped messages render at all.
    bare = jinja2.Environment(loader=jinja2.FileSystemLoader(paths.shipped_templates_dir()))
    bare.globals.update(mention=mention, link=link)
    header = f"{'case':24} {'median ms':>10} {'p99 ms':>8} {'ref median':>11} {'ratio':>7}"
    print(f"render + JSON parse per keystroke, {runs} runs each\n")
    print(header)
    print("-" * len(header))
    worst_median = worst_p99 = 0.0
    for name in lib.names():
        t = lib.get(name)
        raw = sample_values(t)
        values = parse_values(t, raw)
        ours = timings(keystroke(t, raw), runs)
        reference = bare.from_string(t.parts["message"] or "")
        ref = timings(partial(reference.render, values), runs)
        med, ref_med = statistics.median(ours), statistics.median(ref)
        worst_median, worst_p99 = max(worst_median, med), max(worst_p99, p99(ours))
        print(f"{name:24} {med:10.3f} {p99(ours):8.3f} {ref_med:11.3f} {med / ref_med:6.1f}x")

    t, raw = big_template(lib)
    values = parse_values(t, raw)
    size = len(json.dumps(render(t, values).attach, ensure_ascii=False))
    big_runs = max(50, runs // 10)
    ours = timings(keystroke(t, raw), big_runs)
    reference = bare.from_string(BIG_ATTACH)
    ref = timings(lambda: json.loads(reference.render(values)), big_runs)
    med, ref_med = statistics.median(ours), statistics.median(ref)
    label = f"attach {size // 1000} KB ({len(raw['rows'])} rows)"
    print(f"{label:24} {med:10.3f} {p99(ours):8.3f} {ref_med:11.3f} {med / ref_med:6.1f}x")
    print(
        "\nreference: bare jinja2.Template of the message part (for the attach case: of the"
        " attach,\nplus json.loads; its output is not escaped and would not always parse)."
    )
    print(
        f"targets: median ≤ 5 ms (worst {worst_median:.3f}), p99 ≤ 16 ms (worst {worst_p99:.3f});"
        f" 30 KB attach p99 ≤ 50 ms ({p99(ours):.3f})"
    )


if __name__ == "__main__":
    main()
