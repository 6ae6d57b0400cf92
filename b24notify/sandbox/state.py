"""Everything a running sandbox portal knows: messages, tokens, limits, faults and counters.

One ``SandboxState`` per portal, exposed as ``app.state.sandbox``. Handlers
run on the server's event loop; a lock keeps reads from other threads (tests,
the runner) consistent.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from b24notify.sandbox.config import SandboxBot, SandboxConfig
from b24notify.sandbox.faults import FaultPlan
from b24notify.sandbox.limits import Clock, LeakyBucket, OperatingMeter
from b24notify.sandbox.messages import StoredMessage
from b24notify.sandbox.oauth import TokenStore
from b24notify.sandbox.store import Saved, StateFile

FIRST_MESSAGE_ID = 1001


@dataclass
class Stats:
    """Counters shown by ``GET /sandbox/stats``."""

    requests: int = 0
    # HTTP requests per method (they add up to ``requests``) and the commands run in batches.
    by_method: Counter[str] = field(default_factory=Counter)
    batch_commands: Counter[str] = field(default_factory=Counter)
    rejected_by_limit: int = 0
    operating_rejections: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    oauth_refreshes: int = 0


class SandboxState:
    """The portal's memory (optionally backed by a SQLite state file)."""

    def __init__(self, config: SandboxConfig, clock: Clock | None = None) -> None:
        self.config = config.checked()
        self.clock: Clock = clock or time.time
        self.lock = threading.RLock()
        self.stats = Stats()
        self.bucket = LeakyBucket(config.drain, config.burst, self.clock)
        self.meter = OperatingMeter(config.operating_budget, self.clock, cost=config.operating_cost)
        self.faults = FaultPlan(config.faults)
        # Set when the server shuts down, so hanging requests give up at once.
        self.stopping = threading.Event()
        self._file = StateFile(config.state_file) if config.state_file else None
        saved = self._file.load() if self._file else Saved()
        self._messages: dict[int, StoredMessage] = {m.id: m for m in saved.messages}
        self.next_id = max([saved.next_id or FIRST_MESSAGE_ID, *(m + 1 for m in self._messages)])
        self.tokens = TokenStore(
            config,
            self.clock,
            access=saved.access,
            refresh=saved.refresh,
            on_change=self._file.save_tokens if self._file else None,
        )

    @property
    def bots(self) -> list[SandboxBot]:
        return self.config.bots

    def bot(self, bot_id: int) -> SandboxBot | None:
        return next((b for b in self.config.bots if b.id == bot_id), None)

    def add_message(self, **fields: Any) -> StoredMessage:
        """Store a new message under the next id."""
        with self.lock:
            message = StoredMessage(id=self.next_id, created_at=self.clock(), **fields)
            self.next_id += 1
            self._messages[message.id] = message
            self.save(message)
            return message

    def message(self, message_id: int) -> StoredMessage | None:
        with self.lock:
            return self._messages.get(message_id)

    def save(self, message: StoredMessage) -> None:
        """Persist a new or changed message (no-op without a state file)."""
        if self._file is not None:
            self._file.save_message(message, self.next_id)

    def messages(self) -> list[StoredMessage]:
        with self.lock:
            return list(self._messages.values())

    def messages_json(
        self,
        *,
        dialog_id: str | None = None,
        bot_id: int | None = None,
        since_id: int | None = None,
        include_deleted: bool = True,
    ) -> list[dict[str, Any]]:
        """The ``/sandbox/messages`` list, oldest first, optionally filtered."""
        return [
            m.to_json()
            for m in self.messages()
            if (dialog_id is None or m.dialog_id == dialog_id)
            and (bot_id is None or m.bot_id == bot_id)
            and (since_id is None or m.id > since_id)
            and (include_deleted or not m.deleted)
        ]

    def stats_json(self) -> dict[str, Any]:
        with self.lock:
            s = self.stats
            return {
                "requests": s.requests,
                "by_method": dict(s.by_method),
                "batch_commands": dict(s.batch_commands),
                "rejected_by_limit": s.rejected_by_limit,
                "operating_rejections": s.operating_rejections,
                "faults": dict(s.faults),
                "errors": dict(s.errors),
                "oauth_refreshes": s.oauth_refreshes,
                "messages": len(self._messages),
                "bucket": {
                    "level": round(self.bucket.level(), 6),
                    "drain": self.bucket.drain,
                    "burst": self.bucket.burst,
                },
            }

    def reset(self) -> None:
        """Forget messages, counters, limit usage and queued faults (ids keep increasing).

        Tokens survive so connected clients stay signed in.
        """
        with self.lock:
            self._messages.clear()
            if self._file is not None:
                self._file.clear_messages()
            self.stats = Stats()
            self.bucket.reset()
            self.meter.reset()
            self.faults.queue.clear()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
