"""Bitrix24 BB-code: a tolerant parser (text → tree), plain text, lint, and escaping.

One parser serves the validator, the chat preview and the sandbox's inbox.
``parse`` never raises: unknown tags and stray closers stay text, a tag with
no closer is kept with ``closed=False``. It is a single left-to-right scan
(one regex search per markup candidate), fast enough to run on every keystroke.

Recognised (case-insensitive, bitrix24-api.md §5): ``[b] [i] [u] [s]``,
``[size=N]``, ``[color=#hex]``, ``[url]`` / ``[url=…]``, ``[user=…]``,
``[chat=…]``, ``[context=…]``, ``[code]`` (contents kept raw),
``[img size=…]URL [/img]`` (contents kept raw), ``[put=…]``, ``[send=…]``,
``[call]`` / ``[call=…]``; self-contained ``[icon=URL size= title= width=
height=]``, ``[timestamp=UNIX format=…]``, ``[disk=ID]``; ``[br]`` and ``#BR#``
as :class:`LineBreak`; a line starting ``>>`` as :class:`QuoteLine`; and the
"full quote" block between two lines of at least ten dashes, whose first line
may be an ``Author [date]`` header, as a :class:`Tag` named ``quote``.

Escaping (``escape``) keeps text looking the same to a reader while making
every markup trigger inert: a zero-width space (U+200B) goes right after each
``[`` (so ``[b]`` can no longer open a tag), inside ``#BR#`` (``#\u200bBR#``,
any letter case kept), between the two ``>`` of a ``>>`` at a line start (no
quote line) and after the first ``-`` of a line that starts with ``--`` (no
full-quote delimiter). Escaping is idempotent, and text after ``[`` + U+200B
is never a tag.

``lint`` reports what the portal silently drops or changes as warnings; each
problem's ``path`` is the path given, and the message names the line and
column (1-based) of the construct.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from b24notify.core.models import Problem

ZWSP = "\u200b"

#: Tags nested deeper than this stay text, so recursive renderers stay safe.
MAX_DEPTH = 48

#: Dash lines of at least this length delimit a "full quote" block.
QUOTE_DASHES = 10


@dataclass
class Text:
    """Plain text (may contain ``\\n``); ``start`` is its offset in the source."""

    text: str
    start: int = field(default=0, compare=False)


@dataclass
class LineBreak:
    """An explicit break: ``[br]`` or ``#BR#``."""

    raw: str
    start: int = field(default=0, compare=False)


@dataclass
class Tag:
    """A tag and what it encloses.

    ``name`` is lower-case (``b``, ``url``, ``user``, ``img``, ``icon`` …).
    ``value`` is the part after ``=`` in the opening tag (``[url=X]`` → ``X``,
    ``[user=all]`` → ``all``), ``attrs`` the ``key=value`` pairs that follow
    (``[img size=small]`` → ``{"size": "small"}``). ``closed`` is False when no
    matching close tag was found (the tag then runs to the end of its parent).
    ``start``/``end`` are offsets of the whole construct in the source.
    Self-contained tags (``[icon=…]``) have ``closed=True`` and no children.

    ``raw`` is the source of the opening tag (``[url=X]``; for a ``quote``
    block its opening dash line and header) and ``close_raw`` that of the
    closing one (empty when there is none), so ``raw`` + children +
    ``close_raw`` gives the source back. Source positions and raw text are
    left out of ``==``.
    """

    name: str
    value: str | None = None
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)
    closed: bool = True
    raw: str = field(default="", compare=False)
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)
    close_raw: str = field(default="", compare=False)


@dataclass
class QuoteLine:
    """A line that starts with ``>>``: shown as a quote.

    ``raw`` is the marker with any indentation before it; the line's end
    (``\\n``) is not part of it.
    """

    children: list[Node] = field(default_factory=list)
    raw: str = field(default=">>", compare=False)
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


Node = Text | LineBreak | Tag | QuoteLine

# ---- tag table --------------------------------------------------------------------

# How the part after the name may look: "" nothing, "=" a value, "=?" an
# optional value, " " key=value attributes, "=+" a value then attributes.
_PAIRED: dict[str, str] = {
    "b": "",
    "i": "",
    "u": "",
    "s": "",
    "size": "=",
    "color": "=",
    "user": "=",
    "chat": "=",
    "context": "=",
    "put": "=",
    "send": "=",
    "url": "=?",
    "call": "=?",
}
# Contents are kept as one Text, never parsed (a URL, or code).
_RAW: dict[str, str] = {"code": "", "img": " "}
_SELF: dict[str, str] = {"icon": "=+", "timestamp": "=+", "disk": "=+"}
KNOWN_TAGS = frozenset([*_PAIRED, *_RAW, *_SELF, "br"])

# Every markup candidate. A tag name must follow "[" (or "[/") directly, which
# is why "[" + U+200B never opens a tag. re.M: "^" is a line start.
_SCAN = re.compile(
    r"(?P<tag>\[(?P<close>/)?(?P<name>[A-Za-z][A-Za-z0-9]*)(?P<rest>[= \t][^\[\]\n]*)?\])"
    r"|(?P<br>\#[Bb][Rr]\#)"
    r"|^(?:(?P<qline>[ \t]*>>)|(?P<dash>-{" + str(QUOTE_DASHES) + r",}[ \t\r]*)(?=\n|\Z))",
    re.M,
)
_DASH_LINE = re.compile(r"^-{" + str(QUOTE_DASHES) + r",}[ \t\r]*$", re.M)
_QUOTE_HEADER = re.compile(r"(?P<author>[^\n\[\]]*?\S)[ \t]*\[(?P<date>\d[^\]\n]*)\][ \t\r]*")
_ATTR_START = re.compile(r"([A-Za-z][\w-]*)=")
_CLOSERS: dict[str, re.Pattern[str]] = {
    name: re.compile(r"\[/" + name + r"\]", re.I) for name in _RAW
}


def parse_attrs(text: str) -> tuple[dict[str, str], list[str]]:
    """``key=value`` pairs (a value may hold spaces or be quoted) and any stray words.

    A word that does not start ``key=`` belongs to the value before it
    (``title=Hello world``); before the first pair it is stray (a space inside
    an icon URL). Keys are lower-cased; the first of a repeated key wins.
    """
    attrs: dict[str, str] = {}
    stray: list[str] = []
    key: str | None = None
    words: list[str] = []

    def done() -> None:
        if key is not None and key not in attrs:
            value = " ".join(words)
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            attrs[key] = value

    for word in text.split():
        m = _ATTR_START.match(word)
        if m:
            done()
            key, words = m.group(1).lower(), [word[m.end() :]]
        elif key is None:
            stray.append(word)
        else:
            words.append(word)
    done()
    return attrs, stray


def _value_and_tail(body: str) -> tuple[str, str]:
    """``URL size=20`` → (``URL``, ``size=20``): the value ends at the first space."""
    body = body.lstrip()
    for i, ch in enumerate(body):
        if ch.isspace():
            return body[:i], body[i:]
    return body, ""


def _opening(name: str, rest: str) -> tuple[str | None, dict[str, str]] | None:
    """The value and attrs of an opening tag, or None when it is not well-formed."""
    if name == "br":
        return (None, {}) if rest == "" else None
    shape = _PAIRED.get(name, _RAW.get(name, _SELF.get(name, "")))
    if rest == "":
        return (None, {}) if shape in ("", "=?", " ") else None
    if rest[0] == "=":
        if shape in ("=", "=?"):
            return rest[1:], {}
        if shape == "=+":
            value, tail = _value_and_tail(rest[1:])
            return value, parse_attrs(tail)[0]
        return None
    if shape == " ":
        return None, parse_attrs(rest)[0]
    return None


# ---- parser -----------------------------------------------------------------------


def parse(text: str) -> list[Node]:
    """The BB-code tree of ``text``; never raises."""
    return _Region(text, 0, len(text)).run()


class _Region:
    """One run of the scanner over ``text[start:end]`` with its own tag stack.

    Text is kept as a pending source span and cut once, when the next node
    (or a change of the open tag) needs it, so long runs of text that only
    looked like markup cost no repeated string building.
    """

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text = text
        self.pos = start
        self.end = end
        self.root: list[Node] = []
        self.stack: list[Tag] = []
        self.open_count: dict[str, int] = {}
        self.pending = -1  # start of text not yet cut into a Text node

    @property
    def out(self) -> list[Node]:
        return self.stack[-1].children if self.stack else self.root

    def flush(self, upto: int) -> None:
        if 0 <= self.pending < upto:
            self.out.append(Text(self.text[self.pending : upto], self.pending))
        self.pending = -1

    def keep_text(self, start: int) -> None:
        if self.pending < 0:
            self.pending = start

    def emit(self, node: Node, at: int) -> None:
        self.flush(at)
        self.out.append(node)

    def run(self) -> list[Node]:
        text, end = self.text, self.end
        while self.pos < end:
            m = _SCAN.search(text, self.pos, end)
            if m is None:
                break
            if m.start() > self.pos:
                self.keep_text(self.pos)
            kind = m.lastgroup
            if kind == "tag":
                taken = self.on_tag(m)
            elif kind == "br":
                self.emit(LineBreak(m.group(), m.start()), m.start())
                taken = m.end()
            elif kind == "qline":
                taken = self.on_quote_line(m)
            else:
                taken = self.on_dash(m)
            if taken is None:
                # Not markup after all: keep its first character as text and rescan
                # from the next, so "#BR#" inside an unknown "[x=#BR#]" is still found.
                self.keep_text(m.start())
                self.pos = m.start() + 1
            else:
                self.pos = taken
        if self.pos < end:
            self.keep_text(self.pos)
        self.flush(end)
        for tag in self.stack:
            tag.closed = False
            tag.end = end
        return self.root

    def on_tag(self, m: re.Match[str]) -> int | None:
        name = m.group("name").lower()
        if name not in KNOWN_TAGS:
            return None
        if m.group("close"):
            return self.on_close(name, m)
        opened = _opening(name, m.group("rest") or "")
        if opened is None:
            return None
        value, attrs = opened
        if name == "br":
            self.emit(LineBreak(m.group(), m.start()), m.start())
            return m.end()
        tag = Tag(name, value, attrs, raw=m.group(), start=m.start(), end=m.end())
        if name in _SELF:
            self.emit(tag, m.start())
            return m.end()
        if len(self.stack) >= MAX_DEPTH:
            return None
        if name in _RAW:
            closer = _CLOSERS[name].search(self.text, m.end(), self.end)
            stop = closer.start() if closer else self.end
            if stop > m.end():
                tag.children.append(Text(self.text[m.end() : stop], m.end()))
            self.emit(tag, m.start())
            if closer is None:
                tag.closed, tag.end = False, self.end
                return self.end
            tag.close_raw, tag.end = closer.group(), closer.end()
            return closer.end()
        self.emit(tag, m.start())
        self.stack.append(tag)
        self.open_count[name] = self.open_count.get(name, 0) + 1
        return m.end()

    def on_close(self, name: str, m: re.Match[str]) -> int | None:
        if m.group("rest") or not self.open_count.get(name):
            return None  # a stray closer stays text
        self.flush(m.start())
        while self.stack:
            tag = self.stack.pop()
            self.open_count[tag.name] -= 1
            if tag.name == name:
                tag.close_raw, tag.end = m.group(), m.end()
                return m.end()
            tag.closed, tag.end = False, m.start()
        return m.end()  # pragma: no cover - open_count guarantees a match

    def on_quote_line(self, m: re.Match[str]) -> int:
        line_end = self.text.find("\n", m.end(), self.end)
        if line_end < 0:
            line_end = self.end
        quote = QuoteLine(raw=m.group(), start=m.start(), end=line_end)
        quote.children = _Region(self.text, m.end(), line_end).run()
        self.emit(quote, m.start())
        return line_end

    def on_dash(self, m: re.Match[str]) -> int | None:
        text = self.text
        closer = _DASH_LINE.search(text, m.end(), self.end)
        if closer is None or m.end() >= self.end:
            return None
        body_start = m.end() + 1  # after the newline ending the opening dash line
        body_end = max(body_start, closer.start() - 1)
        quote = Tag("quote", start=m.start(), end=closer.end())
        header_end = text.find("\n", body_start, body_end)
        header_end = body_end if header_end < 0 else header_end
        header = _QUOTE_HEADER.fullmatch(text, body_start, header_end)
        if header:
            quote.attrs = {"author": header.group("author").strip(), "date": header.group("date")}
            body_start = min(header_end + 1, body_end)
        quote.raw = text[m.start() : body_start]
        quote.children = _Region(text, body_start, body_end).run()
        quote.close_raw = text[body_end : closer.end()]
        self.emit(quote, m.start())
        return closer.end()


# ---- reading a tree ---------------------------------------------------------------


def walk(nodes: Sequence[Node]) -> Iterator[Node]:
    """Every node of the tree, depth first, in source order."""
    todo: list[Iterator[Node]] = [iter(nodes)]
    while todo:
        node = next(todo[-1], None)
        if node is None:
            todo.pop()
            continue
        yield node
        if isinstance(node, Tag | QuoteLine) and node.children:
            todo.append(iter(node.children))


def unparse(nodes: Sequence[Node]) -> str:
    """The source text of a tree: ``unparse(parse(x)) == x`` for every ``x``."""
    parts: list[str] = []
    _unparse(nodes, parts)
    return "".join(parts)


def _unparse(nodes: Sequence[Node], parts: list[str]) -> None:
    for node in nodes:
        if isinstance(node, Text):
            parts.append(node.text)
        elif isinstance(node, LineBreak):
            parts.append(node.raw)
        elif isinstance(node, QuoteLine):
            parts.append(node.raw)
            _unparse(node.children, parts)
        else:
            parts.append(node.raw)
            _unparse(node.children, parts)
            parts.append(node.close_raw)


def plain_text(nodes: Sequence[Node]) -> str:
    """The text as a reader sees it, without markup (for previews, search, history).

    Tags give their visible text (a link its label, ``[img]`` its URL, an
    icon its title); an unclosed tag shows as written, as the chat does;
    zero-width spaces are dropped.
    """
    parts: list[str] = []
    _plain(nodes, parts)
    return "".join(parts).replace(ZWSP, "")


def _plain(nodes: Sequence[Node], parts: list[str]) -> None:
    for node in nodes:
        if isinstance(node, Text):
            parts.append(node.text)
        elif isinstance(node, LineBreak):
            parts.append("\n")
        elif isinstance(node, QuoteLine):
            _plain(node.children, parts)
        elif not node.closed:
            parts.append(node.raw)
            _plain(node.children, parts)
        elif node.name == "img":
            parts.append("".join(c.text for c in node.children if isinstance(c, Text)).strip())
        elif node.name == "icon":
            parts.append(node.attrs.get("title", ""))
        elif node.name == "timestamp":
            parts.append(_timestamp_text(node.value))
        elif node.name == "disk":
            parts.append(f"(file {node.value})")
        elif node.name == "quote" and node.attrs.get("author"):
            parts.append(f"{node.attrs['author']} [{node.attrs.get('date', '')}]\n")
            _plain(node.children, parts)
        elif node.name == "call" and not node.children and node.value:
            parts.append(node.value)
        else:
            inner = len(parts)
            _plain(node.children, parts)
            if node.name == "url" and len(parts) == inner and node.value:
                parts.append(node.value)


def _timestamp_text(value: str | None) -> str:
    from datetime import UTC, datetime

    try:
        return datetime.fromtimestamp(int(str(value)), UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (ValueError, OverflowError, OSError):
        return str(value or "")


# ---- lint -------------------------------------------------------------------------

_HEX_COLOR = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?")
_LINK = re.compile(r"(?:/|https?://)", re.I)
_STRAY = re.compile(r"\[/(" + "|".join(sorted(KNOWN_TAGS)) + r")\]", re.I)
_IMG_SIZES = ("small", "medium", "large")


def lint(text: str, path: str) -> list[Problem]:
    """Warnings for markup the portal silently drops or changes, in source order.

    Each problem carries ``path`` as given; its message ends with the line and
    column (1-based) of the construct within ``text``.
    """
    from bisect import bisect_right

    from b24notify.core.models import Problem

    found: list[tuple[int, str, str]] = []
    raw_texts: set[int] = set()  # contents of [code] / [img]: never markup
    for node in walk(parse(text)):
        if isinstance(node, Tag):
            if node.name in _RAW:
                raw_texts.update(id(child) for child in node.children)
            found.extend((node.start, code, msg) for code, msg in _tag_problems(node))
        elif isinstance(node, Text) and id(node) not in raw_texts:
            for m in _STRAY.finditer(node.text):
                found.append((node.start + m.start(), "W_BB_STRAY_CLOSE", _stray_message(m)))
    if not found:
        return []
    newlines = [i for i, ch in enumerate(text) if ch == "\n"] if "\n" in text else []
    problems: list[Problem] = []
    for offset, code, message in sorted(found, key=lambda item: item[0]):
        line = bisect_right(newlines, offset - 1)
        column = offset - (newlines[line - 1] + 1 if line else 0) + 1
        where = f" (line {line + 1}, column {column})."
        problems.append(Problem(code, path, message + where, "warning"))
    return problems


def _stray_message(m: re.Match[str]) -> str:
    name = m.group(1).lower()
    if name in _SELF or name == "br":
        return f"{m.group()} is shown as text: [{name}] takes no closing tag"
    return f"{m.group()} is shown as text: there is no open [{name}] for it to close"


def _tag_problems(tag: Tag) -> list[tuple[str, str]]:
    """(code, message) pairs for one tag; the caller appends the position."""
    shown = tag.raw if len(tag.raw) <= 40 else tag.raw[:39] + "…"
    out: list[tuple[str, str]] = []
    if not tag.closed:
        out.append(
            (
                "W_BB_UNCLOSED",
                f"{shown} is never closed with [/{tag.name}], so the chat shows it as text",
            )
        )
    name, value = tag.name, (tag.value or "").strip()
    if name == "size":
        if not (value.isascii() and value.isdigit() and 8 <= int(value) <= 30):
            out.append(("W_BB_SIZE", f"{shown} is ignored: the size must be a number from 8 to 30"))
    elif name == "color":
        if not _HEX_COLOR.fullmatch(value):
            out.append(("W_BB_COLOR", f"{shown} is ignored: the colour must be #RGB or #RRGGBB"))
    elif name == "user":
        if not ((value.isascii() and value.isdigit()) or value.lower() == "all"):
            out.append(("W_BB_USER", f"{shown} mentions nobody: use a numeric user id or all"))
    elif name == "url":
        link = value if tag.value is not None else plain_text(tag.children).strip()
        if not _LINK.match(link):
            out.append(("W_BB_LINK", _link_message(shown, link)))
    elif name == "img":
        out.extend(_img_problems(tag, shown))
    elif name == "icon":
        _, tail = _value_and_tail(tag.raw[tag.raw.find("=") + 1 : -1])
        if parse_attrs(tail)[1]:
            out.append(("W_BB_ICON", f"{shown} has a space in its URL; an icon URL must have none"))
        if not _LINK.match(value):
            out.append(("W_BB_LINK", _link_message(shown, value)))
    return out


def _img_problems(tag: Tag, shown: str) -> list[tuple[str, str]]:
    body = "".join(child.text for child in tag.children if isinstance(child, Text))
    out: list[tuple[str, str]] = []
    size = tag.attrs.get("size")
    if size is None:
        out.append(("W_BB_IMG", f"{shown} has no size=small|medium|large, so it is not shown"))
    elif size.lower() not in _IMG_SIZES:
        out.append(("W_BB_IMG", f"{shown} has size={size}; use small, medium or large"))
    if tag.closed and not body.endswith(" "):
        out.append(("W_BB_IMG", f"{shown} needs a space before [/img], or it is not shown"))
    if not _LINK.match(body.strip()):
        out.append(("W_BB_LINK", _link_message(shown, body.strip())))
    return out


def _link_message(shown: str, link: str) -> str:
    if not link:
        return f"{shown} has no link"
    if len(link) > 60:
        link = link[:59] + "…"
    return f"{shown} links to {link!r}, which is not http(s):// or /relative, so it is dropped"


# ---- escaping ---------------------------------------------------------------------

_ESC_BRACKET = re.compile(r"\[(?!\u200b)")
_ESC_BR = re.compile(r"#(?=br#)", re.I)
_ESC_QUOTE = re.compile(r"^(\s*)>>", re.M)
_ESC_DASH = re.compile(r"^(\s*)-(?=-)", re.M)


def escape(text: str) -> str:
    """Make untrusted text inert as BB-code while keeping its look (see module doc)."""
    out = _ESC_BRACKET.sub("[" + ZWSP, text)
    out = _ESC_BR.sub("#" + ZWSP, out)
    out = _ESC_QUOTE.sub(lambda m: m.group(1) + ">" + ZWSP + ">", out)
    return _ESC_DASH.sub(lambda m: m.group(1) + "-" + ZWSP, out)
