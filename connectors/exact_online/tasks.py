"""Exact Online's Prefect tasks, shown in the Prefect UI as ``exact-online.<operation>``.

REST calls answered within seconds; 429s and 5xx are retried after 2, 10 and 30 s
(or the Retry-After Exact sends, whichever the attempt is told).
The body of each is the shared :func:`connectors.attempt.attempt`: it records the attempt and
turns every outcome into a named state.
"""

from __future__ import annotations

from prefect import task
from prefect.states import State

from connectors.attempt import attempt, policy
from connectors.descriptor import PackageTasks
from connectors.exact_online.connector import ExactOnlineConnector
from doorstroom.store.models import TaskKind

POLICY = policy(retries=3, retry_delay_seconds=(2.0, 10.0, 30.0))


@task(name="exact-online.link-dossier", **POLICY)
def link_dossier(sync_task_id: int, connector: ExactOnlineConnector, language: str = "nl") -> State:
    """Check that the Doorstroom user has rights on the division; creates nothing."""
    return attempt(sync_task_id, connector, language, TaskKind.CREATE_DOSSIER)


@task(name="exact-online.post-booking", **POLICY)
def post_booking(sync_task_id: int, connector: ExactOnlineConnector, language: str = "nl") -> State:
    """Book a purchase or sales entry with its PDF in the division, exactly once."""
    return attempt(sync_task_id, connector, language, TaskKind.POST_BOOKING)


@task(name="exact-online.delete-booking", **POLICY)
def delete_booking(sync_task_id: int, connector: ExactOnlineConnector,
                   language: str = "nl") -> State:
    """Delete a withdrawn entry from the division."""
    return attempt(sync_task_id, connector, language, TaskKind.DELETE_BOOKING)


@task(name="exact-online.refresh-master-data", **POLICY)
def refresh_master_data(sync_task_id: int, connector: ExactOnlineConnector,
                        language: str = "nl") -> State:
    """Read accounts, GL accounts, VAT codes, journals and periods of the division."""
    return attempt(sync_task_id, connector, language, TaskKind.REFRESH_MASTER_DATA)


TASKS = PackageTasks(link_dossier, post_booking, delete_booking, refresh_master_data)
