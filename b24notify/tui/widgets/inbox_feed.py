"""What the sandbox inbox knows: the messages fetched so far, newest first, and how to show a row.

Pure data over the ``GET /sandbox/messages`` entries (no widgets, no I/O):
the screen polls, feeds each answer in here, and redraws only when
``signature`` changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from b24notify.core.models import Rendered

COLUMNS = ("#", "Time", "Bot", "Dialog", "Method", "State")


class InboxFeed:
    """Messages by id; ``take`` merges an incremental answer or replaces with a full one."""

    def __init__(self) -> None:
        self.messages: dict[int, dict[str, Any]] = {}

    @property
    def last_id(self) -> int | None:
        return max(self.messages) if self.messages else None

    def take(self, entries: Iterable[Mapping[str, Any]], *, full: bool) -> list[int]:
        """Merge entries (``full``: they are all there is); returns the ids that are new."""
        fresh: dict[int, dict[str, Any]] = {}
        for entry in entries:
            try:
                fresh[int(entry["id"])] = dict(entry)
            except (KeyError, TypeError, ValueError):
                continue  # not a message the sandbox would send; skip it
        new = [i for i in fresh if i not in self.messages]
        if full:
            self.messages = fresh
        else:
            self.messages.update(fresh)
        return sorted(new)

    def newest_first(self) -> list[dict[str, Any]]:
        return [self.messages[i] for i in sorted(self.messages, reverse=True)]

    def signature(self) -> tuple[tuple[int, Any, bool], ...]:
        """Changes whenever a row would look different (new, edited, deleted)."""
        return tuple(
            (i, m.get("updated_at"), bool(m.get("deleted")))
            for i, m in sorted(self.messages.items())
        )

    def get(self, message_id: int | None) -> dict[str, Any] | None:
        return self.messages.get(message_id) if message_id is not None else None


def state_of(message: Mapping[str, Any]) -> str:
    if message.get("deleted"):
        return "deleted"
    if message.get("updated"):
        return "edited"
    return "new"


def clock(message: Mapping[str, Any]) -> str:
    """Local time of day the sandbox received the message (date too when not today)."""
    stamp = message.get("created_at")
    if not isinstance(stamp, int | float):
        return str(message.get("time", ""))[:19]
    when = datetime.fromtimestamp(stamp)
    if when.date() == datetime.now().date():
        return when.strftime("%H:%M:%S")
    return when.strftime("%Y-%m-%d %H:%M")


def row(message: Mapping[str, Any], bot_names: Mapping[int, str] | None = None) -> tuple[str, ...]:
    """The table cells of one message."""
    bot = message.get("bot_id")
    name = (bot_names or {}).get(bot) if isinstance(bot, int) else None
    return (
        str(message.get("id", "")),
        clock(message),
        f"{bot} {name}" if name else str(bot),
        str(message.get("dialog_id", "")),
        str(message.get("method", "")),
        state_of(message),
    )


def rendered(message: Mapping[str, Any]) -> Rendered:
    """The stored MESSAGE / ATTACH / KEYBOARD / MENU as the chat preview takes them."""
    return Rendered(
        message=str(message.get("message") or ""),
        attach=message.get("attach"),
        keyboard=message.get("keyboard"),
        menu=message.get("menu"),
    )


def sender(message: Mapping[str, Any], bot_names: Mapping[int, str] | None = None) -> str:
    """The chat header: which bot wrote to which dialog, and whether it was edited since."""
    bot = message.get("bot_id")
    name = (bot_names or {}).get(bot) if isinstance(bot, int) else None
    who = f"{name} (#{bot})" if name else f"Bot #{bot}"
    text = f"{who} → {message.get('dialog_id', '?')}"
    if message.get("updated"):
        text += " · edited"
    return text
