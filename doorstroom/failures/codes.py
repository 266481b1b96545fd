"""The failure codes every package shares, with their kind and the parameters of their texts.

A package's own codes (``exact_online.dossier_rights_missing``) are defined with
:func:`define` in its ``connectors/<package>/errors.py``, so adding a package changes no
core module; the registry holds them all once the connectors are imported.

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
    """A failure code: a stable name, its kind and the names of its parameters.

    ``support_only`` names the technical parameters (an exception, a package's raw answer,
    a block name, an HTTP status): support's explanation carries them, the office's
    instruction never does.
    """

    name: str
    kind: Kind
    params: tuple[str, ...] = ()
    support_only: tuple[str, ...] = ()
    dossier_wide: bool = False
    """The cause blocks every task of the dossier (rights, licence, connection), not one
    document: a run stops at it, and its other tasks wait instead of asking the package
    again (Exact Online blocks an endpoint after ten errors an hour)."""
    outage: str | None = None
    """What the cause spans when it is on the package's side and hits every dossier alike:
    ``"package"`` (a cloud package not answering) or ``"office"`` (the agent on one office's
    server). Such failures of many dossiers are one incident, followed up as one."""

    @property
    def office_params(self) -> tuple[str, ...]:
        """The parameters the office's instruction may show."""
        return tuple(param for param in self.params if param not in self.support_only)


REGISTRY: dict[str, FailureCode] = {}


def define(name: str, kind: Kind, *params: str, support_only: tuple[str, ...] = (),
           dossier_wide: bool = False, outage: str | None = None) -> FailureCode:
    """Register a failure code; a package's own codes are defined in its ``errors.py``."""
    if not set(support_only) <= set(params):
        raise ValueError(f"{name}: support-only parameters {support_only} are not {params}")
    if outage not in (None, "package", "office"):
        raise ValueError(f"{name}: an outage spans a 'package' or an 'office', not {outage!r}")
    code = FailureCode(name, kind, params, support_only, dossier_wide, outage)
    REGISTRY[name] = code
    return code


# --- the office employee must act inside the package -------------------------------------
NO_OPEN_BOOKING_PERIOD = define("no_open_booking_period", Kind.EMPLOYEE, "period")
FOREIGN_CURRENCY_WITHOUT_EUR_VAT = define("foreign_currency_without_eur_vat", Kind.EMPLOYEE,
                                          "currency")
FOREIGN_CURRENCY_NOT_SUPPORTED = define("foreign_currency_not_supported", Kind.EMPLOYEE,
                                        "package", "currency")

# --- support must act ----------------------------------------------------------------------
RETRIES_EXHAUSTED = define("retries_exhausted", Kind.SUPPORT, "reason", support_only=("reason",))
UNEXPECTED_ERROR = define("unexpected_error", Kind.SUPPORT, "error", support_only=("error",))
UNEXPECTED_RESPONSE = define("unexpected_response", Kind.SUPPORT, "package", "problem",
                             support_only=("problem",))
PACKAGE_REJECTED = define("package_rejected", Kind.SUPPORT, "package", "message",
                          support_only=("message",))
CREDENTIALS_REJECTED = define("credentials_rejected", Kind.SUPPORT, "package",
        dossier_wide=True)
CONNECTION_NOT_CONFIGURED = define("connection_not_configured", Kind.SUPPORT, "block",
                                   support_only=("block",), dossier_wide=True)
UNKNOWN_PACKAGE = define("unknown_package", Kind.SUPPORT, "package")
RUN_INTERRUPTED = define("run_interrupted", Kind.SUPPORT, "state", support_only=("state",))
AGENT_OFFLINE = define("agent_offline", Kind.SUPPORT, "package",
        dossier_wide=True, outage="office")
WAITS_FOR_OUTAGE = define("waits_for_outage", Kind.SUPPORT, "package", dossier_wide=True)
"""Not sent: an incident of the package (or of the office's agent) is open, so the run did
not call it; the incident's follower restarts the run (``doorstroom.store.incidents``)."""
DATABASE_MISSING = define("database_missing", Kind.SUPPORT, "package", "dossier",
        dossier_wide=True)

# --- transient: retried automatically, then ``retries_exhausted`` --------------------------
PACKAGE_UNAVAILABLE = define("package_unavailable", Kind.TRANSIENT, "status",
                             support_only=("status",), outage="package")
PACKAGE_TIMEOUT = define("package_timeout", Kind.TRANSIENT, outage="package")
CONNECTION_LOST = define("connection_lost", Kind.TRANSIENT, outage="package")
RATE_LIMITED = define("rate_limited", Kind.TRANSIENT, "seconds", outage="package")
ORCHESTRATOR_BUSY = define("orchestrator_busy", Kind.TRANSIENT)
AGENT_UNREACHABLE = define("agent_unreachable", Kind.TRANSIENT, outage="office")


def outage_cause(code: str | None, params: dict[str, object] | None) -> FailureCode | None:
    """The outage behind a failure, if it is one: the code itself (an agent offline) or the
    transient cause whose retries ran out (a 503 three times over)."""
    found = REGISTRY.get(code or "")
    if found is not None and found.name == RETRIES_EXHAUSTED.name:
        found = REGISTRY.get(str((params or {}).get("reason", "")))
    return found if found is not None and found.outage else None
