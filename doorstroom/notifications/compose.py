"""The texts of Doorstroom's e-mails, in the reader's language (the monitor's catalogue)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment

from doorstroom.i18n import N_, environment, gettext, language_of, translations
from doorstroom.store.models import Dossier, User
from doorstroom.views import ProblemRow, TaskRow
from doorstroom.views.incidents import IncidentRow

TEMPLATES = Path(__file__).with_name("templates")


@lru_cache(maxsize=3)
def _environment(language: str) -> Environment:
    # Plain-text mail: nothing to escape; headers are set by EmailMessage, not by templates.
    return environment(TEMPLATES, language, autoescape=False, trim_blocks=True,
                       keep_trailing_newline=True)


def digest(user: User, groups: Sequence[tuple[Dossier, list[TaskRow]]],
           monitor_url: str) -> tuple[str, str]:
    """Subject and text of a dossier manager's digest."""
    language = language_of(user.language)
    count = sum(len(rows) for _, rows in groups)
    subject = translations(language).ngettext(
        "Doorstroom: %(num)d task waits for you", "Doorstroom: %(num)d tasks wait for you",
        count) % {"num": count}
    text = _environment(language).get_template("digest.txt").render(
        user=user, groups=groups, count=count, monitor_url=monitor_url)
    return subject, text


def _about_dossier(subject: str, template: str, dossier: Dossier, language: str,
                   **context: object) -> tuple[str, str]:
    """Subject (a msgid naming the dossier) and text of a mail about one dossier."""
    language = language_of(language)
    text = _environment(language).get_template(template).render(dossier=dossier, **context)
    return gettext(language, subject) % {"dossier": dossier.name}, text


def support_notice(dossier: Dossier, rows: Sequence[TaskRow], language: str,
                   monitor_url: str) -> tuple[str, str]:
    """Subject and text of the notice that support is needed for a dossier."""
    return _about_dossier(N_("Doorstroom: support needed for %(dossier)s"), "support.txt",
                          dossier, language, rows=rows, monitor_url=monitor_url)


def urgent_notice(dossier: Dossier, row: TaskRow, language: str,
                  monitor_url: str) -> tuple[str, str]:
    """Subject and text of the notice that an office marked a red task urgent."""
    return _about_dossier(N_("Doorstroom: urgent for %(dossier)s"), "urgent.txt", dossier,
                          language, row=row, monitor_url=monitor_url)


def problems_notice(user: User, new: Sequence[ProblemRow], due: Sequence[ProblemRow],
                    near: Sequence[ProblemRow], reminder_days: int,
                    monitor_url: str) -> tuple[str, str]:
    """Subject and text of an office user's notice of new orange problems, reminders, and
    problems whose VAT deadline is near (``near`` may repeat one of the others)."""
    language = language_of(user.language)
    count = len({row.key for row in (*new, *due, *near)})
    subject = translations(language).ngettext(
        "Doorstroom: %(num)d problem waits for you", "Doorstroom: %(num)d problems wait for you",
        count) % {"num": count}
    text = _environment(language).get_template("problems.txt").render(
        user=user, new=new, due=due, near=near, days=reminder_days, monitor_url=monitor_url)
    return subject, text


def incident_notice(row: IncidentRow, language: str, monitor_url: str) -> tuple[str, str]:
    """Subject and text of support's one notice of an outage over many dossiers."""
    language = language_of(language)
    text = _environment(language).get_template("incident.txt").render(
        row=row, monitor_url=monitor_url)
    return gettext(language, N_("Doorstroom: outage — %(title)s")) % {"title": row.title}, text
