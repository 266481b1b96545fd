"""How a waiting document's VAT deadline reads: "btw-aangifte oktober 2026 — nog 3 dagen",
coloured red under three days or overdue and amber under seven."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel.dates import format_date

from doorstroom import clock
from doorstroom.i18n import LOCALES, N_, gettext, language_of, ngettext
from doorstroom.store.queries import Impact
from doorstroom.vat_calendar import VatReturn, days_left, urgency


@dataclass(frozen=True)
class Deadline:
    """The deadline a waiting document has, in the reader's language."""

    text: str
    level: str
    """``red``, ``amber`` or ``calm`` (the row's colour)."""
    due: date


def return_name(vat_return: VatReturn, language: str) -> str:
    """``oktober 2026`` or ``3e kwartaal 2026`` as the reader names the return."""
    if vat_return.quarter:
        return gettext(language, N_("Q%(quarter)d %(year)d")) % {
            "quarter": vat_return.quarter, "year": vat_return.year}
    return format_date(date(vat_return.year, vat_return.month, 1), "LLLL yyyy",
                       locale=LOCALES[language_of(language)])


def deadline(vat_return: str | None, due: date | None, today: date,
             language: str) -> Deadline | None:
    """The deadline of a document in return ``vat_return`` due on ``due``, seen ``today``."""
    if not vat_return or due is None:
        return None
    period = return_name(VatReturn.parse(vat_return), language)
    left = days_left(due, today)
    if left > 0:
        text = ngettext(language, "VAT return %(period)s — %(num)d day left",
                        "VAT return %(period)s — %(num)d days left", left)
    elif left == 0:
        text = gettext(language, N_("VAT return %(period)s — due today"))
    else:
        text = ngettext(language, "VAT return %(period)s — %(num)d day overdue",
                        "VAT return %(period)s — %(num)d days overdue", -left)
    return Deadline(text % {"period": period, "num": abs(left)}, urgency(due, today), due)


@dataclass(frozen=True)
class ImpactView:
    """What waits in a dossier, as its summary line says it."""

    documents: int
    vat: tuple[tuple[str, Decimal], ...]
    deadline: Deadline | None


def impact_view(impact: Impact, language: str, timezone: str) -> ImpactView:
    """The summary of a dossier's waiting documents for a reader."""
    return ImpactView(impact.documents, impact.vat,
                      deadline(impact.vat_return, impact.due, clock.today(timezone), language))
