"""The flow run's end state: the most severe of its task runs, with a summary message."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.states import Completed, Failed, State

from connectors.attempt import ORCHESTRATOR_ERRORS, RUNNING_ELSEWHERE
from doorstroom.failures import render
from doorstroom.restart import NEEDS, without_needs

log = logging.getLogger(__name__)
SEVERITY = ("SupportRequired", "EmployeeActionRequired")
SUMMARY_CODE = {"SupportRequired": "summary.support", "EmployeeActionRequired": "summary.employee"}


def summarise(states: Sequence[State], waiting: int, language: str) -> State:
    """Completed when every task is done; else Failed named after the most severe outcome.

    ``waiting`` counts tasks that did not start because an earlier one (creating the dossier)
    failed; they count in the total and run on restart.
    """
    total = len(states) + waiting
    for name in SEVERITY:
        hit = [state for state in states if state.name == name]
        if hit:
            message = render(SUMMARY_CODE[name], {"count": len(hit), "total": total,
                                                  "instruction": hit[0].message or ""}, language)
            return Failed(name=name, message=message)
    unknown = [state for state in states if not state.is_completed()]
    if unknown:
        return Failed(name="SupportRequired", message=unknown[0].message or "task not completed")
    elsewhere = sum(state.name == RUNNING_ELSEWHERE for state in states)
    if elsewhere:
        return Completed(message=render("summary.elsewhere", {
            "done": len(states) - elsewhere, "elsewhere": elsewhere}, language))
    return Completed(message=render("summary.done", {"done": len(states)}, language))


def mark_who_must_act(flow_run_id: str, tags: list[str], state_name: str | None) -> None:
    """Tag the run ``needs:office`` or ``needs:support`` by its outcome (and drop a stale one).

    Prefect's state filter knows only state types, so three runs in EmployeeActionRequired
    showed under none of its names; a tag filter on ``needs:office`` shows exactly the runs
    waiting for the office. A restart takes the tag off again (``doorstroom.restart``).
    """
    wanted = NEEDS.get(state_name or "")
    kept = without_needs(tags)
    if kept == tags and wanted is None:
        return  # the common case, a run that flowed: nothing to change, no API call
    try:
        with get_client(sync_client=True) as client:
            client.update_flow_run(UUID(flow_run_id), tags=kept + ([wanted] if wanted else []))
    except ORCHESTRATOR_ERRORS:  # a tag is no reason to fail the run's work
        log.warning("flow run %s: its needs tag was not set (Prefect away)", flow_run_id)
