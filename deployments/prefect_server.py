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

Its event persister, second, stores a batch of events on SQLite as one multi-row
``INSERT … VALUES (…), (…), …`` per table, which SQLAlchemy compiles anew for every batch — a
bound parameter per column per row, nine resource rows per event of a sync run: 18 % of the
server's CPU under load (``bench/throughput.py --profile``). On PostgreSQL Prefect passes the
rows as parameters of one statement (``executemany``); the launcher does the same on SQLite,
so the statement is compiled once and cached (server CPU per 1,000 documents 44 → 37 to 39 s).
"""

from __future__ import annotations

import sys
from collections.abc import AsyncGenerator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from prefect.server.database import PrefectDBInterface, db_injector
from prefect.server.database.configurations import AioSqliteConfiguration
from prefect.server.events.schemas.events import ReceivedEvent
from prefect.server.events.storage import database as event_storage
from sqlalchemy.ext.asyncio import AsyncSession

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


@db_injector
async def write_sqlite_events(db: PrefectDBInterface, session: AsyncSession,
                              events: list[ReceivedEvent]) -> None:
    """Prefect's SQLite event writer, its rows passed as parameters of one cached statement
    per table: events not stored yet, then their related resources.

    Their ``created`` and ``updated`` are the moment of the write, read once: left to the
    tables' defaults, Prefect's clock (a pendulum ``now`` behind a deprecation shim) was
    called twice for each of the ~9 rows of an event (3 % of the server's CPU in a GIL
    profile of ``bench/throughput.py``)."""
    stamp = {"created": (moment := datetime.now(UTC)), "updated": moment}
    for batch in event_storage._in_safe_batches(events):
        stored = set((await session.scalars(
            sa.select(db.Event.id).where(db.Event.id.in_({event.id for event in batch})))).all())
        new = [event for event in batch if event.id not in stored]
        if not new:
            continue
        await session.execute(sa.insert(db.Event),
                              [event.as_database_row() | stamp for event in new])
        resources = [row | stamp for event in new for row in event.as_database_resource_rows()]
        if resources:
            await session.execute(sa.insert(db.EventResource), resources)


def store_events_with_one_statement() -> None:
    """Make this process's Prefect server write events to SQLite with
    :func:`write_sqlite_events` (Prefect's ``write_events`` looks its SQLite writer up by name
    at every call)."""
    event_storage._write_sqlite_events = write_sqlite_events  # type: ignore[assignment]


def main(argv: list[str]) -> None:
    """``prefect server <argv>`` in this process, its SQLite transactions begun IMMEDIATE and
    its events stored with one statement per table."""
    from prefect.cli import app

    wait_for_the_write_lock()
    store_events_with_one_statement()
    sys.argv = ["prefect", "server", *argv]
    app()


if __name__ == "__main__":
    main(sys.argv[1:])
