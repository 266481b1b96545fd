"""The statistics page in the reader's language: time-to-fix tables with their bars (drawn
as SVG on the server), open tasks by age, and support's tasks past the target."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from babel.dates import format_timedelta

from doorstroom.failures.catalog import package_name
from doorstroom.i18n import LOCALES, N_, gettext, language_of
from doorstroom.time_to_fix import AGE_BUCKETS, CLASSES, Figures, Spread

CLASS_LABELS = {"employee": N_("Office"), "support": N_("Support")}
AGE_LABELS = {
    "under_4h": N_("Under 4 hours"),
    "under_1d": N_("4 hours to 1 day"),
    "under_3d": N_("1 to 3 days"),
    "under_7d": N_("3 to 7 days"),
    "older": N_("7 days or more"),
}


@dataclass(frozen=True)
class SpreadRow:
    """One group's line: its name, count, median and 90th percentile, and the bar lengths
    (0 to 100, against the longest 90th percentile of its table)."""

    label: str
    count: int
    p50: str
    p90: str
    acted: str
    p50_bar: float
    p90_bar: float


@dataclass(frozen=True)
class AgeRow:
    """One age bucket: the open tasks per class, and the bar lengths (0 to 100)."""

    label: str
    counts: tuple[int, ...]
    bars: tuple[float, ...]


@dataclass(frozen=True)
class StatisticsView:
    """Everything the page shows."""

    by_class: tuple[SpreadRow, ...]
    by_package: tuple[SpreadRow, ...]
    by_office: tuple[SpreadRow, ...]
    classes: tuple[str, ...]
    by_age: tuple[AgeRow, ...]
    support_past_target: int
    fixed: int
    still_open: int
    target_hours: int


def duration(value: timedelta | None, language: str) -> str:
    """``3 uur``, ``2 dagen``: as long as it took, rounded as people say it."""
    if value is None:
        return "-"
    return format_timedelta(value, threshold=1.2, locale=LOCALES[language_of(language)])


def _rows(spreads: tuple[Spread, ...], language: str,
          name: Callable[[str], str] = str) -> tuple[SpreadRow, ...]:
    longest = max((s.p90.total_seconds() for s in spreads), default=0.0) or 1.0
    return tuple(SpreadRow(
        label=name(s.group), count=s.count,
        p50=duration(s.p50, language), p90=duration(s.p90, language),
        acted=duration(s.acted_p50, language),
        p50_bar=round(100 * s.p50.total_seconds() / longest, 1),
        p90_bar=round(100 * s.p90.total_seconds() / longest, 1)) for s in spreads)


def statistics_view(found: Figures, language: str, target: timedelta) -> StatisticsView:
    """The figures as the reader sees them."""
    most = max((n for counts in found.open_by_age.values() for n in counts.values()),
               default=0) or 1
    ages = tuple(AgeRow(
        gettext(language, AGE_LABELS[bucket]),
        tuple(found.open_by_age.get(c, {}).get(bucket, 0) for c in CLASSES),
        tuple(round(100 * found.open_by_age.get(c, {}).get(bucket, 0) / most, 1)
              for c in CLASSES)) for bucket, _ in AGE_BUCKETS)
    return StatisticsView(
        by_class=_rows(found.by_class, language,
                       lambda key: gettext(language, CLASS_LABELS.get(key) or key)),
        by_package=_rows(found.by_package, language,
                         lambda key: package_name(key, language)),
        by_office=_rows(found.by_office, language),
        classes=tuple(gettext(language, CLASS_LABELS[c]) for c in CLASSES),
        by_age=ages, support_past_target=found.support_past_target, fixed=found.fixed,
        still_open=found.still_open, target_hours=round(target.total_seconds() / 3600))
