"""A throw-away PostgreSQL cluster as a benchmark's store (the scale tests' cluster helper)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from doorstroom.settings import get_settings
from tests.postgres import Postgres


def store_on_postgresql(*more_databases: str) -> Postgres:
    """Start a cluster in a fresh folder with a ``store`` database (and ``more_databases``),
    and make that database the store of this process."""
    cluster = Postgres.start(Path(tempfile.mkdtemp(prefix="doorstroom-bench-pg-")))
    for database in ("store", *more_databases):
        cluster.create_database(database)
    os.environ["DOORSTROOM_DATABASE_URL"] = cluster.url("store")
    get_settings.cache_clear()
    return cluster


def prefect_and_store_on_postgresql() -> Postgres:
    """A cluster with a database for the store and one for Prefect's server (which the
    benchmark's stack then starts on it)."""
    cluster = store_on_postgresql("prefect")
    os.environ["PREFECT_API_DATABASE_CONNECTION_URL"] = cluster.url("prefect", "asyncpg")
    return cluster


@contextmanager
def databases(choice: str, *, prefect: bool) -> Iterator[Postgres | None]:
    """A benchmark's databases: the embedded SQLite files (``sqlite``: nothing to start), or
    a throw-away PostgreSQL cluster for the store (and Prefect's server, with ``prefect``),
    stopped on leaving."""
    if choice != "postgresql":
        yield None
        return
    cluster = prefect_and_store_on_postgresql() if prefect else store_on_postgresql()
    try:
        yield cluster
    finally:
        cluster.stop()
