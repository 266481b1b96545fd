"""Adsolut's answers → failure codes.

Per-record import errors are texts; the ones we recognise are matched by a fragment
(modelled: Adsolut's message catalogue is not public). Everything else a record reports is
support's (``package_rejected``); SOAP faults likewise; HTTP statuses use the shared table.
"""

from __future__ import annotations

import httpx

from connectors.http_errors import DEFAULT_STATUS_MAP, classify_status
from doorstroom.failures import SyncFailure, failure
from doorstroom.failures import codes as c
from doorstroom.failures.codes import Kind, define

PACKAGE = "Adsolut"

# This package's own failure codes (texts: the catalogue, msgid = the code).
ADSOLUT_DATABASE_RIGHTS_MISSING = define("adsolut.database_rights_missing", Kind.EMPLOYEE,
                                         "dossier", dossier_wide=True)
ADSOLUT_REMOVE_BY_HAND = define("adsolut.remove_by_hand", Kind.EMPLOYEE, "document", "dossier")

CLOSED_PERIOD_FRAGMENTS = ("geen open boekperiode", "periode is afgesloten")
LOGIN_FRAGMENTS = ("aanmelding mislukt", "login failed", "invalid user")
NO_ACCESS_FRAGMENTS = ("geen toegang", "no access")


def record_failure(message: str, period: str) -> SyncFailure:
    """The failure for an import record's error text."""
    text = message.lower()
    if any(fragment in text for fragment in CLOSED_PERIOD_FRAGMENTS):
        return failure(c.NO_OPEN_BOOKING_PERIOD, detail=message, period=period)
    return failure(c.PACKAGE_REJECTED, detail=message, package=PACKAGE, message=message[:300])


def soap_fault(message: str, dossier: str) -> SyncFailure:
    """The failure for a SOAP fault."""
    if any(fragment in message.lower() for fragment in NO_ACCESS_FRAGMENTS):
        return failure(ADSOLUT_DATABASE_RIGHTS_MISSING, detail=message, dossier=dossier)
    if any(fragment in message.lower() for fragment in LOGIN_FRAGMENTS):
        return failure(c.CREDENTIALS_REJECTED, detail=message, package=PACKAGE)
    return failure(c.PACKAGE_REJECTED, detail=message, package=PACKAGE, message=message[:300])


def remove_by_hand(number: str, dossier: str) -> SyncFailure:
    """A booking whose Adsolut id nobody was told: only the office can remove it."""
    return failure(ADSOLUT_REMOVE_BY_HAND, detail="no purchaseInvoiceId known",
                   document=number, dossier=dossier)


def http_failure(response: httpx.Response) -> SyncFailure:
    """The failure for an unsuccessful HTTP answer without a SOAP fault."""
    return classify_status(response, PACKAGE, DEFAULT_STATUS_MAP, "")


def unexpected(problem: str) -> SyncFailure:
    """An answer whose shape we do not understand."""
    return failure(c.UNEXPECTED_RESPONSE, detail=problem, package=PACKAGE, problem=problem[:200])
