"""Client-side rate limiting: a leaky bucket that mirrors the portal's, and per-method time budgets.

The portal counts every request (+1) in a counter that drains ``drain`` per
second and rejects requests with 503 ``QUERY_LIMIT_EXCEEDED`` once the counter
is above ``burst``. :class:`LeakyBucket` keeps the same counter on our side and
lets a request go only when the portal's counter is sure to stay below the
limit, with a few tokens of headroom so that network jitter (requests arriving
closer together than they were sent) never trips the portal.

:class:`OperatingBudget` tracks ``time.operating`` / ``time.operating_reset_at``
per method (both optional in responses) so that a method near its 10-minute
execution budget waits for the reset instead of collecting a 429.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[Any]]

# Jitter the headroom has to absorb: requests sent this far apart may reach the
# portal together. Expressed in seconds of drain so it scales with the plan.
HEADROOM_SECONDS = 0.25


class LeakyBucket:
    """The portal's request counter, kept locally; ``acquire`` waits until a request may go.

    Waiters are served in arrival order without a lock held across ``await``:
    each ``acquire`` reserves its place synchronously (the counter includes
    requests that are scheduled but not yet sent, which only makes it more
    cautious), then sleeps until its moment. That keeps one bucket usable from
    any event loop and any thread in the process.
    """

    def __init__(
        self,
        drain: float,
        burst: int,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        *,
        headroom_seconds: float = HEADROOM_SECONDS,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._guard = threading.Lock()
        self._headroom_seconds = headroom_seconds
        self._level = 0.0
        self._last = clock()
        self._blocked_until = -math.inf
        self.drain = 0.0
        self.burst = 0
        self.headroom = 0.0
        self.reconfigure(drain, burst)

    @property
    def capacity(self) -> float:
        """The highest counter value we let the portal reach (burst minus headroom)."""
        return self.burst - self.headroom

    def reconfigure(self, drain: float, burst: int) -> None:
        """Change the plan limits (drain per second, burst) keeping the current counter."""
        if drain <= 0 or burst < 1:
            raise ValueError("rate limits need drain > 0 and burst >= 1")
        with self._guard:
            self._drain_to(self._clock())
            self.drain = float(drain)
            self.burst = int(burst)
            # At least one token of headroom, never so much that nothing may go.
            self.headroom = min(max(1.0, self.drain * self._headroom_seconds), self.burst - 1.0)

    @property
    def level(self) -> float:
        """The counter now, including requests that are reserved but still waiting."""
        with self._guard:
            self._drain_to(self._clock())
            return self._level

    def time_until_available(self, n: int = 1) -> float:
        """Seconds a request of ``n`` tokens made now would wait (nothing is reserved)."""
        with self._guard:
            now = self._clock()
            self._drain_to(now)
            return self._delay(now, n)

    async def acquire(self, n: int = 1) -> float:
        """Wait until ``n`` requests may go without overflowing the portal; returns the wait."""
        if n < 1:
            raise ValueError("acquire needs n >= 1")
        with self._guard:
            now = self._clock()
            self._drain_to(now)
            delay = self._delay(now, n)
            self._level += n
        if delay <= 0:
            return 0.0
        try:
            await self._sleep(delay)
        except BaseException:
            # A cancelled waiter never sends: give its place back.
            with self._guard:
                self._drain_to(self._clock())
                self._level = max(0.0, self._level - n)
            raise
        return delay

    def penalize(self, seconds: float) -> None:
        """Let nothing through for ``seconds`` (e.g. the portal's ``Retry-After``)."""
        if seconds <= 0:
            return
        with self._guard:
            now = self._clock()
            self._drain_to(now)
            self._blocked_until = max(self._blocked_until, now + seconds)

    def note_rejection(self) -> None:
        """The portal answered ``QUERY_LIMIT_EXCEEDED`` anyway: someone else shares it.

        Its counter is above the burst, so ours becomes at least full: the next
        requests go at the drain rate until the portal has room again.
        """
        with self._guard:
            self._drain_to(self._clock())
            self._level = max(self._level, float(self.burst))

    def _drain_to(self, now: float) -> None:
        elapsed = now - self._last
        if elapsed > 0:
            self._level = max(0.0, self._level - elapsed * self.drain)
            self._last = now

    def _delay(self, now: float, n: int) -> float:
        """How long from ``now`` until the counter has room for ``n`` more (the portal's rule)."""
        start = max(now, self._blocked_until)
        level_at_start = max(0.0, self._level - (start - now) * self.drain)
        # A request bigger than the headroom-adjusted capacity goes once the counter is empty.
        excess = level_at_start + n - max(self.capacity, float(n))
        return (start - now) + max(0.0, excess) / self.drain


_buckets: dict[str, LeakyBucket] = {}
_buckets_guard = threading.Lock()


def bucket_for(portal_key: str, drain: float, burst: int) -> LeakyBucket:
    """The one bucket shared by everything in this process that talks to ``portal_key``.

    When a caller names other limits than the bucket has (the plan changed in
    the profile), the latest limits apply; the counter is kept.
    """
    with _buckets_guard:
        bucket = _buckets.get(portal_key)
        if bucket is None:
            bucket = _buckets[portal_key] = LeakyBucket(drain, burst)
        elif bucket.drain != drain or bucket.burst != burst:
            bucket.reconfigure(drain, burst)
        return bucket


@dataclass
class MethodBudget:
    """The last known execution budget of one method: seconds used and when it resets."""

    operating: float
    reset_at: float | None


class OperatingBudget:
    """Per-method ``operating`` time (10-minute window) as reported by the portal's ``time``.

    A method counts as near its limit when less than ``margin`` seconds
    (default 5% of ``limit``) are left; it then waits for ``operating_reset_at``.
    """

    def __init__(
        self,
        limit: float = 480.0,
        margin: float | None = None,
        clock: Clock = time.time,
    ) -> None:
        self.limit = limit
        self.margin = limit * 0.05 if margin is None else margin
        self._clock = clock
        self._methods: dict[str, MethodBudget] = {}
        # Portal clock minus ours, from the last ``time.finish`` seen; reset
        # times are the portal's unix times.
        self._skew = 0.0

    def get(self, method: str) -> MethodBudget | None:
        return self._methods.get(method.lower())

    def record(self, method: str, time_info: Mapping[str, Any] | None) -> None:
        """Remember what a response's ``time`` object says about ``method`` (fields optional)."""
        if not isinstance(time_info, Mapping):
            return
        finish = _number(time_info.get("finish"))
        if finish is not None:
            self._skew = finish - self._clock()
        operating = _number(time_info.get("operating"))
        if operating is None:
            return
        self._methods[method.lower()] = MethodBudget(
            operating, _number(time_info.get("operating_reset_at"))
        )

    def seconds_until_reset(self, method: str) -> float | None:
        """Seconds until the method's oldest minute drops out, if the portal told us."""
        budget = self.get(method)
        if budget is None or budget.reset_at is None:
            return None
        return max(0.0, budget.reset_at - (self._clock() + self._skew))

    def wait_needed(self, *methods: str) -> float:
        """Seconds to wait before calling these methods so each stays under its limit."""
        waits = [0.0]
        for method in methods:
            budget = self.get(method)
            if budget is not None and budget.operating >= self.limit - self.margin:
                waits.append(self.seconds_until_reset(method) or 0.0)
        return max(waits)

    def forget(self, *methods: str) -> None:
        """Drop what we knew (after waiting for a reset the next response tells anew)."""
        for method in methods:
            self._methods.pop(method.lower(), None)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None
