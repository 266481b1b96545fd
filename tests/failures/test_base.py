from __future__ import annotations

import pytest

from doorstroom.failures import (
    EmployeeActionRequired,
    Responsibility,
    SupportRequired,
    TransientFailure,
    failure,
)
from doorstroom.failures import codes as c


def test_given_a_code_when_building_a_failure_then_its_class_carries_who_acts() -> None:
    employee = failure(c.NO_OPEN_BOOKING_PERIOD, period="202603")
    support = failure(c.RETRIES_EXHAUSTED, reason="HTTP 502")
    transient = failure(c.CONNECTION_LOST)
    assert isinstance(employee, EmployeeActionRequired)
    assert employee.responsibility == Responsibility.EMPLOYEE
    assert employee.state_name == "EmployeeActionRequired"
    assert isinstance(support, SupportRequired)
    assert support.state_name == "SupportRequired"
    assert isinstance(transient, TransientFailure)
    assert transient.responsibility is None


def test_given_a_failure_without_its_parameters_when_built_then_refused() -> None:
    with pytest.raises(ValueError, match="lacks parameters"):
        failure(c.NO_OPEN_BOOKING_PERIOD)
