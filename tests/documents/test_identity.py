"""Party identity: what tells documents apart, never colliding by accident."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from doorstroom.documents.proposal import Party

DIGITS = st.text(alphabet="0123456789", min_size=10, max_size=10)


def test_identity_prefers_vat_then_legal_then_endpoint_then_representative_then_name() -> None:
    assert Party(name="A", vat_number="be 0123.456.789").identity == "vat:BE0123456789"
    assert Party(name="A", legal_id="0208:0123.456.789").identity == "legal:0208:0123456789"
    assert Party(name="A", endpoint="0208:0999999999").identity == "endpoint:0208:0999999999"
    assert Party(name="A", tax_representative_vat="BE0111111111").identity == "rep:BE0111111111"
    assert Party(name="  Acme   NV ").identity == "name:acme nv"


@given(one=DIGITS, other=DIGITS)
def test_suppliers_without_vat_share_an_identity_only_with_the_same_number(
        one: str, other: str) -> None:
    first = Party(name="Zelfde Naam", legal_id=f"0208:{one}")
    second = Party(name="Zelfde Naam", legal_id=f"0208:{other}")
    assert (first.identity == second.identity) == (one == other)


@given(vat=DIGITS, punctuation=st.sampled_from(["", " ", ".", "-"]))
def test_the_same_vat_number_written_differently_is_one_identity(
        vat: str, punctuation: str) -> None:
    written = punctuation.join([vat[:4], vat[4:7], vat[7:]])
    assert Party(name="A", vat_number=f"BE{written}").identity == Party(
        name="B", vat_number=f"be{vat}").identity


def test_a_belgian_vat_and_enterprise_number_share_their_digits() -> None:
    assert Party(name="A", vat_number="BE0123456789").digits() == Party(
        name="A", legal_id="0208:0123.456.789").digits() == {"0123456789"}
