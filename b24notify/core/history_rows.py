"""The fields a new history row takes, and their stored form: checked, coerced and scrubbed.

Bad fields are a :class:`~b24notify.core.errors.UsageError` with one clear
sentence, raised before anything is written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from b24notify.core.errors import UsageError
from b24notify.core.history_secrets import portal_host, scrub, scrub_text

#: Every field :meth:`History.record_pending` takes, with its value when not given.
PENDING_FIELDS: dict[str, Any] = {
    "profile": "",
    "portal": "",
    "api": "v1",
    "method": "",
    "bot_id": None,
    "dialog_id": "",
    "template": "",
    "template_hash": "",
    "values": None,
    "params": None,
    "message_text": "",
    "run_id": None,
    "row_number": None,
    "note": None,
}
#: Inserts one ``pending`` row; its arguments come from :func:`insert_args`, in this order.
INSERT_SQL = """
    INSERT INTO sends (
        created_at, updated_at, profile, portal, api, method, bot_id, dialog_id,
        template, template_hash, values_json, params_json, message_text, status,
        run_id, row_number, note, owner
    ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)
"""


def stored_json(value: Any) -> str:
    """``value`` (None as ``{}``) scrubbed of secrets, as the JSON text a row stores."""
    # default=str: variable values may be dates or decimals from typed fields.
    return json.dumps(scrub(value if value is not None else {}), ensure_ascii=False, default=str)


def optional_int(name: str, value: Any) -> int | None:
    """``value`` as an int, None for None or ``""``; UsageError naming field ``name`` otherwise."""
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise UsageError(f"History field '{name}' must be a whole number, not {value!r}.") from None


def insert_args(given: Mapping[str, Any], now: str, owner: str) -> tuple[Any, ...]:
    """The :data:`INSERT_SQL` arguments for a new row from the caller's fields, at time ``now``."""
    unknown = sorted(set(given) - set(PENDING_FIELDS))
    if unknown:
        raise UsageError(
            f"Unknown history field {unknown[0]!r} (known: {', '.join(sorted(PENDING_FIELDS))})."
        )
    f = {**PENDING_FIELDS, **given}
    if f["api"] not in ("v1", "v2"):
        raise UsageError(f"History field 'api' must be 'v1' or 'v2', not {f['api']!r}.")
    run_id = f["run_id"]
    return (
        now,
        now,
        str(f["profile"] or ""),
        portal_host(str(f["portal"] or "")),
        f["api"],
        str(f["method"] or ""),
        optional_int("bot_id", f["bot_id"]),
        str(f["dialog_id"]) if f["dialog_id"] is not None else "",
        str(f["template"] or ""),
        str(f["template_hash"] or ""),
        stored_json(f["values"]),
        stored_json(f["params"]),
        scrub_text(str(f["message_text"] or "")),
        str(run_id) if run_id not in (None, "") else None,
        optional_int("row_number", f["row_number"]),
        scrub_text(str(f["note"])) if f["note"] else None,
        owner,
    )
