"""What Prefect's API being away looks like to the code that calls it, and Prefect settings
changed for a block of code."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.actions import (
    GlobalConcurrencyLimitCreate,
    GlobalConcurrencyLimitUpdate,
)
from prefect.context import SettingsContext, get_settings_context
from prefect.exceptions import ObjectAlreadyExists, PrefectHTTPStatusError
from prefect.settings import PREFECT_CLIENT_MAX_RETRIES, Settings
from prefect.settings.legacy import Setting

from doorstroom.clock import SYSTEM, Clock

T = TypeVar("T")

ORCHESTRATOR_ERRORS = (httpx.TransportError, PrefectHTTPStatusError)
"""Errors of Prefect's own API (loading a block, a rate-limit slot, creating a run).

The packages' own transport errors never get here: each connector classifies them.
"""


_ensured: set[str] = set()
"""The limits this process has ensured: each is asked for once per process."""


def ensure_limit(client: SyncPrefectClient, name: str, limit: int,
                 slot_decay_per_second: float = 0.0) -> None:
    """The Prefect global concurrency limit ``name`` as asked: created, or — made earlier by
    another worker, or before the settings or this code changed — brought to this size and
    rate. Once per name and process; later calls return at once."""
    if name in _ensured:
        return
    try:
        client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(
            name=name, limit=limit, slot_decay_per_second=slot_decay_per_second))
    except (ObjectAlreadyExists, PrefectHTTPStatusError):
        found = client.read_global_concurrency_limit_by_name(name)
        if (found.limit, round(found.slot_decay_per_second, 6)) != (
                limit, round(slot_decay_per_second, 6)):
            client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(
                limit=limit, slot_decay_per_second=slot_decay_per_second))
    _ensured.add(name)


class SettingsOverride:
    """A few Prefect settings changed for a block of code, cheaply enough to do per call.

    ``prefect.settings.temporary_settings`` validates every setting anew each time it is
    entered (measured here: 35 to 70 ms of CPU), which is more than a whole flow run of one
    document costs the worker. The changed settings are built once per base settings and
    entered as a ``SettingsContext`` (0.1 ms). Each flow run's engine makes its own settings
    object, equal to the worker's: equal settings (compared in 0.1 ms) count as the same base.
    """

    def __init__(self, updates: Mapping[Setting, Any]) -> None:
        self.updates: Mapping[Any, Any] = dict(updates)
        self._built: tuple[Settings, Settings] | None = None  # (base, changed)

    @contextmanager
    def applied(self) -> Iterator[None]:
        """Run the block with the changed settings (on top of the current ones)."""
        context = get_settings_context()
        built = self._built
        if built is None or (built[0] is not context.settings
                             and built[0] != context.settings):
            built = (context.settings, context.settings.copy_with_update(updates=self.updates))
            self._built = built
        with SettingsContext(profile=context.profile, settings=built[1]):
            yield


WITHOUT_CLIENT_RETRIES = SettingsOverride({PREFECT_CLIENT_MAX_RETRIES: 0})
"""For callers that retry Prefect on their own, sooner: Prefect's client sleeps 2, 4, 8 …
seconds after each 503, and the embedded SQLite server answers 503 whenever another writer
committed first (measured in ``bench/latency.py``: nine tenths of a booking's time asleep
in those retries)."""


BUSY_STATUSES = frozenset({502, 503})
"""Prefect answers 503 when its SQLite database is locked by another writer."""
BUSY_PAUSE = 0.05
"""First pause after a busy answer; later ones grow with how long Prefect has been busy."""
MAX_BUSY_PAUSE = 1.0
"""The longest pause between two asks of a busy Prefect: SQLite's refusals are conflicts of
the moment (another writer committed first), so asking again soon gets through soonest."""
MAX_BUSY = 60.0
"""Busy or unreachable this long in a row, and the caller gives up (and says so)."""


def is_busy(error: Exception) -> bool:
    """Prefect unreachable, or answering that it is busy: worth asking again shortly."""
    if isinstance(error, PrefectHTTPStatusError):
        return error.response.status_code in BUSY_STATUSES
    return isinstance(error, httpx.TransportError)


def busy_pause(busy_for: float) -> float:
    """Seconds to wait before asking a busy Prefect again: short at first (the lock is
    usually free within milliseconds), growing with how long it has been busy."""
    return min(MAX_BUSY_PAUSE, max(BUSY_PAUSE, busy_for)) * random.uniform(0.5, 1.5)


def asked_while_busy(ask: Callable[[], T], patience: float = MAX_BUSY,
                     clock: Clock = SYSTEM) -> T:
    """``ask()`` of Prefect, asked again soon while Prefect is busy or away, for up to
    ``patience`` seconds in a row; then (or on any other error) its error is raised.

    Only for asks that are safe to repeat (a run created with an idempotency key, a read) or
    whose repeat costs something bounded: a slot taken by an ask whose answer was lost (a
    busy 503 is rolled back; a dropped connection may not be) is spent twice — a rate-limit
    slot wasted, or a lock held by its own lost lease until the lease ends.
    """
    busy_since: float | None = None
    while True:
        try:
            with WITHOUT_CLIENT_RETRIES.applied():
                return ask()
        except ORCHESTRATOR_ERRORS as error:
            now = clock.monotonic()
            busy_since = now if busy_since is None else busy_since
            if not is_busy(error) or now - busy_since >= patience:
                raise
            clock.sleep(busy_pause(now - busy_since))
