"""``choose-period``: the monitor's "book in the next financial year" choice, for operators
in the Prefect UI.

Why a run of its own: a ``sync-dossier`` run is the dossier's one run at a time and carries
every document of the dossier; it must never wait for a person. The decision is a short run
per task, started from the Prefect UI (Run → Custom run, ``task_id``): it shows the task and
the periods on offer as Prefect's input form and pauses until someone answers (at most
``WAIT_SECONDS``, on its own work queue ``decisions`` so a waiting question never holds a
slot of dispatch or the sync runs); on Resume it records the choice and restarts the
dossier's run through the core — the same ``doorstroom.period_choice.choose`` the monitor
uses, audited as "Prefect UI".

``pause_flow_run`` rather than ``suspend_flow_run``: a suspended run is executed again from
the start on resume, which the in-process worker treated as a run lost in the engine
(measured: the re-execution suspended again instead of reading the answer); a paused run
simply continues with the answer.
"""

from __future__ import annotations

from typing import Any, Literal

from prefect import flow, get_run_logger
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from pydantic import Field, create_model

from doorstroom import period_choice
from doorstroom.failures.catalog import package_name, render
from doorstroom.store.db import session_scope
from doorstroom.store.models import SyncTask

ACTOR = "Prefect UI"
INPUT_KEY = "period-choice"
WAIT_SECONDS = 3600
"""How long the question stays open before the run fails as timed out (nothing changed)."""


def choice_form(offer: period_choice.Offer) -> type[RunInput]:
    """The input form: one of the offered periods (the proposed one preset) and a
    confirmation box."""
    periods: Any = Literal[offer.periods]  # the UI shows the offered periods as a list
    fields: dict[str, Any] = {
        "period": (periods, Field(default=offer.proposed, description=(
            "Book period (YYYYPP) to book the whole document in: the open periods of the "
            "next financial year; the first is proposed."))),
        "confirm": (bool, Field(default=False, description=(
            "Tick to confirm: the document is booked in this period instead of "
            f"{', '.join(period_choice.label(p) for p in offer.blocked)}."))),
    }
    return create_model("PeriodChoice", __base__=RunInput, **fields)


def description(task: SyncTask, offer: period_choice.Offer) -> str:
    """The markdown above the form: which document, why it failed, what the choice does."""
    document = task.document
    what = (f"document **{document.number}** of {document.party_name}, "
            f"{document.total_incl} {document.currency}" if document else f"task {task.id}")
    return (
        f"### Book in the next financial year? — {task.dossier.name} "
        f"({package_name(task.dossier.package, 'en')})\n\n"
        f"The booking of {what} failed:\n\n> "
        f"{render(task.failure_code or '', task.failure_params or {}, 'en')}\n\n"
        f"If this financial year is closed for good, choose the period to book it in "
        f"instead — proposed: **{period_choice.label(offer.proposed)}**, the first open "
        "period of the next financial year — switch *Confirm* on and press **Submit**. "
        "Doorstroom records the choice (as \"Prefect UI\") and restarts the task; the "
        "booking is made once, in the chosen period.")


@flow(name="choose-period")
def choose_period(task_id: int) -> str:
    """Ask the operator for the period to move task ``task_id``'s document to, then apply it."""
    logger = get_run_logger()
    with session_scope() as session:
        offer = period_choice.offer(session, task_id)
        task = session.get(SyncTask, task_id)
        text = description(task, offer) if task is not None and offer is not None else ""
    if offer is None:
        logger.warning("task %s has no closed period to move out of (any more)", task_id)
        return "nothing to choose"
    form = choice_form(offer)
    answer = pause_flow_run(wait_for_input=form.with_initial_data(description=text),
                            timeout=WAIT_SECONDS, poll_interval=2, key=INPUT_KEY)
    chosen = str(getattr(answer, "period", ""))
    if not getattr(answer, "confirm", False):
        logger.warning("not confirmed: task %s stays as it is", task_id)
        return "not confirmed"
    restarted = period_choice.choose(task_id, chosen, actor=ACTOR)
    logger.info("task %s moved to %s; %d tasks restarted", task_id,
                period_choice.label(chosen), len(restarted))
    return f"moved to {period_choice.label(chosen)}"
