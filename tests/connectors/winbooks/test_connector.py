"""WinBooks on Web specifics against its sandbox (the generic contract: tests/connectors)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from connectors.base import DossierRef
from connectors.winbooks.connector import WinBooksConnector
from doorstroom.documents.proposal import BookingRequest
from doorstroom.failures import EmployeeActionRequired, SupportRequired, render
from tests.helpers import a_proposal
from tests.sandboxes import Running


@pytest.fixture
def connector(winbooks_sandbox: Running) -> Iterator[WinBooksConnector]:
    winbooks_sandbox.state.add_folder("PEETERS", "Bakkerij Peeters")
    connector = WinBooksConnector(winbooks_sandbox.connection(),
                                  DossierRef(1, "Bakkerij Peeters", "PEETERS"))
    yield connector
    connector.close()


def test_given_a_document_when_posted_then_a_transaction_with_vat_lines(
        connector: WinBooksConnector, winbooks_sandbox: Running) -> None:
    code = connector.post_booking(BookingRequest(document_id=41, proposal=a_proposal("F-41")))

    [transaction] = winbooks_sandbox.state.transactions("PEETERS")
    assert code == transaction["Code"] == "DS41"
    assert transaction["BookPeriod"] == "202603"
    assert transaction["DocNumber"] == "F-41"
    assert transaction["GLTrans"][0] == {"Account": "604000", "BookPeriod": "202603",
                                         "Amount": "121.00",
                                         "VatCode": "21", "VatBaseAmount": "100.00",
                                         "VatAmount": "21.00", "Comment": "Goods"}
    third = winbooks_sandbox.state.folders["PEETERS"].thirds[transaction["Third"]]
    assert third["VatNumber"] == "BE0123456789"


def test_given_a_closed_vat_period_then_the_seed_instruction_for_that_period(
        connector: WinBooksConnector, winbooks_sandbox: Running) -> None:
    winbooks_sandbox.state.set_vat_closed("PEETERS", 2017, 9, True)
    request = BookingRequest(document_id=42, proposal=a_proposal("F-42", date(2017, 9, 14)))
    with pytest.raises(EmployeeActionRequired) as closed:
        connector.post_booking(request)
    assert closed.value.code.name == "winbooks.vat_period_closed"
    assert render(closed.value.code.name, closed.value.params, "nl") == (
        "Er is geen open btw-periode gevonden voor boekperiode 201709. Heropen deze periode en "
        "start daarna de taak opnieuw. Is dit boekjaar definitief afgesloten en moet het "
        "document naar het volgende boekjaar, neem dan contact op met support.")

    winbooks_sandbox.state.set_vat_closed("PEETERS", 2017, 9, False)
    assert connector.post_booking(request) == "DS42"


def test_given_two_periods_then_the_instruction_names_both_in_one_sentence() -> None:
    text = render("winbooks.vat_period_closed", {"periods": "201709,201712"}, "nl")
    assert text.startswith(
        "Er is geen open btw-periode gevonden voor boekperiode 201709 en 201712. ")
    assert render("winbooks.vat_period_closed", {"periods": "201709,201712"}, "fr").startswith(
        "Aucune période TVA ouverte n'a été trouvée pour la période comptable 201709 et 201712.")


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
