"""Every failure code Doorstroom knows, with its kind and the parameters its texts use.

A code's texts live in ``locale/<lang>/LC_MESSAGES/doorstroom.po`` with the code as msgid,
so translators see every sentence in one file per language.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Kind(enum.StrEnum):
    """What a failure code means for the task: who acts, or retry."""

    EMPLOYEE = "employee"
    SUPPORT = "support"
    TRANSIENT = "transient"


@dataclass(frozen=True)
class FailureCode:
    """A failure code: a stable name, its kind and the names of its parameters."""

    name: str
    kind: Kind
    params: tuple[str, ...] = ()


REGISTRY: dict[str, FailureCode] = {}


def _code(name: str, kind: Kind, *params: str) -> FailureCode:
    code = FailureCode(name, kind, params)
    REGISTRY[name] = code
    return code


# --- the office employee must act inside the package -------------------------------------
EXACT_DOSSIER_RIGHTS_MISSING = _code(
    "exact_online.dossier_rights_missing", Kind.EMPLOYEE, "dossier"
)
EXACT_DIVISION_ACCESS_LOST = _code("exact_online.division_access_lost", Kind.EMPLOYEE, "dossier")
NO_OPEN_BOOKING_PERIOD = _code("no_open_booking_period", Kind.EMPLOYEE, "period")
WINBOOKS_FOLDER_RIGHTS_MISSING = _code("winbooks.folder_rights_missing", Kind.EMPLOYEE, "dossier")
WINBOOKS_VAT_PERIOD_CLOSED = _code("winbooks.vat_period_closed", Kind.EMPLOYEE, "periods")
ADSOLUT_DATABASE_RIGHTS_MISSING = _code("adsolut.database_rights_missing", Kind.EMPLOYEE,
                                      "dossier")
WINGS_DATABASE_OUTDATED = _code("wings.database_outdated", Kind.EMPLOYEE)
EXPERT_M_PAYMENT_LINKED = _code("expert_m.payment_linked", Kind.EMPLOYEE)
EXPERT_M_DATABASE_MISSING = _code("expert_m.database_missing", Kind.EMPLOYEE, "dossier")

# --- support must act ----------------------------------------------------------------------
RETRIES_EXHAUSTED = _code("retries_exhausted", Kind.SUPPORT, "reason")
UNEXPECTED_ERROR = _code("unexpected_error", Kind.SUPPORT, "error")
UNEXPECTED_RESPONSE = _code("unexpected_response", Kind.SUPPORT, "package", "problem")
PACKAGE_REJECTED = _code("package_rejected", Kind.SUPPORT, "package", "message")
CREDENTIALS_REJECTED = _code("credentials_rejected", Kind.SUPPORT, "package")
CONNECTION_NOT_CONFIGURED = _code("connection_not_configured", Kind.SUPPORT, "block")
UNKNOWN_PACKAGE = _code("unknown_package", Kind.SUPPORT, "package")
EXACT_DIVISION_BLOCKED = _code("exact_online.division_blocked", Kind.SUPPORT, "dossier")
EXACT_LICENSE_EXPIRED = _code("exact_online.license_expired", Kind.SUPPORT, "dossier")
RUN_INTERRUPTED = _code("run_interrupted", Kind.SUPPORT, "state")
AGENT_OFFLINE = _code("agent_offline", Kind.SUPPORT, "package")
DATABASE_MISSING = _code("database_missing", Kind.SUPPORT, "package", "dossier")

# --- transient: retried automatically, then ``retries_exhausted`` --------------------------
PACKAGE_UNAVAILABLE = _code("package_unavailable", Kind.TRANSIENT, "status")
PACKAGE_TIMEOUT = _code("package_timeout", Kind.TRANSIENT)
CONNECTION_LOST = _code("connection_lost", Kind.TRANSIENT)
RATE_LIMITED = _code("rate_limited", Kind.TRANSIENT, "seconds")
ORCHESTRATOR_BUSY = _code("orchestrator_busy", Kind.TRANSIENT)
AGENT_UNREACHABLE = _code("agent_unreachable", Kind.TRANSIENT)
