"""What an open incident shows: support's row ("Exact Online does not answer (503) — 312
dossiers") and the banner of the offices it touches ("nothing for you to do")."""

from __future__ import annotations

from dataclasses import dataclass

from doorstroom.failures.catalog import package_name
from doorstroom.i18n import N_, format_moment, gettext, ngettext
from doorstroom.store.incidents import IncidentView


@dataclass(frozen=True)
class IncidentRow:
    """An incident in the reader's language."""

    id: int
    title: str
    dossiers: str
    state: str
    banner: str


def _title(incident: IncidentView, package: str, language: str) -> str:
    if incident.office is not None:
        return gettext(language, N_("The %(package)s agent on the server of %(office)s does "
                                    "not answer")) % {"package": package,
                                                      "office": incident.office}
    if incident.status:
        return gettext(language, N_("%(package)s does not answer (%(status)s)")) % {
            "package": package, "status": incident.status}
    return gettext(language, N_("%(package)s does not answer")) % {"package": package}


def _state(incident: IncidentView, language: str, timezone: str) -> str:
    if incident.recovered_at is not None:
        return gettext(language, N_("Answers again since %(moment)s: Doorstroom restarts its "
                                    "tasks at the pace the package allows.")) % {
            "moment": format_moment(incident.recovered_at, language, timezone)}
    since = format_moment(incident.opened_at, language, timezone)
    if incident.last_probe_at is None:
        return gettext(language, N_("Since %(since)s. Doorstroom looks again every minute and "
                                    "restarts every task itself once it answers.")) % {
            "since": since}
    return ngettext(language, "Since %(since)s; %(num)d look, the last at %(moment)s: still "
                    "no answer. Doorstroom restarts every task itself once it answers.",
                    "Since %(since)s; %(num)d looks, the last at %(moment)s: still no answer. "
                    "Doorstroom restarts every task itself once it answers.",
                    incident.probes) % {
        "since": since, "num": incident.probes,
        "moment": format_moment(incident.last_probe_at, language, timezone)}


def incident_row(incident: IncidentView, language: str, timezone: str) -> IncidentRow:
    """The row and banner of ``incident`` for a reader of ``language``."""
    package = package_name(incident.package, language)
    return IncidentRow(
        id=incident.id, title=_title(incident, package, language),
        dossiers=ngettext(language, "%(num)d dossier", "%(num)d dossiers",
                          incident.dossiers) % {"num": incident.dossiers},
        state=_state(incident, language, timezone),
        banner=gettext(language, N_("Outage at %(package)s: we are following it up, you need "
                                    "not do anything.")) % {"package": package})
