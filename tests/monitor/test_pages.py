"""The monitor's pages: rights for every object, escaping, CSRF, urgency, languages."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from doorstroom.documents.service import submit
from doorstroom.failures import Responsibility
from doorstroom.store import incidents
from doorstroom.store.db import session_scope
from doorstroom.store.models import AuditEntry, SyncTask, TaskKind, TaskStatus, UserRole
from tests.helpers import A_PDF, a_dossier, a_proposal, a_task, a_user, an_office, email_of
from tests.monitor.conftest import csrf_of, log_in, post
from tests.store.test_incidents import EXHAUSTED_503, close_all_open, failed_in_a_run

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
RIGHTS = "exact_online.dossier_rights_missing"


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(role=st.sampled_from(list(UserRole)), own_office=st.booleans(),
       holds_right=st.booleans())
def test_rights_matrix_over_every_view_and_the_restart(
        monitor: TestClient, role: UserRole, own_office: bool, holds_right: bool) -> None:
    office, other = an_office("Mine"), an_office("Other")
    name = f"Matrix {role.value} {own_office} {holds_right} {other}"
    dossier = a_dossier(office if own_office else other, name, 0, "b")
    task = a_task(dossier, Responsibility.EMPLOYEE, RIGHTS, {"dossier": name})
    viewer = a_user(role, None if role == UserRole.SUPPORT else office,
                    [dossier] if holds_right else [])
    allowed = (role == UserRole.SUPPORT or (role == UserRole.OFFICE and own_office)
               or (role == UserRole.DOSSIER and own_office and holds_right))
    assert log_in(monitor, email_of(viewer)) == 303

    listed = f'<tr data-dossier="{dossier}">' in monitor.get("/clients", params={"q": name}).text
    in_office_list = f'id="task-{task}"' in monitor.get("/tasks").text
    pages = [monitor.get(url).status_code for url in
             (f"/dossiers/{dossier}", f"/dossiers/{dossier}/summary", f"/tasks/{task}/row")]
    restart = post(monitor, f"/tasks/{task}/restart", page="/tasks")
    urgent = post(monitor, f"/tasks/{task}/urgent", page="/tasks")

    assert listed is allowed and in_office_list is allowed
    assert pages == ([200, 200, 200] if allowed else [404, 404, 404])
    # allowed: refused for a reason of the task itself (it never ran / is not red), never 404
    assert restart == (303 if allowed else 404)
    assert urgent == (303 if allowed else 404)


def test_given_a_viewer_of_another_office_then_no_list_leaks_a_row(monitor: TestClient) -> None:
    mine, theirs = an_office("Mine"), an_office("Theirs")
    hidden = a_dossier(theirs, "Geheim Dossier BV", 0, "b")
    a_task(hidden, Responsibility.SUPPORT, "unexpected_error", {"detail": "Geheimschrift"})
    log_in(monitor, email_of(a_user(UserRole.OFFICE, mine)))
    for url in ("/clients", "/clients?q=Geheim", "/tasks", "/tasks?show=open", "/support"):
        html = monitor.get(url).text
        assert "Geheim Dossier BV" not in html and "Geheimschrift" not in html, url


def test_payloads_in_names_numbers_and_parameters_come_out_escaped(
        monitor: TestClient) -> None:
    office = an_office(XSS)
    dossier = a_dossier(office, f"Dossier {XSS}", 0, "b")
    with session_scope() as session:
        document = submit(session, dossier, a_proposal(number=f"F-{XSS}", supplier=XSS),
                          []).document_id
        session.query(SyncTask).filter(SyncTask.document_id == document).update({
            "status": "failed", "responsibility": "employee", "failure_code": RIGHTS,
            "failure_params": {"dossier": XSS}})
    a_task(dossier, Responsibility.SUPPORT, "unexpected_response",
           {"package": XSS, "problem": XSS})
    log_in(monitor, email_of(a_user(UserRole.SUPPORT, None)))
    for url in ("/clients", f"/dossiers/{dossier}", "/tasks", "/support"):
        html = monitor.get(url).text
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html, url


def test_a_cross_site_post_is_refused(monitor: TestClient) -> None:
    office = an_office()
    dossier = a_dossier(office, "Csrf NV", 0, "b")
    task = a_task(dossier, Responsibility.SUPPORT, "unexpected_error", {"detail": "x"})
    log_in(monitor, email_of(a_user(UserRole.OFFICE, office, language="en")))
    token = csrf_of(monitor.get("/tasks").text)
    url = f"/tasks/{task}/urgent"

    no_token = monitor.post(url, data={})
    wrong_token = monitor.post(url, data={"csrf": "forged"})
    other_site = monitor.post(url, data={"csrf": token},
                              headers={"origin": "https://evil.example"})
    fetch_cross_site = monitor.post(url, data={"csrf": token},
                                    headers={"sec-fetch-site": "cross-site"})
    assert [a.status_code for a in (no_token, wrong_token, other_site, fetch_cross_site)] == [
        403, 403, 403, 403]
    assert "another site" in other_site.text
    with session_scope() as session:
        assert session.get_one(SyncTask, task).urgent is False
    same_site = monitor.post(url, data={"csrf": token},
                             headers={"origin": "https://monitor.test",
                                      "sec-fetch-site": "same-origin"})
    assert same_site.status_code == 303


def test_office_staff_mark_a_red_task_urgent_and_support_sees_it_first(
        monitor: TestClient) -> None:
    office = an_office()
    dossier = a_dossier(office, "Urgent Transport", 0, "b")
    first = a_task(dossier, Responsibility.SUPPORT, "unexpected_error", {"detail": "a"})
    second = a_task(dossier, Responsibility.SUPPORT, "unexpected_error", {"detail": "b"})
    orange = a_task(dossier, Responsibility.EMPLOYEE, RIGHTS, {"dossier": "x"})
    staff = a_user(UserRole.DOSSIER, office, [dossier], language="en")
    log_in(monitor, email_of(staff))
    assert post(monitor, f"/tasks/{orange}/urgent", page="/support") == 303
    fragment = monitor.post(f"/tasks/{second}/urgent",
                            headers={"x-requested-with": "fetch",
                                     "x-csrf-token": csrf_of(monitor.get("/support").text)})
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith(f'<tr id="task-{second}"')
    assert "Marked urgent" in fragment.text and "Urgent" in fragment.text

    mine = [int(i) for i in re.findall(r'<tr id="task-(\d+)"', monitor.get("/support").text)]
    assert mine.index(second) < mine.index(first)  # the same order support works in
    assert orange not in mine
    log_in(monitor, email_of(a_user(UserRole.SUPPORT, None)))
    queue = monitor.get("/support").text  # every office's red tasks: urgent on the first page
    assert f'<tr id="task-{second}"' in queue
    with session_scope() as session:
        escalations = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "escalate").order_by(AuditEntry.id)).all()
        assert [(e.object_id, e.user_id) for e in escalations][-1:] == [
            (str(second), staff.user_id)]
        assert session.get_one(SyncTask, orange).urgent is False


def test_each_user_reads_the_pages_and_the_instruction_in_their_language(
        monitor: TestClient) -> None:
    office = an_office()
    dossier = a_dossier(office, "Taal BV", 0, "b")
    a_task(dossier, Responsibility.EMPLOYEE, RIGHTS, {"dossier": "Taal BV"})
    expected = {
        "nl": ("Opvolging synchronisatie", "Actie medewerker vereist",
               "zijn de dossierrechten"),
        "fr": ("Suivi de synchronisation", "Action collaborateur requise", "Taal BV"),
        "en": ("Sync follow-up", "Action required from the office", "Taal BV"),
    }
    for language, texts in expected.items():
        log_in(monitor, email_of(a_user(UserRole.OFFICE, office, language=language)))
        html = monitor.get(f"/dossiers/{dossier}").text
        assert f'<html lang="{language}">' in html
        for text in texts:
            assert text in html, (language, text)


def test_the_language_can_be_changed_on_the_page(monitor: TestClient) -> None:
    office = an_office()
    log_in(monitor, email_of(a_user(UserRole.OFFICE, office, language="nl")))
    assert "Actieve klanten" in monitor.get("/clients").text
    assert post(monitor, "/language", language="fr", next="/clients") == 303
    assert "Clients actifs" in monitor.get("/clients").text


def test_unknown_objects_and_bad_parameters_get_a_clear_answer(monitor: TestClient) -> None:
    log_in(monitor, email_of(a_user(UserRole.SUPPORT, None, language="en")))
    missing = monitor.get("/dossiers/999999")
    assert missing.status_code == 404
    assert "does not exist, or you may not see it" in missing.text
    answer = monitor.get("/clients?page=0")  # a number out of range: a page saying so
    assert answer.status_code == 400
    assert "The request was not understood" in answer.text
    for edited in ("/clients?icon=purple", "/tasks?status=purple", "/tasks?show=sometimes"):
        assert monitor.get(edited).status_code == 200  # a choice it does not know: no filter


def test_active_clients_paginate_and_filter(monitor: TestClient) -> None:
    office = an_office()
    for number in range(60):
        dossier = a_dossier(office, f"Pagina {number:02d}", 0, "b")
        if number % 20 == 0:
            a_task(dossier, Responsibility.EMPLOYEE, RIGHTS, {"dossier": "x"})
    log_in(monitor, email_of(a_user(UserRole.OFFICE, office, language="en")))
    first = monitor.get("/clients").text
    second = monitor.get("/clients", params={"page": 2}).text
    assert "60 dossiers" in first and "Page 1 of 2" in first
    assert "Pagina 00" in first and "Pagina 59" in second and "Pagina 59" not in first
    orange = monitor.get("/clients", params={"icon": "orange", "q": "pagina"}).text
    assert "3 dossiers" in orange
    assert re.findall(r"Pagina \d+", orange) == ["Pagina 00", "Pagina 20", "Pagina 40"]


def test_given_a_task_someone_restarted_already_then_the_restart_is_an_ok_that_says_who(
        monitor: TestClient) -> None:
    office = an_office("Tweemaal")
    dossier = a_dossier(office, "Tweemaal BV", 0, "b")
    task = a_task(dossier, Responsibility.EMPLOYEE, RIGHTS, {"dossier": "Tweemaal BV"})
    with session_scope() as session:  # Els restarted it a moment ago: it is queued again
        queued = session.get_one(SyncTask, task)
        queued.status, queued.responsibility = TaskStatus.QUEUED, None
        queued.restarted_by, queued.last_flow_run_id = "els@kantoor.be", "run-1"
    log_in(monitor, email_of(a_user(UserRole.OFFICE, office, language="nl")))
    token = csrf_of(monitor.get("/tasks").text)

    answer = monitor.post(f"/tasks/{task}/restart", data={"csrf": token},
                          headers={"x-requested-with": "fetch"})

    assert answer.status_code == 200  # it runs again, as asked: no refusal
    assert "Al opnieuw gestart door els@kantoor.be" in answer.text


def test_bookings_behind_a_failed_dossier_link_say_what_they_wait_for(
        monitor: TestClient) -> None:
    office = an_office("Wachtend")
    dossier = a_dossier(office, "Brouwerij Wacht", 0, "b")
    with session_scope() as session:
        session.add(SyncTask(dossier_id=dossier, kind=TaskKind.CREATE_DOSSIER,
                             status=TaskStatus.FAILED, responsibility=Responsibility.EMPLOYEE,
                             failure_code=RIGHTS, failure_params={"dossier": "Brouwerij Wacht"},
                             attempts=1))
        waiting = submit(session, dossier, a_proposal(), []).document_id
        task = session.scalar(select(SyncTask.id).where(SyncTask.document_id == waiting))
    elsewhere = a_dossier(office, "Gewoon In De Rij", 0, "b")
    with session_scope() as session:
        submit(session, elsewhere, a_proposal(), [])
    log_in(monitor, email_of(a_user(UserRole.OFFICE, office)))

    page = monitor.get(f"/dossiers/{dossier}").text
    row = monitor.get(f"/tasks/{task}/row").text
    plain = monitor.get(f"/dossiers/{elsewhere}").text

    assert "Wacht op: Dossier aanmaken" in page and "Wacht op: Dossier aanmaken" in row
    assert "Wachtend" in plain and "Wacht op" not in plain


def test_a_partly_prepaid_document_shows_what_is_still_due(monitor: TestClient) -> None:
    office = an_office("Voorschot")
    dossier = a_dossier(office, "Voorschot NV", 0, "b")
    prepaid = a_proposal("VS-1").model_copy(update={"prepaid": Decimal("100.00"),
                                                    "payable": Decimal("21.00")})
    with session_scope() as session:
        submit(session, dossier, prepaid, [])
        submit(session, dossier, a_proposal("VS-2"), [])
    log_in(monitor, email_of(a_user(UserRole.OFFICE, office)))

    page = monitor.get(f"/dossiers/{dossier}").text

    assert "VS-1 · Acme NV · te betalen € 21,00" in page.replace("\xa0", " ")
    assert "VS-2 · Acme NV</a>" in page and "VS-2 · Acme NV ·" not in page


def test_the_follow_up_narrows_by_dossier_package_status_and_text_and_exports_csv(
        monitor: TestClient) -> None:
    office = an_office("Filterkantoor")
    bakery = a_dossier(office, "=Bakkerij Filter", 0, "b")  # a formula, to a spreadsheet
    garage = a_dossier(office, "Garage Filter", 0, "b")
    with session_scope() as session:
        document = submit(session, bakery, a_proposal(number="F-FILTER-1",
                                                      supplier="Meelhandel"), []).document_id
        session.query(SyncTask).filter(SyncTask.document_id == document).update({
            "status": "failed", "responsibility": "employee", "failure_code": RIGHTS,
            "failure_params": {"dossier": "Bakkerij Filter"}})
    red = a_task(garage, Responsibility.SUPPORT, "unexpected_error", {"error": "Geheim"})
    done = a_task(garage, None)
    log_in(monitor, email_of(a_user(UserRole.OFFICE, office, language="nl")))

    def ids(**query: str) -> set[int]:
        html = monitor.get("/tasks", params=query).text
        return {int(found) for found in re.findall(r'id="task-(\d+)"', html)}

    everything = ids()
    assert red in everything and done in everything
    assert ids(dossier="garage") == {red, done}
    assert ids(status="support") == {red}
    assert ids(status="done", dossier="filter") == {done}
    [orange] = ids(q="f-filter")
    assert ids(q="meelhandel") == {orange}
    assert ids(status="purple", package="nope") == everything  # edited: the whole list
    assert monitor.get("/clients", params={"icon": "purple"}).status_code == 200

    export = monitor.get("/tasks.csv", params={"dossier": "filter"})
    assert export.status_code == 200
    assert export.headers["content-disposition"].startswith("attachment")
    lines = export.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Datum;Dossier;Kantoor;Document")
    assert len(lines) == 3  # the open ones: orange and red, not the done one
    assert "\n'=Bakkerij Filter" in export.text.replace(";", "\n")
    assert "Geheim" not in export.text


def test_one_cause_over_many_documents_is_one_problem_with_one_restart(
        monitor: TestClient) -> None:
    office = an_office("Probleem")
    dossier = a_dossier(office, "Brouwerij Probleem", 0, "b")
    blocked = [a_task(dossier, Responsibility.EMPLOYEE, "exact_online.division_access_lost",
                      {"dossier": "Brouwerij Probleem"}) for _ in range(12)]
    log_in(monitor, email_of(a_user(UserRole.OFFICE, office, language="nl")))

    page = monitor.get(f"/dossiers/{dossier}").text
    assert page.count('class="problem employee"') == 1
    assert "12 taken wachten hierop" in page and "Alle 12 taken opnieuw opstarten" in page
    assert "1 probleem" in page
    for task in blocked:  # expandable to its tasks
        assert f'href="/dossiers/{dossier}#task-{task}"' in page

    token = csrf_of(page)
    answer = monitor.post("/problems/restart", data={"csrf": token, "only": "999-abc",
                                                     "next": f"/dossiers/{dossier}"})
    assert answer.status_code == 303
    after = monitor.get(answer.headers["location"]).text
    assert "Deze problemen zijn al opgelost of opnieuw gestart" in after


def test_a_tasks_page_shows_the_document_its_failure_and_history_and_serves_its_pdf(
        monitor: TestClient) -> None:
    office, other = an_office("Documentkantoor"), an_office("Ander kantoor")
    dossier = a_dossier(office, "Document BV", 0, "b")
    with session_scope() as session:
        document = submit(session, dossier, a_proposal(number="F-2026-77", supplier="Acme NV"),
                          [A_PDF]).document_id
        task = session.query(SyncTask).filter(SyncTask.document_id == document).one()
        task.status, task.responsibility = TaskStatus.FAILED, Responsibility.EMPLOYEE
        task.failure_code, task.failure_params = "no_open_booking_period", {"period": "202603"}
        task.finished_at = task.created_at
        task_id = task.id
        [stored] = task.document.files
        file_id = stored.id
    log_in(monitor, email_of(a_user(UserRole.OFFICE, office, language="nl")))

    page = monitor.get(f"/tasks/{task_id}")
    assert page.status_code == 200
    html = page.text.replace("\xa0", " ")
    assert "F-2026-77" in html and "Acme NV" in html and "10 mrt 2026" in html
    assert "€ 121,00" in html and "€ 21,00" in html  # amounts as written in Belgium
    assert "Mislukt op" in html and "geleden" in html
    assert "Er is geen open boekperiode gevonden voor periode 202603" in html

    download = monitor.get(f"/tasks/{task_id}/files/{file_id}")
    assert download.status_code == 200 and download.content == A_PDF.content
    assert download.headers["content-disposition"].startswith("attachment; filename=")

    log_in(monitor, email_of(a_user(UserRole.OFFICE, other, language="nl")))
    assert monitor.get(f"/tasks/{task_id}").status_code == 404
    assert monitor.get(f"/tasks/{task_id}/files/{file_id}").status_code == 404


def test_a_rows_date_is_the_failure_and_marking_it_urgent_moves_neither_date_nor_order(
        monitor: TestClient) -> None:
    office = an_office("Datumkantoor")
    dossier = a_dossier(office, "Datum BV", 0, "b")
    older = a_task(dossier, Responsibility.SUPPORT, "unexpected_error", {"error": "a"})
    newer = a_task(dossier, Responsibility.SUPPORT, "unexpected_error", {"error": "b"})
    with session_scope() as session:
        for task_id, moment in ((older, datetime(2026, 3, 2, 9, 0, tzinfo=UTC)),
                                (newer, datetime(2026, 3, 9, 9, 0, tzinfo=UTC))):
            session.get_one(SyncTask, task_id).finished_at = moment
    log_in(monitor, email_of(a_user(UserRole.OFFICE, office, language="nl")))
    queue = monitor.get("/support").text  # the office's red tasks, as support orders them
    assert ">2/03/2026" in queue and ">9/03/2026" in queue  # the failures' own dates
    assert queue.index(f'id="task-{older}"') < queue.index(f'id="task-{newer}"')

    assert post(monitor, f"/tasks/{newer}/urgent", page="/support") == 303
    after = monitor.get("/support").text
    assert ">9/03/2026" in after  # marked urgent: its date stays the failure's
    order = [int(i) for i in re.findall(r'<tr id="task-(\d+)"', after)]
    assert order.index(newer) < order.index(older)  # urgent first, then the oldest failure


def test_an_outage_is_one_row_for_support_and_a_banner_for_the_offices_it_touches(
        monitor: TestClient) -> None:
    close_all_open()
    office, elsewhere = an_office("Kantoor Banner"), an_office("Kantoor Zonder")
    runs = [failed_in_a_run(a_dossier(office, f"Banner {n}", 0, "b"), *EXHAUSTED_503)
            for n in range(12)]
    for run in runs:
        incidents.join_run(run)
    with session_scope() as session:
        outage_tasks = list(session.scalars(select(SyncTask.id).where(
            SyncTask.last_flow_run_id.in_(runs))))

    log_in(monitor, email_of(a_user(UserRole.SUPPORT, None, language="nl")))
    support = monitor.get("/support").text
    assert support.count('class="incident"') == 1
    assert "Exact Online antwoordt niet (503) — 12 dossiers" in support
    assert not any(f'id="task-{task}"' in support for task in outage_tasks)  # one row, not 12

    log_in(monitor, email_of(a_user(UserRole.OFFICE, office, language="nl")))
    assert "Storing bij Exact Online: wij volgen op, u hoeft niets te doen." in monitor.get(
        "/clients").text
    rows = monitor.get("/tasks").text  # each of its tasks says so too, no retry text
    assert "U hoeft niets te doen." in rows and "herhaalde pogingen" not in rows
    log_in(monitor, email_of(a_user(UserRole.OFFICE, elsewhere, language="fr")))
    assert "Panne" not in monitor.get("/clients").text  # not their dossiers: no banner
    close_all_open()
