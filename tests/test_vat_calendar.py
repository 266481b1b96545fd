"""The Belgian VAT calendar: the due-date table, working days and working hours.

Rules: monthly returns are due on the 20th of the next month, quarterly returns on the 25th
of the month after the quarter (since 1 January 2025); a due date on a Saturday, Sunday or
Belgian public holiday moves to the next working day (Circular 2025/C/6). Each row below was
checked against a calendar by hand.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from doorstroom.vat_calendar import (
    Filing,
    VatReturn,
    WorkingHours,
    is_working_day,
    urgency,
    vat_return,
    working_days_before,
)

pytestmark = pytest.mark.unit

DUE_DATES = [
    # booking period, filing, return, due date, why
    ("202610", Filing.MONTHLY, "2026-10", date(2026, 11, 20), "Friday the 20th"),
    ("202611", Filing.MONTHLY, "2026-11", date(2026, 12, 21), "Sunday 20/12 → Monday"),
    ("202612", Filing.MONTHLY, "2026-12", date(2027, 1, 20), "into the next year"),
    ("202606", Filing.MONTHLY, "2026-06", date(2026, 7, 20), "summer regime not applied"),
    ("202503", Filing.MONTHLY, "2025-03", date(2025, 4, 22),
     "Sunday 20/4, Easter Monday 21/4 → Tuesday"),
    ("202406", Filing.MONTHLY, "2024-06", date(2024, 7, 22),
     "Saturday 20/7, Sunday 21/7 (National Day) → Monday"),
    ("202607", Filing.QUARTERLY, "2026-Q3", date(2026, 10, 26), "Sunday 25/10 → Monday"),
    ("202612", Filing.QUARTERLY, "2026-Q4", date(2027, 1, 25), "Monday the 25th"),
    ("202602", Filing.QUARTERLY, "2026-Q1", date(2026, 4, 27), "Saturday 25/4 → Monday"),
    ("202605", Filing.QUARTERLY, "2026-Q2", date(2026, 7, 27), "Saturday 25/7 → Monday"),
    ("202510", Filing.QUARTERLY, "2025-Q4", date(2026, 1, 26), "Sunday 25/1 → Monday"),
]


@pytest.mark.parametrize(("period", "filing", "key", "due", "why"), DUE_DATES)
def test_the_due_date_table(period: str, filing: Filing, key: str, due: date,
                            why: str) -> None:
    found = vat_return(period, filing)
    assert found is not None and found.key == key, why
    assert found.due == due, why
    assert VatReturn.parse(key) == found


def test_no_returns_and_an_unknown_filing() -> None:
    assert vat_return("202610", Filing.NONE) is None
    assert vat_return("202610", None) == VatReturn(2026, month=10)  # monthly is the rule
    assert vat_return("202613", Filing.MONTHLY) is None


def test_working_days_skip_weekends_and_belgian_holidays() -> None:
    assert not is_working_day(date(2026, 11, 11))  # Armistice Day
    assert not is_working_day(date(2026, 11, 14))  # Saturday
    assert is_working_day(date(2026, 11, 17))
    assert working_days_before(date(2026, 11, 20), 3) == date(2026, 11, 17)
    assert working_days_before(date(2026, 11, 13), 3) == date(2026, 11, 9)  # over 11/11


def test_urgency_is_red_under_three_days_and_amber_under_seven() -> None:
    due = date(2026, 11, 20)
    assert urgency(due, date(2026, 11, 13)) == "calm"
    assert urgency(due, date(2026, 11, 14)) == "amber"
    assert urgency(due, date(2026, 11, 17)) == "amber"  # three days left
    assert urgency(due, date(2026, 11, 18)) == "red"
    assert urgency(due, date(2026, 11, 23)) == "red"  # overdue


def test_working_hours_count_only_office_hours_on_working_days() -> None:
    hours = WorkingHours()
    friday_4pm = datetime(2026, 11, 13, 15, 0, tzinfo=UTC)  # 16:00 in Brussels
    monday_10am = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # 10:00 in Brussels
    waited = hours.between(friday_4pm, monday_10am)
    assert waited.total_seconds() == (1.5 + 1.5) * 3600
