"""``batch``: up to 50 ``method?query`` commands in one request, answered per key.

Commands inherit the outer caller's auth; each counts against its own
method's operating budget while the batch is one request for the leaky
bucket. Empty answer sections are ``[]`` and keys ``0..n-1`` make lists, as
PHP's ``json_encode`` does.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from b24notify.sandbox.bots import v2_flag
from b24notify.sandbox.context import CallContext
from b24notify.sandbox.envelope import CallError
from b24notify.sandbox.forms import parse_php_query, php_packed

MAX_COMMANDS = 50

_REFERENCE = re.compile(r"\$result\[([^\]]+)\]((?:\[[^\]]*\])*)")


def commands(cmd: Any) -> list[tuple[str, str]]:
    """``(key, "method?query")`` pairs from ``cmd`` (object or list); non-strings are skipped."""
    if isinstance(cmd, dict):
        items = [(str(k), v) for k, v in cmd.items()]
    elif isinstance(cmd, list):
        items = [(str(i), v) for i, v in enumerate(cmd)]
    else:
        return []
    return [(key, value) for key, value in items if isinstance(value, str)]


def _substitute(query: str, results: dict[str, Any]) -> str:
    """Replace ``$result[key][field]...`` with earlier results (scalars only)."""

    def value(match: re.Match[str]) -> str:
        node: Any = results.get(match.group(1))
        for field in re.findall(r"\[([^\]]*)\]", match.group(2)):
            if isinstance(node, dict):
                node = node.get(field)
            elif isinstance(node, list) and field.isdigit() and int(field) < len(node):
                node = node[int(field)]
            else:
                node = None
        if isinstance(node, bool):
            return "1" if node else ""
        return quote(str(node)) if isinstance(node, str | int | float) else ""

    return _REFERENCE.sub(value, query)


def run_batch(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    """Run the commands in order; ``halt`` stops at the first error (later keys absent)."""
    halt = v2_flag(params.get("halt"), False)
    results: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    times: dict[str, Any] = {}
    for position, (key, command) in enumerate(commands(params.get("cmd"))):
        try:
            if position >= MAX_COMMANDS:
                raise CallError("ERROR_BATCH_LENGTH_EXCEEDED", "Max batch length exceeded")
            method, _, query = command.partition("?")
            sub_params = parse_php_query(_substitute(query, results))
            sub_params.pop("auth", None)
            outcome = ctx.call(method, sub_params)
        except CallError as err:
            errors[key] = err.body()
            ctx.state.stats.errors[err.code] += 1
            if halt:
                break
            continue
        results[key] = outcome.result
        times[key] = outcome.time
    return {
        "result": _section(results),
        "result_error": _section(errors),
        "result_total": [],
        "result_next": [],
        "result_time": _section(times),
    }


def _section(section: dict[str, Any]) -> Any:
    """A PHP array as ``json_encode`` shows it, without touching the values inside."""
    return php_packed(section) if section else []
