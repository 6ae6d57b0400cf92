"""What a method handler gets: the portal state, the caller, and a way to call other methods."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from b24notify.sandbox.auth import Caller
from b24notify.sandbox.state import SandboxState


@dataclass
class Outcome:
    """A successful call: its ``result`` and ``time`` object."""

    result: Any
    time: dict[str, Any]


@dataclass
class CallContext:
    """One call's surroundings; ``call`` runs another method as this caller (batch)."""

    state: SandboxState
    caller: Caller
    call: Callable[[str, dict[str, Any]], Outcome]
    in_batch: bool = False

    @property
    def webhook(self) -> bool:
        return self.caller.kind == "webhook"
