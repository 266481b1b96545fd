"""Doorstroom's Prefect automations, as code, created or updated idempotently by name.

- ``doorstroom-support-required``: a run's first ``doorstroom.sync-task.support-required``
  event runs the ``notify-support`` deployment, which e-mails the support team the run's red
  tasks and their hints (an outage's tasks emit ``.waits-for-outage``: one notice for all).
- ``doorstroom-no-heartbeat``: a flow run whose worker went silent (claimed it, or ran it,
  and died) is handed to ``recover-interrupted``, which crashes it — only while it is still
  Pending or Running, never a run that ended (a heartbeat may trail its Completed).
- A run that stays Pending or Running past its bound (``DOORSTROOM_PENDING_BOUND_SECONDS``,
  ``…_RUNNING_BOUND_SECONDS``) is crashed by ``recover-interrupted``'s own five-minute sweep,
  not by an automation: the ``doorstroom-stuck-pending`` / ``-running`` automations that did
  it are retired (:data:`RETIRED`). Each proactive automation makes the Prefect server keep
  books for every event of every flow run (measured in ``bench/latency.py``: on SQLite the
  two took more of the server's writes than the runs themselves), for bounds of 15 minutes
  and 2 hours that a sweep every 5 minutes holds as well.
- ``doorstroom-crashed``: a crashed run starts ``recover-interrupted`` for it at once, which
  retries the run (bounded) or turns its tasks red and restartable — no task stays running
  forever, and a run that had done all its tasks when it crashed ends Completed.
- ``doorstroom-urgent``: a task marked urgent in the monitor runs ``notify-urgent``, which
  e-mails the support team at once.
- ``doorstroom-incident``: a sync run that opened an incident (``doorstroom.incident.opened``)
  runs ``follow-incident``: one notice, a probe, a paced restart of every run it failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from prefect.client.orchestration import SyncPrefectClient
from prefect.events.actions import ActionTypes, RunDeployment
from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

from doorstroom.events import (
    INCIDENT_OPENED,
    INCIDENT_RESOURCE,
    SUPPORT_REQUIRED_EVENT,
    TASK_RESOURCE,
    URGENT_EVENT,
)

FLOW_RUN = {"prefect.resource.id": "prefect.flow-run.*"}


RETIRED = ("doorstroom-stuck-pending", "doorstroom-stuck-running")
"""Automations of earlier versions, deleted by :func:`ensure` (their bounds moved to the
``recover-interrupted`` sweep)."""


@dataclass(frozen=True)
class Bounds:
    """How long a run may go without a heartbeat."""

    heartbeat: timedelta = timedelta(seconds=120)


def _crash(recover: UUID, message: str) -> list[ActionTypes]:
    """Hand the run to recover-interrupted, which re-reads its state before it crashes it."""
    return [RunDeployment(source="selected", deployment_id=recover,
                          parameters={"flow_run_id": "{{ event.resource.id }}",
                                      "reason": message})]


def _silent(name: str, description: str, after: set[str], expect: set[str], within: timedelta,
            recover: UUID, message: str) -> AutomationCore:
    """A proactive automation: ``after`` without any of ``expect`` within ``within`` → crash."""
    return AutomationCore(
        name=name, description=description,
        trigger=EventTrigger(after=after, expect=expect, match=FLOW_RUN,
                             for_each={"prefect.resource.id"}, posture=Posture.Proactive,
                             threshold=1, within=within),
        actions=_crash(recover, message))


def _on(name: str, description: str, event: str, actions: list[ActionTypes]) -> AutomationCore:
    """A reactive automation on one flow-run event."""
    return AutomationCore(
        name=name, description=description,
        trigger=EventTrigger(expect={event}, match=FLOW_RUN, posture=Posture.Reactive,
                             threshold=1, within=timedelta(0)),
        actions=actions)


def _on_doorstroom(name: str, description: str, event: str, resource: str,
                   deployment: UUID, parameter: str) -> AutomationCore:
    """A reactive automation on one of Doorstroom's own events: run ``deployment`` with the
    event's resource as ``parameter``."""
    return AutomationCore(
        name=name, description=description,
        trigger=EventTrigger(expect={event}, match={"prefect.resource.id": f"{resource}.*"},
                             posture=Posture.Reactive, threshold=1, within=timedelta(0)),
        actions=[RunDeployment(source="selected", deployment_id=deployment,
                               parameters={parameter: "{{ event.resource.id }}"})])


def _support_required(notify_support: UUID) -> AutomationCore:
    """On the first ``doorstroom.sync-task.support-required`` of a run (a minute's events of
    one run are one firing), mail support that run's red tasks. A task waiting with an
    incident emits ``.waits-for-outage`` instead: support has the incident's one notice."""
    return AutomationCore(
        name="doorstroom-support-required", description="E-mail support when a run needs them.",
        trigger=EventTrigger(expect={SUPPORT_REQUIRED_EVENT},
                             match={"prefect.resource.id": f"{TASK_RESOURCE}.*"},
                             for_each={"related:flow-run:prefect.resource.id"},
                             posture=Posture.Reactive, threshold=1,
                             within=timedelta(minutes=1)),
        actions=[RunDeployment(source="selected", deployment_id=notify_support, parameters={
            "flow_run_id": "{{ event.resource_in_role['flow-run'].id }}"})])


def definitions(notify_support: UUID, recover: UUID, bounds: Bounds,
                notify_urgent: UUID, follow_incident: UUID) -> list[AutomationCore]:
    """Every automation, wired to the ids of the deployments they run."""
    return [
        _on_doorstroom("doorstroom-incident", "Follow an outage over many dossiers up as one.",
                       INCIDENT_OPENED, INCIDENT_RESOURCE, follow_incident, "incident_id"),
        _on_doorstroom("doorstroom-urgent", "E-mail support when a task is marked urgent.",
                       URGENT_EVENT, TASK_RESOURCE, notify_urgent, "task_id"),
        _support_required(notify_support),
        # From Pending on: a worker killed after claiming a run, or before its first
        # heartbeat, leaves only that event behind.
        _silent("doorstroom-no-heartbeat", "A run whose worker stopped sending heartbeats.",
                {"prefect.flow-run.Pending", "prefect.flow-run.Running",
                 "prefect.flow-run.heartbeat"},
                {"prefect.flow-run.*"}, bounds.heartbeat, recover,
                f"no heartbeat for {bounds.heartbeat.total_seconds():.0f} s: its worker stopped"),
        _on("doorstroom-crashed", "Recover the tasks of a crashed run at once.",
            "prefect.flow-run.Crashed",
            [RunDeployment(source="selected", deployment_id=recover,
                           parameters={"flow_run_id": "{{ event.resource.id }}"})]),
    ]


def ensure(client: SyncPrefectClient, wanted: list[AutomationCore]) -> dict[str, str]:
    """Create missing automations, update changed ones and delete retired ones; return
    name → what happened."""
    done: dict[str, str] = {}
    for name in RETIRED:
        for retired in client.read_automations_by_name(name):
            client.delete_automation(retired.id)
            done[name] = "deleted"
    for automation in wanted:
        existing = client.read_automations_by_name(automation.name)
        if not existing:
            client.create_automation(automation)
            done[automation.name] = "created"
            continue
        first, *extra = existing
        for duplicate in extra:
            client.delete_automation(duplicate.id)
        current = AutomationCore.model_validate(first.model_dump(exclude={"id"}))
        if current.model_dump(exclude={"owner_resource"}) == automation.model_dump(
                exclude={"owner_resource"}):
            done[automation.name] = "unchanged"
        else:
            client.update_automation(first.id, automation)
            done[automation.name] = "updated"
    return done
