"""Plain data shared across the core: problems, send options, rendered drafts.

Kept dependency-free so every core module (and the sandbox) can import it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]
ApiVersion = Literal["v1", "v2"]
SendStatus = Literal["pending", "sent", "failed", "unknown"]

V1_SEND = "imbot.message.add"
V2_SEND = "imbot.v2.Chat.Message.send"


@dataclass(frozen=True)
class Problem:
    """One finding of the validator.

    ``code`` is the portal's own error code where the portal would reject
    (``MESSAGE_EMPTY``, ``ATTACH_ERROR`` …) or a ``W_…`` code for warnings about
    what the portal silently drops or changes. ``path`` points into the params
    (``ATTACH.BLOCKS[2].GRID[0].DISPLAY``); ``message`` is one human sentence.
    """

    code: str
    path: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.code} {self.path}: {self.message}"


@dataclass
class SendOptions:
    """Where and how a message goes (not what it says)."""

    dialog_id: str | None = None
    bot_id: int | None = None
    system: bool = False
    url_preview: bool = True
    skip_connector: bool = False
    # v1 only: when both are > 0 the portal ignores DIALOG_ID and forces SYSTEM=Y.
    from_user_id: int | None = None
    to_user_id: int | None = None
    # v2 only: reply to a message id.
    reply_id: int | None = None


@dataclass
class Rendered:
    """A template rendered with values: the message text and parsed JSON parts.

    ``attach``/``keyboard``/``menu`` hold the parsed JSON (any of the accepted
    root forms) or ``None`` when the template has no such part.
    """

    message: str
    attach: Any = None
    keyboard: Any = None
    menu: Any = None


@dataclass
class Draft:
    """A template plus filled values plus send options, not yet sent."""

    template: str
    values: dict[str, Any] = field(default_factory=dict)
    options: SendOptions = field(default_factory=SendOptions)
    # The API version the draft was sent with, when it comes back from history:
    # the UI selects it. None: the profile's (or the caller's) choice. Sends
    # and previews still take the API from their ``api`` argument.
    api: ApiVersion | None = None
