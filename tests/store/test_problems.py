"""Problems: failed tasks of one dossier with one cause read as one, within the viewer's rights."""

from __future__ import annotations

from doorstroom.failures import Responsibility
from doorstroom.store.db import session_scope
from doorstroom.store.models import UserRole
from doorstroom.store.problems import problem_key, problems, tasks_of_problems
from tests.helpers import a_dossier, a_task, a_user, an_office

RIGHTS = "exact_online.division_access_lost"
PERIOD = "no_open_booking_period"


def test_tasks_with_one_code_and_the_same_parameters_are_one_problem(store_url: str) -> None:
    office = an_office("Probleemkantoor")
    dossier = a_dossier(office, "Probleem BV", 0, "b")
    other = a_dossier(office, "Ander BV", 0, "b")
    rights = [a_task(dossier, Responsibility.EMPLOYEE, RIGHTS, {"dossier": "Probleem BV"})
              for _ in range(3)]
    march = a_task(dossier, Responsibility.EMPLOYEE, PERIOD, {"period": "202603"})
    april = a_task(dossier, Responsibility.EMPLOYEE, PERIOD, {"period": "202604"})
    red = a_task(dossier, Responsibility.SUPPORT, "unexpected_error", {"error": "x"})
    elsewhere = a_task(other, Responsibility.EMPLOYEE, RIGHTS, {"dossier": "Probleem BV"})
    a_task(dossier, None)  # done: no problem
    viewer = a_user(UserRole.OFFICE, office)

    with session_scope() as session:
        found = problems(session, viewer, dossier)
        everywhere = problems(session, viewer)

    assert [(p.code, sorted(p.task_ids)) for p in found] == [  # orange first, largest first
        (RIGHTS, sorted(rights)), (PERIOD, [march]), (PERIOD, [april]),
        ("unexpected_error", [red])]
    assert found[0].key == problem_key(dossier, RIGHTS, {"dossier": "Probleem BV"})
    assert {p.dossier_id for p in everywhere} == {dossier, other}
    assert [p.task_ids for p in everywhere if p.dossier_id == other] == [(elsewhere,)]


def test_a_posted_key_finds_the_tasks_again_only_within_the_viewers_rights(
        store_url: str) -> None:
    mine, theirs = an_office("Sleutel mijn"), an_office("Sleutel hun")
    dossier = a_dossier(mine, "Sleutel BV", 0, "b")
    hidden = a_dossier(theirs, "Geheim BV", 0, "b")
    tasks = [a_task(dossier, Responsibility.EMPLOYEE, PERIOD, {"period": "201802"})
             for _ in range(2)]
    secret = a_task(hidden, Responsibility.EMPLOYEE, PERIOD, {"period": "201802"})
    key = problem_key(dossier, PERIOD, {"period": "201802"})
    hidden_key = problem_key(hidden, PERIOD, {"period": "201802"})
    viewer = a_user(UserRole.OFFICE, mine)

    later = a_task(dossier, Responsibility.EMPLOYEE, PERIOD, {"period": "201802"})
    with session_scope() as session:
        found = tasks_of_problems(session, viewer, [key, hidden_key, "x", "12-zz", "-1-"])

    assert found == {key: sorted([*tasks, later])}  # and what failed for it since
    assert secret not in found.get(hidden_key, [])
