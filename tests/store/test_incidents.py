"""Incidents: an outage's failures over many dossiers are one incident, shown as one."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update

from doorstroom.failures import Responsibility
from doorstroom.store import incidents
from doorstroom.store.db import session_scope
from doorstroom.store.models import Incident, SyncTask, TaskStatus, UserRole, utcnow
from doorstroom.views.incidents import incident_row
from tests.helpers import a_dossier, a_task, a_user, an_office

EXHAUSTED_503 = ("retries_exhausted", {"reason": "package_unavailable", "status": "503"})


def failed_in_a_run(dossier: int, code: str, params: dict[str, str],
                    responsibility: Responsibility = Responsibility.SUPPORT) -> str:
    """A task of ``dossier`` that failed with ``code`` in a run of its own; the run's id."""
    run = str(uuid.uuid4())
    task = a_task(dossier, responsibility, code, params)
    with session_scope() as session:
        session.execute(update(SyncTask).where(SyncTask.id == task)
                        .values(last_flow_run_id=run))
    return run


def close_all_open() -> None:
    """Earlier tests' incidents must not take this test's failures in."""
    with session_scope() as session:
        session.execute(update(Incident).where(Incident.resolved_at.is_(None))
                        .values(resolved_at=utcnow(), open_key=None))


def test_503s_over_many_dossiers_of_one_package_open_one_incident(store_url: str) -> None:
    close_all_open()
    office = an_office("Kantoor Storing")
    runs = [failed_in_a_run(a_dossier(office, f"Storing {n}", 0, "b"), *EXHAUSTED_503)
            for n in range(3)]
    rights = failed_in_a_run(a_dossier(office, "Rechten BV", 0, "b"),
                             "exact_online.dossier_rights_missing", {"dossier": "Rechten BV"},
                             Responsibility.EMPLOYEE)

    opened = [incidents.join_run(run) for run in runs]
    assert incidents.join_run(rights) == []  # the office's own cause: no incident

    assert len(opened[0]) == 1 and opened[1:] == [[], []]  # opened once, joined twice
    support = a_user(UserRole.SUPPORT, None)
    with session_scope() as session:
        [shown] = incidents.open_incidents(session, support)
        assert incidents.blocking(session, "exact_online", office) == shown.id
        assert incidents.blocking(session, "winbooks", office) is None
    assert (shown.package, shown.cause, shown.status, shown.dossiers) == (
        "exact_online", "package_unavailable", "503", 3)
    row = incident_row(shown, "nl", "Europe/Brussels")
    assert row.title == "Exact Online antwoordt niet (503)" and row.dossiers == "3 dossiers"
    assert row.banner.startswith("Storing bij Exact Online: wij volgen op")


def test_an_agent_offline_is_an_incident_of_that_office_only(store_url: str) -> None:
    close_all_open()
    first, second = an_office("Kantoor Een"), an_office("Kantoor Twee")
    offline = ("agent_offline", {"package": "Wings"})
    one = failed_in_a_run(a_dossier(first, "Een BV", 0, "b", package="wings"), *offline)
    two = failed_in_a_run(a_dossier(second, "Twee BV", 0, "b", package="wings"), *offline)

    assert len(incidents.join_run(one)) == 1 and len(incidents.join_run(two)) == 1

    with session_scope() as session:
        assert incidents.blocking(session, "wings", first) != incidents.blocking(
            session, "wings", second)
        seen_by_first = incidents.open_incidents(session, a_user(UserRole.OFFICE, first))
    assert [i.office for i in seen_by_first] == ["Kantoor Een"]


def test_an_incident_closes_only_when_none_of_its_tasks_failed_and_a_new_cause_detaches(
        store_url: str) -> None:
    close_all_open()
    office = an_office("Kantoor Herstel")
    run = failed_in_a_run(a_dossier(office, "Herstel BV", 0, "b"), *EXHAUSTED_503)
    [incident_id] = incidents.join_run(run)
    with session_scope() as session:
        assert not incidents.resolve(session, incident_id)  # its task is still red
        assert incidents.runs_to_restart(session, incident_id) == [run]
        incidents.record_probe(session, incident_id, "follower", answered=True)
        assert incidents.blocking(session, "exact_online", office) is None  # answers again
        session.execute(update(SyncTask).where(SyncTask.last_flow_run_id == run).values(
            failure_code="no_open_booking_period", failure_params={"period": "202603"},
            responsibility=Responsibility.EMPLOYEE))

    assert incidents.join_run(run) == []  # after the restart it failed for its own cause

    with session_scope() as session:
        assert incidents.resolve(session, incident_id)
        assert session.get_one(Incident, incident_id).open_key is None
        assert session.scalar(
            select(SyncTask.incident_id).where(SyncTask.last_flow_run_id == run)
        ) is None
        assert session.scalar(select(SyncTask.status).where(
            SyncTask.last_flow_run_id == run)) == TaskStatus.FAILED


def test_only_one_follower_holds_an_incident_until_it_goes_quiet(store_url: str) -> None:
    close_all_open()
    run = failed_in_a_run(a_dossier(an_office("Kantoor Volg"), "Volg BV", 0, "b"),
                          *EXHAUSTED_503)
    [incident_id] = incidents.join_run(run)
    with session_scope() as session:
        assert incidents.follow(session, incident_id, "first", timedelta(minutes=5))
        assert not incidents.follow(session, incident_id, "second",
                                    timedelta(minutes=5))
        assert incident_id not in incidents.unfollowed(session, timedelta(minutes=5))
        assert incidents.claim_notice(session, incident_id)
        assert not incidents.claim_notice(session, incident_id)  # support is told once
        incidents.let_go(session, incident_id, "first")
        assert incident_id in incidents.unfollowed(session, timedelta(minutes=5))
