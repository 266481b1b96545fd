from __future__ import annotations

from prefect.states import Completed, Failed

from flows.outcome import summarise


def test_given_mixed_outcomes_then_support_is_most_severe() -> None:
    state = summarise([Completed(), Failed(name="EmployeeActionRequired", message="open it"),
                       Failed(name="SupportRequired", message="we look")], 0, "en")
    assert state.name == "SupportRequired"
    assert state.message == "1 task (of 3) waits for support. we look"


def test_given_an_employee_failure_and_waiting_tasks_then_they_count_in_the_total() -> None:
    state = summarise([Failed(name="EmployeeActionRequired", message="Grant rights.")], 2, "nl")
    assert state.name == "EmployeeActionRequired"
    assert state.message == "1 taak (van 3) wacht op een actie van het kantoor. Grant rights."


def test_given_all_done_then_completed() -> None:
    state = summarise([Completed(), Completed()], 0, "fr")
    assert state.is_completed()
    assert state.message == "2 tâches terminées."


def test_one_task_done_is_said_in_the_singular() -> None:
    assert summarise([Completed()], 0, "nl").message == "1 taak afgewerkt."


def test_a_run_with_nothing_open_says_so_rather_than_zero_tasks_done() -> None:
    state = summarise([], 0, "nl")
    assert state.is_completed()
    assert state.message == "Niets meer te doen: deze run heeft geen open taken."
