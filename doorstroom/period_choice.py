"""The other way out of a closed period: book the document in the first open period of the
next financial year, chosen by a person, then run the task again.

The help page sends the office to support when "this financial year is definitively closed
and the document must move to the next year"; that is a decision the employee can make. For
a task that failed because its period (or its VAT period) is closed, Doorstroom offers the
open periods of the next financial year found in the dossier's master data, the first one
proposed. The choice is recorded on the task (``period_override``), audited, and the task's
run is restarted: the connector books the whole document in the chosen period, once (its
usual look-before-booking still applies).

The monitor and the ``choose-period`` decision flow (Prefect's input form) both go through
:func:`offer` and :func:`choose`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from doorstroom.restart import restart_task
from doorstroom.store import repository as repo
from doorstroom.store.db import Session, session_scope
from doorstroom.store.models import MasterRecord, SyncTask, TaskKind, TaskStatus

BLOCKED_BY = {"no_open_booking_period": "period", "winbooks.vat_period_closed": "periods"}
"""The failures a period choice answers, and the parameter that names the closed period(s)."""
CLOSED_WORDS = {"closed", "gesloten", "afgesloten"}


@dataclass(frozen=True)
class Offer:
    """The periods a person may move a task's document to; the first is proposed."""

    task_id: int
    blocked: tuple[str, ...]
    """The closed period(s) the task failed on (``YYYYPP``)."""
    periods: tuple[str, ...]

    @property
    def proposed(self) -> str:
        """The first open period of the next financial year."""
        return self.periods[0]


def label(period: str) -> str:
    """``2018/01`` for ``201801``: how the packages write a financial year and period."""
    return f"{period[:4]}/{period[4:]}"


def _blocked(task: SyncTask) -> tuple[str, ...]:
    key = BLOCKED_BY.get(task.failure_code or "")
    value = str((task.failure_params or {}).get(key or "", ""))
    return tuple(sorted(p for p in value.split(",") if len(p) == 6 and p.isdigit()))


def _open(record: MasterRecord) -> bool:
    extra = record.extra or {}
    return not any(str(extra.get(key, "")).lower() in CLOSED_WORDS for key in ("status", "vat"))


def next_year_periods(blocked: Sequence[str], periods: Iterable[MasterRecord]) -> list[str]:
    """The open periods of the first financial year after the blocked ones that has any
    (the opening period ``00`` excluded), in order."""
    after = max(int(period[:4]) for period in blocked)
    candidates = sorted(r.code for r in periods if len(r.code) == 6 and r.code.isdigit()
                        and int(r.code[:4]) > after and r.code[4:] != "00" and _open(r))
    if not candidates:
        return []
    year = candidates[0][:4]
    return [code for code in candidates if code[:4] == year]


def offers(session: Session, tasks: Sequence[SyncTask]) -> dict[int, Offer]:
    """For each failed booking of ``tasks`` blocked by a closed period, its offer (when the
    dossier's master data has open periods in a later financial year)."""
    found: dict[int, Offer] = {}
    candidates = [(task, blocked) for task in tasks if (blocked := _blocked(task))
                  and task.status == TaskStatus.FAILED and task.kind == TaskKind.POST_BOOKING]
    periods = repo.master_periods_of(session, (task.dossier_id for task, _ in candidates))
    for task, blocked in candidates:
        choices = next_year_periods(blocked, periods.get(task.dossier_id, []))
        if choices:
            found[task.id] = Offer(task.id, blocked, tuple(choices))
    return found


def offer(session: Session, task_id: int) -> Offer | None:
    """The offer for one task, if it has one."""
    task = session.get(SyncTask, task_id)
    return offers(session, [task]).get(task_id) if task is not None else None


class ChoiceRefused(Exception):
    """The chosen period is not one the task may move to (any more)."""


def choose(task_id: int, period: str, actor: str, user_id: int | None = None) -> list[int]:
    """Record ``actor``'s choice to book the task's document in ``period`` (audited), then
    restart its run; return the restarted tasks. Raises :class:`ChoiceRefused` when the
    period is not on offer, and what :func:`restart_task` raises."""
    with session_scope() as session:
        found = offer(session, task_id)
        if found is None or period not in found.periods:
            raise ChoiceRefused(period)
        task = session.get_one(SyncTask, task_id)
        repo.choose_period(session, task, period)
        repo.mark_acted(session, [task_id])
        repo.audit(session, actor, "choose_period", "sync_task", str(task_id),
                   {"from": ",".join(found.blocked), "to": period,
                    "document": task.document.number if task.document else None}, user_id)
    return restart_task(task_id, actor=actor, user_id=user_id)
