"""Cross-process locks on Prefect global concurrency limits (one slot each).

Used where workers must take turns, such as refreshing an OAuth token that rotates: the
limit is created on first use, so no operator step is needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

import httpx
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.concurrency._asyncio import ConcurrencySlotAcquisitionError
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectAlreadyExists

from doorstroom.failures import TransientFailure
from doorstroom.failures import codes as c

_known: set[str] = set()


def _ensure_limit(name: str) -> None:
    if name in _known:
        return
    with get_client(sync_client=True) as client, suppress(ObjectAlreadyExists):
        client.create_global_concurrency_limit(
            GlobalConcurrencyLimitCreate(name=name, limit=1))
    _known.add(name)


@contextmanager
def exclusive(name: str) -> Iterator[None]:
    """Hold the only slot of the global concurrency limit ``name``."""
    try:
        _ensure_limit(name)
        with concurrency(name, occupy=1, strict=True, lease_duration=60):
            yield
    except (ConcurrencySlotAcquisitionError, httpx.HTTPError) as error:
        raise TransientFailure(c.ORCHESTRATOR_BUSY, detail=repr(error)) from error
