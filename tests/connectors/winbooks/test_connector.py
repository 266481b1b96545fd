"""WinBooks on Web specifics against its sandbox (the generic contract: tests/connectors)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from connectors.base import DossierRef
from connectors.winbooks.connector import WinBooksConnector
from doorstroom.documents.proposal import BookingRequest
from doorstroom.failures import EmployeeActionRequired, SupportRequired, render
from doorstroom.settings import get_settings
from tests.helpers import a_proposal
from tests.sandboxes import Running


@pytest.fixture
def connector(winbooks_sandbox: Running) -> Iterator[WinBooksConnector]:
    winbooks_sandbox.state.add_folder("PEETERS", "Bakkerij Peeters")
    connector = WinBooksConnector(winbooks_sandbox.connection(),
                                  DossierRef(1, "Bakkerij Peeters", "PEETERS"))
    yield connector
    connector.close()


def test_given_a_document_when_posted_then_a_balanced_transaction_in_its_period(
        connector: WinBooksConnector, winbooks_sandbox: Running) -> None:
    ref = connector.post_booking(BookingRequest(document_id=41, proposal=a_proposal("F-41")))

    [transaction] = winbooks_sandbox.state.transactions("PEETERS")
    period = winbooks_sandbox.state.folders["PEETERS"].periods[(2026, 3)]
    assert ref == transaction["Id"]
    assert (transaction["BookPeriod_Id"], transaction["JournalCode"],
            transaction["DocNumber"]) == (period.id, "600", 1)
    lines = [(line["LineOrder"], line["GLAccountCode"], line["Amount"], line.get("VatCode"))
             for line in transaction["GLTransactions"]]
    assert lines == [(0, "440000", "-121.00", None), (1, "604000", "100.00", "21"),
                     (2, "411000", "21.00", "21")]
    assert transaction["GLTransactions"][0]["SupplierCode"] == "T0123456789"
    assert transaction["GLTransactions"][0]["Reference"] == "F-41"
    supplier = winbooks_sandbox.state.folders["PEETERS"].parties["Supplier"]["T0123456789"]
    assert supplier["Third"]["VatNumber"] == "BE0123456789"


def test_given_the_old_criteria_body_then_the_server_ignores_its_filter(
        connector: WinBooksConnector) -> None:
    """The body the connector once sent (``Criterions``/``Value``) selects every row: the
    reason a search could land a booking on an arbitrary period."""
    old = {"EntityType": "Winbooks.TORM.OM.Accounting.BookPeriod, Winbooks.TORM.OM",
           "Criterions": [{"PropertyName": "RelatedYear", "Operator": 0, "Value": 2026}]}
    answer = connector.client.request("POST", "BookPeriods/Folder/PEETERS/ExecuteCriteria",
                                      json=old)
    years = {row["RelatedYear"] for row in answer.json()}
    assert len(years) > 1
    assert connector.book_period("202603")["Code"] == "202603"


def test_given_two_documents_then_the_journal_numbers_them_in_sequence(
        connector: WinBooksConnector, winbooks_sandbox: Running) -> None:
    connector.post_booking(BookingRequest(document_id=1, proposal=a_proposal("F-1")))
    connector.post_booking(BookingRequest(document_id=2, proposal=a_proposal("F-2")))
    numbers = [t["DocNumber"] for t in winbooks_sandbox.state.transactions("PEETERS")]
    assert numbers == [1, 2]


def test_given_a_closed_vat_period_then_the_seed_instruction_for_that_period(
        connector: WinBooksConnector, winbooks_sandbox: Running) -> None:
    winbooks_sandbox.state.set_vat_closed("PEETERS", 2017, 9, True)
    request = BookingRequest(document_id=42, proposal=a_proposal("F-42", date(2017, 9, 14)))
    with pytest.raises(EmployeeActionRequired) as closed:
        connector.post_booking(request)
    assert closed.value.code.name == "winbooks.vat_period_closed"
    assert render(closed.value.code.name, closed.value.params, "nl") == (  # the help page's
        "Er is geen open btw-periode gevonden voor boekperiode 201709. Gelieve deze periode te "
        "heropenen in het boekhoudpakket, en daarna de taak opnieuw te lanceren via het "
        "icoontje rechts. Als dit boekjaar definitief gesloten is en dit document moet "
        "overgezet worden naar volgend boekjaar, neem dan contact op met "
        f"{get_settings().support_email}.")

    winbooks_sandbox.state.set_vat_closed("PEETERS", 2017, 9, False)
    assert connector.post_booking(request) == winbooks_sandbox.state.transactions(
        "PEETERS")[0]["Id"]


def test_given_two_periods_then_the_instruction_names_both_in_one_sentence() -> None:
    params = {"periods": "201709,201712", "support": "support@kantoor.be"}
    text = render("winbooks.vat_period_closed", params, "nl")
    assert text.startswith(
        "Er is geen open btw-periode gevonden voor de boekperiodes 201709 en 201712. ")
    assert render("winbooks.vat_period_closed", params, "fr").startswith(
        "Aucune période TVA ouverte n'a été trouvée pour les périodes comptables 201709 et "
        "201712.")


def test_given_no_access_to_the_folder_then_the_employee_grants_it(
        winbooks_sandbox: Running) -> None:
    winbooks_sandbox.state.add_folder("XYZ", "XYZ", rights=False)
    connector = WinBooksConnector(winbooks_sandbox.connection(), DossierRef(2, "XYZ", "XYZ"))
    with pytest.raises(EmployeeActionRequired) as denied:
        connector.check_dossier()
    assert denied.value.code.name == "winbooks.folder_rights_missing"
    assert denied.value.params == {"dossier": "XYZ"}


def test_given_an_exchange_token_then_tokens_are_obtained_once_and_rotated_on_401(
        connector: WinBooksConnector, winbooks_sandbox: Running) -> None:
    connector.check_dossier()
    first_refresh = connector.client.tokens.connection.refresh_token
    winbooks_sandbox.state.access_tokens.clear()

    connector.check_dossier()

    assert connector.client.tokens.connection.refresh_token != first_refresh
    assert len(winbooks_sandbox.state.refresh_tokens) == 1


def test_given_a_spent_exchange_token_then_credentials_rejected(
        winbooks_sandbox: Running) -> None:
    winbooks_sandbox.state.add_folder("A", "A")
    connection = winbooks_sandbox.connection()
    winbooks_sandbox.state.exchange_tokens.clear()
    connector = WinBooksConnector(connection, DossierRef(3, "A", "A"))
    with pytest.raises(SupportRequired) as rejected:
        connector.check_dossier()
    assert rejected.value.code.name == "credentials_rejected"


def test_given_a_dollar_invoice_with_its_vat_in_euro_then_euro_is_booked_and_dollars_kept(
        connector: WinBooksConnector, winbooks_sandbox: Running) -> None:
    proposal = a_proposal("USD-9").model_copy(update={
        "currency": "USD", "vat_currency": "EUR", "total_vat_in_vat_currency": Decimal("19.30")})
    connector.post_booking(BookingRequest(document_id=9, proposal=proposal))
    [transaction] = winbooks_sandbox.state.transactions("PEETERS")
    lines = transaction["GLTransactions"]
    assert [line["CurrencyAmount"] for line in lines] == ["-121.00", "100.00", "21.00"]
    assert lines[2]["Amount"] == "19.30"  # the VAT in euro as the invoice states it
    assert sum(Decimal(line["Amount"]) for line in lines) == 0
    assert {line["CurrencyCode"] for line in lines} == {"USD"}
