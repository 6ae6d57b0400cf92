"""Bitrix24 BB-code: a tolerant parser (text → tree) and the escaping of untrusted text.

One parser serves the validator, the chat preview and the sandbox's inbox.

Escaping (``escape``) keeps text looking the same to a reader while making
every markup trigger inert: a zero-width space (U+200B) goes right after each
``[`` (so ``[b]`` can no longer open a tag), inside ``#BR#`` (``#\u200bBR#``)
and between the two ``>`` of a ``>>`` at a line start (no quote line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ZWSP = "\u200b"


@dataclass
class Text:
    """Plain text (may contain ``\\n``)."""

    text: str


@dataclass
class LineBreak:
    """An explicit break: ``[br]`` or ``#BR#``."""

    raw: str


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
    """

    name: str
    value: str | None = None
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)
    closed: bool = True
    raw: str = ""
    start: int = 0
    end: int = 0


@dataclass
class QuoteLine:
    """A line that starts with ``>>``: shown as a quote."""

    children: list[Node] = field(default_factory=list)


Node = Text | LineBreak | Tag | QuoteLine

_LINE_QUOTE = re.compile(r"(?m)^(\s*)>>")


def escape(text: str) -> str:
    """Make untrusted text inert as BB-code while keeping its look."""
    out = text.replace("[", "[" + ZWSP)
    out = re.sub(r"#BR#", "#" + ZWSP + "BR#", out, flags=re.IGNORECASE)
    return _LINE_QUOTE.sub(lambda m: m.group(1) + ">" + ZWSP + ">", out)
