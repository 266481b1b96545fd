"""Monitor queries: icons and counts per dossier, and rights that no list can leak past."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from doorstroom.failures import Responsibility
from doorstroom.store.db import session_scope
from doorstroom.store.models import UserRole
from doorstroom.store.queries import active_clients, may_act_on, tasks_to_follow_up
from tests.helpers import a_dossier, a_task, a_user, an_office


def test_given_failed_tasks_then_each_dossier_gets_its_icon_and_count_orange_first(
        store_url: str) -> None:
    office = an_office("Icons")
    flowing = a_dossier(office, "A flowing", 0, "b")
    red = a_dossier(office, "B support", 0, "b")
    orange = a_dossier(office, "C employee", 0, "b")
    also_flowing = a_dossier(office, "0 flowing too", 0, "b")
    a_task(flowing, None)
    a_task(also_flowing, None)
    a_task(red, Responsibility.SUPPORT)
    a_task(orange, Responsibility.EMPLOYEE)
    a_task(orange, Responsibility.EMPLOYEE)
    viewer = a_user(UserRole.OFFICE, office)
    with session_scope() as session:
        rows, total = active_clients(session, viewer)
        oranges, _ = active_clients(session, viewer, icon="orange")
        found, _ = active_clients(session, viewer, search="suppo")
    assert total == 4  # the office can act on orange: first; then red, then black; by name
    assert [(r.name, r.icon, r.employee_tasks) for r in rows] == [
        ("C employee", "orange", 2), ("B support", "red", 0), ("0 flowing too", "black", 0),
        ("A flowing", "black", 0)]
    assert [r.name for r in oranges] == ["C employee"]
    assert [r.name for r in found] == ["B support"]


@settings(max_examples=25, deadline=None)
@given(role=st.sampled_from(list(UserRole)), own_office=st.booleans(),
       holds_right=st.booleans())
def test_rights_matrix_lists_and_actions_agree(store_url: str, role: UserRole, own_office: bool,
                                               holds_right: bool) -> None:
    office, other = an_office("Mine"), an_office("Other")
    dossier = a_dossier(office if own_office else other, "Rights NV", 0, "b")
    task = a_task(dossier, Responsibility.EMPLOYEE)
    viewer = a_user(role, None if role == UserRole.SUPPORT else office,
                    [dossier] if holds_right else [])
    expected = (role == UserRole.SUPPORT
                or (role == UserRole.OFFICE and own_office)
                or (role == UserRole.DOSSIER and own_office and holds_right))
    with session_scope() as session:
        rows, _ = active_clients(session, viewer, search="Rights NV", per_page=10_000)
        listed = dossier in {r.dossier_id for r in rows}
        followed = task in {t.id for t in tasks_to_follow_up(session, viewer, limit=100_000)}
        allowed = may_act_on(session, viewer, task)
    assert listed == followed == allowed == expected
