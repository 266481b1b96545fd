"""Time-to-fix: from a task's first failure to the moment it was done, per class (office or
support), per package and per office; how long the open ones have waited; and which of
support's tasks are past the target. Pure computation over the store's rows, so the monitor's
page and the operators' daily artifact show the same figures.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from doorstroom.store import statistics as rows
from doorstroom.store.db import Session
from doorstroom.store.queries import Viewer
from doorstroom.store.statistics import FailedTask
from doorstroom.vat_calendar import WorkingHours

AGE_BUCKETS: tuple[tuple[str, timedelta | None], ...] = (
    ("under_4h", timedelta(hours=4)),
    ("under_1d", timedelta(days=1)),
    ("under_3d", timedelta(days=3)),
    ("under_7d", timedelta(days=7)),
    ("older", None),
)
CLASSES = ("employee", "support")
WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class Spread:
    """How long fixes took in one group: how many, the median and the 90th percentile."""

    group: str
    count: int
    p50: timedelta
    p90: timedelta
    acted_p50: timedelta | None
    """Median time from the failure to the first person acting, where someone did."""


@dataclass(frozen=True)
class Figures:
    """Everything the statistics page and the daily artifact show."""

    by_class: tuple[Spread, ...]
    by_package: tuple[Spread, ...]
    by_office: tuple[Spread, ...]
    open_by_age: dict[str, dict[str, int]]
    """Class → age bucket → open failed tasks."""
    support_past_target: int
    fixed: int
    still_open: int


def _quantile(values: Sequence[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def spread(group: str, tasks: Sequence[FailedTask]) -> Spread:
    """The spread of time-to-fix over ``tasks`` (all fixed)."""
    fixes = sorted((t.done_at - t.failed_at).total_seconds() for t in tasks if t.done_at)
    acted = sorted((t.acted_at - t.failed_at).total_seconds() for t in tasks if t.acted_at)
    return Spread(group, len(fixes), timedelta(seconds=_quantile(fixes, 0.5)),
                  timedelta(seconds=_quantile(fixes, 0.9)),
                  timedelta(seconds=_quantile(acted, 0.5)) if acted else None)


def _grouped(tasks: Iterable[FailedTask], key: Callable[[FailedTask], str]
             ) -> tuple[Spread, ...]:
    groups: dict[str, list[FailedTask]] = {}
    for task in tasks:
        groups.setdefault(key(task), []).append(task)
    return tuple(spread(name, members) for name, members in sorted(groups.items()))


def age_bucket(age: timedelta) -> str:
    """The bucket an open task's age falls in."""
    for name, bound in AGE_BUCKETS:
        if bound is None or age < bound:
            return name
    return AGE_BUCKETS[-1][0]


def figures(fixed: Sequence[FailedTask], still_open: Sequence[FailedTask], now: datetime,
            target: timedelta, hours: WorkingHours) -> Figures:
    """The figures over tasks fixed in the window and tasks still open at ``now``."""
    by_age = {name: {bucket: 0 for bucket, _ in AGE_BUCKETS} for name in CLASSES}
    past = 0
    for task in still_open:
        by_age.setdefault(task.responsibility, {bucket: 0 for bucket, _ in AGE_BUCKETS})
        by_age[task.responsibility][age_bucket(now - task.failed_at)] += 1
        if task.responsibility == "support" and hours.between(task.failed_at, now) >= target:
            past += 1
    done = [task for task in fixed if task.done_at is not None]
    return Figures(
        by_class=_grouped(done, lambda t: t.responsibility),
        by_package=_grouped(done, lambda t: t.package),
        by_office=_grouped(done, lambda t: t.office),
        open_by_age=by_age, support_past_target=past, fixed=len(done),
        still_open=len(still_open))


def measure(session: Session, viewer: Viewer, now: datetime, target: timedelta,
            hours: WorkingHours) -> Figures:
    """The figures of what ``viewer`` may see: fixes of the last 30 days, open tasks now."""
    return figures(rows.fixed_since(session, viewer, now - WINDOW),
                   rows.still_open(session, viewer), now, target, hours)
