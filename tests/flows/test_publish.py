"""Which task outcomes a run announces as Doorstroom events: those that wait for someone.
A booking done is said by Prefect's own task-run event only."""

from __future__ import annotations

import pytest

from flows.publish import outcome_event


@pytest.mark.parametrize(("state", "with_incident", "event"), [
    ("EmployeeActionRequired", False, "employee-action-required"),
    ("EmployeeActionRequired", True, "employee-action-required"),
    ("SupportRequired", False, "support-required"),
    ("SupportRequired", True, "waits-for-outage"),
    ("Completed", False, None),
    ("RunningElsewhere", False, None),
    (None, False, None),
])
def test_only_an_outcome_that_waits_for_someone_is_an_event(
        state: str | None, with_incident: bool, event: str | None) -> None:
    assert outcome_event(state, with_incident) == event
