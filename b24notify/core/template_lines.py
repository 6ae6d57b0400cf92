"""Where each key and value of a TOML document sits: a small scanner that knows TOML's syntax.

tomllib gives values but no positions, and matching lines with regexes goes
wrong as soon as a multi-line string, a spanning array or a comment holds
something that looks like a key or a table header. This scanner walks the
document token by token (strings with their escapes and closing quote runs,
arrays, inline tables, comments, ``[table]`` and ``[[array]]`` headers,
quoted and dotted keys) and records, for every key path, the offset of the
key and the span of its value. Lines are counted on ``\\n`` only, as TOML and
the editor count them (``str.splitlines`` also breaks on U+2028 and friends,
which TOML strings may hold).

Key paths are tuples: table and key names as ``str``, positions in arrays
(including arrays of tables) as ``int``: ``("vars", "ticket", "type")``,
``("variables", 0, "name")``, ``("tags", 2)``.

The scanner never raises: on text that is not valid TOML it records what it
could and stops at the end of the text.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

KeyPath = tuple[str | int, ...]

_BLANK = re.compile(r"(?:[ \t\r\n]|#[^\n]*)*")
_SPACE = re.compile(r"[ \t]*")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_BASIC = re.compile(r'"(?:[^"\\\r\n]|\\[^\r\n])*"?')
_LITERAL = re.compile(r"'[^'\r\n]*'?")
# Content, then the closing run: a run of four or five quotes ends the string
# with one or two quotes of content, as TOML says. (No possessive quantifiers:
# some Python 3.11 releases, 3.11.2 among them, match them wrongly in a loop.)
_ML_BASIC = re.compile(r'"""(?:[^"\\]|\\.?|"(?!""))*(?:"{3,5}|\Z)', re.S)
_ML_LITERAL = re.compile(r"'''(?:[^']|'(?!''))*(?:'{3,5}|\Z)", re.S)
_SCALAR = re.compile(r"[^,\]}#\r\n]+")
_REST_OF_LINE = re.compile(r"[^\n]*")
# Inside a multi-line basic string: a line-ending backslash (trimmed with all
# whitespace after it), an escape that is a newline, any other escape, or a raw newline.
_CONTINUATION = re.compile(r"\\[ \t]*\r?\n[ \t\r\n]*")
_ML_BASIC_BREAKS = re.compile(r"\\[ \t]*\r?\n[ \t\r\n]*|\\u000[aA]|\\U0000000[aA]|\\.|\n", re.S)
_NEWLINE = re.compile("\n")
_NEW_LINE_TOKENS = frozenset({"\n", "\\n", "\\u000a", "\\u000A", "\\U0000000a", "\\U0000000A"})


@dataclass(frozen=True, slots=True)
class Spot:
    """Where one key path sits: the key's offset and its value's span (None for tables)."""

    key: int
    value: tuple[int, int] | None
    explicit: bool


class _Scanner:
    """One pass over a TOML text, filling ``spots`` with the first place of every key path."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 1 if text.startswith("\ufeff") else 0
        self.spots: dict[KeyPath, Spot] = {}
        # Arrays of tables seen so far: path -> index of their last element.
        self.arrays: dict[KeyPath, int] = {}

    def run(self) -> dict[KeyPath, Spot]:
        table: KeyPath = ()
        text = self.text
        while True:
            self.skip(_BLANK)
            if self.pos >= len(text):
                return self.spots
            if text[self.pos] == "[":
                table = self.header(table)
            else:
                self.pair(table)
            # Anything left on the line after a statement is a comment (or junk).
            self.skip(_SPACE)
            if self.pos < len(text) and text[self.pos] not in "\r\n":
                self.skip(_REST_OF_LINE)

    def skip(self, pattern: re.Pattern[str]) -> str:
        found = pattern.match(self.text, self.pos)
        if found is None:
            return ""
        self.pos = found.end()
        return found.group()

    def record(
        self, path: KeyPath, key: int, value: tuple[int, int] | None = None, explicit: bool = True
    ) -> None:
        # The first mention wins, except that a path's own definition beats an
        # earlier mention as a prefix ([a.b.c] before [a.b]).
        known = self.spots.get(path)
        if known is None or (explicit and not known.explicit):
            self.spots[path] = Spot(key, value, explicit)

    def header(self, table: KeyPath) -> KeyPath:
        start = self.pos
        double = self.text.startswith("[[", start)
        self.pos += 2 if double else 1
        parts = self.key()
        if not parts:
            return table
        self.skip(_SPACE)
        closing = "]]" if double else "]"
        if self.text.startswith(closing, self.pos):
            self.pos += len(closing)
        path: KeyPath = ()
        for number, part in enumerate(parts, start=1):
            path += (part,)
            last = number == len(parts)
            if last and double:
                index = self.arrays.get(path, -1) + 1
                self.arrays[path] = index
                self.record(path, start)
                path += (index,)
            elif path in self.arrays:
                # [a.b] after [[a]] belongs to a's last element.
                path += (self.arrays[path],)
            self.record(path, start, explicit=last)
        return path

    def pair(self, table: KeyPath) -> bool:
        """One ``key = value`` in ``table``; False (having moved on) when there is none."""
        start = self.pos
        parts = self.key()
        if not parts:
            self.pos = max(self.pos, start + 1)
            return False
        self.skip(_SPACE)
        if not self.text.startswith("=", self.pos):
            return False
        self.pos += 1
        self.skip(_SPACE)
        path = table
        for part in parts[:-1]:
            path += (part,)
            self.record(path, start, explicit=False)
        path += (parts[-1],)
        begin = self.pos
        self.value(path)
        self.record(path, start, (begin, self.pos))
        return True

    def key(self) -> list[str]:
        """A bare, quoted or dotted key; empty when there is no key here."""
        parts: list[str] = []
        text = self.text
        while True:
            self.skip(_SPACE)
            if self.pos >= len(text):
                return parts
            char = text[self.pos]
            if char == '"':
                parts.append(_basic_key(self.skip(_BASIC)))
            elif char == "'":
                parts.append(self.skip(_LITERAL)[1:-1])
            else:
                bare = self.skip(_BARE_KEY)
                if not bare:
                    return parts
                parts.append(bare)
            self.skip(_SPACE)
            if not text.startswith(".", self.pos):
                return parts
            self.pos += 1

    def value(self, path: KeyPath) -> None:
        text = self.text
        start = self.pos
        if start >= len(text):
            return
        char = text[start]
        if char == '"':
            self.skip(_ML_BASIC if text.startswith('"""', start) else _BASIC)
        elif char == "'":
            self.skip(_ML_LITERAL if text.startswith("'''", start) else _LITERAL)
        elif char == "[":
            self.array(path)
        elif char == "{":
            self.inline_table(path)
        else:
            self.skip(_SCALAR)
        if self.pos == start:
            self.pos += 1  # junk (a string cut short by the end of the text): move on

    def array(self, path: KeyPath) -> None:
        index = 0

        def element() -> None:
            nonlocal index
            start = self.pos
            item = (*path, index)
            self.value(item)
            self.record(item, start, (start, self.pos))
            index += 1

        self.items("]", element)

    def inline_table(self, path: KeyPath) -> None:
        # Newlines are not TOML 1.0 here, but TOML 1.1 allows them: accept both.
        self.items("}", lambda: self.pair(path))

    def items(self, closer: str, item: Callable[[], object]) -> None:
        """From an opening bracket to ``closer``: ``item`` at each element, commas skipped."""
        self.pos += 1
        text = self.text
        while True:
            self.skip(_BLANK)
            if self.pos >= len(text):
                return
            char = text[self.pos]
            if char == closer:
                self.pos += 1
                return
            if char == ",":
                self.pos += 1
                continue
            item()


def _basic_key(token: str) -> str:
    """The text of a quoted key such as ``"a\\u0062"`` (escapes decoded as TOML does)."""
    if "\\" not in token:
        return token[1:-1]
    import tomllib

    try:
        decoded = tomllib.loads(f"k = {token}")["k"]
    except tomllib.TOMLDecodeError:
        return token[1:-1]
    return str(decoded)


@lru_cache(maxsize=16)
def _scan(text: str) -> tuple[Mapping[KeyPath, Spot], tuple[int, ...]]:
    newlines = tuple(found.start() for found in re.finditer("\n", text))
    return _Scanner(text).run(), newlines


def _line(newlines: tuple[int, ...], offset: int) -> int:
    return bisect_left(newlines, offset) + 1


def as_path(key: str | Sequence[str | int]) -> KeyPath:
    """A key path from a dotted key (``"vars.ticket.type"``) or a sequence of parts."""
    if isinstance(key, str):
        return tuple(key.split("."))
    return tuple(key)


def _find(spots: Mapping[KeyPath, Spot], path: KeyPath) -> Spot | None:
    found = spots.get(path)
    if found is None and any(isinstance(p, str) and p.isdigit() for p in path):
        # "variables.0.name": digits in a dotted key may name an array position.
        as_index = tuple(int(p) if isinstance(p, str) and p.isdigit() else p for p in path)
        found = spots.get(as_index)
    return found


def spots(text: str) -> Mapping[KeyPath, Spot]:
    """Every key path of ``text`` with where it sits (first mention; a definition wins)."""
    return _scan(text)[0]


def key_lines(text: str) -> dict[KeyPath, int]:
    """The 1-based line of every key path of ``text`` (tables: their header's line)."""
    found, newlines = _scan(text)
    return {path: _line(newlines, spot.key) for path, spot in found.items()}


def key_line(text: str, key: str | Sequence[str | int]) -> int | None:
    """The 1-based line where a key (``"vars.ticket.type"``) or table starts; None if absent.

    A key defined by a ``[table]`` or ``[[array]]`` header points at that
    header; a key only mentioned inside a longer one (``a`` in ``a.b = 1`` or
    ``[a.b]``) points at its first mention.
    """
    found, newlines = _scan(text)
    spot = _find(found, as_path(key))
    return None if spot is None else _line(newlines, spot.key)


def value_line(text: str, key: str | Sequence[str | int], line: int = 1) -> int | None:
    """The file line holding line ``line`` (1-based) of a key's value; None if the key is absent.

    For a multi-line string this follows TOML: the newline right after the
    opening delimiter is not part of the string, a line-ending backslash
    joins lines, and a ``\\n`` escape starts a new line without a new file
    line. A ``line`` past the string's end gives the line where it ends;
    values that are not strings give the line where the value starts.
    """
    found, newlines = _scan(text)
    spot = _find(found, as_path(key))
    if spot is None:
        return None
    if spot.value is None:
        return _line(newlines, spot.key)
    start, end = spot.value
    opener = text[start : start + 3]
    if opener not in ('"""', "'''"):
        return _line(newlines, start)
    body = start + 3
    if text.startswith("\r\n", body):
        body += 2
    elif text.startswith("\n", body):
        body += 1
    basic = opener == '"""'
    # The closing delimiter is the last three characters (when it is there at all).
    stop = max(body, end - 3)
    at = body
    wanted = line - 1
    if wanted > 0:
        breaks = _ML_BASIC_BREAKS if basic else _NEWLINE
        for found_break in breaks.finditer(text, body, stop):
            if found_break.group() in _NEW_LINE_TOKENS:
                at = found_break.end()
                wanted -= 1
                if wanted == 0:
                    break
    if basic:
        # A line that opens with line-ending backslashes shows its text after the trims
        # (one trim stops at the next backslash, which may end its line too).
        while (trimmed := _CONTINUATION.match(text, at, stop)) is not None:
            at = trimmed.end()
    return _line(newlines, at)
