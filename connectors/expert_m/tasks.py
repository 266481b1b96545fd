"""Expert/M's Prefect tasks, shown in the Prefect UI as ``expert-m.<operation>``.

Reached through the agent on the office's own server, which may be restarting or busy
with a backup: retried after 5 s, 30 s and 2 minutes.
The body of each is the shared :func:`connectors.attempt.attempt`: it records the attempt and
turns every outcome into a named state.
"""

from __future__ import annotations

from prefect import task
from prefect.states import State

from connectors.attempt import attempt, policy
from connectors.descriptor import PackageTasks
from connectors.expert_m.connector import ExpertMConnector
from doorstroom.store.models import TaskKind

POLICY = policy(retries=3, retry_delay_seconds=(5.0, 30.0, 120.0))


@task(name="expert-m.link-dossier", **POLICY)
def link_dossier(sync_task_id: int, connector: ExpertMConnector, language: str = "nl") -> State:
    """Check, through the agent, that the dossier's database is present on the server."""
    return attempt(sync_task_id, connector, language, TaskKind.CREATE_DOSSIER)


@task(name="expert-m.post-booking", **POLICY)
def post_booking(sync_task_id: int, connector: ExpertMConnector, language: str = "nl") -> State:
    """Book a document in the Expert/M database through the agent, exactly once."""
    return attempt(sync_task_id, connector, language, TaskKind.POST_BOOKING)


@task(name="expert-m.delete-booking", **POLICY)
def delete_booking(sync_task_id: int, connector: ExpertMConnector, language: str = "nl") -> State:
    """Delete a withdrawn booking (refused while a payment is linked to it)."""
    return attempt(sync_task_id, connector, language, TaskKind.DELETE_BOOKING)


@task(name="expert-m.refresh-master-data", **POLICY)
def refresh_master_data(sync_task_id: int, connector: ExpertMConnector,
                        language: str = "nl") -> State:
    """Read the Expert/M dossier's master data through the agent."""
    return attempt(sync_task_id, connector, language, TaskKind.REFRESH_MASTER_DATA)


TASKS = PackageTasks(link_dossier, post_booking, delete_booking, refresh_master_data)
