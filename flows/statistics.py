"""``daily-statistics``: the monitor's time-to-fix figures as a Prefect artifact, once a day,
so operators read in the Prefect UI what support and the offices read on the statistics
page (the same computation, ``doorstroom.time_to_fix``, over every office)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from doorstroom import clock, time_to_fix
from doorstroom.failures.catalog import package_name
from doorstroom.settings import get_settings
from doorstroom.store.db import session_scope
from doorstroom.store.models import UserRole
from doorstroom.store.queries import Viewer
from doorstroom.time_to_fix import AGE_BUCKETS, CLASSES, Figures, Spread
from doorstroom.vat_calendar import WorkingHours
from doorstroom.views.statistics import AGE_LABELS, CLASS_LABELS, duration

EVERY_OFFICE = Viewer(user_id=0, role=UserRole.SUPPORT, office_id=None)
ARTIFACT_KEY = "time-to-fix"


def _table(title: str, spreads: tuple[Spread, ...],
           name: Callable[[str], str] = str) -> str:
    lines = [f"### {title}", "", "| | fixed | median | 90% within | first action (median) |",
             "|---|---:|---:|---:|---:|"]
    lines += [f"| {name(s.group)} | {s.count} | {duration(s.p50, 'en')} "
              f"| {duration(s.p90, 'en')} | {duration(s.acted_p50, 'en')} |" for s in spreads]
    return "\n".join(lines if spreads else [*lines[:2], "No failed task was fixed."])


def report(found: Figures, target: timedelta) -> str:
    """The figures as markdown (English: the Prefect UI is the operators' console)."""
    ages = ["### Open failed tasks by age", "",
            "| | " + " | ".join(CLASS_LABELS[c] for c in CLASSES) + " |",
            "|---|" + "---:|" * len(CLASSES)]
    ages += [f"| {AGE_LABELS[bucket]} | " + " | ".join(
        str(found.open_by_age.get(c, {}).get(bucket, 0)) for c in CLASSES) + " |"
        for bucket, _ in AGE_BUCKETS]
    hours = round(target.total_seconds() / 3600)
    return "\n\n".join([
        "## Time to fix, last 30 days",
        f"{found.fixed} failed tasks fixed · {found.still_open} still open · "
        f"**{found.support_past_target} support tasks past the target of {hours} working "
        "hours**",
        _table("By who had to act", found.by_class, lambda key: CLASS_LABELS.get(key, key)),
        _table("By package", found.by_package, lambda key: package_name(key, "en")),
        _table("By office", found.by_office),
        "\n".join(ages)])


@flow(name="daily-statistics")
def daily_statistics() -> Figures:
    """Publish the time-to-fix figures of every office as the artifact ``time-to-fix``."""
    settings = get_settings()
    target = timedelta(hours=settings.support_target_hours)
    with session_scope() as session:
        found = time_to_fix.measure(session, EVERY_OFFICE, clock.now(), target,
                                    WorkingHours(timezone=settings.timezone))
    create_markdown_artifact(key=ARTIFACT_KEY, markdown=report(found, target),
                             description="Time to fix failed tasks, every office")
    get_run_logger().info("%d fixed, %d open, %d support tasks past the target",
                          found.fixed, found.still_open, found.support_past_target)
    return found
