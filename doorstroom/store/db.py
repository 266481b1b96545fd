"""Engines, sessions and migrations for the store.

SQLite is the embedded default: WAL and a busy timeout let the worker's processes and the
monitor write side by side. Any other SQLAlchemy URL (PostgreSQL) works unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import IntegrityError as StoreConflict
from sqlalchemy.exc import OperationalError as StoreUnavailable
from sqlalchemy.orm import Session, configure_mappers, sessionmaker

from doorstroom.settings import get_settings
from doorstroom.store import models  # noqa: F401  (the mappers configure_models finishes)

MIGRATIONS = Path(__file__).with_name("migrations")
__all__ = ["Session", "StoreConflict", "StoreUnavailable", "as_utc", "engine_for", "make_engine",
           "migrate", "session_scope"]


def as_utc(moment: datetime) -> datetime:
    """A stored moment as UTC-aware: SQLite hands back naive datetimes, the store writes UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets the pragmas that make concurrent writers safe."""
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


@lru_cache(maxsize=4)
def engine_for(url: str) -> Engine:
    """One engine per URL per process."""
    return make_engine(url)


def default_engine() -> Engine:
    """The engine of the configured store."""
    return engine_for(get_settings().store_url())


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on any error."""
    factory = sessionmaker(engine or default_engine(), expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def configure_models() -> None:
    """Finish the store's models now rather than at their first query (SQLAlchemy's mapper
    configuration): in a process that forks the processes using them, done once for all."""
    configure_mappers()


def alembic_config(url: str) -> Config:
    """Alembic configured in code, so no ``alembic.ini`` has to be found on disk."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str | None = None) -> None:
    """Bring the store's schema to the newest revision."""
    command.upgrade(alembic_config(url or get_settings().store_url()), "head")
