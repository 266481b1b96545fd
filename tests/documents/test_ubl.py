"""The UBL parser: every official example parses; bad input gives declared errors only."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstroom.documents.ubl import UblError, parse_ubl

SHARED = Path(__file__).resolve().parents[3] / "shared"
EXAMPLES = sorted([*SHARED.glob("ubl/*.xml"), *SHARED.glob("ubl-be/*.xml")])


def test_the_example_folders_are_there() -> None:
    assert len(EXAMPLES) >= 15, f"examples not found under {SHARED}"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_given_an_official_example_then_it_parses_and_adds_up(path: Path) -> None:
    document = parse_ubl(path.read_bytes())
    assert document.number and document.seller.name and document.lines
    assert document.tax_exclusive + document.tax_total == document.tax_inclusive


def test_given_a_belgian_invoice_then_parties_vat_and_embedded_pdf() -> None:
    document = parse_ubl((SHARED / "ubl-be" / "UBLBE_BE0000000196_V01-15000001.xml").read_bytes())
    assert document.document_type == "invoice"
    assert document.seller.vat_number.startswith("BE")
    assert any(a.content.startswith(b"%PDF") for a in document.attachments)


def test_given_a_credit_note_then_its_type_says_so() -> None:
    document = parse_ubl((SHARED / "ubl-be" / "UBLBE_BE0000000196_V01-15000002.xml").read_bytes())
    assert document.document_type == "credit_note"


def base() -> bytes:
    return (SHARED / "ubl" / "base-example.xml").read_bytes()


@pytest.mark.parametrize(("data", "field"), [
    (b"<Invoice><unclosed></Invoice>", "file"),
    (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><Invoice>&lol;</Invoice>',
     "file"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><x>&xxe;</x>',
     "file"),
    (b"<Order xmlns='urn:oasis:names:specification:ubl:schema:xsd:Order-2'/>", "root"),
    (b" " * (20 * 1024 * 1024 + 1), "file"),
])
def test_given_bad_input_then_a_declared_error_naming_the_problem(data: bytes, field: str) -> None:
    with pytest.raises(UblError) as error:
        parse_ubl(data)
    assert error.value.field == field


def test_given_totals_that_do_not_add_up_then_the_rule_is_named() -> None:
    broken = base().replace(b"<cbc:PayableAmount currencyID=\"EUR\">1656.25",
                            b"<cbc:PayableAmount currencyID=\"EUR\">1656.26")
    assert broken != base()
    with pytest.raises(UblError) as error:
        parse_ubl(broken)
    assert "BR-CO-16" in error.value.field


def test_given_a_missing_invoice_number_then_bt1_is_named() -> None:
    with pytest.raises(UblError) as error:
        parse_ubl(base().replace(b"<cbc:ID>Snippet1</cbc:ID>", b""))
    assert error.value.field == "ID (BT-1)"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_given_mutated_examples_then_only_declared_errors_come_out(data: st.DataObject) -> None:
    original = data.draw(st.sampled_from(EXAMPLES)).read_bytes()
    start = data.draw(st.integers(0, len(original) - 1))
    length = data.draw(st.integers(0, 64))
    insert = data.draw(st.binary(max_size=32))
    mutated = original[:start] + insert + original[start + length:]
    try:
        document = parse_ubl(mutated)
    except UblError:
        return
    assert document.lines and isinstance(document.payable, Decimal)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_given_an_official_example_then_a_balanced_proposal_with_lines_for_a_person(
        path: Path, store_url: str) -> None:
    from doorstroom.documents.booking import propose
    from doorstroom.store.db import session_scope

    document = parse_ubl(path.read_bytes())
    with session_scope() as session:
        proposed = propose(session, 0, document, "purchase")
    proposal = proposed.proposal
    assert proposal.total_excl == document.tax_exclusive
    assert proposal.total_vat == document.tax_total
    assert proposal.total_incl == document.tax_inclusive
    assert proposed.needs_person == list(range(len(proposal.lines)))  # no master data yet


def test_given_the_suppliers_default_account_in_master_data_then_used_and_no_person_needed(
        store_url: str) -> None:
    from doorstroom.documents.booking import propose
    from doorstroom.store.db import session_scope
    from doorstroom.store.models import MasterRecord
    from tests.helpers import a_dossier, an_office

    document = parse_ubl(base())
    dossier = a_dossier(an_office(), "Master NV", 0, "unused")
    with session_scope() as session:
        session.add(MasterRecord(dossier_id=dossier, kind="party", code="T1",
                                 name=document.seller.name,
                                 extra={"vat": document.seller.vat_number,
                                        "gl_account": "612000"}))
    with session_scope() as session:
        proposed = propose(session, dossier, document, "purchase")
    assert {line.gl_account for line in proposed.proposal.lines} == {"612000"}
    assert proposed.needs_person == []
    assert proposed.proposal.journal == "600"
    assert proposed.proposal.period == "201711"


def a_cent_off(customization: str | None = None) -> bytes:
    """The official Belgian invoice with its line a cent above the header's line total."""
    text = (SHARED / "ubl-be" / "UBLBE_BE0000000196_V01-15000001.xml").read_text()
    head, _, line = text.rpartition('<cbc:LineExtensionAmount currencyID="EUR">400<')
    text = head + '<cbc:LineExtensionAmount currencyID="EUR">400.01<' + line
    if customization:
        text = text.replace("urn:cen.eu:en16931:2017#conformant#urn:UBL.BE:1.0.0.20180214",
                            customization)
    return text.encode()


def test_a_belgian_invoice_whose_lines_differ_from_the_header_by_a_cent_is_valid() -> None:
    document = parse_ubl(a_cent_off())
    assert document.profile == "UBL.BE"
    assert document.line_total == Decimal("400")


def test_the_same_document_declared_peppol_or_plain_en16931_is_refused_by_br_co_10() -> None:
    for customization in ("urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:"
                          "billing:3.0", "urn:cen.eu:en16931:2017"):
        with pytest.raises(UblError) as refused:
            parse_ubl(a_cent_off(customization))
        assert refused.value.field == "LineExtensionAmount (BR-CO-10)"


def in_dollars(eur_vat: str | None) -> bytes:
    """The official Belgian invoice in USD, its VAT accounted in EUR (BT-6) when given."""
    text = (SHARED / "ubl-be" / "UBLBE_BE0000000196_V01-15000001.xml").read_text()
    text = text.replace('currencyID="EUR"', 'currencyID="USD"').replace(
        "<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>",
        "<cbc:DocumentCurrencyCode>USD</cbc:DocumentCurrencyCode>"
        + ("<cbc:TaxCurrencyCode>EUR</cbc:TaxCurrencyCode>" if eur_vat is not None else ""))
    if eur_vat:
        head, _, rest = text.partition("<cac:TaxTotal>")
        text = (head + f'<cac:TaxTotal><cbc:TaxAmount currencyID="EUR">{eur_vat}</cbc:TaxAmount>'
                "</cac:TaxTotal><cac:TaxTotal>" + rest)
    return text.encode()


def test_a_dollar_invoice_keeps_its_vat_in_euro_for_the_booking() -> None:
    document = parse_ubl(in_dollars("77.28"))
    assert (document.currency, document.vat_currency) == ("USD", "EUR")
    assert document.tax_total_vat_currency == Decimal("77.28")


def test_a_vat_currency_without_its_total_is_refused_naming_the_rule() -> None:
    with pytest.raises(UblError) as refused:
        parse_ubl(in_dollars(""))
    assert refused.value.field == "TaxTotal (BT-111)"
