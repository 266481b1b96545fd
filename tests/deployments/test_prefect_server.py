"""The embedded Prefect server begins its SQLite transactions IMMEDIATE: a transaction that
read first can no longer fail its first write because another writer committed meanwhile. It
stores events with one cached statement per table, the same rows as Prefect's own writer.

Real parts: Prefect's SQLite configuration, its database schema and event writer, SQLite files.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import sqlalchemy as sa
from prefect.server.database import PrefectDBInterface
from prefect.server.database.configurations import SQLITE_BEGIN_MODE, AioSqliteConfiguration
from prefect.server.database.orm_models import AioSqliteORMConfiguration
from prefect.server.database.query_components import AioSqliteQueryComponents
from prefect.server.events.schemas.events import ReceivedEvent
from prefect.server.events.storage import database as event_storage
from prefect.server.events.storage.database import write_events
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from deployments.prefect_server import (
    store_events_with_one_statement,
    wait_for_the_write_lock,
    write_sqlite_events,
)

CLOCKED = {"created", "updated", "recorded"}
"""Columns the server fills in from its clock when it stores a row."""


async def read_then_write_while_another_commits(database: Path) -> None:
    """Prefect's pattern under load: read, another writer commits, then write."""
    configuration = AioSqliteConfiguration(f"sqlite+aiosqlite:///{database}")
    engine = await configuration.engine()
    async with engine.begin() as setup:
        await setup.execute(text("CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY)"))
    other = await configuration.engine()  # the same engine: its own pooled connection
    session = await configuration.session(engine)
    async with session, configuration.begin_transaction(session):
        await session.execute(text("SELECT count(*) FROM runs"))
        writer = asyncio.create_task(_insert(other))
        await asyncio.sleep(0.2)  # the other writer's turn comes now, if it may have one
        await session.execute(text("INSERT INTO runs DEFAULT VALUES"))
    await writer
    await engine.dispose()


async def _insert(engine: object) -> None:
    async with engine.begin() as connection:  # type: ignore[attr-defined]
        await connection.execute(text("INSERT INTO runs DEFAULT VALUES"))


def test_prefects_own_deferred_transaction_fails_a_read_then_write(tmp_path: Path) -> None:
    """What the launcher mends (this test fails when Prefect stops doing it)."""
    with pytest.raises(OperationalError, match="database is locked"):
        asyncio.run(read_then_write_while_another_commits(tmp_path / "prefect.db"))


def test_with_the_launcher_the_transaction_waits_for_the_write_lock_and_both_write(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AioSqliteConfiguration, "begin_transaction",
                        AioSqliteConfiguration.begin_transaction)  # undone after the test
    wait_for_the_write_lock()
    wait_for_the_write_lock()  # twice is once

    asyncio.run(read_then_write_while_another_commits(tmp_path / "prefect.db"))

    assert getattr(AioSqliteConfiguration.begin_transaction, "immediate", False)
    assert SQLITE_BEGIN_MODE.get() is None  # left as found


def _events(count: int) -> list[ReceivedEvent]:
    """Task-run events as a sync run sends them: a flow run, a deployment and tags related."""
    now = datetime.now(UTC)
    return [ReceivedEvent(
        occurred=now, received=now, id=uuid4(), event="prefect.task-run.Completed",
        resource={"prefect.resource.id": f"prefect.task-run.{uuid4()}",
                  "prefect.resource.name": f"exact-online.post-booking INV-{n}"},
        related=[{"prefect.resource.id": "prefect.flow-run.1", "prefect.resource.role": "flow-run"},
                 {"prefect.resource.id": "prefect.deployment.1",
                  "prefect.resource.role": "deployment"},
                 *({"prefect.resource.id": f"prefect.tag.{tag}", "prefect.resource.role": "tag"}
                   for tag in ("doorstroom", f"dossier:{n % 7}", "office:1"))],
        payload={"n": n}) for n in range(count)]


async def _database(database: Path) -> PrefectDBInterface:
    """Prefect's database interface on its own SQLite file, with Prefect's two event tables.
    Not ``provide_database_interface`` nor ``create_db`` (Alembic): both keep to the first
    database a test process asked for, whatever the settings say later."""
    db = PrefectDBInterface(
        database_config=AioSqliteConfiguration(f"sqlite+aiosqlite:///{database}"),
        query_components=AioSqliteQueryComponents(), orm=AioSqliteORMConfiguration())
    tables = [db.Event.__table__, db.EventResource.__table__]
    async with (await db.engine()).begin() as connection:
        await connection.run_sync(lambda sync: db.Base.metadata.create_all(sync, tables=tables))
    return db


async def _stored(database: Path, events: list[ReceivedEvent], times: int) -> list[list[Any]]:
    """Write ``events`` ``times`` times (a batch delivered again) with Prefect's
    ``write_events``; read back both tables, leaving out the columns a clock or a random id
    fills in."""
    db = await _database(database)
    for _ in range(times):
        async with db.session_context(begin_transaction=True) as session:
            await write_events(session, events)
    async with db.session_context() as session:
        return [sorted(tuple(row) for row in (await session.execute(sa.select(*(
            column for column in table.__table__.columns
            if column.name not in CLOCKED | ({"id"} if table is db.EventResource else set())
        )))).all()) for table in (db.Event, db.EventResource)]


def test_events_stored_with_one_statement_are_the_rows_prefect_stores(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events = _events(300)  # more than one of Prefect's batches (SQLite's parameter limit)

    # Prefect's own writer, once: given a batch that is stored already, it inserts an empty
    # row (``.values([])``) and fails on SQLite's NOT NULL constraints.
    prefects = asyncio.run(_stored(tmp_path / "prefect.db", events, times=1))
    monkeypatch.setattr(event_storage, "_write_sqlite_events", event_storage._write_sqlite_events)
    store_events_with_one_statement()
    ours = asyncio.run(_stored(tmp_path / "ours.db", events, times=2))

    assert event_storage._write_sqlite_events is write_sqlite_events
    assert len(ours[0]) == 300 and len(ours[1]) == 300 * 6  # each once, though written twice
    assert ours == prefects


async def _clocked(database: Path, events: list[ReceivedEvent]) -> set[tuple[Any, Any]]:
    """Write ``events`` with the launcher's writer; the (created, updated) of every row."""
    db = await _database(database)
    async with db.session_context(begin_transaction=True) as session:
        await write_sqlite_events(session, events)
    async with db.session_context() as session:
        return {tuple(row) for table in (db.Event, db.EventResource) for row in (
            await session.execute(sa.select(table.created, table.updated))).all()}


def test_rows_stored_together_carry_the_moment_of_their_write(tmp_path: Path) -> None:
    before = datetime.now(UTC)
    clocked = asyncio.run(_clocked(tmp_path / "clocked.db", _events(20)))
    after = datetime.now(UTC)

    [(created, updated)] = clocked  # one moment for the 20 events and their 120 resources
    assert created == updated
    assert before <= created <= after
