"""The embedded Prefect server begins its SQLite transactions IMMEDIATE: a transaction that
read first can no longer fail its first write because another writer committed meanwhile.

Real parts: Prefect's SQLite configuration and a SQLite file with two connections.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from prefect.server.database.configurations import SQLITE_BEGIN_MODE, AioSqliteConfiguration
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from deployments.prefect_server import wait_for_the_write_lock


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
