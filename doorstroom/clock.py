"""Time as code that waits sees it, so that tests replace it instead of waiting on the wall.

Whatever sleeps (pacing by a package's rate-limit headers, waiting for a rate-limit slot,
honouring Retry-After) takes a :class:`Clock`; production uses :data:`SYSTEM`, tests a
:class:`FakeClock` whose ``sleep`` moves its time forward at once.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


class Clock:
    """The system's clocks and sleep."""

    def time(self) -> float:
        """Seconds since the epoch (for a package's reset timestamps)."""
        return time.time()

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (for deadlines)."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Wait."""
        time.sleep(seconds)


SYSTEM = Clock()


class FakeClock(Clock):
    """A clock that sleeps by moving its time forward; it remembers every sleep."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def time(self) -> float:
        """The fake time."""
        return self.now

    def monotonic(self) -> float:
        """The fake time (monotonic, since it only moves forward)."""
        return self.now

    def sleep(self, seconds: float) -> None:
        """Move forward by ``seconds`` at once."""
        self.slept.append(seconds)
        self.now += max(0.0, seconds)


def now(clock: Clock | None = None) -> datetime:
    """The current moment (aware, UTC) by ``clock``, or the process's clock :data:`SYSTEM`
    — looked up at each call, so a test that replaces ``SYSTEM`` moves every "today"."""
    return datetime.fromtimestamp((clock or SYSTEM).time(), UTC)


def today(timezone: str, clock: Clock | None = None) -> date:
    """The date it is now where people read it (a deadline counts in their days)."""
    return now(clock).astimezone(ZoneInfo(timezone)).date()
