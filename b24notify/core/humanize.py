"""Numbers and durations as people read them, shared by the CLI and the UI."""

from __future__ import annotations


def count(n: int, word: str) -> str:
    """``1 row``, ``2,500 rows``."""
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def duration(seconds: float | None) -> str:
    """``4.2 s``, ``3 min 05 s``, ``2 h 10 min``; ``?`` when unknown."""
    if seconds is None:
        return "?"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
