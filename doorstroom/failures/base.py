"""The failure family every connector raises and every flow classifies.

Modelled on Airbyte's ``AirbyteTracedException`` (one root, a failure type, the person-facing
message kept apart from the internal one) and Singer SDK's split by what to do next: a failure
says *who* acts (support, an office employee, or nobody because it is transient).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from doorstroom.failures.codes import FailureCode, Kind


class Responsibility(enum.StrEnum):
    """Who must act on a failed task (the monitor's red and orange)."""

    SUPPORT = "support"
    EMPLOYEE = "employee"


class SyncFailure(Exception):
    """A classified failure: code + params render the instruction; ``detail`` is internal."""

    state_name = "Failed"
    responsibility: Responsibility | None = None

    def __init__(
        self, code: FailureCode, params: Mapping[str, object] | None = None, detail: str = ""
    ) -> None:
        self.code = code
        self.params = {key: str(value) for key, value in (params or {}).items()}
        missing = set(code.params) - set(self.params)
        if missing:
            raise ValueError(f"failure {code.name} lacks parameters {sorted(missing)}")
        self.detail = detail
        super().__init__(f"{code.name} {self.params}" + (f": {detail}" if detail else ""))


class EmployeeActionRequired(SyncFailure):
    """An office employee must act inside the package; then the task is restarted."""

    state_name = "EmployeeActionRequired"
    responsibility = Responsibility.EMPLOYEE


class SupportRequired(SyncFailure):
    """The support team must fix a technical cause; unknown errors land here too."""

    state_name = "SupportRequired"
    responsibility = Responsibility.SUPPORT


class TransientFailure(SyncFailure):
    """Worth retrying by itself (timeouts, 429, 5xx, lost connections)."""

    state_name = "Transient"

    def __init__(self, code: FailureCode, params: Mapping[str, object] | None = None,
                 detail: str = "", retry_after: float | None = None,
                 exhausted: SyncFailure | None = None) -> None:
        super().__init__(code, params, detail)
        self.retry_after = retry_after
        self.exhausted = exhausted
        """What this becomes when the retries run out (default: ``retries_exhausted``)."""


_CLASS_BY_KIND: dict[Kind, type[SyncFailure]] = {
    Kind.EMPLOYEE: EmployeeActionRequired,
    Kind.SUPPORT: SupportRequired,
    Kind.TRANSIENT: TransientFailure,
}


def failure(code: FailureCode, detail: str = "", **params: object) -> SyncFailure:
    """Build the failure class that belongs to ``code``; connectors call only this."""
    return _CLASS_BY_KIND[code.kind](code, params, detail)
