"""Relative date and time entries (``tomorrow 10:00``, ``+2h``), stepping, and words for a value."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b24notify.core import when

NOW = datetime(2026, 11, 24, 10, 37, 12)  # a Tuesday

nows = st.datetimes(min_value=datetime(1900, 1, 8), max_value=datetime(9000, 1, 1))
any_now = st.datetimes()
kinds = st.sampled_from(["date", "datetime"])


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("tomorrow 10:00", "datetime", "2026-11-25 10:00"),
        ("Tomorrow", "date", "2026-11-25"),
        ("tomorrow", "datetime", "2026-11-25 00:00"),
        ("today", "date", "2026-11-24"),
        ("yesterday 23:59", "datetime", "2026-11-23 23:59"),
        ("now", "datetime", "2026-11-24 10:37"),
        ("now", "date", "2026-11-24"),
        ("22:00", "datetime", "2026-11-24 22:00"),
        ("9:05", "datetime", "2026-11-24 09:05"),
        ("fri 22:00", "datetime", "2026-11-27 22:00"),
        ("tue", "date", "2026-11-24"),  # today is a Tuesday: the next one is today
        ("MONDAY", "date", "2026-11-30"),
        ("+2h", "datetime", "2026-11-24 12:37"),
        ("now +90min", "datetime", "2026-11-24 12:07"),
        ("+30m", "datetime", "2026-11-24 11:07"),
        ("-1w", "date", "2026-11-17"),
        ("+1d", "date", "2026-11-25"),
        ("tomorrow 9:00 +1w -2h", "datetime", "2026-12-02 07:00"),
        ("2026-11-30 +1d", "date", "2026-12-01"),
        ("2026-11-30 10:00 +2h", "datetime", "2026-11-30 12:00"),
    ],
)
def test_relative_entries_name_one_fixed_moment(text: str, kind: when.Kind, expected: str) -> None:
    assert when.absolute(text, kind, NOW) == expected


@pytest.mark.parametrize(
    "text",
    ["", "   ", "2026-11-24", "2026-11-24 22:00", "2026-11-24T22:00", "soon", "tomorow", "24.11."],
)
def test_iso_and_other_text_is_not_a_relative_entry(text: str) -> None:
    # Left as typed: the variable's own check reads ISO and names anything else.
    assert when.absolute(text, "datetime", NOW) is None
    assert when.absolute(text, "date", NOW) is None


@pytest.mark.parametrize(
    ("text", "kind", "sentence"),
    [
        ("tomorrow 10:00", "date", "a date takes no time of day"),
        ("+2h", "date", "+2h: a date moves by days or weeks (d, w)"),
        ("+3x", "datetime", "x is not a unit (min, h, d or w)"),
        ("+h", "datetime", "+h needs a number, like +2h"),
        ("+3", "datetime", "+3 needs a unit: min, h, d or w"),
        ("24:00", "datetime", "24:00 is not a time of day (00:00 to 23:59)"),
        ("today soon", "datetime", "soon is not a day, a time (22:00) or an offset (+2h)"),
        ("2026-02-30 +1d", "date", "2026-02-30 is not a day of the calendar"),
        ("+99999999w", "date", "+99999999w is beyond the calendar"),
    ],
)
def test_a_mistake_in_a_relative_entry_is_named(text: str, kind: when.Kind, sentence: str) -> None:
    with pytest.raises(ValueError) as caught:
        when.resolve(text, kind, NOW)
    assert str(caught.value) == sentence


@given(now=nows, days=st.integers(-3000, 3000))
def test_day_offsets_count_from_today(now: datetime, days: int) -> None:
    text = f"{'+' if days >= 0 else '-'}{abs(days)}d"
    assert when.resolve(text, "date", now) == now.date() + timedelta(days=days)
    moved = when.resolve(text, "datetime", now)
    assert moved == now.replace(second=0, microsecond=0) + timedelta(days=days)


@given(now=nows, weekday=st.integers(0, 6), long=st.booleans())
def test_a_weekday_is_the_next_such_day_today_included(
    now: datetime, weekday: int, long: bool
) -> None:
    name = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[weekday]
    day = when.resolve(name if long else name[:3], "date", now)
    assert isinstance(day, date)
    assert day.weekday() == weekday
    assert 0 <= (day - now.date()).days <= 6


@given(now=nows, day=st.dates(min_value=date(1, 1, 2), max_value=date(9999, 12, 30)), kind=kinds)
def test_absolute_text_is_iso_and_is_kept_as_it_is(
    now: datetime, day: date, kind: when.Kind
) -> None:
    text = when.absolute(f"{day.isoformat()} +0d", kind, now)
    assert text is not None
    assert when.absolute(text, kind, now) is None, "resolved text is final"
    parsed = (date if kind == "date" else datetime).fromisoformat(text)
    assert when.read(text, kind, now) == parsed


@given(text=st.text(max_size=30), now=any_now, kind=kinds)
def test_any_text_resolves_names_its_mistake_or_is_left_alone(
    text: str, now: datetime, kind: when.Kind
) -> None:
    try:
        value = when.resolve(text, kind, now)
    except ValueError as err:
        assert str(err) and "\n" not in str(err)
    else:
        assert value is None or isinstance(value, date)
        if value is not None:
            assert isinstance(value, datetime) == (kind == "datetime")


@given(now=nows, days=st.integers(-400, 400), minutes=st.integers(-3000, 3000))
def test_a_step_and_its_opposite_come_back(now: datetime, days: int, minutes: int) -> None:
    start = when.iso(now.replace(second=0, microsecond=0))
    there = when.step(start, "datetime", now, days=days, minutes=minutes)
    assert when.step(there, "datetime", now, days=-days, minutes=-minutes) == start
    today = now.date().isoformat()
    assert when.step(when.step(today, "date", now, days=days), "date", now, days=-days) == today


@given(text=st.text(max_size=20), now=any_now, kind=kinds, days=st.integers(-(10**6), 10**6))
def test_a_step_gives_a_value_or_keeps_the_text(
    text: str, now: datetime, kind: when.Kind, days: int
) -> None:
    moved = when.step(text, kind, now, days=days, minutes=days)
    assert moved == text or when.read(moved, kind, now) is not None


def test_a_step_from_nothing_starts_at_today_or_the_next_hour() -> None:
    assert when.step("", "date", NOW, days=1) == "2026-11-25"
    assert when.step("", "datetime", NOW) == "2026-11-24 11:00"
    assert when.step("not a date", "datetime", NOW, minutes=60) == "2026-11-24 12:00"
    assert when.step("tomorrow 10:00", "datetime", NOW, minutes=-30) == "2026-11-25 09:30"
    assert when.step("2026-11-24 10:00:30", "datetime", NOW, minutes=1) == "2026-11-24 10:01:30"


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (datetime(2026, 11, 25, 10, 0), "Wed 25 Nov 2026, 10:00 · in 23 hours"),
        (datetime(2026, 11, 24, 10, 37, 40), "Tue 24 Nov 2026, 10:37 · now"),
        (datetime(2026, 11, 24, 11, 7), "Tue 24 Nov 2026, 11:07 · in 30 min"),
        (datetime(2026, 11, 24, 9, 37), "Tue 24 Nov 2026, 09:37 · 1 hour ago"),
        (datetime(2026, 11, 25, 23, 0), "Wed 25 Nov 2026, 23:00 · tomorrow"),
        (datetime(2026, 12, 1, 9, 0), "Tue 1 Dec 2026, 09:00 · in 7 days"),
        (date(2026, 11, 24), "Tue 24 Nov 2026 · today"),
        (date(2026, 11, 23), "Mon 23 Nov 2026 · yesterday"),
        (date(2026, 11, 1), "Sun 1 Nov 2026 · 23 days ago"),
        (date(2027, 2, 24), "Wed 24 Feb 2027 · in 3 months"),
        (datetime(2025, 3, 22, 22, 0), "Sat 22 Mar 2025, 22:00 · 1 year ago"),
        (date(2029, 12, 1), "Sat 1 Dec 2029 · in 3 years"),
    ],
)
def test_describe_says_the_day_and_how_far_it_is(value: date, words: str) -> None:
    assert when.describe(value, NOW) == words


def test_describe_reads_a_time_with_an_offset_in_local_time() -> None:
    aware = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    local = aware.astimezone().replace(tzinfo=None)
    assert when.describe(aware, local - timedelta(hours=2)).endswith("· in 2 hours")


def test_fix_resolves_date_variables_and_names_mistakes() -> None:
    class Spec:
        def __init__(self, name: str, type: str) -> None:
            self.name, self.type = name, type

    specs = [Spec("start", "datetime"), Spec("day", "date"), Spec("note", "text"), Spec("n", "int")]
    values = {"start": "fri 22:00", "day": "2026-12-01", "note": "tomorrow", "n": 3}
    fixed, mistakes = when.fix(specs, values, NOW)
    assert fixed == {"start": "2026-11-27 22:00", "day": "2026-12-01", "note": "tomorrow", "n": 3}
    assert mistakes == {}
    _, mistakes = when.fix(specs, {"start": "+2q", "day": "+2h"}, NOW)
    assert mistakes == {
        "start": "q is not a unit (min, h, d or w)",
        "day": "+2h: a date moves by days or weeks (d, w)",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-01", "2025-03-01"),
        ("yesterday", "2026-11-23"),
        ("-1w", "2026-11-17"),
        ("mon", "2026-11-30"),
        ("2025-03-01 14:00", "2025-03-01 14:00"),
        ("2025-03-01T14:00:30", "2025-03-01 14:00:30"),
        ("-2h", "2026-11-24 08:37"),
        ("today 9:00", "2026-11-24 09:00"),
        ("now", "2026-11-24 10:37"),
        ("now -1d", "2026-11-23 10:37"),
    ],
)
def test_a_bound_is_a_day_unless_a_time_is_named(text: str, expected: str) -> None:
    assert when.bound(text, NOW) == expected


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("1.3.2025", "not a date or a time; type 2025-03-01, 2025-03-01 14:00, yesterday or -2h"),
        ("-3x", "x is not a unit (min, h, d or w)"),
        ("25:00", "25:00 is not a time of day (00:00 to 23:59)"),
    ],
)
def test_a_bad_bound_is_named(text: str, sentence: str) -> None:
    with pytest.raises(ValueError) as caught:
        when.bound(text, NOW)
    assert str(caught.value) == sentence
