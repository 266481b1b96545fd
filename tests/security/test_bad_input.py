"""Finding 6 (and the DOCTYPE and cut-number parts of 7): bad input is a 4xx naming the field,
never a 500."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from doorstroom.documents.ubl import UblError, parse_ubl
from doorstroom.ingest_api.app import create_app
from doorstroom.ingest_api.auth import issue_token
from doorstroom.store.db import session_scope
from tests.helpers import a_dossier, a_proposal, an_office

SHARED = Path(__file__).resolve().parents[3] / "shared"
BELGIAN = (SHARED / "ubl-be" / "UBLBE_BE0000000196_V01-15000001.xml").read_text()


@pytest.fixture
def api(store_url: str) -> tuple[TestClient, str, dict[str, str]]:
    """A client that sees 500s as answers, the proposal URL of a new dossier, its token."""
    office = an_office("Invoer Kantoor")
    with session_scope() as session:
        token = issue_token(session, office)
    dossier = a_dossier(office, "Invoer BV", 0, "b")
    return (TestClient(create_app(), raise_server_exceptions=False),
            f"/api/v1/dossiers/{dossier}/documents", {"Authorization": f"Bearer {token}"})


def _taxable(text: str, value: str) -> str:
    return re.sub(r'(<cac:TaxSubtotal>\s*<cbc:TaxableAmount currencyID="EUR">)[^<]+',
                  rf"\g<1>{value}", text, count=1)


@pytest.mark.parametrize(("name", "ubl", "field"), [
    ("three decimals", _taxable(BELGIAN, "400.125"), "TaxableAmount"),
    ("1e20", _taxable(BELGIAN, "1e20"), "TaxableAmount"),
    ("currency gbp", BELGIAN.replace(">EUR</cbc:DocumentCurrencyCode>",
                                     ">gbp</cbc:DocumentCurrencyCode>"), "BT-5"),
    ("VAT category over 10 characters",
     re.sub(r"(<cac:TaxCategory>\s*<cbc:ID>)S<", r"\1SSSSSSSSSSSS<", BELGIAN, count=1),
     "BT-118"),
    ("number over 100 characters", BELGIAN.replace("<cbc:ID>V01/15000001</cbc:ID>",
                                                   f"<cbc:ID>{'7' * 101}</cbc:ID>", 1), "BT-1"),
])
def test_a_ubl_value_that_does_not_fit_is_a_422_naming_it(
        api: tuple[TestClient, str, dict[str, str]], name: str, ubl: str, field: str) -> None:
    client, url, auth = api
    answer = client.post(f"{url}/ubl", content=ubl.encode(), headers=auth)
    assert answer.status_code == 422, (name, answer.status_code, answer.text)
    assert field in answer.json()["error"]["field"], answer.text


@pytest.mark.parametrize("bare", ["NaN", "Infinity", "-Infinity"])
def test_bare_nan_and_infinity_in_json_are_a_422(
        api: tuple[TestClient, str, dict[str, str]], bare: str) -> None:
    client, url, auth = api
    body = json.dumps({"proposal": a_proposal().model_dump(mode="json")})
    body = re.sub(r'"total_excl": "[^"]+"', f'"total_excl": {bare}', body)
    answer = client.post(f"{url}/proposal", content=body.encode(),
                         headers={**auth, "content-type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"][-1] == "total_excl"


@pytest.mark.parametrize("path", ["/api/v1/dossiers/{big}/documents/proposal",
                                  "/api/v1/documents/{big}/withdraw"])
def test_ids_past_64_bits_are_a_422(api: tuple[TestClient, str, dict[str, str]],
                                    path: str) -> None:
    client, _, auth = api
    answer = client.post(path.format(big=2**63), headers=auth,
                         json={"proposal": a_proposal().model_dump(mode="json")})
    assert answer.status_code == 422, answer.text


@pytest.mark.parametrize("declaration", [
    '<!DOCTYPE Invoice [<!ENTITY a "b">]>',
    "<!--" + "x" * 10_000 + '--><!DOCTYPE Invoice [<!ENTITY a "b">]>',
])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_doctype_is_refused_whatever_the_encoding_or_where_it_hides(
        declaration: str, encoding: str) -> None:
    xml = f'<?xml version="1.0" encoding="{encoding}"?>' + declaration + \
        BELGIAN.split("?>", 1)[1]
    with pytest.raises(UblError, match="DOCTYPE"):
        parse_ubl(xml.encode(encoding))
