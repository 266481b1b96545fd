"""WinBooks on Web's Prefect tasks, shown in the Prefect UI as ``winbooks.<operation>``.

REST calls answered within seconds; 429s and 5xx are retried after 2, 10 and 30 s.
The body of each is the shared :func:`connectors.attempt.attempt`: it records the attempt and
turns every outcome into a named state.
"""

from __future__ import annotations

from prefect import task
from prefect.states import State

from connectors.attempt import attempt, policy
from connectors.descriptor import PackageTasks
from connectors.winbooks.connector import WinBooksConnector
from doorstroom.store.models import TaskKind

POLICY = policy(retries=3, retry_delay_seconds=(2.0, 10.0, 30.0))


@task(name="winbooks.link-dossier", **POLICY)
def link_dossier(sync_task_id: int, connector: WinBooksConnector, language: str = "nl") -> State:
    """Check that the licence reaches the folder and that it has book periods."""
    return attempt(sync_task_id, connector, language, TaskKind.CREATE_DOSSIER)


@task(name="winbooks.post-booking", **POLICY)
def post_booking(sync_task_id: int, connector: WinBooksConnector, language: str = "nl") -> State:
    """Book a transaction in the folder (book and VAT periods checked first), exactly once."""
    return attempt(sync_task_id, connector, language, TaskKind.POST_BOOKING)


@task(name="winbooks.delete-booking", **POLICY)
def delete_booking(sync_task_id: int, connector: WinBooksConnector, language: str = "nl") -> State:
    """Delete a withdrawn transaction from the folder."""
    return attempt(sync_task_id, connector, language, TaskKind.DELETE_BOOKING)


@task(name="winbooks.refresh-master-data", **POLICY)
def refresh_master_data(sync_task_id: int, connector: WinBooksConnector,
                        language: str = "nl") -> State:
    """Read thirds, GL accounts, VAT codes, journals and book periods of the folder."""
    return attempt(sync_task_id, connector, language, TaskKind.REFRESH_MASTER_DATA)


TASKS = PackageTasks(link_dossier, post_booking, delete_booking, refresh_master_data)
