"""Adsolut specifics against its sandbox (the generic contract: tests/connectors)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from lxml import etree

from connectors.adsolut.connector import AdsolutConnector, booking_xml
from connectors.base import DossierRef
from doorstroom.documents.proposal import BookingRequest
from doorstroom.failures import EmployeeActionRequired, SupportRequired, render
from tests.helpers import a_proposal
from tests.sandboxes import Running


@pytest.fixture
def connector(adsolut_sandbox: Running) -> Iterator[AdsolutConnector]:
    adsolut_sandbox.state.add_database("MAES")
    connector = AdsolutConnector(adsolut_sandbox.connection(), DossierRef(1, "Garage Maes", "MAES"))
    yield connector
    connector.close()


def a_request(document_id: int = 7, issued: date = date(2026, 3, 10)) -> BookingRequest:
    return BookingRequest(document_id=document_id, proposal=a_proposal(f"A-{document_id}", issued))


def test_given_a_booking_then_the_import_xml_has_header_and_lines() -> None:
    xml = etree.fromstring(booking_xml(a_request(issued=date(2018, 2, 5)).proposal).encode())
    [invoice] = xml.findall("invoice")
    assert invoice.findtext("blrela/boekjaar_boekjaar") == "2018"
    assert invoice.findtext("blrela/periode_periode") == "02"
    assert invoice.findtext("blrela/dagboek_dagboek") == "600"
    assert invoice.findtext("blrela/factuur") == "A-7"
    assert [line.findtext("boekhpl_reknr") for line in invoice.findall("blboekhpl")] == [
        "604000"]


def test_given_a_record_with_an_unknown_field_then_the_sandbox_refuses_it(
        connector: AdsolutConnector) -> None:
    xml = booking_xml(a_request().proposal).replace("<factuur>", "<referentie>DS7</referentie>"
                                                                 "<factuur>")
    result = connector.client.import_records("ImportDivBookings", xml)
    assert not result.success and "Onbekend veld: referentie" in result.nok[0].errors


def test_given_an_unknown_parameter_then_the_service_answers_a_fault(
        connector: AdsolutConnector) -> None:
    with pytest.raises(SupportRequired) as fault:
        connector.client.call("GetOpenItems", {"reference": "DS7"})
    assert "Unexpected element <reference>" in fault.value.detail


def test_given_no_open_period_201802_then_the_seed_instruction(
        connector: AdsolutConnector, adsolut_sandbox: Running) -> None:
    adsolut_sandbox.state.set_period_open("MAES", "201802", False)
    with pytest.raises(EmployeeActionRequired) as closed:
        connector.post_booking(a_request(issued=date(2018, 2, 5)))
    assert render(closed.value.code.name, closed.value.params, "nl") == (
        "Er is geen open boekperiode gevonden voor periode 201802. Maak deze periode eerst aan "
        "of heropen ze in het boekhoudpakket.")


def test_given_an_expired_session_then_signed_in_again(
        connector: AdsolutConnector, adsolut_sandbox: Running) -> None:
    connector.post_booking(a_request(1))
    adsolut_sandbox.state.sessions.clear()
    connector.post_booking(a_request(2))
    assert len(adsolut_sandbox.state.bookings("MAES")) == 2


def test_given_a_wrong_password_then_credentials_rejected(
        adsolut_sandbox: Running) -> None:
    adsolut_sandbox.state.add_database("MAES")
    connector = AdsolutConnector(adsolut_sandbox.connection(), DossierRef(1, "Garage Maes", "MAES"))
    adsolut_sandbox.state.password = "changed in Adsolut"
    with pytest.raises(SupportRequired) as rejected:
        connector.check_dossier()
    assert rejected.value.code.name == "credentials_rejected"


def test_given_a_chosen_period_then_the_import_names_its_year_and_period() -> None:
    proposal = a_request(8, issued=date(2018, 2, 5)).proposal.moved_to("201903")
    xml = etree.fromstring(booking_xml(proposal).encode())
    assert xml.findtext("invoice/blrela/boekjaar_boekjaar") == "2019"
    assert xml.findtext("invoice/blrela/periode_periode") == "03"
    assert xml.findtext("invoice/blrela/factdat") == "2018-02-05"
