"""Time-to-fix figures: medians and 90th percentiles per class, package and office, open
tasks by age, support's tasks past the target in working hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from doorstroom.store.statistics import FailedTask
from doorstroom.time_to_fix import figures
from doorstroom.vat_calendar import WorkingHours

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 17, 15, 0, tzinfo=UTC)  # Tuesday 16:00 in Brussels


def fixed(who: str, hours: float, package: str = "exact_online", office: str = "A",
          acted: float | None = None) -> FailedTask:
    failed = NOW - timedelta(days=2)
    return FailedTask(who, package, office, failed,
                      failed + timedelta(hours=acted) if acted is not None else None,
                      failed + timedelta(hours=hours))


def still(who: str, age: timedelta) -> FailedTask:
    return FailedTask(who, "winbooks", "A", NOW - age, None, None)


def test_medians_and_90th_percentiles_per_class_package_and_office() -> None:
    office = [fixed("employee", h, acted=h / 2) for h in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)]
    support = [fixed("support", h, package="winbooks", office="B") for h in (2, 4)]
    found = figures(office + support, [], NOW, timedelta(hours=4), WorkingHours())
    employee, red = found.by_class
    assert (employee.group, employee.count) == ("employee", 10)
    assert employee.p50 == timedelta(hours=5.5)
    assert employee.p90 == timedelta(hours=9.1)
    assert employee.acted_p50 == timedelta(hours=2.75)
    assert (red.count, red.p50, red.acted_p50) == (2, timedelta(hours=3), None)
    assert [s.group for s in found.by_package] == ["exact_online", "winbooks"]
    assert [s.group for s in found.by_office] == ["A", "B"]
    assert found.fixed == 12


def test_open_tasks_by_age_and_support_tasks_past_the_target_in_working_hours() -> None:
    open_tasks = [still("employee", timedelta(hours=1)), still("employee", timedelta(days=8)),
                  still("support", timedelta(hours=3)),  # 3 working hours: within target
                  still("support", timedelta(hours=26))]  # since Monday 14:00: 11 working hours
    found = figures([], open_tasks, NOW, timedelta(hours=4), WorkingHours())
    assert found.open_by_age["employee"] == {"under_4h": 1, "under_1d": 0, "under_3d": 0,
                                             "under_7d": 0, "older": 1}
    assert found.open_by_age["support"]["under_4h"] == 1
    assert found.open_by_age["support"]["under_3d"] == 1
    assert found.support_past_target == 1
    assert (found.fixed, found.still_open, found.by_class) == (0, 4, ())
