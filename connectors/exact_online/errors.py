"""Exact Online's answers → failure codes: the shared HTTP table, extended for Exact.

Exact says *why* it refuses in a ``Reason`` header (403) and in the body
``{"error": {"message": {"value": ...}}}``; closed periods come back as 400 with
"Periode is afgesloten" (Dutch site) or "Period is closed" (English site).
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from connectors.http_errors import DEFAULT_STATUS_MAP, StatusRule, classify_status
from doorstroom.failures import SyncFailure, failure
from doorstroom.failures import codes as c
from doorstroom.failures.codes import Kind, define

PACKAGE = "Exact Online"

# This package's own failure codes (texts: the catalogue, msgid = the code).
EXACT_DOSSIER_RIGHTS_MISSING = define("exact_online.dossier_rights_missing", Kind.EMPLOYEE,
                                      "dossier")
EXACT_DIVISION_ACCESS_LOST = define("exact_online.division_access_lost", Kind.EMPLOYEE, "dossier")
EXACT_DIVISION_BLOCKED = define("exact_online.division_blocked", Kind.SUPPORT, "dossier")
EXACT_LICENSE_EXPIRED = define("exact_online.license_expired", Kind.SUPPORT, "dossier")

CLOSED_PERIOD_MARKERS = ("afgesloten", "is closed", "clôturée")

FORBIDDEN_REASONS = {
    "NoDivisionAccess": EXACT_DIVISION_ACCESS_LOST,
    "DivisionBlocked": EXACT_DIVISION_BLOCKED,
    "LicenseExpired": EXACT_LICENSE_EXPIRED,
}


def error_message(response: httpx.Response) -> str:
    """The human message in Exact's error body, or ``""`` when there is none."""
    try:
        body = response.json()
        return str(body["error"]["message"]["value"])
    except (ValueError, KeyError, TypeError):
        return ""


def classify(response: httpx.Response, dossier: str, context: Mapping[str, str]) -> SyncFailure:
    """The failure for one unsuccessful Exact Online answer."""
    message = error_message(response)
    if response.status_code == 403:
        code = FORBIDDEN_REASONS.get(response.headers.get("Reason", ""),
                                     EXACT_DIVISION_ACCESS_LOST)
        return failure(code, detail=message, dossier=dossier)
    if response.status_code == 400 and any(m in message.lower() for m in CLOSED_PERIOD_MARKERS):
        return failure(c.NO_OPEN_BOOKING_PERIOD, detail=message,
                       period=context.get("period", "?"))
    table: Mapping[int, StatusRule] = DEFAULT_STATUS_MAP
    return classify_status(response, PACKAGE, table, message)


def unexpected(problem: str) -> SyncFailure:
    """An answer whose shape we do not understand."""
    return failure(c.UNEXPECTED_RESPONSE, detail=problem, package=PACKAGE, problem=problem[:200])
