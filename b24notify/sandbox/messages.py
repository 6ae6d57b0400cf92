"""A message the sandbox received, as the portal keeps it and as ``/sandbox/messages`` shows it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

Api = Literal["v1", "v2"]


def _yn(flag: bool) -> str:
    return "Y" if flag else "N"


@dataclass
class StoredMessage:
    """One chat message: who sent it where, the effective content and its life cycle.

    ``attach``/``keyboard``/``menu`` hold what the portal keeps after its
    silent drops (None when absent). ``extra`` keeps API-specific params
    (``FROM_USER_ID``/``TO_USER_ID``, ``replyId``). ``author_id`` is the bot,
    or 0 for v2 system messages (which the bot can no longer edit).
    """

    id: int
    bot_id: int
    dialog_id: str
    method: str
    api: Api
    message: str
    created_at: float
    attach: Any = None
    keyboard: Any = None
    menu: Any = None
    system: bool = False
    url_preview: bool = True
    skip_connector: bool = False
    author_id: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    updated_at: float | None = None
    deleted_at: float | None = None
    complete: bool = False

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    def fields(self) -> dict[str, Any]:
        """The content under the API's own parameter names (v1 UPPER_CASE, v2 camelCase)."""
        if self.api == "v1":
            out: dict[str, Any] = {"MESSAGE": self.message}
            for key, value in (("ATTACH", self.attach), ("KEYBOARD", self.keyboard)):
                if value is not None:
                    out[key] = value
            if self.menu is not None:
                out["MENU"] = self.menu
            out["SYSTEM"] = _yn(self.system)
            out["URL_PREVIEW"] = _yn(self.url_preview)
            out["SKIP_CONNECTOR"] = _yn(self.skip_connector)
        else:
            out = {"message": self.message}
            if self.attach is not None:
                out["attach"] = self.attach
            if self.keyboard is not None:
                out["keyboard"] = self.keyboard
            out["system"] = self.system
            out["urlPreview"] = self.url_preview
            out["skipConnector"] = self.skip_connector
        out.update(self.extra)
        return out

    def to_json(self) -> dict[str, Any]:
        """The ``/sandbox/messages`` entry."""
        return {
            "id": self.id,
            "bot_id": self.bot_id,
            "dialog_id": self.dialog_id,
            "method": self.method,
            "api": self.api,
            "fields": self.fields(),
            "message": self.message,
            "attach": self.attach,
            "keyboard": self.keyboard,
            "menu": self.menu,
            "system": self.system,
            "url_preview": self.url_preview,
            "skip_connector": self.skip_connector,
            "author_id": self.author_id,
            "time": datetime.fromtimestamp(self.created_at, tz=UTC).isoformat(),
            "created_at": self.created_at,
            "updated": self.updated_at is not None,
            "updated_at": self.updated_at,
            "deleted": self.deleted,
            "deleted_at": self.deleted_at,
            "complete": self.complete,
        }

    def to_record(self) -> dict[str, Any]:
        """Everything needed to restore the message (for the state file)."""
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> StoredMessage:
        return cls(**record)
