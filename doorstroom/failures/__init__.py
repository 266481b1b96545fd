"""Failures are values: a code, its parameters and who must act. Texts live in ``locale/``."""

from doorstroom.failures.base import (
    EmployeeActionRequired,
    Responsibility,
    SupportRequired,
    SyncFailure,
    TransientFailure,
    failure,
)
from doorstroom.failures.catalog import operator_text, render, support_hint

__all__ = [
    "EmployeeActionRequired",
    "Responsibility",
    "SupportRequired",
    "SyncFailure",
    "TransientFailure",
    "failure",
    "operator_text",
    "render",
    "support_hint",
]
