"""Per-administration call limits, enforced across every worker by Prefect rate limits.

A package's limit ("60 calls per minute per division") becomes a Prefect global concurrency
limit with slot decay, one per package, administration and window, created on first use.
Every call to the package first takes a slot of each, waiting as long as Prefect says.

A token bucket with burst ``b`` and rate ``r`` lets through at most ``b + r·w`` calls in any
window ``w``; the package counts a sliding window, so ``r = (calls - b) / w`` keeps us under
its limit whatever the timing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.exceptions import PrefectHTTPStatusError

from doorstroom.clock import SYSTEM, Clock
from doorstroom.failures import TransientFailure
from doorstroom.failures import codes as c
from doorstroom.prefect_api import (
    MAX_BUSY,
    ORCHESTRATOR_ERRORS,
    asked_while_busy,
    ensure_limit,
)

WINDOWS = {"minute": 60.0, "day": 86_400.0}
MAX_WAIT = 300.0
"""Longer than this for a slot, and the call is a transient failure (retried later)."""
PREPAID_SECONDS = 2.0
"""Slots taken ahead for the calls of one booking (:meth:`RateLimiter.reserve`) serve at
most this long after they were taken; the steady rate leaves room for it."""


@dataclass(frozen=True)
class RateLimit:
    """At most ``calls`` per ``window`` ("minute" or "day"), ``burst`` of them at once."""

    window: str
    calls: int
    burst: int = 2

    def name(self, package: str, administration: str) -> str:
        """The Prefect limit's name, e.g. ``rate:exact_online:1001:minute``."""
        return f"rate:{package}:{administration}:{self.window}"

    @property
    def per_second(self) -> float:
        """The steady rate that keeps any window under ``calls``, also when the calls use
        their slots up to :data:`PREPAID_SECONDS` after taking them: then the calls of a
        window ``w`` took their slots within ``w + PREPAID_SECONDS``."""
        return (self.calls - self.burst) / (WINDOWS[self.window] + PREPAID_SECONDS)


class RateLimiter:
    """Takes one slot of every limit of one administration before each call (or the slots
    of a few calls at once, :meth:`reserve`).

    Prefect's own ``rate_limit()`` waits as long as the server's Retry-After, which grows
    with every denied request; with a few clients on one division that fell to a tenth of
    the limit here (``bench/rate_limit.py``). So slots are taken with the same API call, and
    a denied client asks again after a tenth of a slot's time.
    """

    def __init__(self, package: str, administration: str, limits: Sequence[RateLimit],
                 clock: Clock = SYSTEM) -> None:
        self.clock = clock
        self.limits = [limit for limit in limits if limit.calls > 0]
        self.names = [limit.name(package, administration) for limit in self.limits]
        rates = [limit.per_second for limit in self.limits]
        self.poll = min(5.0, max(0.02, 0.1 / max(rates))) if rates else 0.0
        self._prepaid = 0
        self._prepaid_until = 0.0

    def reserve(self, calls: int) -> None:
        """Take the slots of the next ``calls`` calls in one request (at most the smallest
        burst), for calls that follow each other at once, such as one booking's.

        One request instead of one per call: on the embedded SQLite server each is a write
        that competes with every flow run's. Slots not used within :data:`PREPAID_SECONDS`
        are dropped (never given back: the limit only errs on the safe side).
        """
        if not self.names or calls <= 0:
            return
        take = min(calls, *(limit.burst for limit in self.limits))
        self._prepaid = 0
        self.acquire(take)
        self._prepaid, self._prepaid_until = take, self.clock.monotonic() + PREPAID_SECONDS

    def acquire(self, slots: int = 1) -> None:
        """Wait for ``slots`` slots of every limit (at most a limit's burst), or use one
        taken ahead by :meth:`reserve`; Prefect busy or unreachable for :data:`MAX_BUSY`
        is a transient failure."""
        if not self.names:
            return
        if slots == 1 and self._prepaid > 0 and self.clock.monotonic() < self._prepaid_until:
            self._prepaid -= 1
            return
        with get_client(sync_client=True) as client:
            self._take(client, slots)

    def _take(self, client: SyncPrefectClient, slots: int) -> None:
        deadline = self.clock.monotonic() + MAX_WAIT
        while True:
            try:
                wait = asked_while_busy(lambda: self._denied_for(client, slots),
                                        MAX_BUSY, self.clock)
            except ORCHESTRATOR_ERRORS as error:
                raise TransientFailure(c.ORCHESTRATOR_BUSY, detail=repr(error)) from error
            if wait is None:
                return
            if self.clock.monotonic() + wait > deadline:
                raise TransientFailure(c.RATE_LIMITED, detail=f"no slot of {self.names}")
            self.clock.sleep(wait)

    def _denied_for(self, client: SyncPrefectClient, slots: int) -> float | None:
        """Ask once: ``None`` when the slots are taken, else how long to wait (423)."""
        self._ensure(client)
        try:
            client.increment_concurrency_slots(names=self.names, slots=slots,
                                               mode="rate_limit")
            return None
        except PrefectHTTPStatusError as denied:
            if denied.response.status_code != 423:
                raise
            return min(float(denied.response.headers.get("Retry-After", 1)), self.poll)

    def _ensure(self, client: SyncPrefectClient) -> None:
        """Create each limit on first use in this process, or bring one made earlier (by
        another worker, or before the connection's limits or this code changed) to the
        burst and rate asked for now."""
        for name, limit in zip(self.names, self.limits, strict=True):
            ensure_limit(client, name, limit.burst, limit.per_second)
