"""Typed template variables: the VarSpec record, value conversion and parse_values().

Form and CLI values arrive as strings; each declared type turns them into a
Python value (or one sentence saying why it can't) before anything renders, so
a wrong type is a field error and never a Jinja crash. Already-typed values
(TOML samples, JSON rows, values that went through here once) are accepted too,
which makes conversion idempotent.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit, urlunsplit

from b24notify.core.errors import FieldErrors

if TYPE_CHECKING:
    from b24notify.core.templates import Template

VAR_TYPES = (
    "text", "multiline", "int", "float", "bool", "choice",
    "date", "datetime", "url", "dialog", "user", "list",
)  # fmt: skip

DIALOG_RE = re.compile(r"^([0-9]+|(chat|sg|crm)[0-9]+)$", re.IGNORECASE)

_TRUE = frozenset({"true", "yes", "y", "1", "on"})
_FALSE = frozenset({"false", "no", "n", "0", "off"})


@dataclass(frozen=True)
class VarSpec:
    """One variable of a template, as the form shows it.

    ``declared`` is False for variables found in the template text but not
    declared in ``[vars]`` (they are ``text``). ``guarded`` is True when the
    template reads the variable through ``|default(...)`` or ``is defined``:
    an optional guarded variable with no value is left undefined so the guard
    applies, while an unguarded optional one gets the empty value of its type.
    """

    name: str
    type: str = "text"
    label: str = ""
    required: bool = False
    default: Any = None
    help: str = ""
    choices: tuple[Any, ...] = ()
    sample: Any = None
    declared: bool = True
    guarded: bool = False

    @property
    def title(self) -> str:
        """The label, or the name made readable (``ticket_id`` → ``Ticket id``)."""
        return self.label or humanize(self.name)


def humanize(name: str) -> str:
    """``assignee_name`` → ``Assignee name``."""
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else name


def _show(value: Any) -> str:
    """A short quoted rendering of a bad value for an error sentence."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > 40:
        text = text[:37] + "…"
    return repr(text) if isinstance(value, str) else text


def is_blank(value: Any) -> bool:
    """True for "no value": None, an empty or whitespace-only string, an empty list."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, (list, tuple)) and not value


def _to_text(value: Any, spec: VarSpec) -> str:
    if isinstance(value, (dict, list, tuple, set)):
        raise ValueError("must be plain text, not a list or table")
    text = value if isinstance(value, str) else str(value)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _to_int(value: Any, spec: VarSpec) -> int:
    if isinstance(value, bool):
        raise ValueError(f"must be a whole number (got {_show(value)})")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d[\d_]*\s*", value):
        return int(value.replace("_", ""))
    raise ValueError(f"must be a whole number (got {_show(value)})")


def _to_float(value: Any, spec: VarSpec) -> float:
    number: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip().replace("_", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")  # decimal comma, as typed in many locales
        try:
            number = float(text)
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        raise ValueError(f"must be a number like 2.5 (got {_show(value)})")
    return number


def _to_bool(value: Any, spec: VarSpec) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise ValueError(f"must be yes or no (true/false, 1/0, on/off; got {_show(value)})")


def _to_choice(value: Any, spec: VarSpec) -> Any:
    for choice in spec.choices:
        if value == choice and type(value) is type(choice):
            return choice
    wanted = str(value).strip() if not isinstance(value, (dict, list)) else None
    for choice in spec.choices:
        if wanted is not None and str(choice) == wanted:
            return choice
    options = ", ".join(str(c) for c in spec.choices)
    raise ValueError(f"must be one of {options} (got {_show(value)})")


def _to_date(value: Any, spec: VarSpec) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"must be a date like 2025-03-14 (got {_show(value)})")


def _to_datetime(value: Any, spec: VarSpec) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"must be a date and time like 2025-03-14T09:30 (got {_show(value)})")


def _to_url(value: Any, spec: VarSpec) -> str:
    bad = ValueError(
        f"must be an http or https link like https://example.com/ (got {_show(value)})"
    )
    if not isinstance(value, str):
        raise bad
    text = value.strip()
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise ValueError(f"must be a link without spaces (got {_show(value)})")
    try:
        parts = urlsplit(text)
    except ValueError:
        raise bad from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise bad
    # Square brackets outside the host are percent-encoded: the link means the
    # same to a server, and no "[" is left to open a BB-code tag in the chat.
    safe = "/?#&=%:@!$'()*+,;~-._"
    return urlunsplit(
        (
            parts.scheme.lower(),
            parts.netloc,
            quote(parts.path, safe=safe),
            quote(parts.query, safe=safe),
            quote(parts.fragment, safe=safe),
        )
    )


def _to_dialog(value: Any, spec: VarSpec) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError("must be a user id like 42 or a chat id like chat42")
    text = str(value).strip()
    if not DIALOG_RE.match(text):
        raise ValueError(f"must be a user id like 42 or a chat id like chat42 (got {_show(value)})")
    return text.lower()


def _to_user(value: Any, spec: VarSpec) -> int:
    try:
        number = _to_int(value, spec)
    except ValueError:
        number = 0
    if number <= 0:
        raise ValueError(f"must be a user id: a positive whole number (got {_show(value)})")
    return number


def _to_list(value: Any, spec: VarSpec) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return list(value)
    if not isinstance(value, str):
        raise ValueError("must be a list: a JSON array, or one item per line")
    text = value.strip()
    if text.startswith("["):
        # A JSON array when it is one; otherwise the text is read line by line,
        # so an item such as "[P1] database" still works.
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return parsed
    return [line.strip() for line in text.splitlines() if line.strip()]


CONVERTERS: dict[str, Callable[[Any, VarSpec], Any]] = {
    "text": _to_text,
    "multiline": _to_text,
    "int": _to_int,
    "float": _to_float,
    "bool": _to_bool,
    "choice": _to_choice,
    "date": _to_date,
    "datetime": _to_datetime,
    "url": _to_url,
    "dialog": _to_dialog,
    "user": _to_user,
    "list": _to_list,
}

_EMPTY: dict[str, Any] = {"text": "", "multiline": "", "list": [], "bool": False}

# Used by templates check, tests and the demo when a variable has no sample.
_PLACEHOLDER: dict[str, Any] = {
    "multiline": "First line\nSecond line",
    "int": 1,
    "float": 1.5,
    "bool": True,
    "date": "2025-03-14",
    "datetime": "2025-03-14T09:30",
    "url": "https://example.com/",
    "dialog": "chat1",
    "user": 1,
    "list": ["First item", "Second item"],
}


def convert(spec: VarSpec, value: Any) -> Any:
    """Convert one non-blank value to the spec's type; ValueError carries the sentence."""
    return CONVERTERS[spec.type](value, spec)


def empty_value(spec: VarSpec) -> Any:
    """What an optional, unguarded variable holds when left blank."""
    empty = _EMPTY.get(spec.type)
    return list(empty) if isinstance(empty, list) else empty


def sample_value(spec: VarSpec) -> Any:
    """The value used for checks and demos: sample, else default, else a typed placeholder."""
    if spec.sample is not None:
        return spec.sample
    if spec.default is not None:
        return spec.default
    if spec.type == "choice" and spec.choices:
        return spec.choices[0]
    return _PLACEHOLDER.get(spec.type, spec.title)


def parse_values(template: Template, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Typed values for every variable of ``template`` from form/CLI input.

    Blank input falls back to the default; a blank required variable is an
    error; a blank optional one is left out when the template guards it
    (``|default``, ``is defined``) and is the empty value of its type otherwise.
    Keys that are not variables of the template are dropped. All problems are
    collected and raised together as FieldErrors({name: sentence}).
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for spec in template.variables:
        value = raw.get(spec.name)
        if is_blank(value):
            value = spec.default
        if is_blank(value):
            if spec.required:
                errors[spec.name] = "is required"
            elif not spec.guarded:
                values[spec.name] = empty_value(spec)
            continue
        try:
            values[spec.name] = convert(spec, value)
        except ValueError as exc:
            errors[spec.name] = str(exc)
    if errors:
        raise FieldErrors(errors, template=template.name)
    return values


def sample_values(template: Template, *, required_only: bool = False) -> dict[str, Any]:
    """Raw sample values for every variable (or only the required ones).

    An undeclared variable that the template guards (``|default``) gets no
    sample, so the template's own fallback shows.
    """
    return {
        spec.name: sample_value(spec)
        for spec in template.variables
        if (spec.required or not required_only) and (spec.declared or not spec.guarded)
    }
