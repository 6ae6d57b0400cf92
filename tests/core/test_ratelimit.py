"""The client-side leaky bucket and operating budget, on a fake clock (pure arithmetic)."""

from __future__ import annotations

import asyncio
import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b24notify.core.ratelimit import LeakyBucket, OperatingBudget, bucket_for


class FakeTime:
    """A clock that moves only when a sleeper sleeps (one coroutine at a time)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Recorder:
    """Concurrent arrivals: ``sleep`` records when each request would fire, time stands still."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.fire_times: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.fire_times.append(self.now + seconds)


class PortalCounter:
    """The portal's rule (bitrix24-api.md §7.1): +1 per admitted request, drains, caps at burst."""

    def __init__(self, drain: float, burst: int) -> None:
        self.drain = drain
        self.burst = burst
        self.level = 0.0
        self.at: float | None = None
        self.peak = 0.0

    def admit(self, when: float, n: int = 1) -> bool:
        if self.at is not None:
            self.level = max(0.0, self.level - (when - self.at) * self.drain)
        self.at = when
        if self.level + n > self.burst + 1e-9:
            return False
        self.level += n
        self.peak = max(self.peak, self.level)
        return True


async def test_burst_goes_at_once_then_the_drain_rate() -> None:
    t = FakeTime()
    bucket = LeakyBucket(2.0, 50, clock=t.clock, sleep=t.sleep)
    start = t.now
    sent: list[float] = []
    for _ in range(60):
        await bucket.acquire()
        sent.append(t.now - start)
    immediate = sum(1 for s in sent if s == 0)
    # One token of headroom: 49 of the 50 go at once, the rest every 0.5 s.
    assert immediate == 49
    gaps = [b - a for a, b in itertools.pairwise(sent[49:])]
    assert all(math.isclose(g, 0.5) for g in gaps)


@pytest.mark.parametrize(
    ("drain", "burst", "headroom"),
    [
        (2.0, 50, 1.0),  # standard plan: one token
        (5.0, 250, 1.25),  # enterprise: a quarter second of drain
        (20.0, 10, 5.0),  # fast drain, small burst: a quarter second
        (100.0, 10, 9.0),  # never so much that nothing may go
        (1.0, 1, 0.0),  # a burst of one leaves no room for headroom
    ],
)
def test_headroom_scales_with_the_plan(drain: float, burst: int, headroom: float) -> None:
    bucket = LeakyBucket(drain, burst)
    assert bucket.headroom == pytest.approx(headroom)
    assert bucket.capacity == pytest.approx(burst - headroom)


async def test_concurrent_waiters_fire_in_order_and_never_overflow() -> None:
    r = Recorder()
    bucket = LeakyBucket(20.0, 10, clock=r.clock, sleep=r.sleep)
    await asyncio.gather(*(bucket.acquire() for _ in range(200)))
    portal = PortalCounter(20.0, 10)
    fires = [r.now] * (200 - len(r.fire_times)) + sorted(r.fire_times)
    assert all(portal.admit(when) for when in fires)
    assert portal.peak <= 10 - bucket.headroom + 1e-9
    # 200 requests, 5 at once, the rest at 20/s: just under 10 s, not more.
    assert max(fires) - r.now == pytest.approx((200 - 5) / 20.0)


@settings(max_examples=200, deadline=None)
@given(
    drain=st.sampled_from([1.0, 2.0, 5.0, 20.0]),
    burst=st.integers(min_value=2, max_value=60),
    arrivals=st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=3),  # gap before the caller asks
            st.integers(min_value=1, max_value=3),  # tokens
            st.floats(min_value=0, max_value=1),  # share of the tolerated delay in transit
        ),
        min_size=1,
        max_size=120,
    ),
)
def test_portal_never_overflows_even_with_jitter(
    drain: float, burst: int, arrivals: list[tuple[float, int, float]]
) -> None:
    """Whatever the arrival pattern, and however requests bunch up in transit (each
    late by up to headroom/drain seconds), the portal admits every request sent."""

    async def run() -> list[tuple[float, int]]:
        t = FakeTime()
        bucket = LeakyBucket(drain, burst, clock=t.clock, sleep=t.sleep)
        fired = []
        for gap, n, share in arrivals:
            t.now += gap
            n = min(n, int(bucket.capacity) or 1)
            await bucket.acquire(n)
            fired.append((t.now + share * bucket.headroom / drain, n))
        return fired

    fired = asyncio.run(run())
    portal = PortalCounter(drain, burst)
    for when, n in sorted(fired):
        assert portal.admit(when, n), (when, n)


async def test_penalize_holds_everyone_back() -> None:
    t = FakeTime()
    bucket = LeakyBucket(2.0, 50, clock=t.clock, sleep=t.sleep)
    bucket.penalize(3.0)
    assert bucket.time_until_available() == pytest.approx(3.0)
    waited = await bucket.acquire()
    assert waited == pytest.approx(3.0)
    bucket.penalize(0)  # nothing
    assert await bucket.acquire() == 0


async def test_note_rejection_paces_at_the_drain_rate() -> None:
    t = FakeTime()
    bucket = LeakyBucket(2.0, 50, clock=t.clock, sleep=t.sleep)
    await bucket.acquire()
    bucket.note_rejection()
    # Counter full (50): the next one needs it at 48 (capacity 49 minus itself): 1 s.
    assert await bucket.acquire() == pytest.approx(1.0)
    assert await bucket.acquire() == pytest.approx(0.5)


async def test_a_cancelled_waiter_gives_its_place_back() -> None:
    bucket = LeakyBucket(1.0, 2)  # capacity 1
    await bucket.acquire()
    waiter = asyncio.create_task(bucket.acquire())
    await asyncio.sleep(0)
    assert bucket.level == pytest.approx(2.0, abs=0.05)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert bucket.level == pytest.approx(1.0, abs=0.05)


def test_time_until_available_reserves_nothing() -> None:
    t = FakeTime()
    bucket = LeakyBucket(2.0, 3, clock=t.clock, sleep=t.sleep)  # capacity 2
    assert bucket.time_until_available(2) == 0
    assert bucket.time_until_available(3) == 0  # bigger than capacity: waits for empty
    assert bucket.level == 0


@pytest.mark.parametrize(("drain", "burst"), [(0, 10), (-1, 10), (2, 0)])
def test_bad_limits_are_refused(drain: float, burst: int) -> None:
    with pytest.raises(ValueError, match="rate limits"):
        LeakyBucket(drain, burst)


async def test_acquire_needs_a_positive_count() -> None:
    with pytest.raises(ValueError, match="n >= 1"):
        await LeakyBucket(2, 50).acquire(0)


def test_one_bucket_per_portal_and_latest_limits_apply() -> None:
    a = bucket_for("ratelimit-test.example:1", 2.0, 50)
    b = bucket_for("ratelimit-test.example:1", 2.0, 50)
    other = bucket_for("ratelimit-test.example:2", 2.0, 50)
    assert a is b
    assert a is not other
    c = bucket_for("ratelimit-test.example:1", 5.0, 250)
    assert c is a
    assert (a.drain, a.burst) == (5.0, 250)


def test_reconfigure_keeps_the_counter() -> None:
    t = FakeTime()
    bucket = LeakyBucket(2.0, 50, clock=t.clock, sleep=t.sleep)
    asyncio.run(bucket.acquire(10))
    bucket.reconfigure(5.0, 250)
    assert bucket.level == 10
    t.now += 1
    assert bucket.level == 5


# ---- operating budget --------------------------------------------------------


@pytest.mark.parametrize(
    ("time_info", "operating", "reset_at"),
    [
        ({"operating": 12.5, "operating_reset_at": 2000}, 12.5, 2000.0),
        ({"operating": "3", "operating_reset_at": "1990"}, 3.0, 1990.0),
        ({"operating": 3}, 3.0, None),
        ({"start": 1.0, "finish": 1.1}, None, None),  # v2 pages: no operating at all
        ({}, None, None),
        ({"operating": True}, None, None),
        ({"operating": "nan"}, None, None),
    ],
)
def test_operating_fields_are_optional(
    time_info: dict[str, object], operating: float | None, reset_at: float | None
) -> None:
    budget = OperatingBudget(clock=lambda: 1900.0)
    budget.record("imbot.message.add", time_info)
    got = budget.get("IMBOT.message.add")
    if operating is None:
        assert got is None
    else:
        assert got is not None
        assert (got.operating, got.reset_at) == (operating, reset_at)


def test_a_method_near_its_budget_waits_for_the_reset() -> None:
    t = FakeTime(start=1000.0)
    budget = OperatingBudget(limit=480, clock=t.clock)
    assert budget.margin == 24  # 5% of the limit
    budget.record("imbot.message.add", {"operating": 100, "operating_reset_at": 1030})
    assert budget.wait_needed("imbot.message.add") == 0
    budget.record("imbot.message.add", {"operating": 470, "operating_reset_at": 1030})
    assert budget.wait_needed("imbot.message.add") == pytest.approx(30)
    assert budget.wait_needed("imbot.bot.list") == 0  # per method
    assert budget.wait_needed("imbot.bot.list", "imbot.message.add") == pytest.approx(30)
    t.now += 31
    assert budget.wait_needed("imbot.message.add") == 0  # reset time passed
    budget.forget("imbot.message.add")
    assert budget.get("imbot.message.add") is None


def test_reset_times_use_the_portals_clock() -> None:
    t = FakeTime(start=1000.0)
    budget = OperatingBudget(clock=t.clock)
    # The portal's clock is 100 s ahead of ours.
    budget.record("m", {"finish": 1100.0, "operating": 479, "operating_reset_at": 1120})
    assert budget.seconds_until_reset("m") == pytest.approx(20)
    assert budget.wait_needed("m") == pytest.approx(20)
