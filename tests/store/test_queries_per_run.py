"""A run reads its tasks' documents with its tasks, not one query per task: what the run
names its tasks after (claim) and what it publishes (the operators' table) cost the same few
statements for one document or twenty."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from doorstroom.store import repository as repo
from doorstroom.store.db import default_engine, session_scope
from flows.sync_dossier import task_subject
from tests.helpers import a_dossier, a_proposal, an_office, documents_for


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements the store's engine runs inside the block."""
    seen: list[str] = []

    def note(*args: Any) -> None:
        seen.append(args[2])

    engine = default_engine()
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _counted(read: Callable[[], object]) -> int:
    with statements() as seen:
        read()
    return sum(statement.lstrip().upper().startswith("SELECT") for statement in seen)


def _a_run(documents: int, name: str) -> tuple[int, list[int]]:
    dossier = a_dossier(an_office(), name, 0, "none")
    return dossier, documents_for(dossier, [a_proposal() for _ in range(documents)])


def _claim_and_name(dossier: int, run: str) -> list[str]:
    with session_scope() as session:
        return [task_subject(task) for task in repo.claim_for_run(session, dossier, run)]


def _published_rows(task_ids: list[int]) -> list[str]:
    with session_scope() as session:
        return [str(task.document.number) for task in repo.tasks_by_id(session, task_ids)
                if task.document is not None]


def test_claiming_and_naming_a_run_of_twenty_reads_as_much_as_a_run_of_one(
        store_url: str) -> None:
    one, _ = _a_run(1, "Eén BV")
    twenty, _ = _a_run(20, "Twintig BV")
    assert _counted(lambda: _claim_and_name(twenty, "run-20")) == _counted(
        lambda: _claim_and_name(one, "run-1"))


def test_reading_a_runs_tasks_for_publishing_does_not_grow_with_its_tasks(
        store_url: str) -> None:
    _, one = _a_run(1, "Een BV")
    _, twenty = _a_run(20, "Twenty BV")
    assert len(_published_rows(twenty)) == 20
    assert _counted(lambda: _published_rows(twenty)) == _counted(lambda: _published_rows(one))
