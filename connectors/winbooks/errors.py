"""WinBooks on Web answers → failure codes: the shared HTTP table plus WinBooks' error codes.

The error body ``{"ErrorCode": ..., "Message": ...}`` and its codes are modelled (not found in
public sources); they live only here, so correcting them is a one-file change.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from connectors.http_errors import DEFAULT_STATUS_MAP, classify_status
from doorstroom.failures import SyncFailure, failure
from doorstroom.failures import codes as c
from doorstroom.failures.codes import Kind, define
from doorstroom.settings import get_settings

PACKAGE = "WinBooks on Web"

# This package's own failure codes (texts: the catalogue, msgid = the code).
WINBOOKS_FOLDER_RIGHTS_MISSING = define("winbooks.folder_rights_missing", Kind.EMPLOYEE, "dossier",
                                        dossier_wide=True)
WINBOOKS_VAT_PERIOD_CLOSED = define("winbooks.vat_period_closed", Kind.EMPLOYEE, "periods",
                                    "support")

PERIOD_CODES = {
    "VAT_PERIOD_CLOSED": WINBOOKS_VAT_PERIOD_CLOSED,
    "BOOK_PERIOD_CLOSED": c.NO_OPEN_BOOKING_PERIOD,
    "BOOK_PERIOD_MISSING": c.NO_OPEN_BOOKING_PERIOD,
}


def error_fields(response: httpx.Response) -> tuple[str, str]:
    """``(ErrorCode, Message)`` of an error answer, empty strings when absent."""
    try:
        body = response.json()
        return str(body.get("ErrorCode", "")), str(body.get("Message", ""))
    except (ValueError, AttributeError):
        return "", ""


def classify(response: httpx.Response, dossier: str, context: Mapping[str, str]) -> SyncFailure:
    """The failure for one unsuccessful WinBooks on Web answer."""
    code, message = error_fields(response)
    if response.status_code == 403 and code == "FOLDER_ACCESS_DENIED":
        return failure(WINBOOKS_FOLDER_RIGHTS_MISSING, detail=message, dossier=dossier)
    period_code = PERIOD_CODES.get(code)
    if period_code is WINBOOKS_VAT_PERIOD_CLOSED:
        return failure(period_code, detail=message, periods=context.get("period", "?"),
                       support=get_settings().support_email)
    if period_code is not None:
        return failure(period_code, detail=message, period=context.get("period", "?"))
    return classify_status(response, PACKAGE, DEFAULT_STATUS_MAP, message or code)


def unexpected(problem: str) -> SyncFailure:
    """An answer whose shape we do not understand."""
    return failure(c.UNEXPECTED_RESPONSE, detail=problem, package=PACKAGE, problem=problem[:200])
