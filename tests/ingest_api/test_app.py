"""The ingest API: token per office, clear 4xx answers, nothing stored from refused input."""

from __future__ import annotations

import base64
import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from connectors.sandbox_server import SandboxServer
from doorstroom.ingest_api.app import create_app
from doorstroom.ingest_api.auth import issue_token
from doorstroom.store.db import Session, session_scope
from doorstroom.store.models import Document, Dossier
from tests.helpers import a_dossier, a_proposal, an_office

SHARED = Path(__file__).resolve().parents[3] / "shared"
BELGIAN = (SHARED / "ubl-be" / "UBLBE_BE0000000196_V01-15000001.xml").read_bytes()


@pytest.fixture
def client(store_url: str) -> TestClient:
    return TestClient(create_app())


@pytest.fixture
def office() -> tuple[int, dict[str, str]]:
    office_id = an_office("API kantoor")
    with session_scope() as session:
        token = issue_token(session, office_id)
    return office_id, {"Authorization": f"Bearer {token}"}


def documents() -> int:
    with session_scope() as session:
        return int(session.scalar(select(func.count()).select_from(Document)) or 0)


def test_given_a_ubl_invoice_when_posted_twice_then_201_then_200_with_one_document(
        client: TestClient, office: tuple[int, dict[str, str]]) -> None:
    office_id, auth = office
    dossier = a_dossier(office_id, "Api NV", 0, "unused")
    url = f"/api/v1/dossiers/{dossier}/documents/ubl"
    first = client.post(url, content=BELGIAN, headers=auth)
    second = client.post(url, content=BELGIAN, headers=auth)
    assert first.status_code == 201, first.text
    assert second.status_code == 200
    assert second.json()["document_id"] == first.json()["document_id"]
    assert "already received" in second.json()["message"]


@pytest.mark.parametrize(("body", "status", "field"), [
    (b"<Invoice><broken></Invoice>", 422, "file"),
    (b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', 422, "file"),
    (re.sub(rb"(<cbc:PayableAmount[^>]*>)", rb"\g<1>1", BELGIAN, count=1),
     422, "PayableAmount (BR-CO-16)"),
])
def test_given_bad_ubl_then_422_naming_the_field_and_nothing_stored(
        client: TestClient, office: tuple[int, dict[str, str]], body: bytes, status: int,
        field: str) -> None:
    office_id, auth = office
    dossier = a_dossier(office_id, "Api BV", 0, "unused")
    before = documents()
    answer = client.post(f"/api/v1/dossiers/{dossier}/documents/ubl", content=body, headers=auth)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["field"] == field
    assert documents() == before


def test_given_an_invoice_for_another_company_then_422(
        client: TestClient, office: tuple[int, dict[str, str]]) -> None:
    office_id, auth = office
    dossier = a_dossier(office_id, "Ander NV", 0, "unused")
    with session_scope() as session:
        session.get_one(Dossier, dossier).vat_number = "BE0999999999"
    answer = client.post(f"/api/v1/dossiers/{dossier}/documents/ubl", content=BELGIAN,
                         headers=auth)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "buyer (BT-48/BT-47/BT-49)"


def test_given_an_oversized_file_then_413(client: TestClient,
                                         office: tuple[int, dict[str, str]]) -> None:
    office_id, auth = office
    dossier = a_dossier(office_id, "Groot NV", 0, "unused")
    answer = client.post(f"/api/v1/dossiers/{dossier}/documents/ubl",
                         content=b" " * (20 * 1024 * 1024 + 10), headers=auth)
    assert answer.status_code == 413


def test_given_no_token_or_another_offices_dossier_then_401_or_404(
        client: TestClient, office: tuple[int, dict[str, str]]) -> None:
    _, auth = office
    elsewhere = a_dossier(an_office("Ander kantoor"), "Vreemd NV", 0, "unused")
    url = f"/api/v1/dossiers/{elsewhere}/documents/ubl"
    assert client.post(url, content=BELGIAN).status_code == 401
    assert client.post(url, content=BELGIAN, headers=auth).status_code == 404


def test_given_a_json_proposal_with_pdf_then_stored_and_withdrawable(
        client: TestClient, office: tuple[int, dict[str, str]]) -> None:
    office_id, auth = office
    dossier = a_dossier(office_id, "Json NV", 0, "unused")
    body = {"proposal": a_proposal("J-1").model_dump(mode="json"),
            "pdf_base64": base64.b64encode(b"%PDF-1.4").decode()}
    answer = client.post(f"/api/v1/dossiers/{dossier}/documents/proposal", json=body,
                         headers=auth)
    assert answer.status_code == 201, answer.text
    withdrawn = client.post(f"/api/v1/documents/{answer.json()['document_id']}/withdraw",
                            headers=auth)
    assert withdrawn.status_code == 202
    unbalanced = {**body, "proposal": {**body["proposal"], "total_incl": "1.00"}}
    refused = client.post(f"/api/v1/dossiers/{dossier}/documents/proposal", json=unbalanced,
                          headers=auth)
    assert refused.status_code == 422
    assert "total_incl" in refused.text


def test_the_proposal_schema_is_published(client: TestClient) -> None:
    schema = client.get("/api/v1/schema/booking-proposal").json()
    assert "proposal" in schema["properties"]


def test_given_twelve_identical_submissions_at_once_then_one_201_and_eleven_200(
        client: TestClient, office: tuple[int, dict[str, str]]) -> None:
    office_id, auth = office
    dossier = a_dossier(office_id, "Tegelijk NV", 0, "unused")
    url = f"/api/v1/dossiers/{dossier}/documents/ubl"
    before = documents()
    start = threading.Barrier(12)

    def post() -> int:
        start.wait()
        return client.post(url, content=BELGIAN, headers=auth).status_code

    with ThreadPoolExecutor(12) as pool:
        answers = Counter(pool.map(lambda _: post(), range(12)))

    assert answers == Counter({201: 1, 200: 11})
    assert documents() == before + 1


def test_an_acknowledgement_leaves_only_once_the_document_is_committed(
        store_url: str, office: tuple[int, dict[str, str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Over a real server: a crash after the client read "stored" must not lose the document
    (the kill drill lost one before the commit moved ahead of the answer)."""
    office_id, headers = office
    dossier = a_dossier(office_id, "Commit eerst", 0, "b")
    committed: list[float] = []
    original = Session.commit

    def slow_commit(session: Session) -> None:
        time.sleep(0.5)
        original(session)
        committed.append(time.monotonic())

    monkeypatch.setattr(Session, "commit", slow_commit)
    with SandboxServer(create_app()) as server:
        answer = httpx.post(f"{server.url}/api/v1/dossiers/{dossier}/documents/proposal",
                            json={"proposal": a_proposal().model_dump(mode="json")},
                            headers=headers, timeout=10)
        answered = time.monotonic()

    assert answer.status_code == 201
    assert committed and committed[0] <= answered


def without_vat(party: str, text: str) -> tuple[str, str, str]:
    """``text`` split around one party (``AccountingSupplierParty`` or
    ``AccountingCustomerParty``) whose VAT scheme (BT-31/BT-48) is removed."""
    start = text.index(f"<cac:{party}>")
    end = text.index(f"</cac:{party}>")
    section = text[start:end]
    scheme_start = section.index("<cac:PartyTaxScheme>")
    scheme_end = section.index("</cac:PartyTaxScheme>") + len("</cac:PartyTaxScheme>")
    return text[:start], section[:scheme_start] + section[scheme_end:], text[end:]


def without_seller_vat(enterprise: str, number: str = "15000001") -> bytes:
    """The official Belgian invoice from a supplier with only an enterprise number."""
    head, seller, tail = without_vat("AccountingSupplierParty", BELGIAN.decode())
    return (head + seller.replace("0000000196", enterprise) + tail).replace(
        "<cbc:ID>15000001</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>", 1).encode()


def test_two_suppliers_without_vat_sharing_a_number_are_two_documents(
        client: TestClient, office: tuple[int, dict[str, str]]) -> None:
    office_id, auth = office
    dossier = a_dossier(office_id, "Twee Leveranciers NV", 0, "unused")
    url = f"/api/v1/dossiers/{dossier}/documents/ubl"
    first = client.post(url, content=without_seller_vat("0111111111"), headers=auth)
    second = client.post(url, content=without_seller_vat("0222222222"), headers=auth)
    again = client.post(url, content=without_seller_vat("0222222222"), headers=auth)

    assert (first.status_code, second.status_code, again.status_code) == (201, 201, 200)
    assert first.json()["document_id"] != second.json()["document_id"]
    assert again.json()["document_id"] == second.json()["document_id"]


def test_the_same_number_from_the_same_party_with_other_content_is_a_409(
        client: TestClient, office: tuple[int, dict[str, str]]) -> None:
    office_id, auth = office
    dossier = a_dossier(office_id, "Conflict NV", 0, "unused")
    url = f"/api/v1/dossiers/{dossier}/documents/proposal"
    proposal = a_proposal("DUP-1").model_dump(mode="json")
    changed = a_proposal("DUP-1", amount="200.00").model_dump(mode="json")
    before = documents()

    stored = client.post(url, json={"proposal": proposal}, headers=auth)
    refused = client.post(url, json={"proposal": changed}, headers=auth)

    assert stored.status_code == 201 and refused.status_code == 409
    error = refused.json()["error"]
    assert error["document_id"] == stored.json()["document_id"]
    assert error["field"] == "lines"
    assert documents() == before + 1


def without_buyer_vat() -> bytes:
    """The official Belgian invoice whose buyer is named by its enterprise number only."""
    return "".join(without_vat("AccountingCustomerParty", BELGIAN.decode())).encode()


def test_the_own_company_check_reads_the_enterprise_number_when_there_is_no_vat(
        client: TestClient, office: tuple[int, dict[str, str]]) -> None:
    office_id, auth = office
    ours = a_dossier(office_id, "Klant NV", 0, "unused")
    other = a_dossier(office_id, "Iemand Anders NV", 0, "unused")
    with session_scope() as session:
        session.get_one(Dossier, ours).vat_number = "BE0000000295"
        session.get_one(Dossier, other).vat_number = "BE0999999999"
    accepted = client.post(f"/api/v1/dossiers/{ours}/documents/ubl",
                           content=without_buyer_vat(), headers=auth)
    refused = client.post(f"/api/v1/dossiers/{other}/documents/ubl",
                          content=without_buyer_vat(), headers=auth)
    assert accepted.status_code == 201
    assert refused.status_code == 422 and "0208:0000000295" in refused.json()["error"]["message"]
