"""Which runs' work is complete: what recovery retries so that Prefect stops showing a run
Crashed or Running whose tasks were all done before its worker died."""

from __future__ import annotations

from sqlalchemy import update

from doorstroom.store import repository as repo
from doorstroom.store.db import session_scope
from doorstroom.store.models import SyncTask, TaskStatus
from tests.helpers import a_dossier, a_proposal, an_office, documents_for


def _a_run(name: str, run_id: str, statuses: list[TaskStatus]) -> None:
    dossier = a_dossier(an_office(), name, 0, "none")
    task_ids = documents_for(dossier, [a_proposal() for _ in statuses])
    with session_scope() as session:
        repo.assign_to_run(session, task_ids, run_id)
        for task_id, status in zip(task_ids, statuses, strict=True):
            session.execute(update(SyncTask).where(SyncTask.id == task_id)
                            .values(status=status))


def test_only_runs_whose_every_task_is_done_count(store_url: str) -> None:
    _a_run("Alles Klaar BV", "run-all-done", [TaskStatus.DONE, TaskStatus.DONE])
    _a_run("Half Klaar BV", "run-one-failed", [TaskStatus.DONE, TaskStatus.FAILED])
    _a_run("Nog Bezig BV", "run-one-open", [TaskStatus.DONE, TaskStatus.RUNNING])
    asked = {"run-all-done", "run-one-failed", "run-one-open", "run-without-tasks"}
    with session_scope() as session:
        assert repo.runs_with_all_tasks_done(session, asked) == {"run-all-done"}
        assert repo.runs_with_all_tasks_done(session, set()) == set()
