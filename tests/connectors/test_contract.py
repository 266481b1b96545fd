"""The contract every connector passes, generated for every registered package.

A package added to ``connectors.registry`` gets these tests for free: its descriptor names
its sandbox, whose hands (``connectors/sandbox_kit.py``) the harness plays.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import httpx
import pytest

from connectors.http_errors import describe
from connectors.registry import PACKAGES
from connectors.sandbox_faults import Fault
from doorstroom.documents.proposal import BookingRequest
from doorstroom.failures import EmployeeActionRequired, SupportRequired, TransientFailure
from tests.connectors.harnesses import Harness, MakeHarness, harnesses
from tests.helpers import A_PDF, a_proposal, a_spread_proposal


@pytest.fixture(params=sorted(PACKAGES))
def make_harness(request: pytest.FixtureRequest) -> Iterator[MakeHarness]:
    made: list[Harness] = []
    with harnesses(PACKAGES[request.param]) as make:

        def tracked(blocked: bool = False) -> Harness:
            harness = make(blocked=blocked)
            made.append(harness)
            return harness

        yield tracked
        for harness in made:
            harness.connector.close()


def a_request(number: str = "INV-C1", issued: date = date(2026, 3, 10),
              document_id: int = 1) -> BookingRequest:
    return BookingRequest(document_id=document_id, proposal=a_proposal(number, issued),
                          attachments=[A_PDF])


def test_given_a_document_when_posted_twice_then_one_booking_found_by_its_reference(
        make_harness: MakeHarness) -> None:
    harness = make_harness()
    first = harness.connector.post_booking(a_request())
    second = harness.connector.post_booking(a_request())
    same = harness.connector.same_booking
    assert same(first, second)
    assert harness.bookings() == [first]
    found = harness.connector.find_booking(a_request())
    assert found is not None and same(found, first)
    assert harness.connector.find_booking(a_request("INV-OTHER", document_id=2)) is None


def test_given_a_booking_when_deleted_twice_then_gone(make_harness: MakeHarness) -> None:
    harness = make_harness()
    booking = harness.connector.post_booking(a_request())
    harness.connector.delete_booking(booking)
    harness.connector.delete_booking(booking)
    assert harness.bookings() == []


def test_given_a_closed_period_then_the_employee_must_reopen_it(
        make_harness: MakeHarness) -> None:
    harness = make_harness()
    harness.close_period(2026, 3)
    with pytest.raises(EmployeeActionRequired) as closed:
        harness.connector.post_booking(a_request())
    assert closed.value.code.name == "no_open_booking_period"
    assert closed.value.params == {"period": "202603"}
    assert harness.bookings() == []


def test_given_a_blocked_dossier_when_creating_it_then_employee_then_done_after_the_fix(
        make_harness: MakeHarness) -> None:
    harness = make_harness(blocked=True)
    with pytest.raises(EmployeeActionRequired):
        harness.connector.check_dossier()
    harness.unblock()
    assert harness.connector.check_dossier()


def test_given_a_503_then_transient(make_harness: MakeHarness) -> None:
    harness = make_harness()
    harness.add_fault(Fault(kind="status", status=503, **harness.booking_call))
    with pytest.raises(TransientFailure) as unavailable:
        harness.connector.post_booking(a_request())
    assert unavailable.value.code.name == "package_unavailable"


def test_given_a_429_then_transient_with_the_wait_asked_for(make_harness: MakeHarness) -> None:
    harness = make_harness()
    harness.add_fault(Fault(kind="status", status=429, retry_after=9, **harness.booking_call))
    with pytest.raises(TransientFailure) as limited:
        harness.connector.post_booking(a_request())
    assert limited.value.code.name == "rate_limited"
    assert limited.value.retry_after == 9.0


def test_given_a_connection_dropped_after_commit_when_retried_then_no_duplicate(
        make_harness: MakeHarness) -> None:
    harness = make_harness()
    harness.add_fault(Fault(kind="drop_after_commit", **harness.booking_call))
    with pytest.raises(TransientFailure) as dropped:
        harness.connector.post_booking(a_request())
    assert dropped.value.code.name == "connection_lost"
    booking = harness.connector.post_booking(a_request())
    [booked] = harness.bookings()
    assert harness.connector.same_booking(booked, booking)


def test_given_an_answer_in_an_unknown_shape_then_support(make_harness: MakeHarness) -> None:
    harness = make_harness()
    harness.add_fault(Fault(kind="garbage", **harness.booking_call))
    with pytest.raises(SupportRequired) as garbage:
        harness.connector.post_booking(a_request())
    assert garbage.value.code.name == "unexpected_response"


def test_given_a_booked_supplier_when_master_data_is_read_then_every_kind_is_there(
        make_harness: MakeHarness) -> None:
    harness = make_harness()
    harness.connector.post_booking(a_request())

    data = harness.connector.master_data()

    assert data.gl_accounts and data.vat_codes and data.journals and data.periods
    assert any(item.code == "604000" for item in data.gl_accounts)
    assert any(item.code.endswith("202603") or item.code == "202603" for item in data.periods)
    assert any(item.name == "Acme NV"  # or known by its VAT number's digits
               or any("0123456789" in text for text in (item.code, *item.extra.values()))
               for item in data.parties)


def test_given_rejected_credentials_then_support_renews_them(make_harness: MakeHarness) -> None:
    harness = make_harness()
    harness.reject_credentials()
    with pytest.raises(SupportRequired) as rejected:
        harness.connector.post_booking(a_request())
    assert rejected.value.code.name == "credentials_rejected"


def test_given_the_package_unreachable_then_transient_then_a_named_support_failure(
        make_harness: MakeHarness) -> None:
    connector = make_harness().offline()
    with pytest.raises(TransientFailure) as unreachable:
        connector.post_booking(a_request())
    connector.close()
    error = unreachable.value
    assert error.code.name in {"connection_lost", "agent_unreachable"}
    if error.code.name == "agent_unreachable":  # on-premise: support is told the agent is down
        assert error.exhausted is not None and error.exhausted.code.name == "agent_offline"


def test_given_lines_in_another_period_then_booked_there_or_refused_for_support(
        make_harness: MakeHarness) -> None:
    harness = make_harness()
    request = BookingRequest(document_id=5, proposal=a_spread_proposal(
        "SPREAD-1", date(2026, 3, 10), second_period="202606"))
    if harness.connector.supports_line_periods:
        assert harness.connector.post_booking(request) in harness.bookings()
    else:
        with pytest.raises(SupportRequired) as refused:
            harness.connector.post_booking(request)
        assert refused.value.code.name == "package_rejected"
        assert harness.bookings() == []


def a_dollar_request(eur_vat: str | None) -> BookingRequest:
    """A USD invoice of 100 + 21 USD VAT; with ``eur_vat`` its VAT in EUR (BT-6/BT-111)."""
    proposal = a_proposal("USD-1").model_copy(update={
        "currency": "USD", "vat_currency": "EUR" if eur_vat else None,
        "total_vat_in_vat_currency": Decimal(eur_vat) if eur_vat else None})
    return BookingRequest(document_id=7, proposal=proposal)


def test_given_a_foreign_currency_without_euro_vat_then_a_person_decides(
        make_harness: MakeHarness) -> None:
    harness = make_harness()
    with pytest.raises(EmployeeActionRequired) as stopped:
        harness.connector.post_booking(a_dollar_request(None))
    assert stopped.value.code.name == "foreign_currency_without_eur_vat"
    assert harness.bookings() == []


def test_given_a_foreign_currency_with_euro_vat_then_booked_in_euro_or_a_person_books_it(
        make_harness: MakeHarness) -> None:
    """Never USD figures booked as EUR: a package that takes a currency and a rate books it,
    the others stop for a person."""
    harness = make_harness()
    if not harness.connector.supports_foreign_currency:
        with pytest.raises(EmployeeActionRequired) as stopped:
            harness.connector.post_booking(a_dollar_request("19.30"))
        assert stopped.value.code.name == "foreign_currency_not_supported"
        assert harness.bookings() == []
        return
    booked = harness.connector.post_booking(a_dollar_request("19.30"))
    assert harness.bookings() == [booked]


def test_an_unreadable_answer_is_described_for_support_with_its_secrets_masked() -> None:
    answer = httpx.Response(200, headers={"content-type": "text/html"}, content=(
        b'<html><body>Proxy error. access_token=eyJhbGciOi.secret.sig '
        b'Authorization: Bearer abc123def</body></html>' + b"x" * 500))
    described = describe(answer)
    assert described.startswith(f"HTTP 200, text/html, {len(answer.content)} bytes: "
                                "'<html><body>Proxy error.")
    assert "eyJhbGciOi" not in described and "abc123def" not in described
    assert "access_token=***" in described
