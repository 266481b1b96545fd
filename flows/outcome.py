"""The flow run's end state: the most severe of its task runs, with a summary message."""

from __future__ import annotations

from collections.abc import Sequence

from prefect.states import Completed, Failed, State

from connectors.attempt import RUNNING_ELSEWHERE
from doorstroom.failures import render

SEVERITY = ("SupportRequired", "EmployeeActionRequired")
SUMMARY_CODE = {"SupportRequired": "summary.support", "EmployeeActionRequired": "summary.employee"}


def summarise(states: Sequence[State], waiting: int, language: str) -> State:
    """Completed when every task is done; else Failed named after the most severe outcome.

    ``waiting`` counts tasks that did not start because an earlier one (creating the dossier)
    failed; they count in the total and run on restart.
    """
    total = len(states) + waiting
    if total == 0:  # a retry of a run whose tasks were all done before it ended
        return Completed(message=render("summary.nothing_open", {}, language))
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

