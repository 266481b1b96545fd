"""Adsolut's Prefect tasks, shown in the Prefect UI as ``adsolut.<operation>``.

SOAP calls answered within seconds; faults of a busy service are retried after 2, 10
and 30 s.
The body of each is the shared :func:`connectors.attempt.attempt`: it records the attempt and
turns every outcome into a named state.
"""

from __future__ import annotations

from prefect import task
from prefect.states import State

from connectors.adsolut.connector import AdsolutConnector
from connectors.attempt import attempt, policy
from connectors.descriptor import PackageTasks
from doorstroom.store.models import TaskKind

POLICY = policy(retries=3, retry_delay_seconds=(2.0, 10.0, 30.0))


@task(name="adsolut.link-dossier", **POLICY)
def link_dossier(sync_task_id: int, connector: AdsolutConnector, language: str = "nl") -> State:
    """Sign in to the dossier's database: it exists and the Doorstroom user may use it."""
    return attempt(sync_task_id, connector, language, TaskKind.CREATE_DOSSIER)


@task(name="adsolut.post-booking", **POLICY)
def post_booking(sync_task_id: int, connector: AdsolutConnector, language: str = "nl") -> State:
    """Import a booking into the database (its book period checked first), exactly once."""
    return attempt(sync_task_id, connector, language, TaskKind.POST_BOOKING)


@task(name="adsolut.delete-booking", **POLICY)
def delete_booking(sync_task_id: int, connector: AdsolutConnector, language: str = "nl") -> State:
    """Remove a withdrawn booking from the database."""
    return attempt(sync_task_id, connector, language, TaskKind.DELETE_BOOKING)


@task(name="adsolut.refresh-master-data", **POLICY)
def refresh_master_data(sync_task_id: int, connector: AdsolutConnector,
                        language: str = "nl") -> State:
    """Read relations, GL accounts, VAT codes, journals and periods of the database."""
    return attempt(sync_task_id, connector, language, TaskKind.REFRESH_MASTER_DATA)


TASKS = PackageTasks(link_dossier, post_booking, delete_booking, refresh_master_data)
