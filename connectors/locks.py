"""Cross-process locks on Prefect global concurrency limits (one slot each).

Used where workers must take turns, such as refreshing an OAuth token that rotates: the
limit is created on first use, so no operator step is needed.

A lock here is taken only if it is free (:func:`exclusive_if_free`), never queued for:
Prefect's queue asks again after the server's ``Retry-After``, which grows with every refusal
(about 2 s times the waiters, up to 30 s), so eight runs waiting for one token refresh waited
up to half a minute each (``bench/throughput.py --profile``: 60 % of the worker's run time).
A caller that finds the lock taken waits for what the holder is making instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.exceptions import PrefectHTTPStatusError

from doorstroom.failures import TransientFailure
from doorstroom.failures import codes as c
from doorstroom.prefect_api import ORCHESTRATOR_ERRORS, asked_while_busy, ensure_limit

log = logging.getLogger(__name__)
LEASE_SECONDS = 120.0
"""A holder that dies keeps the lock this long at most (Prefect ends the lease); longer than
what a holder does with it (a token call, 30 s timeouts per phase, and a block save)."""


def _take(client: SyncPrefectClient, name: str) -> UUID | None:
    """The lease of the lock's only slot, or ``None`` when another holds it (423)."""
    ensure_limit(client, name, limit=1)
    try:
        answer = client.increment_concurrency_slots_with_lease(
            names=[name], slots=1, mode="concurrency", lease_duration=LEASE_SECONDS)
    except PrefectHTTPStatusError as taken:
        if taken.response.status_code == 423:
            return None
        raise
    return UUID(answer.json()["lease_id"])


@contextmanager
def exclusive_if_free(name: str) -> Iterator[bool]:
    """Hold the only slot of the global concurrency limit ``name`` if nobody holds it now:
    the block runs with ``True``; with ``False`` at once when another does.

    Prefect busy for long or away is a transient failure. A release Prefect refuses leaves
    the lock to its lease (:data:`LEASE_SECONDS`).
    """
    with get_client(sync_client=True) as client:
        try:
            lease = asked_while_busy(lambda: _take(client, name))
        except ORCHESTRATOR_ERRORS as error:
            raise TransientFailure(c.ORCHESTRATOR_BUSY, detail=repr(error)) from error
        if lease is None:
            yield False
            return
        try:
            yield True
        finally:
            try:
                asked_while_busy(lambda: client.release_concurrency_slots_with_lease(lease))
            except ORCHESTRATOR_ERRORS as error:
                log.warning("lock %s not released (%r); its lease ends it", name, error)
