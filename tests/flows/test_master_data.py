"""Master-data refresh: its own deployment queues the refresh, sync-dossier runs and stores it."""

from __future__ import annotations

from sqlalchemy import select

from doorstroom.store.db import session_scope
from doorstroom.store.models import MasterRecord, SyncTask, TaskKind, TaskStatus
from flows.dispatch import dispatch
from flows.master_data import refresh_master_data
from tests.helpers import a_dossier, an_office, wait_until_settled
from tests.sandboxes import RunningExact


def test_given_a_dossier_when_master_data_is_refreshed_then_the_store_holds_every_kind(
        exact_sandbox: RunningExact, exact_block: str) -> None:
    exact_sandbox.state.add_division(1401, "Brasserie Vermeulen")
    dossier = a_dossier(an_office(), "Brasserie Vermeulen", 1401, exact_block)

    assert refresh_master_data([dossier], start_now=False) == 1
    assert refresh_master_data([dossier], start_now=False) == 0  # one waiting refresh at most
    dispatch()
    with session_scope() as session:
        [task_id] = session.scalars(select(SyncTask.id).where(
            SyncTask.dossier_id == dossier, SyncTask.kind == TaskKind.REFRESH_MASTER_DATA))
    [task] = wait_until_settled([task_id])

    assert task.status == TaskStatus.DONE
    with session_scope() as session:
        records = session.scalars(select(MasterRecord).where(
            MasterRecord.dossier_id == dossier)).all()
        kinds = {record.kind for record in records}
        codes = {(record.kind, record.code) for record in records}
    assert kinds == {"gl_account", "vat_code", "journal", "period"}  # no parties booked yet
    assert ("gl_account", "604000") in codes
    assert ("period", "202603") in codes
    assert ("journal", "600") in codes
