"""Bulk data files: CSV dialects and encodings, JSONL, row/line numbers, bad files, streaming."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b24notify.core.bulk_data import MAX_LINE_BYTES, DataFile, open_data, sniff_delimiter
from b24notify.core.errors import DataFileError


def write(path: Path, data: str | bytes) -> Path:
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8", newline="")
    else:
        path.write_bytes(data)
    return path


def rows_of(data: DataFile) -> list[tuple[int, int, dict[str, Any]]]:
    return [(r.number, r.line, r.values) for r in data.rows()]


# ---- CSV ------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_csv_dialects_read_the_same(
    tmp_path: Path, delimiter: str, bom: bool, newline: str
) -> None:
    lines = [
        delimiter.join(["dialog_id", "name", "count"]),
        delimiter.join(["chat1", "Ann", "3"]),
        delimiter.join(["42", "Bob", "5"]),
    ]
    text = ("\ufeff" if bom else "") + newline.join(lines) + newline
    data = open_data(write(tmp_path / "d.csv", text))
    assert data.kind == "csv"
    assert data.delimiter == delimiter
    assert data.columns == ("dialog_id", "name", "count")
    assert rows_of(data) == [
        (1, 2, {"dialog_id": "chat1", "name": "Ann", "count": "3"}),
        (2, 3, {"dialog_id": "42", "name": "Bob", "count": "5"}),
    ]


def test_csv_quoted_cells_hold_delimiters_quotes_and_line_breaks(tmp_path: Path) -> None:
    text = (
        'dialog_id;text;note\r\nchat1;"Smith; John";"first\r\nsecond"\r\n42;"say ""hi""";plain\r\n'
    )
    data = open_data(write(tmp_path / "d.csv", text))
    assert rows_of(data) == [
        (1, 2, {"dialog_id": "chat1", "text": "Smith; John", "note": "first\nsecond"}),
        # The quoted cell above spans lines 2-3, so this row starts on line 4.
        (2, 4, {"dialog_id": "42", "text": 'say "hi"', "note": "plain"}),
    ]


def test_csv_skips_blank_lines_and_empty_trailing_rows_keeping_line_numbers(
    tmp_path: Path,
) -> None:
    text = "\n dialog_id , name \n\nchat1,Ann\n   \n,\n42,Bob\n,,\n"
    data = open_data(write(tmp_path / "d.csv", text.replace(",,\n", ",\n")))
    assert data.columns == ("dialog_id", "name")
    assert rows_of(data) == [
        (1, 4, {"dialog_id": "chat1", "name": "Ann"}),
        (2, 7, {"dialog_id": "42", "name": "Bob"}),
    ]


def test_csv_unnamed_columns_are_ignored(tmp_path: Path) -> None:
    data = open_data(write(tmp_path / "d.csv", "dialog_id,name,\nchat1,Ann,\n"))
    assert rows_of(data) == [(1, 2, {"dialog_id": "chat1", "name": "Ann"})]


def test_csv_one_column_file_keeps_cells_whole(tmp_path: Path) -> None:
    data = open_data(write(tmp_path / "d.csv", 'dialog_id\nchat1\n42;x,y\n"a ""b"""\n'))
    assert data.columns == ("dialog_id",)
    assert data.describe() == "CSV, one column"
    assert [r.values["dialog_id"] for r in data.rows()] == ["chat1", "42;x,y", 'a "b"']


def test_rows_is_a_new_pass_each_time_and_honours_limit(tmp_path: Path) -> None:
    body = "dialog_id\n" + "".join(f"chat{i}\n" for i in range(1, 11))
    data = open_data(write(tmp_path / "d.csv", body))
    assert [r.number for r in data.rows()] == list(range(1, 11))
    assert [r.number for r in data.rows()] == list(range(1, 11))
    assert [r.values["dialog_id"] for r in data.rows(limit=3)] == ["chat1", "chat2", "chat3"]
    assert list(data.rows(limit=0)) == []


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("a,b,c", ","),
        ("a;b;c", ";"),
        ("a\tb", "\t"),
        ("a|b", "|"),
        ('"x,y";b;c', ";"),  # the comma is inside a quoted name
        ("single", None),
        ("a;b,c;d", ";"),
    ],
)
def test_sniff_delimiter(header: str, expected: str | None) -> None:
    assert sniff_delimiter(header) == expected


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("d.csv", "dialog_id\n42\n", "csv"),
        ("d.tsv", "dialog_id\tx\n42\t1\n", "csv"),
        ("d.jsonl", '{"dialog_id": "42"}\n', "jsonl"),
        ("d.ndjson", '{"dialog_id": "42"}\n', "jsonl"),
        ("d.json", '{"dialog_id": "42"}\n', "jsonl"),
        ("d.data", '{"dialog_id": "42"}\n', "jsonl"),
        ("d.data", "dialog_id\n42\n", "csv"),
    ],
)
def test_format_from_suffix_or_content(tmp_path: Path, name: str, content: str, kind: str) -> None:
    assert open_data(write(tmp_path / name, content)).kind == kind


# ---- JSONL ----------------------------------------------------------------------------


def test_jsonl_keeps_types_and_numbers_rows_by_object(tmp_path: Path) -> None:
    text = (
        '{"dialog_id": 42, "count": 3, "items": ["a", "b"], "ok": true}\n'
        "\n"
        '{"dialog_id": "chat7", "name": "Ann \\"A\\""}\n'
    )
    data = open_data(write(tmp_path / "d.jsonl", text))
    assert data.columns == ("dialog_id", "count", "items", "ok")
    assert rows_of(data) == [
        (1, 1, {"dialog_id": 42, "count": 3, "items": ["a", "b"], "ok": True}),
        (2, 3, {"dialog_id": "chat7", "name": 'Ann "A"'}),
    ]


# ---- bad files ------------------------------------------------------------------------

BAD_FILES: list[tuple[str, str, bytes, str]] = [
    ("empty", "d.csv", b"", "d.csv is empty"),
    ("blank", "d.csv", b"\n  \n\n", "d.csv is empty"),
    ("bom only", "d.csv", b"\xef\xbb\xbf", "d.csv is empty"),
    ("header only", "d.csv", b"dialog_id,name\n", "header row but no data rows"),
    ("no column names", "d.csv", b",,\nchat1,a,b\n", "names no columns"),
    ("duplicate column", "d.csv", b"a,b,a\n1,2,3\n", "'a' appears twice (columns 1 and 3)"),
    (
        "cp1251",
        "d.csv",
        "dialog_id,name\nchat1,Ann\nchat2,Иван\n".encode("cp1251"),
        "d.csv row 2 (line 3): the text is not UTF-8",
    ),
    ("utf-16", "d.csv", "dialog_id\n42\n".encode("utf-16"), "UTF-16"),
    ("latin-1 header", "d.csv", b"dialog,n\xe9\nchat1,1\n", "d.csv line 1: the text is not UTF-8"),
    (
        "latin-1 jsonl",
        "d.jsonl",
        b'{"a": 1}\n\n{"a": "caf\xe9"}\n',
        "d.jsonl row 2 (line 3): the text is not UTF-8 (byte 0xe9 at byte 11",
    ),
    ("binary", "d.csv", b"PK\x03\x04\x00\x00binary", "binary data"),
    ("too many cells", "d.csv", b"a,b\n1,2\n3,4,5\n", "row 2 (line 3): 3 cells but the header"),
    ("too few cells", "d.csv", b"a;b;c\n1;2;3\n\n4;5\n", "row 2 (line 4): 2 cells but the header"),
    ("unclosed quote", "d.csv", b'a,b\n1,"open\n2,3\n', "row 1 (line 2): a quoted cell is never"),
    ("bad quoting", "d.csv", b'a,b\n1,"x" y\n', "row 1 (line 2): bad quoting"),
    ("bad json", "d.jsonl", b'{"a": 1}\n{"a": }\n', "d.jsonl row 2 (line 2): not valid JSON"),
    ("json not object", "d.jsonl", b'{"a": 1}\n\n[1, 2]\n', "row 2 (line 3): expected a JSON"),
    ("json array file", "d.json", b'[{"a": 1}]\n', "JSON Lines"),
    ("empty jsonl", "d.jsonl", b"\n\n", "d.jsonl is empty"),
]


@pytest.mark.parametrize(
    ("case", "name", "content", "message"), BAD_FILES, ids=[c[0] for c in BAD_FILES]
)
def test_bad_files_name_the_place_and_reason(
    tmp_path: Path, case: str, name: str, content: bytes, message: str
) -> None:
    path = write(tmp_path / name, content)
    with pytest.raises(DataFileError) as caught:
        data = open_data(path)
        list(data.rows())
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="no such data file"):
        open_data(tmp_path / "nope.csv")
    with pytest.raises(DataFileError, match="is a folder"):
        open_data(tmp_path)


def test_a_100_mb_file_without_line_breaks_fails_fast_in_little_memory(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    chunk = b"x" * (1 << 20)
    with path.open("wb") as out:
        out.write(b"dialog_id,text\n")
        for _ in range(100):
            out.write(chunk)
    tracemalloc.start()
    try:
        with pytest.raises(DataFileError) as caught:
            list(open_data(path).rows())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "huge.csv row 1 (line 2): the line is longer than 1 MiB" in str(caught.value)
    assert peak < 8 * MAX_LINE_BYTES


def test_a_bad_row_deep_in_a_file_is_named(tmp_path: Path) -> None:
    body = "dialog_id,n\n" + "".join(f"chat{i},{i}\n" for i in range(1, 50_001))
    path = write(tmp_path / "d.csv", body + "chat9,1,2\n")
    with pytest.raises(DataFileError, match=r"row 50001 \(line 50002\): 3 cells"):
        list(open_data(path).rows())


def test_fingerprint_changes_with_content(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "dialog_id\n42\n")
    data = open_data(path)
    first = data.fingerprint()
    assert first == data.fingerprint()
    assert first.startswith("13:")
    write(path, "dialog_id\n43\n")
    assert data.fingerprint() != first


# ---- streaming --------------------------------------------------------------------------


_MAX_RSS_AFTER_READING = """
import resource, sys
from b24notify.core.bulk_data import open_data
count = sum(1 for _ in open_data(sys.argv[1]).rows())
print(count, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _max_rss_reading(path: Path) -> tuple[int, int]:
    """(rows read, peak RSS in KiB) of a fresh interpreter that streams ``path``."""
    out = subprocess.run(
        [sys.executable, "-c", _MAX_RSS_AFTER_READING, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    count, rss = out.stdout.split()
    return int(count), int(rss)


def test_memory_stays_flat_over_200k_rows(tmp_path: Path) -> None:
    def make(rows: int) -> Path:
        path = tmp_path / f"rows{rows}.csv"
        with path.open("w", encoding="utf-8") as out:
            out.write("dialog_id,name,count\n")
            for i in range(rows):
                out.write(f"chat{i},Name {i},{i % 100}\n")
        return path

    small_count, small_rss = _max_rss_reading(make(2_000))
    big_count, big_rss = _max_rss_reading(make(200_000))
    assert (small_count, big_count) == (2_000, 200_000)
    # A hundred times the rows (about 6 MB of text), the same memory: had the
    # rows been kept, they would take tens of MB.
    assert big_rss - small_rss < 8 * 1024


# ---- properties -------------------------------------------------------------------------

_names = st.lists(
    st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), min_size=1, max_size=5, unique=True
)
_cell = st.text(
    # No CR (line ends are normalised), NUL or unit separator (the one-column reader's
    # stand-in delimiter): none occurs in text typed into a spreadsheet.
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\r\x00\x1f"),
    max_size=30,
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    names=_names,
    data=st.data(),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    bom=st.booleans(),
)
def test_csv_written_by_a_spreadsheet_reads_back(
    tmp_path: Path, names: list[str], data: st.DataObject, delimiter: str, bom: bool
) -> None:
    rows = data.draw(
        st.lists(st.lists(_cell, min_size=len(names), max_size=len(names)), max_size=6)
    )
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(names)
    writer.writerows(rows)
    path = tmp_path / "p.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8"))
    if not rows:
        with pytest.raises(DataFileError, match="no data rows"):
            open_data(path)
        return
    read = open_data(path)
    assert read.columns == tuple(names)
    assert [r.values for r in read.rows()] == [dict(zip(names, row, strict=True)) for row in rows]


_json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    objects=st.lists(
        st.dictionaries(st.text(max_size=8), _json_value, max_size=4), min_size=1, max_size=5
    )
)
def test_jsonl_reads_back_any_objects(tmp_path: Path, objects: list[dict[str, Any]]) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(o) + "\n\n" for o in objects), encoding="utf-8")
    read = open_data(path)
    assert [(r.number, r.line, r.values) for r in read.rows()] == [
        (i, 2 * i - 1, o) for i, o in enumerate(objects, start=1)
    ]
