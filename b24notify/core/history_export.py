"""History rows to a file: CSV, a JSON array or JSON Lines, streamed and replaced atomically.

Records are written as they come (a page at a time from
:meth:`~b24notify.core.history.History.iter_search`), so memory stays flat at
any size, into a temp file that replaces the target only once complete.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from b24notify.core.errors import HistoryError
from b24notify.core.history_schema import RECORD_FIELDS, SendRecord

ExportFormat = Literal["csv", "json", "jsonl"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "json", "jsonl")


def write_export(records: Iterable[SendRecord], path: Path | str, fmt: ExportFormat) -> int:
    """Write ``records`` to ``path`` in format ``fmt``; the count. HistoryError when it fails.

    CSV is UTF-8 with a BOM so spreadsheets read non-Latin text, with
    ``values``/``params`` as JSON in their cells; ``json`` is one array,
    ``jsonl`` one object per line.
    """
    target = Path(path).expanduser()
    temp = target.with_name(f".{target.name}.{os.urandom(6).hex()}.tmp")
    try:
        if fmt == "csv":
            count = _write_csv(temp, records)
        else:
            count = _write_json(temp, records, lines=fmt == "jsonl")
        os.replace(temp, target)
    except OSError as exc:
        raise HistoryError(
            f"Could not export the history to {target}: {exc.strerror or exc}."
        ) from None
    finally:
        temp.unlink(missing_ok=True)
    return count


def _write_csv(path: Path, records: Iterable[SendRecord]) -> int:
    import csv

    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(RECORD_FIELDS)
        for record in records:
            row = []
            for name in RECORD_FIELDS:
                value = getattr(record, name)
                if name in ("values", "params"):
                    value = json.dumps(value, ensure_ascii=False)
                row.append("" if value is None else value)
            writer.writerow(row)
            count += 1
    return count


def _write_json(path: Path, records: Iterable[SendRecord], *, lines: bool) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as out:
        if not lines:
            out.write("[")
        for record in records:
            text = json.dumps(record.to_dict(), ensure_ascii=False)
            if lines:
                out.write(text + "\n")
            else:
                out.write(("\n" if count == 0 else ",\n") + text)
            count += 1
        if not lines:
            out.write("\n]\n" if count else "]\n")
    return count
