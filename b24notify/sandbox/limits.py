"""The portal's two limits: the per-portal leaky bucket and the per-method operating budget.

Both read time from an injectable clock (unix seconds) so tests can move time
instead of sleeping; ``ManualClock`` is such a clock.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Hashable

Clock = Callable[[], float]

WINDOW_SECONDS = 600.0
SLOT_SECONDS = 60.0


class ManualClock:
    """A clock that only moves when told to: ``clock()`` reads it, ``advance()`` moves it."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class LeakyBucket:
    """Bitrix24's request counter: each admitted request adds 1, it drains ``drain``/s.

    A request is admitted when the drained counter plus one does not exceed
    ``burst``; a rejected request adds nothing (the client may retry as soon
    as the counter has drained enough).
    """

    def __init__(self, drain: float, burst: int, clock: Clock) -> None:
        self.drain = drain
        self.burst = burst
        self._clock = clock
        self._level = 0.0
        self._at = clock()

    def level(self) -> float:
        """The counter now, after draining."""
        now = self._clock()
        self._level = max(0.0, self._level - (now - self._at) * self.drain)
        self._at = now
        return self._level

    def admit(self) -> bool:
        """Count one request; False when the portal would answer QUERY_LIMIT_EXCEEDED."""
        if self.level() + 1.0 > self.burst + 1e-9:
            return False
        self._level += 1.0
        return True

    def configure(self, *, drain: float | None = None, burst: int | None = None) -> None:
        """Change the limits at run time; the current counter is kept."""
        self.level()
        if drain is not None:
            self.drain = drain
        if burst is not None:
            self.burst = burst

    def reset(self) -> None:
        self._level = 0.0
        self._at = self._clock()


class OperatingMeter:
    """Execution seconds per key (app + method) in ten one-minute slots: a sliding 10 minutes.

    A call is refused (OPERATION_TIME_LIMIT) once the accumulated time has
    exceeded ``budget``; ``reset_at`` is the unix time the oldest slot drops out.
    ``cost`` is the simulated time one call takes.
    """

    def __init__(self, budget: float, clock: Clock, *, cost: float = 0.0) -> None:
        self.budget = budget
        self.cost = cost
        self._clock = clock
        self._slots: dict[Hashable, deque[list[float]]] = {}

    def _live(self, key: Hashable) -> deque[list[float]]:
        slots = self._slots.setdefault(key, deque())
        first_live = math.floor(self._clock() / SLOT_SECONDS) - (WINDOW_SECONDS / SLOT_SECONDS) + 1
        while slots and slots[0][0] < first_live:
            slots.popleft()
        return slots

    def used(self, key: Hashable) -> float:
        """Seconds accumulated for ``key`` in the window."""
        return sum(seconds for _, seconds in self._live(key))

    def blocked(self, key: Hashable) -> bool:
        return self.used(key) > self.budget

    def record(self, key: Hashable, seconds: float) -> None:
        slots = self._live(key)
        slot = float(math.floor(self._clock() / SLOT_SECONDS))
        if slots and slots[-1][0] == slot:
            slots[-1][1] += seconds
        else:
            slots.append([slot, seconds])

    def reset_at(self, key: Hashable) -> int:
        """When the oldest slot leaves the window (now, when nothing is recorded)."""
        slots = self._live(key)
        if not slots:
            return int(self._clock())
        return int(slots[0][0] * SLOT_SECONDS + WINDOW_SECONDS)

    def reset(self) -> None:
        self._slots.clear()
