"""Dates and times as people type them: ``tomorrow 10:00``, ``fri 22:00``, ``+2h``, ``today``.

A date or datetime variable takes ISO text (``2026-11-24``, ``2026-11-24 22:00``).
The form and ``--var`` also take a short relative entry, which :func:`absolute`
turns into that ISO text at the moment it is typed, so a draft, a preview and
history all hold the same fixed value (a relative entry resolved at send time,
or again when a draft is reopened, would name another day). Bulk data files are
not resolved: a resumed run must read its rows exactly as before.

An entry is ``[day] [time] [offset…]`` with at least one part, in any case:

- day: ``now``, ``today``, ``tomorrow``, ``yesterday``, a weekday (``mon`` or
  ``monday``: the next one, today included), or an ISO date;
- time: ``H:MM`` on the 24-hour clock (a datetime only);
- offset: ``+N`` or ``-N`` followed by ``min``/``m`` (minutes), ``h``, ``d``
  or ``w``; a date moves by ``d`` and ``w`` only.

A day without a time is its midnight; ``now`` is the current minute; a time
or an offset alone counts from today or from now.

:func:`step` moves a value by days or minutes (the form's up/down keys),
:func:`describe` says a value in words ("Wed 25 Nov 2026, 10:00 · tomorrow")
and :func:`fix` resolves the entries among a template's values (``--var``);
:func:`bound` reads a History filter bound (``--since -2h``, ``yesterday``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any, Literal

from b24notify.core.humanize import count

Kind = Literal["date", "datetime"]

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip
_DAY_WORDS = {"today": 0, "tomorrow": 1, "yesterday": -1}
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_OFFSET = re.compile(r"([+-])(\d+)(min|m|h|d|w)")
_UNIT_MINUTES = {"min": 1, "m": 1, "h": 60, "d": 24 * 60, "w": 7 * 24 * 60}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _weekday(word: str) -> int | None:
    """0 for ``mon``/``monday`` … 6 for ``sun``; None for any other word."""
    if len(word) < 3:
        return None
    for number, name in enumerate(_WEEKDAYS):
        if name.startswith(word):
            return number
    return None


def _is_relative(words: list[str]) -> bool:
    """Whether the entry is meant as a relative one (so a mistake in it gets its own sentence)."""
    first = words[0]
    return (
        first in _DAY_WORDS
        or first == "now"
        or _weekday(first) is not None
        or first[:1] in "+-"
        or _TIME.fullmatch(first) is not None
        or (_ISO_DATE.fullmatch(first) is not None and any(w[:1] in "+-" for w in words[1:]))
    )


def _day(word: str, today: date) -> date | None:
    if word in _DAY_WORDS:
        return today + timedelta(days=_DAY_WORDS[word])
    weekday = _weekday(word)
    if weekday is not None:
        return today + timedelta(days=(weekday - today.weekday()) % 7)
    if _ISO_DATE.fullmatch(word):
        try:
            return date.fromisoformat(word)
        except ValueError:
            raise ValueError(f"{word} is not a day of the calendar") from None
    return None


def resolve(text: str, kind: Kind, now: datetime) -> date | datetime | None:
    """The value a relative entry names, or None when ``text`` is not a relative entry.

    A relative entry with a mistake raises ValueError with a sentence that
    names it (``+3x``: "x is not a unit"). Text that is not a relative entry
    at all (ISO, a typo of a date) is left to the variable's own check.
    """
    words = text.strip().lower().split()
    if not words or not _is_relative(words):
        return None
    try:
        return _resolve(words, kind, now)
    except OverflowError:
        raise ValueError(f"{text.strip()} is beyond the calendar") from None


def _resolve(words: list[str], kind: Kind, now: datetime) -> date | datetime:
    moment = now.replace(second=0, microsecond=0)
    midnight = datetime.combine(now.date(), datetime.min.time())
    start: datetime | None = None
    if words[0] == "now":
        start = midnight if kind == "date" else moment
        words = words[1:]
    else:
        day = _day(words[0], now.date())
        if day is not None:
            start = datetime.combine(day, datetime.min.time())
            words = words[1:]
    if words and (clock := _TIME.fullmatch(words[0])):
        if kind == "date":
            raise ValueError("a date takes no time of day")
        hour, minute = int(clock.group(1)), int(clock.group(2))
        if hour > 23 or minute > 59:
            raise ValueError(f"{words[0]} is not a time of day (00:00 to 23:59)")
        base = start.date() if start is not None else now.date()
        start = datetime.combine(base, datetime.min.time()).replace(hour=hour, minute=minute)
        words = words[1:]
    if start is None:
        start = moment if kind == "datetime" else midnight
    minutes = 0
    for word in words:
        offset = _OFFSET.fullmatch(word)
        if offset is None:
            raise ValueError(_offset_problem(word))
        sign, amount, unit = offset.groups()
        if kind == "date" and unit in ("min", "m", "h"):
            raise ValueError(f"{word}: a date moves by days or weeks (d, w)")
        minutes += (-1 if sign == "-" else 1) * int(amount) * _UNIT_MINUTES[unit]
    result = start + timedelta(minutes=minutes)
    return result.date() if kind == "date" else result


def _offset_problem(word: str) -> str:
    if word[:1] not in "+-":
        return f"{word} is not a day, a time (22:00) or an offset (+2h)"
    body = word[1:]
    unit = body.lstrip("0123456789")
    if unit == body:
        return f"{word} needs a number, like +2h"
    if not unit:
        return f"{word} needs a unit: min, h, d or w"
    return f"{unit} is not a unit (min, h, d or w)"


def iso(value: date | datetime) -> str:
    """``2026-11-24`` or ``2026-11-24 22:00`` (seconds only when there are any)."""
    if isinstance(value, datetime):
        spec = "minutes" if value.second == 0 and value.microsecond == 0 else "seconds"
        return value.isoformat(sep=" ", timespec=spec)
    return value.isoformat()


def absolute(text: str, kind: Kind, now: datetime) -> str | None:
    """ISO text for a relative entry; None when ``text`` is not one (it is kept as typed)."""
    value = resolve(text, kind, now)
    return None if value is None else iso(value)


def read(text: str, kind: Kind, now: datetime) -> date | datetime | None:
    """The value ``text`` names, relative or ISO (as the variable reads it); None if none.

    A relative entry with a mistake raises ValueError, as :func:`resolve` does.
    """
    value = resolve(text, kind, now)
    if value is not None:
        return value
    try:
        if kind == "date":
            return date.fromisoformat(text.strip())
        return datetime.fromisoformat(text.strip())
    except ValueError:
        return None


def step(text: str, kind: Kind, now: datetime, *, days: int = 0, minutes: int = 0) -> str:
    """``text`` moved by ``days`` and ``minutes``, as ISO text.

    Empty or unreadable text starts from today (a date) or from the next whole
    hour (a datetime), so the first press gives a sensible value to adjust.
    """
    try:
        value = read(text, kind, now) if text.strip() else None
    except ValueError:
        value = None
    try:
        if value is None:
            if kind == "date":
                return iso(now.date() + timedelta(days=days))
            hour = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
            return iso(hour + timedelta(days=days, minutes=minutes))
        if isinstance(value, datetime):
            return iso(value + timedelta(days=days, minutes=minutes))
        return iso(value + timedelta(days=days))
    except OverflowError:  # the calendar's edge: stay where it is
        return iso(value) if value is not None else text


def describe(value: date | datetime, now: datetime) -> str:
    """``Wed 25 Nov 2026, 10:00 · tomorrow``: the day in words and how far it is from now."""
    day = value.date() if isinstance(value, datetime) else value
    words = f"{_DAY_NAMES[day.weekday()]} {day.day} {_MONTH_NAMES[day.month - 1]} {day.year}"
    if isinstance(value, datetime):
        words += f", {value:%H:%M}"
    return f"{words} · {_distance(value, now)}"


def _distance(value: date | datetime, now: datetime) -> str:
    if isinstance(value, datetime) and value.tzinfo is not None:
        try:  # a time with an offset: how far it is from here, in local time
            value = value.astimezone().replace(tzinfo=None)
        except (OverflowError, ValueError):
            value = value.replace(tzinfo=None)
    days = ((value.date() if isinstance(value, datetime) else value) - now.date()).days
    if isinstance(value, datetime) and abs(days) <= 1:
        minutes = round((value - now).total_seconds() / 60)
        if abs(minutes) < 1:
            return "now"
        if abs(minutes) < 60:
            amount = f"{abs(minutes)} min"
        elif abs(minutes) < 24 * 60:
            amount = count(round(abs(minutes) / 60), "hour")
        else:
            return "tomorrow" if days > 0 else "yesterday"
        return f"in {amount}" if minutes > 0 else f"{amount} ago"
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    if abs(days) < 45:
        amount = count(abs(days), "day")
    elif abs(days) < 365:
        amount = count(round(abs(days) / 30.44), "month")
    else:
        amount = count(abs(days) // 365, "year")
    return f"in {amount}" if days > 0 else f"{amount} ago"


def fix(
    variables: Iterable[Any], values: Mapping[str, Any], now: datetime
) -> tuple[dict[str, Any], dict[str, str]]:
    """``values`` with the relative entries of date and datetime variables made ISO.

    Returns the new values and the mistakes found ({variable name: sentence});
    other values, and text that is not a relative entry, are left as they are.
    """
    fixed = dict(values)
    mistakes: dict[str, str] = {}
    for spec in variables:
        value = fixed.get(spec.name)
        if spec.type not in ("date", "datetime") or not isinstance(value, str):
            continue
        try:
            resolved = absolute(value, spec.type, now)
        except ValueError as err:
            mistakes[spec.name] = str(err)
        else:
            if resolved is not None:
                fixed[spec.name] = resolved
    return fixed, mistakes


def bound(text: str, now: datetime) -> str:
    """ISO text for a history bound typed as a day, a time or a relative entry.

    A day (``2026-11-20``, ``yesterday``, ``mon``, ``-1w``) stays a date, so an
    upper bound means through that day; a time (``2026-11-20 14:00``, ``-2h``,
    ``today 9:00``) is a datetime. ValueError says what is wrong (the caller
    names the field and the text).
    """
    text = text.strip()
    try:
        # "now" names the current minute here, not today.
        day = None if text.lower().split()[:1] == ["now"] else read(text, "date", now)
    except ValueError:
        day = None  # "-2h", "today 9:00": a time, read below
    if day is not None:
        return iso(day)
    value = read(text, "datetime", now)
    if value is None:
        raise ValueError(
            "not a date or a time; type 2025-03-01, 2025-03-01 14:00, yesterday or -2h"
        )
    return iso(value)
