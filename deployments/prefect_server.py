"""The embedded Prefect server: ``prefect server …``, with SQLite write transactions that
wait their turn instead of failing.

    python -m deployments.prefect_server start --host 127.0.0.1 --port 4200

On SQLite, Prefect begins a transaction ``DEFERRED`` unless it locks rows on purpose: it
reads first and takes SQLite's one write lock at its first write. When another writer has
committed in between, that upgrade fails at once with "database is locked"
(``SQLITE_BUSY_SNAPSHOT``: SQLite cannot wait it out, so its busy timeout does not apply) and
Prefect answers 503. Under load that is the usual fate of a request that reads a while before
it writes — creating a run from a deployment failed ten times in a row, 2 s each, while eight
runs booked (``bench/throughput.py``: the dispatch of 50 runs took 48 to 63 s). Begun
``IMMEDIATE``, a transaction takes the write lock first and waits for it (Prefect's busy
timeout, 60 s): what Prefect does for its own state changes and, upstream, for marking
deployments ready (PrefectHQ/prefect#22967). Reads outside a transaction are unchanged, and a
server on PostgreSQL is untouched (only the SQLite configuration changes).
"""

from __future__ import annotations

import sys
from collections.abc import AsyncGenerator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from prefect.server.database.configurations import AioSqliteConfiguration

BeginTransaction = Callable[..., AbstractAsyncContextManager[Any]]


def immediate(begin: BeginTransaction) -> BeginTransaction:
    """``begin_transaction`` that always takes the write lock first."""

    @asynccontextmanager
    async def begin_transaction(self: AioSqliteConfiguration, session: Any,
                                with_for_update: bool = False) -> AsyncGenerator[Any, None]:
        async with begin(self, session, with_for_update=True) as transaction:
            yield transaction

    begin_transaction.immediate = True  # type: ignore[attr-defined]
    return begin_transaction


def wait_for_the_write_lock() -> None:
    """Begin every SQLite transaction of this process's Prefect server ``IMMEDIATE``."""
    begin = AioSqliteConfiguration.begin_transaction
    if not getattr(begin, "immediate", False):
        AioSqliteConfiguration.begin_transaction = immediate(begin)  # type: ignore[method-assign,assignment]


def main(argv: list[str]) -> None:
    """``prefect server <argv>`` in this process, its SQLite transactions begun IMMEDIATE."""
    from prefect.cli import app

    wait_for_the_write_lock()
    sys.argv = ["prefect", "server", *argv]
    app()


if __name__ == "__main__":
    main(sys.argv[1:])
