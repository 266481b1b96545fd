"""What a sync-dossier run leaves in the Prefect UI for operators, beside its state.

- a ``needs:office`` / ``needs:support`` tag while it waits for someone;
- a table artifact of the run's tasks (task, document, outcome, instruction, attempts, the
  monitor's row for support);
- a keyed markdown artifact ``dossier-<id>`` holding the dossier's state after this run, so
  the Artifacts page is a status board with one card per dossier (its history kept by key);
- an event per task that waits for someone (``doorstroom.sync-task.employee-action-required``
  / ``.support-required`` / ``.waits-for-outage``) with the task as resource and dossier,
  office, package and flow run related: the ``doorstroom-support-required`` automation
  answers ``.support-required`` (once per run), and operators build their own in the UI.

A task done has no event of ours: Prefect's own ``prefect.task-run.Completed`` already says it,
its task run named after the document and related to the run, its flow and the run's dossier,
office and package tags. A second event for each booking was a fifth of everything the Prefect
server received and stored (``bench/throughput.py``: 4.5 → 3.5 events a document).

Published after the work is recorded; Prefect being away costs the board a line, never the
run its outcome.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from uuid import UUID

from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.client.orchestration import get_client
from prefect.events import emit_event
from prefect.runtime import flow_run

from connectors.attempt import ORCHESTRATOR_ERRORS
from doorstroom.events import INCIDENT_OPENED, TASK_RESOURCE, incident_resource, task_resource
from doorstroom.restart import NEEDS, OUTAGE_NEED, without_needs
from doorstroom.settings import get_settings
from doorstroom.store import incidents
from doorstroom.store import repository as repo
from doorstroom.store.db import session_scope
from doorstroom.store.models import UserRole
from doorstroom.views import TaskRow, task_row

log = logging.getLogger(__name__)
LANGUAGE = "en"
"""Operators read the Prefect UI in English; offices read the monitor in their language."""
OUTCOME_EVENTS = {"EmployeeActionRequired": "employee-action-required",
                  "SupportRequired": "support-required"}
"""The outcomes that wait for someone, by state name, and their event's last word."""


def _rows(task_ids: Sequence[int]) -> list[TaskRow]:
    settings = get_settings()
    with session_scope() as session:
        tasks = repo.tasks_by_id(session, task_ids)
        return [task_row(task, UserRole.SUPPORT, LANGUAGE, settings.timezone,
                         settings.prefect_ui()) for task in tasks]


def _monitor_link(row: TaskRow) -> str:
    return f"{get_settings().monitor_url.rstrip('/')}/dossiers/{row.dossier_id}#task-{row.id}"


def _board_card(rows: Sequence[TaskRow]) -> str:
    first = rows[0]
    waiting = [row for row in rows if row.status in ("employee", "support")]
    counts = Counter(row.status_label for row in rows)
    summary = " · ".join(f"{label}: {count}" for label, count in sorted(counts.items()))
    lines = [f"## {first.dossier} ({first.package}, {first.office})", "",
             f"After its last run — {summary}", ""]
    lines += [f"- **{row.status_label}** — {row.document or row.kind}: {row.instruction} "
              f"([monitor]({_monitor_link(row)}))" for row in waiting]
    return "\n".join(lines)


def publish_run(dossier_id: int, office_id: int, package: str, task_ids: Sequence[int],
                state_names: Sequence[str | None]) -> None:
    """The run's table, the dossier's card and one event per task outcome."""
    if not task_ids:
        return
    try:
        rows = _rows(task_ids)
        if rows:
            create_table_artifact(
                table=[{"task": row.kind, "document": row.document, "outcome": row.status_label,
                        "instruction": row.instruction, "attempts": row.attempts,
                        "monitor": _monitor_link(row)} for row in rows],
                description=f"Tasks of this run for {rows[0].dossier}")
            create_markdown_artifact(key=f"dossier-{dossier_id}",
                                     markdown=_board_card(rows),
                                     description=f"{rows[0].dossier}: state after its last run")
        with session_scope() as session:
            waiting = incidents.with_incident(session, task_ids)
        run = str(flow_run.id) if flow_run.id else None
        for task_id, name in zip(task_ids, state_names, strict=True):
            outcome = outcome_event(name, task_id in waiting)
            if outcome is not None:
                _emit(task_id, outcome, dossier_id, office_id, package, run)
    except ORCHESTRATOR_ERRORS:
        log.warning("dossier %s: the run's artifacts were not published (Prefect away)",
                    dossier_id)


def outcome_event(state_name: str | None, waits_with_incident: bool) -> str | None:
    """The last word of a task's outcome event (``employee-action-required`` …), or ``None``
    for a task that waits for nobody."""
    outcome = OUTCOME_EVENTS.get(state_name or "")
    if outcome == "support-required" and waits_with_incident:
        return "waits-for-outage"  # support has the incident's one notice
    return outcome


def _emit(task_id: int, outcome: str, dossier_id: int, office_id: int,
          package: str, flow_run_id: str | None) -> None:
    related = [{"prefect.resource.id": f"doorstroom.dossier.{dossier_id}",
                "prefect.resource.role": "dossier"},
               {"prefect.resource.id": f"doorstroom.office.{office_id}",
                "prefect.resource.role": "office"},
               {"prefect.resource.id": f"doorstroom.package.{package}",
                "prefect.resource.role": "package"}]
    if flow_run_id:  # the run to restart or to tell support about
        related.append({"prefect.resource.id": f"prefect.flow-run.{flow_run_id}",
                        "prefect.resource.role": "flow-run"})
    emit_event(event=f"{TASK_RESOURCE}.{outcome}",
               resource={"prefect.resource.id": task_resource(task_id)}, related=related)


def mark_who_must_act(flow_run_id: str, tags: list[str], state_name: str | None,
                      only_outage: bool = False) -> None:
    """Tag the run ``needs:office`` or ``needs:support`` by its outcome (and drop a stale one);
    ``needs:outage`` when all its red tasks wait with an incident.

    Prefect's state filter knows only state types, so three runs in EmployeeActionRequired
    showed under none of its names; a tag filter on ``needs:office`` shows exactly the runs
    waiting for the office; ``needs:outage`` the runs that wait for an outage to end (their
    tasks emit ``.waits-for-outage``, so support is told once, by the incident). A restart
    takes the tag off again (``doorstroom.restart``).
    """
    wanted = NEEDS.get(state_name or "")
    if wanted == NEEDS["SupportRequired"] and only_outage:
        wanted = OUTAGE_NEED
    kept = without_needs(tags)
    if kept == tags and wanted is None:
        return  # the common case, a run that flowed: nothing to change, no API call
    try:
        with get_client(sync_client=True) as client:
            client.update_flow_run(UUID(flow_run_id), tags=kept + ([wanted] if wanted else []))
    except ORCHESTRATOR_ERRORS:  # a tag is no reason to fail the run's work
        log.warning("flow run %s: its needs tag was not set (Prefect away)", flow_run_id)


def announce_incidents(incident_ids: Sequence[int], package: str) -> None:
    """A ``doorstroom.incident.opened`` event per incident this run opened: the
    ``doorstroom-incident`` automation starts its follower (the dispatch sweep starts one
    for an incident whose event was lost)."""
    for incident_id in incident_ids:
        try:
            emit_event(event=INCIDENT_OPENED,
                       resource={"prefect.resource.id": incident_resource(incident_id)},
                       related=[{"prefect.resource.id": f"doorstroom.package.{package}",
                                 "prefect.resource.role": "package"}])
        except ORCHESTRATOR_ERRORS:
            log.warning("incident %s: its event was not sent (Prefect away); the dispatch "
                        "sweep starts its follower", incident_id)
