"""Settings of a sandbox portal: its bots, credentials, limits and injected faults.

Everything here is plain data with defaults that match a standard-plan
Bitrix24 portal (2 requests/s drain, burst 50, 480 s operating budget per
method per 10 minutes). ``SandboxConfig.checked()`` names the first bad value
in one sentence, so the CLI can refuse it before a server starts.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Faults that can be queued with ``POST /sandbox/faults {"next": [...]}``, in
# the order a request meets them: the first five answer (or hang) instead of
# the portal, ``lost_answer`` lets the portal process the call and then cuts
# the connection.
FAULT_KINDS = ("drop", "timeout", "error_500", "html", "html_500", "error_503", "lost_answer")

# Faults that can be given a random rate (``Faults`` fields of the same name).
RATE_FIELDS = ("drop", "timeout", "error_500", "html", "error_503", "lost_answer")


@dataclass(frozen=True)
class SandboxBot:
    """A chat bot registered on the sandbox portal.

    ``client_id`` is the CLIENT_ID given at ``imbot.register`` (v1 webhook
    calls must repeat it) and ``bot_token`` the v2 ``botToken``.
    """

    id: int
    name: str
    code: str
    client_id: str = "sandbox-client-id"
    bot_token: str = "sandbox-bot-token"


@dataclass(frozen=True)
class Faults:
    """Injected trouble: per-request rates (0..1) plus the added latency in seconds.

    Rates apply to every REST request (any method); ``seed`` makes the random
    draws repeatable. ``timeout`` requests hang for ``hang_seconds`` (or until
    the client gives up) and then lose the connection, like the cloud's 60 s cut.
    """

    latency: float = 0.0
    error_500: float = 0.0
    html: float = 0.0
    drop: float = 0.0
    lost_answer: float = 0.0
    seed: int | None = None
    error_503: float = 0.0
    timeout: float = 0.0
    hang_seconds: float = 60.0

    def merged(self, changes: Mapping[str, Any]) -> Faults:
        """A copy with ``changes`` applied; ValueError names the first bad key or value."""
        known = {f.name for f in dataclasses.fields(self)}
        values: dict[str, Any] = {}
        for key, value in changes.items():
            if key not in known:
                raise ValueError(
                    f"'{key}' is not a fault setting (known: {', '.join(sorted(known))})."
                )
            if key == "seed":
                if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                    raise ValueError("'seed' must be an integer or null.")
                values[key] = value
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"'{key}' must be a number, not {value!r}.")
            values[key] = float(value)
        result = dataclasses.replace(self, **values)
        result.check()
        return result

    def check(self) -> None:
        """Raise ValueError naming the first rate outside 0..1 or negative duration."""
        for name in RATE_FIELDS:
            rate = getattr(self, name)
            if not (0.0 <= rate <= 1.0) or math.isnan(rate):
                raise ValueError(f"the '{name}' fault rate must be between 0 and 1, not {rate}.")
        for name in ("latency", "hang_seconds"):
            seconds = getattr(self, name)
            if not (0.0 <= seconds < math.inf):
                raise ValueError(
                    f"'{name}' must be a non-negative number of seconds, not {seconds}."
                )

    def rates(self) -> dict[str, float]:
        """The random fault rates by kind."""
        return {name: getattr(self, name) for name in RATE_FIELDS}


def _default_bots() -> list[SandboxBot]:
    return [
        SandboxBot(
            7,
            "Support Bot",
            "support_bot",
            client_id="sandbox-client-id",
            bot_token="sandbox-bot-token",
        )
    ]


@dataclass
class SandboxConfig:
    """How a sandbox portal is reached and how it behaves.

    ``port=0`` asks for a free port. ``drain``/``burst`` are the leaky bucket
    (requests per second / requests before blocking); ``operating_budget`` the
    seconds each method may accumulate per app in a sliding 10 minutes, each
    call costing ``operating_cost`` simulated seconds. ``state_file`` keeps
    messages and tokens in SQLite across restarts (None: memory only).
    """

    host: str = "127.0.0.1"
    port: int = 0
    webhook_user: int = 1
    webhook_code: str = "sandbox"
    bots: list[SandboxBot] = field(default_factory=_default_bots)
    drain: float = 2.0
    burst: int = 50
    operating_budget: float = 480.0
    oauth_client_id: str = "local.sandbox"
    oauth_client_secret: str = "sandbox-secret"
    access_token_ttl: float = 3600.0
    faults: Faults = field(default_factory=Faults)
    state_file: Path | None = None
    operating_cost: float = 0.05
    refresh_token_ttl: float = 180 * 24 * 3600.0
    # Messages older than this cannot be edited or deleted (CANT_EDIT_MESSAGE).
    edit_window: float = 3 * 24 * 3600.0
    member_id: str = "sandbox-member"

    def checked(self) -> SandboxConfig:
        """Return self when every value is usable; ValueError names the first bad one."""
        if not self.host:
            raise ValueError("the sandbox host must not be empty.")
        if not (0 <= self.port <= 65535):
            raise ValueError(f"the port must be between 0 and 65535, not {self.port}.")
        if self.webhook_user <= 0:
            raise ValueError(f"the webhook user id must be positive, not {self.webhook_user}.")
        if not self.webhook_code or "/" in self.webhook_code:
            raise ValueError("the webhook code must be a non-empty string without '/'.")
        if not (self.drain > 0 and math.isfinite(self.drain)):
            raise ValueError(f"the drain rate must be a positive number, not {self.drain}.")
        if self.burst < 1:
            raise ValueError(f"the burst must be at least 1, not {self.burst}.")
        for name in ("operating_budget", "operating_cost", "access_token_ttl"):
            value = getattr(self, name)
            if not (value >= 0 and math.isfinite(value)):
                raise ValueError(f"'{name}' must be a non-negative number, not {value}.")
        ids = [bot.id for bot in self.bots]
        if len(set(ids)) != len(ids):
            raise ValueError("two sandbox bots share the same id.")
        for bot in self.bots:
            if bot.id <= 0:
                raise ValueError(f"bot ids must be positive, not {bot.id}.")
        if not self.oauth_client_id or not self.oauth_client_secret:
            raise ValueError("the OAuth client id and secret must not be empty.")
        self.faults.check()
        return self
