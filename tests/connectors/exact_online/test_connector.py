"""Exact Online specifics against its sandbox (the generic contract: tests/connectors)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import httpx
import pytest

from connectors.base import DossierRef
from connectors.exact_online.connector import ExactOnlineConnector
from connectors.sandbox_faults import Fault
from doorstroom.clock import FakeClock
from doorstroom.documents.proposal import BookingRequest
from doorstroom.failures import (
    EmployeeActionRequired,
    SupportRequired,
    SyncFailure,
)
from doorstroom.store.models import DocumentKind
from tests.helpers import A_PDF, a_proposal
from tests.sandboxes import RunningExact


@pytest.fixture
def connector(exact_sandbox: RunningExact) -> Iterator[ExactOnlineConnector]:
    exact_sandbox.state.add_division(11, "Bakkerij Janssens")
    connector = ExactOnlineConnector(exact_sandbox.connection(rate_limited=False),
                                     DossierRef(1, "Bakkerij Janssens", "11"))
    yield connector
    connector.close()


def a_request(number: str = "INV-1", issued: date = date(2026, 3, 10)) -> BookingRequest:
    return BookingRequest(document_id=1, proposal=a_proposal(number, issued), attachments=[A_PDF])


def test_given_a_document_when_posted_twice_then_one_entry_with_its_lines_and_pdf(
        connector: ExactOnlineConnector, exact_sandbox: RunningExact) -> None:
    first = connector.post_booking(a_request())
    second = connector.post_booking(a_request())

    [entry] = exact_sandbox.state.entries(11)
    assert first == second == entry["EntryID"]
    assert entry["YourRef"] == "INV-1"
    assert entry["Type"] == 30
    assert entry["PurchaseEntryLines"][0]["VATAmountFC"] == "21.00"
    division = exact_sandbox.state.divisions[11]
    [attachment] = division.attachments.values()
    assert attachment["Document"] == entry["Document"]


def test_given_a_date_outside_every_financial_year_when_posting_then_employee_creates_it(
        connector: ExactOnlineConnector) -> None:
    with pytest.raises(EmployeeActionRequired) as missing:
        connector.post_booking(a_request(issued=date(2031, 2, 1)))
    assert missing.value.params == {"period": "203102"}


def test_given_no_rights_when_creating_the_dossier_then_seed_instruction_code(
        exact_sandbox: RunningExact) -> None:
    exact_sandbox.state.add_division(12, "XYZ", rights=False)
    connector = ExactOnlineConnector(exact_sandbox.connection(rate_limited=False),
                                     DossierRef(2, "XYZ", "12"))
    with pytest.raises(EmployeeActionRequired) as create:
        connector.check_dossier()
    with pytest.raises(EmployeeActionRequired) as post:
        connector.post_booking(a_request())
    assert create.value.code.name == "exact_online.dossier_rights_missing"
    assert create.value.params == {"dossier": "XYZ"}
    assert post.value.code.name == "exact_online.division_access_lost"

    exact_sandbox.state.set_rights(12, True)
    assert connector.check_dossier() == "XYZ"


def test_given_a_blocked_division_then_support_required(
        connector: ExactOnlineConnector, exact_sandbox: RunningExact) -> None:
    exact_sandbox.state.divisions[11].blocked = True
    with pytest.raises(SupportRequired) as blocked:
        connector.check_dossier()
    assert blocked.value.code.name == "exact_online.division_blocked"


def test_given_an_html_answer_then_unexpected_response_for_support(
        connector: ExactOnlineConnector, exact_sandbox: RunningExact) -> None:
    exact_sandbox.state.add_fault(Fault(kind="garbage", path_contains="Divisions"))
    with pytest.raises(SupportRequired) as garbage:
        connector.check_dossier()
    assert garbage.value.code.name == "unexpected_response"


def test_given_an_expired_access_token_when_calling_then_refreshed_and_rotated(
        connector: ExactOnlineConnector, exact_sandbox: RunningExact) -> None:
    connector.check_dossier()
    first_refresh = connector.client.connection.refresh_token.get_secret_value()
    exact_sandbox.state.access_tokens.clear()  # the sandbox forgets: as after 10 minutes

    connector.check_dossier()

    assert connector.client.connection.refresh_token.get_secret_value() != first_refresh


def test_given_a_rejected_refresh_token_then_credentials_rejected_for_support(
        connector: ExactOnlineConnector, exact_sandbox: RunningExact) -> None:
    exact_sandbox.state.refresh_tokens.clear()
    with pytest.raises(SupportRequired) as rejected:
        connector.check_dossier()
    assert rejected.value.code.name == "credentials_rejected"


def test_given_the_minute_budget_is_spent_then_the_client_waits_for_the_reset(
        connector: ExactOnlineConnector) -> None:
    clock = FakeClock()
    connector.client.clock = clock
    connector.check_dossier()
    connector.client._minute_remaining = 0
    connector.client._minute_reset = clock.time() + 42.0
    connector.check_dossier()
    assert clock.slept == [42.0]


def test_given_a_connection_then_secrets_are_masked(exact_sandbox: RunningExact) -> None:
    connection = exact_sandbox.connection(rate_limited=False)
    text = repr(connection) + str(connection.model_dump())
    assert exact_sandbox.state.client_secret not in text
    assert connection.refresh_token.get_secret_value() not in text


def test_given_an_unknown_error_status_then_package_rejected_for_support(
        connector: ExactOnlineConnector, exact_sandbox: RunningExact) -> None:
    exact_sandbox.state.add_fault(Fault(kind="status", status=409, path_contains="Divisions"))
    with pytest.raises(SyncFailure) as rejected:
        connector.check_dossier()
    assert isinstance(rejected.value, SupportRequired)
    assert rejected.value.code.name == "package_rejected"


def test_given_a_sales_credit_note_when_posted_then_a_sales_entry_for_the_customer(
        connector: ExactOnlineConnector, exact_sandbox: RunningExact) -> None:
    proposal = a_proposal("CN-7").model_copy(update={"kind": DocumentKind.SALES_CREDIT_NOTE})
    entry_id = connector.post_booking(BookingRequest(document_id=7, proposal=proposal))

    [entry] = exact_sandbox.state.entries(11)
    assert entry["EntryID"] == entry_id
    assert entry["Type"] == 21
    assert "SalesEntryLines" in entry
    customer = exact_sandbox.state.divisions[11].accounts[entry["Customer"]]
    assert customer["IsSales"] and not customer["IsSupplier"]
    assert connector.post_booking(BookingRequest(document_id=7, proposal=proposal)) == entry_id


def test_given_a_financial_year_from_july_then_the_period_is_found_by_its_dates(
        exact_sandbox: RunningExact) -> None:
    """FinYear is not the calendar year: March 2026 lies in financial year 2025 here."""
    exact_sandbox.state.add_division(12, "Boekjaar juli", first_month=7)
    connector = ExactOnlineConnector(exact_sandbox.connection(rate_limited=False),
                                     DossierRef(2, "Boekjaar juli", "12"))
    connector.post_booking(a_request(issued=date(2026, 3, 10)))
    [entry] = exact_sandbox.state.entries(12)
    assert (entry["FinancialYear"], entry["FinancialPeriod"]) == (2025, 9)


def test_given_a_closed_period_answered_as_500_then_the_employee_reopens_it(
        connector: ExactOnlineConnector, exact_sandbox: RunningExact) -> None:
    exact_sandbox.state.set_period_closed(11, 2026, 3, True)
    with pytest.raises(EmployeeActionRequired) as closed:
        connector.post_booking(a_request())
    assert closed.value.code.name == "no_open_booking_period"
    assert "Periode is afgesloten: 2026" in closed.value.detail


def test_given_a_refusal_answered_as_500_then_support_reads_it_not_a_retry(
        connector: ExactOnlineConnector) -> None:
    proposal = a_proposal("INV-V", date(2026, 3, 10))
    strange = proposal.model_copy(update={"lines": [proposal.lines[0].model_copy(
        update={"vat_code": "99"})]})
    with pytest.raises(SupportRequired) as refused:
        connector.post_booking(BookingRequest(document_id=2, proposal=strange))
    assert refused.value.code.name == "package_rejected"
    assert "Btw-percentage" in refused.value.params["message"]


def test_given_a_refresh_too_early_then_the_held_token_is_used_not_credentials_rejected(
        connector: ExactOnlineConnector, exact_sandbox: RunningExact) -> None:
    connector.check_dossier()
    held = connector.client.connection.access_token
    # Our clock thinks the token is about to expire; Exact still honours it for minutes.
    connector.client.connection.access_token_expires_at = None

    connector.check_dossier()

    assert connector.client.connection.access_token == held


def test_given_a_403_without_a_reason_then_support_not_lost_access(
        connector: ExactOnlineConnector, exact_sandbox: RunningExact) -> None:
    exact_sandbox.state.add_fault(Fault(kind="status", status=403, path_contains="Divisions"))
    with pytest.raises(SupportRequired) as forbidden:
        connector.check_dossier()
    assert forbidden.value.code.name == "exact_online.forbidden"


def test_given_a_new_customer_then_it_is_made_with_status_c(
        connector: ExactOnlineConnector, exact_sandbox: RunningExact) -> None:
    sale = a_proposal("S-1", date(2026, 3, 10)).model_copy(
        update={"kind": DocumentKind.SALES_INVOICE})
    connector.post_booking(BookingRequest(document_id=3, proposal=sale))
    [account] = exact_sandbox.state.divisions[11].accounts.values()
    assert account["Status"] == "C" and account["IsSales"]


def test_given_an_error_on_a_later_page_then_it_is_classified_like_the_first(
        connector: ExactOnlineConnector, exact_sandbox: RunningExact) -> None:
    first = {"d": {"results": [{"ID": "a"}], "__next": f"{exact_sandbox.url}/api/v1/11/"
                                                         "crm/Accounts?$skiptoken=1"}}
    connector.client.request = lambda *a, **k: httpx.Response(  # type: ignore[method-assign]
        200, json=first, request=httpx.Request("GET", exact_sandbox.url))
    exact_sandbox.state.add_fault(Fault(kind="status", status=503, path_contains="Accounts"))
    with pytest.raises(SyncFailure) as failed:
        connector.client.results("crm/Accounts")
    assert failed.value.code.name == "package_unavailable"


def test_given_more_than_ten_errors_on_an_endpoint_in_an_hour_then_the_key_is_blocked(
        exact_sandbox: RunningExact) -> None:
    """Exact's rule the recheck budget exists for: the eleventh error blocks the endpoint."""
    exact_sandbox.state.add_division(13, "Zonder rechten", rights=False)
    connector = ExactOnlineConnector(exact_sandbox.connection(rate_limited=False),
                                     DossierRef(3, "Zonder rechten", "13"))
    for _ in range(11):
        with pytest.raises(EmployeeActionRequired):
            connector.check_dossier()
    with pytest.raises(SyncFailure) as blocked:
        connector.check_dossier()
    assert blocked.value.code.name == "rate_limited"


def test_given_a_supplier_that_now_buys_then_its_account_becomes_a_customer_too(
        connector: ExactOnlineConnector, exact_sandbox: RunningExact) -> None:
    connector.post_booking(a_request("P-1"))
    sale = a_proposal("S-2", date(2026, 3, 10)).model_copy(
        update={"kind": DocumentKind.SALES_INVOICE})
    connector.post_booking(BookingRequest(document_id=4, proposal=sale))
    [account] = exact_sandbox.state.divisions[11].accounts.values()
    assert account["IsSupplier"] and account["IsSales"] and account["Status"] == "C"
    assert len(exact_sandbox.state.entries(11)) == 2


def test_given_a_dollar_invoice_with_its_vat_in_euro_then_the_entry_carries_the_rate(
        connector: ExactOnlineConnector, exact_sandbox: RunningExact) -> None:
    proposal = a_proposal("USD-9", date(2026, 3, 10)).model_copy(update={
        "currency": "USD", "vat_currency": "EUR", "total_vat_in_vat_currency": Decimal("19.30")})
    connector.post_booking(BookingRequest(document_id=9, proposal=proposal))
    [entry] = exact_sandbox.state.entries(11)
    assert entry["Currency"] == "USD"
    assert Decimal(entry["Rate"]) * Decimal("21.00") == pytest.approx(Decimal("19.30"))


def test_given_a_closed_period_and_a_chosen_next_year_period_then_booked_there_once(
        connector: ExactOnlineConnector, exact_sandbox: RunningExact) -> None:
    exact_sandbox.state.set_period_closed(11, 2026, 3, True)
    with pytest.raises(EmployeeActionRequired):
        connector.post_booking(a_request("CLOSED-1"))
    moved = a_request("CLOSED-1")
    moved = moved.model_copy(update={"proposal": moved.proposal.moved_to("202701")})

    first = connector.post_booking(moved)
    assert connector.post_booking(moved) == first  # looked for before booking: one entry
    [entry] = exact_sandbox.state.entries(11)
    assert (entry["ReportingYear"], entry["ReportingPeriod"]) == (2027, 1)
    assert (entry["FinancialYear"], entry["FinancialPeriod"]) == (2027, 1)
    assert entry["EntryDate"] == "2026-03-10"  # the document's own date stays


def test_given_a_chosen_period_the_division_lacks_then_the_employee_is_told(
        connector: ExactOnlineConnector) -> None:
    moved = a_request("CLOSED-2")
    moved = moved.model_copy(update={"proposal": moved.proposal.moved_to("203101")})
    with pytest.raises(EmployeeActionRequired) as missing:
        connector.post_booking(moved)
    assert missing.value.params == {"period": "203101"}


def test_given_one_run_waiting_on_its_gl_accounts_then_another_run_books_meanwhile(
        exact_sandbox: RunningExact) -> None:
    """Runs share a worker's threads: one run's slow first read must not hold up another's."""
    for division in (21, 22):
        exact_sandbox.state.add_division(division, f"Dossier {division}")
    slow, other = (ExactOnlineConnector(exact_sandbox.connection(rate_limited=False),
                                        DossierRef(division, f"Dossier {division}", str(division)))
                   for division in (21, 22))
    reading, release = threading.Event(), threading.Event()
    read = slow.client.results

    def waits_for_release(path: str, *args: str) -> list[dict[str, object]]:
        if path == "financial/GLAccounts":
            reading.set()
            release.wait(30)
        return read(path, *args)

    slow.client.results = waits_for_release  # type: ignore[method-assign]
    first = threading.Thread(target=slow.post_booking, args=(a_request("SLOW-1"),))
    first.start()
    try:
        assert reading.wait(10)
        second = threading.Thread(target=other.post_booking, args=(a_request("FAST-1"),))
        second.start()
        second.join(10)
        assert not second.is_alive(), "the second run waited for the first run's read"
        assert [e["YourRef"] for e in exact_sandbox.state.entries(22)] == ["FAST-1"]
    finally:
        release.set()
        first.join(30)
        slow.close()
        other.close()
    assert [e["YourRef"] for e in exact_sandbox.state.entries(21)] == ["SLOW-1"]
