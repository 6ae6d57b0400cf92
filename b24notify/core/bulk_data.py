"""Bulk data files: CSV and JSON Lines read row by row, with exact row and line numbers.

:func:`open_data` looks at a file once (format, encoding, delimiter, header)
and returns a :class:`DataFile`; each call of :meth:`DataFile.rows` is a new
streaming pass over the file, so a million-row file never sits in memory and a
bulk run can read it twice (check every row, then send).

- CSV: UTF-8 with or without a BOM; the delimiter (``,`` ``;`` tab ``|``) is
  sniffed from the header line; quoted cells may hold delimiters, quotes and
  line breaks; the first row names the columns. Rows with more or fewer cells
  than the header, bad quoting and unclosed quotes are errors; blank lines and
  rows of empty cells are skipped.
- JSONL: one JSON object per line; values keep their JSON types.

Every problem is a :class:`~b24notify.core.errors.DataFileError` whose message
names the file, the data row and the line: ``data.csv row 7 (line 8): 4 cells
but the header has 3 columns``. Lines are read with a length cap, so a huge or
binary file fails fast instead of filling memory.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from b24notify.core.errors import DataFileError

DataKind = Literal["csv", "jsonl"]

MAX_LINE_BYTES = 1 << 20
"""Longest line accepted (1 MiB): far above any message the portal takes."""

DELIMITERS = (",", ";", "\t", "|")
_SNIFF_BYTES = 64 * 1024
_JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
_CSV_SUFFIXES = (".csv", ".tsv", ".txt")
_UTF8_BOM = b"\xef\xbb\xbf"
# One-column files are read with a delimiter no text file holds: cells stay whole.
_NO_DELIMITER = "\x1f"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class DataRow:
    """One data row: its 1-based number (the header is not a row), first line, and values.

    CSV values are the cell strings; JSONL values keep their JSON types.
    """

    number: int
    line: int
    values: dict[str, Any]

    @property
    def where(self) -> str:
        """``row 7 (line 8)``: how messages point at the row."""
        return f"row {self.number} (line {self.line})"


class _LineProblem(Exception):
    """A line that cannot be read; the row reader says which row it belongs to."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


class _Lines:
    """The file's lines decoded one at a time, counting lines and refusing overlong ones."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        while True:
            raw = self._file.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            self.count += 1
            if len(raw) > MAX_LINE_BYTES:
                raise _LineProblem(
                    self.count,
                    f"the line is longer than {MAX_LINE_BYTES // (1 << 20)} MiB; "
                    "is this really a CSV or JSONL file?",
                )
            if self.count == 1 and raw.startswith(_UTF8_BOM):
                raw = raw[len(_UTF8_BOM) :]
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as err:
                bad = raw[err.start : err.start + 1].hex()
                raise _LineProblem(
                    self.count,
                    f"the text is not UTF-8 (byte 0x{bad} at byte {err.start + 1} of the line); "
                    "save the file as UTF-8 (in Excel: CSV UTF-8).",
                ) from None


class DataFile:
    """An opened data file: its format, CSV dialect and columns; ``rows()`` streams it."""

    def __init__(
        self,
        path: Path,
        kind: DataKind,
        *,
        columns: tuple[str, ...],
        delimiter: str | None = None,
    ) -> None:
        self.path = path
        self.kind: DataKind = kind
        self.columns = columns
        self.delimiter = delimiter

    @property
    def name(self) -> str:
        """The file name as messages show it."""
        return self.path.name

    def describe(self) -> str:
        """``CSV, ';'-separated`` or ``JSONL``: for summaries."""
        if self.kind == "jsonl":
            return "JSONL"
        if self.delimiter is None:
            return "CSV, one column"
        return f"CSV, {_delimiter_name(self.delimiter)}-separated"

    def rows(self, limit: int | None = None) -> Iterator[DataRow]:
        """Every data row in file order (at most ``limit``); a new pass over the file each call.

        Raises DataFileError naming the row and line at the first bad row.
        """
        if limit is not None and limit <= 0:
            return
        try:
            file = self.path.open("rb")
        except OSError as err:
            raise DataFileError(_os_reason(self.path, err)) from None
        with file:
            lines = _Lines(file)
            reader = self._csv_rows(lines) if self.kind == "csv" else self._jsonl_rows(lines)
            for count, row in enumerate(reader, start=1):
                yield row
                if limit is not None and count >= limit:
                    return

    def _csv_rows(self, lines: _Lines) -> Iterator[DataRow]:
        reader = csv.reader(iter(lines), delimiter=self.delimiter or _NO_DELIMITER, strict=True)
        header_seen = False
        number = 0
        while True:
            start = lines.count + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except (csv.Error, _LineProblem) as err:
                line = err.line if isinstance(err, _LineProblem) else start
                where = f"row {number + 1} (line {line})" if header_seen else f"line {line}"
                reason = err.reason if isinstance(err, _LineProblem) else _csv_reason(err)
                raise DataFileError(f"{self.name} {where}: {reason}") from None
            # Blank lines, and rows of empty cells that spreadsheets leave at the end.
            if not any(cell.strip() for cell in cells):
                continue
            if not header_seen:
                header_seen = True
                continue
            number += 1
            if len(cells) != len(self.columns):
                raise DataFileError(
                    f"{self.name} row {number} (line {start}): {len(cells)} "
                    f"{'cell' if len(cells) == 1 else 'cells'} but the header has "
                    f"{len(self.columns)} column{'s' if len(self.columns) != 1 else ''}; "
                    f"a stray {_delimiter_name(self.delimiter)} "
                    "or a missing quote?"
                )
            values = {
                name: _cell(cell) for name, cell in zip(self.columns, cells, strict=True) if name
            }
            yield DataRow(number, start, values)

    def _jsonl_rows(self, lines: _Lines) -> Iterator[DataRow]:
        number = 0
        texts = iter(lines)
        while True:
            try:
                text = next(texts)
            except StopIteration:
                return
            except _LineProblem as err:
                raise DataFileError(
                    f"{self.name} row {number + 1} (line {err.line}): {err.reason}"
                ) from None
            if not text.strip():
                continue
            number += 1
            yield DataRow(number, lines.count, _json_object(text, self.name, number, lines.count))

    def fingerprint(self) -> str:
        """``size:sha256`` of the whole file: tells whether it changed since a run began."""
        digest = hashlib.sha256()
        size = 0
        try:
            with self.path.open("rb") as file:
                while chunk := file.read(1 << 16):
                    digest.update(chunk)
                    size += len(chunk)
        except OSError as err:
            raise DataFileError(_os_reason(self.path, err)) from None
        return f"{size}:{digest.hexdigest()}"


def open_data(path: str | Path, *, kind: DataKind | None = None) -> DataFile:
    """Open a CSV or JSONL data file, sniffing what is not given; DataFileError when unusable.

    The format comes from ``kind``, else the suffix (``.csv``/``.tsv``/``.txt``
    or ``.jsonl``/``.ndjson``/``.json``), else the first character (``{`` means
    JSONL). The CSV delimiter is sniffed from the header line.
    """
    file = Path(path).expanduser()
    try:
        with file.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as err:
        raise DataFileError(_os_reason(file, err)) from None
    name = file.name
    if head.startswith(_UTF16_BOMS):
        raise DataFileError(
            f"{name} is UTF-16 text; save it as UTF-8 (in Excel: CSV UTF-8) and try again."
        )
    if b"\x00" in head:
        raise DataFileError(f"{name} holds binary data, not CSV or JSONL text.")
    body = head.removeprefix(_UTF8_BOM)
    if not body.strip():
        raise DataFileError(f"{name} is empty: expected a header row and one row per message.")
    if kind is None:
        kind = _guess_kind(file, body)
    if kind == "jsonl":
        return _open_jsonl(file, body)
    if kind != "csv":
        raise DataFileError(f"{name}: unknown data format {kind!r} (use csv or jsonl).")
    return _open_csv(file, body)


def _guess_kind(file: Path, body: bytes) -> DataKind:
    suffix = file.suffix.lower()
    if suffix in _JSONL_SUFFIXES:
        return "jsonl"
    if suffix in _CSV_SUFFIXES:
        return "csv"
    return "jsonl" if body.lstrip().startswith(b"{") else "csv"


def _open_jsonl(file: Path, body: bytes) -> DataFile:
    if body.lstrip().startswith(b"["):
        raise DataFileError(
            f"{file.name} is a JSON array; bulk data must be JSON Lines: one object per line."
        )
    data = DataFile(file, "jsonl", columns=())
    first = next(data.rows(), None)
    if first is None:
        raise DataFileError(f"{file.name} is empty: expected one JSON object per line.")
    data.columns = tuple(first.values)
    return data


def _open_csv(file: Path, body: bytes) -> DataFile:
    first_line = next((line for line in body.split(b"\n") if line.strip()), b"")
    try:
        header_text = first_line.decode("utf-8")
    except UnicodeDecodeError:
        header_text = first_line.decode("utf-8", errors="replace")
    delimiter = sniff_delimiter(header_text)
    probe = DataFile(file, "csv", columns=(), delimiter=delimiter)
    header = _read_header(probe)
    columns = tuple(cell.strip() for cell in header)
    if not any(columns):
        raise DataFileError(f"{file.name} line 1: the header row names no columns.")
    seen: dict[str, int] = {}
    for index, column in enumerate(columns, start=1):
        if not column:
            continue
        if column in seen:
            raise DataFileError(
                f"{file.name} line 1: the column {column!r} appears twice "
                f"(columns {seen[column]} and {index})."
            )
        seen[column] = index
    data = DataFile(file, "csv", columns=columns, delimiter=delimiter)
    if next(data.rows(), None) is None:
        raise DataFileError(f"{file.name} has a header row but no data rows.")
    return data


def _read_header(probe: DataFile) -> list[str]:
    with probe.path.open("rb") as handle:
        lines = _Lines(handle)
        reader = csv.reader(iter(lines), delimiter=probe.delimiter or _NO_DELIMITER, strict=True)
        try:
            for cells in reader:
                if cells:
                    return cells
        except csv.Error as err:
            raise DataFileError(f"{probe.name} line {lines.count}: {_csv_reason(err)}") from None
        except _LineProblem as err:
            raise DataFileError(f"{probe.name} line {err.line}: {err.reason}") from None
    raise DataFileError(f"{probe.name} is empty: expected a header row and one row per message.")


def sniff_delimiter(header: str) -> str | None:
    """The CSV delimiter: the candidate found most often (outside quotes) in the header line.

    Column names rarely contain delimiters, so the header decides. A header
    with none of them makes a one-column file (None): its cells are read whole,
    commas and all.
    """
    counts = {d: _count_unquoted(header, d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else None


def _count_unquoted(line: str, delimiter: str) -> int:
    count = 0
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            count += 1
    return count


def _cell(text: str) -> str:
    # Line breaks inside quoted cells follow the file's line ends; messages use "\n".
    return text.replace("\r\n", "\n") if "\r" in text else text


def _json_object(text: str, name: str, number: int, line: int) -> dict[str, Any]:
    where = f"{name} row {number} (line {line})"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise DataFileError(f"{where}: not valid JSON ({err.msg} at column {err.colno}).") from None
    if not isinstance(value, dict):
        kind = type(value).__name__ if value is not None else "null"
        raise DataFileError(f"{where}: expected a JSON object of column values, not {kind}.")
    return value


def _csv_reason(err: csv.Error) -> str:
    text = str(err)
    if "field larger than field limit" in text:
        return (
            f"a cell is longer than {csv.field_size_limit() // 1024} KiB; "
            "is a closing quote missing?"
        )
    if "unexpected end of data" in text:
        return "a quoted cell is never closed (a missing closing quote)."
    if "NUL" in text:
        return "the line holds NUL bytes; is this a text file?"
    if "new-line character seen in unquoted field" in text:
        return "the file uses bare carriage returns as line ends; save it with normal line ends."
    if "expected after" in text:
        return f'bad quoting ({text}); double a quote inside a quoted cell ("").'
    return f"not valid CSV ({text})."


def _delimiter_name(delimiter: str | None) -> str:
    return {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(
        delimiter or ",", "delimiter"
    )


def _os_reason(path: Path, err: OSError) -> str:
    if isinstance(err, FileNotFoundError):
        return f"{path}: no such data file."
    if isinstance(err, IsADirectoryError):
        return f"{path} is a folder, not a data file."
    return f"{path}: cannot read the data file ({err.strerror or err})."
