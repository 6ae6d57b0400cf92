"""The rows of a bulk run that need attention, written back as a data file with an error column.

Bad rows of a dry run, and failed or unknown rows of a real one, are written
with their original cells plus ``row`` (their number in the original file)
and ``error`` (what went wrong), so the file can be fixed in a spreadsheet and
sent as a new run: the two extra columns are not template variables and are
ignored then. CSV data gives CSV (same delimiter, UTF-8 with a BOM for
spreadsheets); JSONL data gives JSONL unless the report is named ``*.csv``.
The file is written to a temp name and renamed into place when complete.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import IO, Any

from b24notify.core.bulk_data import DataFile, DataRow
from b24notify.core.errors import DataFileError


class RowsReport:
    """Collects rows with their error into ``path``; nothing is created until the first row.

    ``always`` writes the file (a header alone) even when no row was added, so
    a path the user asked for never keeps stale content from an earlier run.
    """

    def __init__(
        self,
        path: Path,
        data: DataFile,
        *,
        columns: tuple[str, ...] | None = None,
        always: bool = False,
    ) -> None:
        self.path = Path(path).expanduser()
        self.data = data
        self.columns = columns if columns is not None else data.columns
        self.always = always
        self.count = 0
        self.as_csv = data.kind == "csv" or self.path.suffix.lower() in (".csv", ".tsv", ".txt")
        taken = set(self.columns)
        self.row_column = "row" if "row" not in taken else "b24notify_row"
        self.error_column = "error" if "error" not in taken else "b24notify_error"
        self._temp = self.path.with_name(f".{self.path.name}.part")
        self._file: IO[str] | None = None
        self._writer: Any = None

    def add(self, row: DataRow, error: str) -> None:
        """Write one row with its error (one line; the original cells unchanged)."""
        if self._file is None:
            self._open()
        assert self._file is not None
        if self.as_csv:
            cells = [_cell(row.values.get(name, "")) for name in self.columns]
            self._writer.writerow([*cells, row.number, error])
        else:
            record = {**row.values, self.row_column: row.number, self.error_column: error}
            self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.count += 1

    def _open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.as_csv:
                file = self._temp.open("w", encoding="utf-8-sig", newline="")
                delimiter = self.data.delimiter if self.data.kind == "csv" else ","
                self._writer = csv.writer(file, delimiter=delimiter or ",")
                self._writer.writerow([*self.columns, self.row_column, self.error_column])
            else:
                file = self._temp.open("w", encoding="utf-8")
        except OSError as err:
            raise DataFileError(
                f"Could not write the report {self.path}: {err.strerror or err}."
            ) from None
        self._file = file

    def close(self) -> Path | None:
        """Finish the file; its path, or None when there was nothing to write."""
        if self._file is None:
            if not self.always:
                return None
            self._open()
        assert self._file is not None
        file, self._file = self._file, None
        try:
            file.close()
            os.replace(self._temp, self.path)
        except OSError as err:
            self._temp.unlink(missing_ok=True)
            raise DataFileError(
                f"Could not write the report {self.path}: {err.strerror or err}."
            ) from None
        return self.path

    def discard(self) -> None:
        """Drop a half-written report (the previous file at ``path`` stays)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self._temp.unlink(missing_ok=True)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    # JSONL values in a CSV report: JSON text reads back as the same typed value.
    return json.dumps(value, ensure_ascii=False)
