"""Exact Online's answers → failure codes: the shared HTTP table, extended for Exact.

Exact says *why* it refuses in a ``Reason`` header (403) and in the body
``{"error": {"message": {"value": ...}}}``. Business refusals come as 400 **and** as 500 with
that body ("Periode is afgesloten: 2026 - 3", "Ongeldig: Btw-percentage []"): a 500 that
carries a message is a refusal to read, not an outage to retry. A 403 without a ``Reason``
is not necessarily lost access: the app's scope or the user's division scope may exclude
the call — support looks. The token endpoint's "access_token not expired" (``Reason:
TooEarlyToRefreshTokens``) means: keep the token you have.
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
                                      "dossier", dossier_wide=True)
EXACT_DIVISION_ACCESS_LOST = define("exact_online.division_access_lost", Kind.EMPLOYEE, "dossier",
                                    dossier_wide=True)
EXACT_DIVISION_BLOCKED = define("exact_online.division_blocked", Kind.SUPPORT, "dossier",
                                dossier_wide=True)
EXACT_LICENSE_EXPIRED = define("exact_online.license_expired", Kind.SUPPORT, "dossier",
                               dossier_wide=True)
EXACT_FORBIDDEN = define("exact_online.forbidden", Kind.SUPPORT, "dossier", dossier_wide=True)

ERRORS_PER_ENDPOINT_HOUR = 10
"""More error answers (400/401/403/404) than this per user, division, endpoint and hour
block the app's key (Exact's fair-use rule, quoted by docs.maesn.com/rate-limits)."""

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


def too_early_to_refresh(response: httpx.Response) -> bool:
    """The token endpoint's "Rate limit exceeded: access_token not expired"."""
    if response.status_code != 400:
        return False
    if response.headers.get("Reason") == "TooEarlyToRefreshTokens":
        return True
    try:
        return "access_token not expired" in str(response.json().get("error_description", ""))
    except (ValueError, AttributeError):
        return False


def classify(response: httpx.Response, dossier: str, context: Mapping[str, str]) -> SyncFailure:
    """The failure for one unsuccessful Exact Online answer."""
    message = error_message(response)
    if response.status_code == 403:
        reason = response.headers.get("Reason", "")
        if reason in FORBIDDEN_REASONS:
            return failure(FORBIDDEN_REASONS[reason], detail=message, dossier=dossier)
        return failure(EXACT_FORBIDDEN, detail=f"403 {reason or 'without Reason'}: {message}",
                       dossier=dossier)
    refusal = response.status_code in (400, 500) and bool(message)
    if refusal and any(m in message.lower() for m in CLOSED_PERIOD_MARKERS):
        return failure(c.NO_OPEN_BOOKING_PERIOD, detail=message,
                       period=context.get("period", "?"))
    if refusal and response.status_code == 500:
        return failure(c.PACKAGE_REJECTED, detail=f"HTTP 500: {message}", package=PACKAGE,
                       message=message[:300])
    table: Mapping[int, StatusRule] = DEFAULT_STATUS_MAP
    return classify_status(response, PACKAGE, table, message)


def unexpected(problem: str) -> SyncFailure:
    """An answer whose shape we do not understand."""
    return failure(c.UNEXPECTED_RESPONSE, detail=problem, package=PACKAGE, problem=problem[:200])
