"""The leaky bucket and the operating budget on a manual clock (no sleeping)."""

from __future__ import annotations

import pytest

from b24notify.sandbox.limits import LeakyBucket, ManualClock, OperatingMeter


def test_burst_is_admitted_then_blocked() -> None:
    clock = ManualClock(0.0)
    bucket = LeakyBucket(2.0, 50, clock)
    assert all(bucket.admit() for _ in range(50))
    assert not bucket.admit()
    assert bucket.level() == pytest.approx(50.0)


@pytest.mark.parametrize(
    ("wait", "admitted"),
    [(0.0, 0), (0.49, 0), (0.5, 1), (1.0, 2), (2.5, 5), (100.0, 50)],
)
def test_draining_admits_drain_per_second(wait: float, admitted: int) -> None:
    clock = ManualClock(0.0)
    bucket = LeakyBucket(2.0, 50, clock)
    for _ in range(50):
        bucket.admit()
    clock.advance(wait)
    count = 0
    while bucket.admit():
        count += 1
    assert count == admitted


def test_rejected_requests_add_nothing() -> None:
    clock = ManualClock(0.0)
    bucket = LeakyBucket(1.0, 2, clock)
    bucket.admit()
    bucket.admit()
    for _ in range(10):
        assert not bucket.admit()
    clock.advance(1.0)
    assert bucket.admit()


def test_steady_rate_at_drain_never_blocks() -> None:
    clock = ManualClock(0.0)
    bucket = LeakyBucket(2.0, 5, clock)
    for _ in range(1000):
        assert bucket.admit()
        clock.advance(0.5)


def test_configure_keeps_the_level() -> None:
    clock = ManualClock(0.0)
    bucket = LeakyBucket(2.0, 10, clock)
    for _ in range(4):
        bucket.admit()
    bucket.configure(burst=4)
    assert not bucket.admit()
    bucket.configure(burst=10, drain=100.0)
    clock.advance(0.04)
    assert bucket.level() == pytest.approx(0.0)


def test_operating_budget_blocks_after_it_is_exceeded() -> None:
    clock = ManualClock(600.0)
    meter = OperatingMeter(10.0, clock)
    meter.record("m", 6.0)
    assert not meter.blocked("m")
    meter.record("m", 4.0)
    assert not meter.blocked("m"), "exactly at the budget is still allowed"
    meter.record("m", 0.5)
    assert meter.blocked("m")
    assert not meter.blocked("other")


def test_operating_window_slides_by_minute_slots() -> None:
    clock = ManualClock(60.0 * 100)  # the start of a minute slot
    meter = OperatingMeter(5.0, clock)
    meter.record("m", 3.0)
    clock.advance(120.0)
    meter.record("m", 3.0)
    assert meter.used("m") == pytest.approx(6.0)
    assert meter.blocked("m")
    assert meter.reset_at("m") == 60 * 100 + 600
    clock.advance(480.0)  # the first slot leaves the window
    assert meter.used("m") == pytest.approx(3.0)
    assert not meter.blocked("m")
    assert meter.reset_at("m") == 60 * 102 + 600


def test_reset_at_is_now_when_nothing_is_recorded() -> None:
    clock = ManualClock(1234.7)
    assert OperatingMeter(1.0, clock).reset_at("m") == 1234
