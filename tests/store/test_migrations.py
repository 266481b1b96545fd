"""The Alembic migrations build exactly the schema the models describe, and keep data."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, inspect, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateIndex

from doorstroom.store.db import alembic_config, make_engine, migrate, session_scope
from doorstroom.store.models import Base, Office


def _current(url: str) -> str | None:
    with make_engine(url).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_given_an_empty_database_when_migrated_then_schema_matches_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    migrate(url)
    with make_engine(url).connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        built = dict(connection.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index'")).all())
    expressions = _expression_indexes()
    assert [change for change in diff if not (
        change[0] in ("add_index", "remove_index") and change[1].name in expressions)] == []
    # Alembic cannot compare an index on expressions (a DESC column, a partial index): its
    # SQL must be what the model's would be.
    assert {name: built.get(name) for name in expressions} == expressions
    assert set(Base.metadata.tables) <= set(inspect(make_engine(url)).get_table_names())


def _expression_indexes() -> dict[str, str]:
    """The indexes with an expression (``urgent DESC``) or a condition, by name, as SQLite
    would create them from the models."""
    return {index.name: _one_line(str(CreateIndex(index).compile(dialect=sqlite.dialect())))
            for table in Base.metadata.tables.values() for index in table.indexes
            if index.name and any(not isinstance(part, Column) for part in index.expressions)}


def _one_line(statement: str) -> str:
    return " ".join(statement.split())


def test_given_a_migrated_database_when_migrated_again_then_it_stays_at_head_with_its_data(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    migrate(url)
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert head is not None and _current(url) == head
    engine = make_engine(url)
    with session_scope(engine) as session:
        session.add(Office(name="Kantoor Peeters", language="nl"))
    migrate(url)
    assert _current(url) == head
    with session_scope(engine) as session:
        assert [office.name for office in session.query(Office)] == ["Kantoor Peeters"]


def test_the_revisions_form_one_line_from_base_to_head(tmp_path: Path) -> None:
    scripts = ScriptDirectory.from_config(alembic_config(f"sqlite:///{tmp_path / 's.db'}"))
    assert len(scripts.get_heads()) == 1
    revisions = list(scripts.walk_revisions())
    assert revisions[-1].down_revision is None
    assert len({revision.revision for revision in revisions}) == len(revisions)
