"""WinBooks on Web against its DEV pages, without the sandbox.

Each test would have failed on the connector before it followed the sources: it sent
``Criterions``/``Value`` (ignored by the server), posted a made-up transaction body with
``GLTrans``/``Account``/``BookPeriod`` codes and no party or VAT line, and addressed
transactions by a code of its own instead of their ``Id``.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
from pydantic import SecretStr

from blocks.winbooks import WinBooksConnection
from connectors.base import DossierRef
from connectors.winbooks.connector import (
    WinBooksConnector,
    _transaction_id,
    transaction_lines,
)
from doorstroom.documents.proposal import BookingProposal, BookingRequest, DocumentKind
from tests.connectors.golden import golden
from tests.helpers import a_proposal

TOKENS = {"access_token": "a", "refresh_token": "r", "token_type": "bearer", "expires_in": 600}


def a_folder(request: httpx.Request) -> Any:
    """Answers of a folder with an open 2026 book period, one supplier and no transactions."""
    path = request.url.path
    if "BookPeriods" in path:
        return [{"Id": "p-202603", "Code": "202603", "Status": "Open", "VatStatus": "Open"}]
    if "/Supplier/" in path:
        return {"Id": "s-1", "Code": "T0123456789"}
    if path.endswith("/GLTransHeaders/Folder/JF_TEST_RESTAPI"):
        return [{"Id": "t-1"}]
    return []


def recording_connector(seen: list[httpx.Request], respond: Any = a_folder,
                        ) -> WinBooksConnector:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/OAuth20/Token"):
            return httpx.Response(200, json=TOKENS)
        seen.append(request)
        return httpx.Response(200, json=respond(request))

    connection = WinBooksConnection(base_url="https://wow.test", email="a@b.be",
                                    exchange_token=SecretStr("x"))
    return WinBooksConnector(connection, DossierRef(1, "Test", "JF_TEST_RESTAPI"),
                             http=httpx.Client(transport=httpx.MockTransport(handle)))


def a_sale() -> BookingProposal:
    """The DEV pages' example: a sale of 1000 with 21% VAT on 700000."""
    proposal = a_proposal("S-1", date(2017, 3, 15), amount="1000.00")
    line = proposal.lines[0].model_copy(update={"gl_account": "700000"})
    return proposal.model_copy(update={"kind": DocumentKind.SALES_INVOICE, "lines": [line],
                                       "journal": "VERK7"})


def test_the_book_period_is_asked_for_as_the_dev_page_asks_for_it() -> None:
    seen: list[httpx.Request] = []
    connector = recording_connector(seen)

    connector.book_period("201703")

    expected = json.loads(golden("winbooks", "BookPeriod.criteria.json"))["body"]
    assert seen[-1].url.path == "/app/BookPeriods/Folder/JF_TEST_RESTAPI/ExecuteCriteria"
    assert json.loads(seen[-1].content) == expected


def test_a_sale_has_the_lines_and_signs_of_the_dev_page_example() -> None:
    ours = transaction_lines(a_sale(), "period-id", {})
    documented = json.loads(golden("winbooks", "sale-transaction.json"))["lines"]

    def shape(line: dict[str, Any], account: str, vat: str) -> tuple[Any, ...]:
        return (line["LineOrder"], line[account], line.get(vat),
                *(None if line.get(name) is None else Decimal(line[name])
                  for name in ("Amount", "VatBaseAmount", "TurnOverAmount", "VatTaxAmount")))

    assert [shape(line, "GLAccountCode", "VatCode") for line in ours] == [
        shape(line, "GLAccount", "Vat") for line in documented]
    assert ours[0]["CustomerCode"] and all(line["BookPeriod_Id"] == "period-id" for line in ours)


def test_every_property_posted_is_one_of_the_schema_and_the_id_is_kept() -> None:
    schema = json.loads(golden("winbooks", "schema.json"))
    seen: list[httpx.Request] = []
    connector = recording_connector(seen)

    ref = connector.post_booking(BookingRequest(document_id=1, proposal=a_proposal("F-1")))

    [posted] = [r for r in seen if r.method == "POST" and "/GLTransHeaders/Folder/" in r.url.path
                and not r.url.path.endswith("ExecuteCriteria")]
    [header] = json.loads(posted.content)
    assert ref == "t-1"
    assert set(header) - {"$type"} <= set(schema["GLTransHeader"]), header
    for line in header["GLTransactions"]:
        assert set(line) - {"$type"} <= set(schema["GLTrans"]), line
    assert sum(Decimal(line["Amount"]) for line in header["GLTransactions"]) == 0


def test_a_transaction_is_known_by_the_id_in_the_answer_href() -> None:
    made = {"Href": "https://wow.test/app/GLTransHeader/3f2a-9c/Folder/JF_TEST_RESTAPI"}
    assert _transaction_id(made) == "3f2a-9c"
    assert _transaction_id({"Id": "abc"}) == "abc"
