"""The ``follow-incident`` flow: one run follows one outage from its first failure to its end.

Started by the ``doorstroom-incident`` automation when a sync run opens an incident (and by
the dispatch sweep for an incident nobody follows: its event lost, its follower dead). It
looks read-only at the package through one of the failed dossiers until it answers; support
is told once, when the first look finds it still down (a blip that is over by then needs
nobody). Then it restarts every run the incident holds at the package's pace (a Prefect
rate limit) and waits for them; the incident closes when none of its tasks failed again. A
run that failed again in the same way (the package went away once more) keeps it open: the
follower looks again. After ``max_minutes`` it hands the incident back for the sweep to pass
on, so no run outlives the running bound of the recover sweep.
"""

from __future__ import annotations

from datetime import timedelta

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from connectors.base import DossierRef
from connectors.rate_limits import RateLimit, RateLimiter
from connectors.registry import descriptor
from doorstroom.clock import SYSTEM, Clock
from doorstroom.dispatching import start_runs
from doorstroom.events import INCIDENT_RESOURCE
from doorstroom.failures import SyncFailure
from doorstroom.notifications import compose
from doorstroom.notifications.mail import load_connection, message, send
from doorstroom.restart import RestartRefused, restart_flow_run
from doorstroom.settings import get_settings
from doorstroom.store import incidents, queries
from doorstroom.store import repository as repo
from doorstroom.store.db import session_scope
from doorstroom.views.incidents import incident_row

clock: Clock = SYSTEM
"""Where the follower sleeps (tests move a fake clock)."""
STALE = timedelta(minutes=5)
"""A follower not seen for this long is dead: the sweep hands its incident to another."""
SETTLE_POLL = 2.0


def _number(incident_id: str | int) -> int:
    return int(str(incident_id).removeprefix(f"{INCIDENT_RESOURCE}."))


def _notify(number: int) -> int:
    """Support's one notice of the incident (whoever follows it, however often)."""
    settings = get_settings()
    with session_scope() as session:
        team = queries.support_team(session)
        if not team or not incidents.claim_notice(session, number):
            return 0
        view = incidents.view(session, number)
        if view is None:
            return 0
        connection = load_connection()
        mails = []
        for person in team:
            row = incident_row(view, person.language, settings.timezone)
            subject, text = compose.incident_notice(row, person.language,
                                                    settings.monitor_url.rstrip("/"))
            mails.append(message(connection.sender, person.email, subject, text,
                                 person.language))
        send(mails, connection)
        repo.audit(session, "follow-incident", "incident-notice", "incident", str(number),
                   {"to": [p.email for p in team], "dossiers": view.dossiers})
    return len(mails)


def _answers(number: int, run_id: str) -> bool | None:
    """One read-only look at the package; ``None`` when nothing of the incident waits."""
    with session_scope() as session:
        target = incidents.probe_target(session, number)
    if target is None:
        return None
    package = descriptor(target.package)
    answered = True
    try:
        connector = package.open(DossierRef(target.dossier_id, target.name, target.external_id),
                                 target.block)
        try:
            connector.check_dossier()
        finally:
            connector.close()
    except SyncFailure as failure:  # an answer that is an error still is an answer
        answered = failure.code.outage is None
    with session_scope() as session:
        incidents.record_probe(session, number, run_id, answered)
    return answered


def _restart_all(number: int, package: str, per_minute: int) -> int:
    """Restart every run the incident holds, no faster than ``per_minute``."""
    logger = get_run_logger()
    burst = max(1, per_minute // 12)
    pace = RateLimiter(package, "incident-restarts", [RateLimit("minute", per_minute,
                                                                burst=burst)])
    with session_scope() as session:
        runs = incidents.runs_to_restart(session, number)
        waiting = incidents.waiting_dossiers(session, number)
    restarted = started = 0
    for run in runs:
        pace.acquire()
        try:
            restart_flow_run(run, actor=f"incident #{number}")
            restarted += 1
        except RestartRefused as refused:  # someone restarted it first, or it is gone
            logger.info("run %s not restarted: %s", run, refused)
    for first in range(0, len(waiting), burst):  # work that arrived during the outage
        chunk = waiting[first:first + burst]
        pace.acquire(len(chunk))
        started += start_runs(len(chunk), dossier_ids=chunk)
    logger.info("incident %d: %d of %d runs restarted, %d started for work that waited",
                number, restarted, len(runs), started)
    return restarted + started


def _settled(number: int, run_id: str, deadline: float) -> bool:
    """Wait until none of the incident's tasks is queued or running (or the deadline)."""
    while clock.monotonic() < deadline:
        with session_scope() as session:
            counts = incidents.counts(session, number)
            incidents.follow(session, number, run_id, STALE)  # still alive
        if not any(counts.get(status, 0) for status in ("pending", "queued", "running")):
            return True
        clock.sleep(SETTLE_POLL)
    return False


def _name() -> str:
    return f"incident {_number(flow_run.parameters.get('incident_id', '?'))}"


@flow(name="follow-incident", flow_run_name=_name)
def follow_incident(incident_id: str, probe_seconds: float | None = None,
                    restarts_per_minute: int | None = None, max_minutes: float = 90.0) -> str:
    """Follow one incident: notice, probe, paced restart, close; return how it ended."""
    logger = get_run_logger()
    number, run_id = _number(incident_id), str(flow_run.id)
    with session_scope() as session:
        incident = incidents.get(session, number)
        if incident is None or incident.resolved_at is not None:
            return "closed already"
        if not incidents.follow(session, number, run_id, STALE):
            return "followed by another run"
        package = incident.package
    settings = get_settings()
    every = probe_seconds or settings.incident_probe_seconds
    per_minute = (restarts_per_minute or settings.incident_restarts_per_minute
                  or descriptor(package).restarts_per_minute)
    deadline = clock.monotonic() + max_minutes * 60
    while clock.monotonic() < deadline:
        answered = _answers(number, run_id)
        if answered is False:  # an outage, not a blip: support hears of it once
            _notify(number)
        if answered:
            _restart_all(number, package, per_minute)
            _settled(number, run_id, deadline)
        if answered is None or answered:
            with session_scope() as session:
                if incidents.resolve(session, number):
                    logger.info("incident %d closed", number)
                    return "resolved"
        clock.sleep(every)
    with session_scope() as session:
        incidents.let_go(session, number, run_id)
    return "still open: handed back to the sweep"
