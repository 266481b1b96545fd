"""The Belgian VAT calendar: which return a booking falls in, when that return is due, and
what counts as a working day.

Why it matters: a purchase invoice that still waits on the due date of its return is missing
from that return, and since 1 January 2025 a return can no longer be corrected after its
deadline and late returns are fined automatically (Circular 2025/C/6 on the "VAT chain").

The rules (sources in ``docs/vat-deadlines.md``):

- a monthly filer's return is due on the 20th of the month after the month;
- a quarterly filer's return is due on the 25th of the month after the quarter;
- a due date on a Saturday, a Sunday or a Belgian public holiday moves to the next working
  day (the same circular; the ``holidays`` package's Belgian calendar names the holidays).

The administration's yearly "summer regime" (the June, Q2 and July returns may be *filed*
later, payment stays due on the legal date) is not applied: Doorstroom shows the legal date,
the one that costs money when missed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays


class Filing(enum.StrEnum):
    """How often a dossier files its VAT return."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    NONE = "none"
    """Not liable to file periodic returns (exempt, small-business scheme): no deadline."""


DEFAULT_FILING = Filing.MONTHLY
"""Monthly returns are the rule in Belgium; quarterly is the exception a dossier opts into."""
MONTHLY_DUE_DAY = 20
QUARTERLY_DUE_DAY = 25


@lru_cache(maxsize=64)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("BE", years=year)


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a Belgian public holiday."""
    return day.weekday() < 5 and day not in _holidays(day.year)


def next_working_day(day: date) -> date:
    """``day`` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def working_days_before(day: date, count: int) -> date:
    """The working day ``count`` working days before ``day``."""
    while count > 0:
        day -= timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


@dataclass(frozen=True, order=True)
class VatReturn:
    """One periodic VAT return: a month (``quarter`` is 0) or a quarter (``month`` is 0)."""

    year: int
    month: int = 0
    quarter: int = 0

    @property
    def key(self) -> str:
        """``2026-10`` for a month, ``2026-Q3`` for a quarter (what the store keeps)."""
        return f"{self.year}-Q{self.quarter}" if self.quarter else f"{self.year}-{self.month:02d}"

    @classmethod
    def parse(cls, key: str) -> VatReturn:
        """The return of a :attr:`key`."""
        year, _, rest = key.partition("-")
        if rest.startswith("Q"):
            return cls(int(year), quarter=int(rest[1:]))
        return cls(int(year), month=int(rest))

    @property
    def last_month(self) -> int:
        """The last calendar month the return covers."""
        return self.quarter * 3 if self.quarter else self.month

    @property
    def statutory_due(self) -> date:
        """The legal due date, before moving off a weekend or holiday."""
        year, month = (self.year + 1, 1) if self.last_month == 12 else (
            self.year, self.last_month + 1)
        return date(year, month, QUARTERLY_DUE_DAY if self.quarter else MONTHLY_DUE_DAY)

    @property
    def due(self) -> date:
        """The day the return must be filed and paid."""
        return next_working_day(self.statutory_due)


def vat_return(period: str, filing: Filing | str | None) -> VatReturn | None:
    """The return a booking in ``period`` (``YYYYMM``) falls in; ``None`` without returns."""
    filing = Filing(filing) if filing else DEFAULT_FILING
    if filing == Filing.NONE or len(period) != 6 or not period.isdigit():
        return None
    year, month = int(period[:4]), int(period[4:])
    if not 1 <= month <= 12:
        return None
    if filing == Filing.QUARTERLY:
        return VatReturn(year, quarter=(month - 1) // 3 + 1)
    return VatReturn(year, month=month)


def days_left(due: date, today: date) -> int:
    """Calendar days from ``today`` to ``due``; negative once it has passed."""
    return (due - today).days


URGENCY_RED_DAYS = 3
URGENCY_AMBER_DAYS = 7


def urgency(due: date, today: date) -> str:
    """``red`` under three days or overdue, ``amber`` under seven, else ``calm``."""
    left = days_left(due, today)
    if left < URGENCY_RED_DAYS:
        return "red"
    return "amber" if left < URGENCY_AMBER_DAYS else "calm"


@dataclass(frozen=True)
class WorkingHours:
    """The hours support counts as working time (local time, working days only)."""

    start: time = time(8, 30)
    end: time = time(17, 30)
    timezone: str = "Europe/Brussels"

    def between(self, since: datetime, until: datetime) -> timedelta:
        """Working time from ``since`` to ``until`` (aware datetimes)."""
        zone = ZoneInfo(self.timezone)
        since, until = since.astimezone(zone), until.astimezone(zone)
        total, day = timedelta(), since.date()
        while day <= until.date():
            if is_working_day(day):
                opens = datetime.combine(day, self.start, zone)
                closes = datetime.combine(day, self.end, zone)
                overlap = min(closes, until) - max(opens, since)
                if overlap > timedelta():
                    total += overlap
            day += timedelta(days=1)
        return total
