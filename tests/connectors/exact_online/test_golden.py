"""Exact Online as the public clients document it: answers classified without a sandbox,
and every property the connector posts one of the resource's documented properties.

Before the connector followed the sources, a 500 carrying a refusal was retried as
"unavailable", a too-early token refresh was "credentials rejected" and every 403 without a
``Reason`` told the office it had lost access.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from connectors.base import DossierRef
from connectors.exact_online import errors
from connectors.exact_online.connector import ExactOnlineConnector
from doorstroom.documents.proposal import BookingRequest
from doorstroom.failures import codes as c
from doorstroom.store.models import DocumentKind
from tests.connectors.golden import golden
from tests.helpers import A_PDF, a_proposal
from tests.sandboxes import RunningExact

ANSWERS: dict[str, Any] = json.loads(golden("exact_online", "answers.json"))


def answer(name: str) -> httpx.Response:
    example = ANSWERS[name]
    return httpx.Response(example["status"], json=example["body"], headers=example["headers"],
                          request=httpx.Request("POST", "https://start.exactonline.be/api"))


@pytest.mark.parametrize("name, code", [
    ("closed_period_500", c.NO_OPEN_BOOKING_PERIOD.name),
    ("vat_refusal_500", c.PACKAGE_REJECTED.name),
    ("financial_year_refusal_500", c.PACKAGE_REJECTED.name),
    ("scope_violation_403", errors.EXACT_FORBIDDEN.name),
    ("division_scope_403", errors.EXACT_FORBIDDEN.name),
    ("no_division_access_403", errors.EXACT_DIVISION_ACCESS_LOST.name),
    ("customer_type_400", c.PACKAGE_REJECTED.name),
])
def test_each_documented_answer_gets_its_failure(name: str, code: str) -> None:
    assert errors.classify(answer(name), "Bakkerij", {"period": "202603"}).code.name == code


def test_a_too_early_refresh_is_recognised_by_its_reason_or_its_text() -> None:
    assert errors.too_early_to_refresh(answer("too_early_refresh"))
    without_reason = answer("too_early_refresh")
    del without_reason.headers["Reason"]
    assert errors.too_early_to_refresh(without_reason)
    assert not errors.too_early_to_refresh(answer("customer_type_400"))


ENTITIES: dict[str, Any] = json.loads(golden("exact_online", "entities.json"))
RESOURCES = {"purchaseentry/PurchaseEntries": ("PurchaseEntry", "PurchaseEntryLines",
                                               "PurchaseEntryLine"),
             "salesentry/SalesEntries": ("SalesEntry", "SalesEntryLines", "SalesEntryLine"),
             "crm/Accounts": ("Account", None, None),
             "documents/Documents": ("Document", None, None),
             "documents/DocumentAttachments": ("DocumentAttachment", None, None)}


def test_every_property_the_connector_posts_is_a_documented_one(
        exact_sandbox: RunningExact) -> None:
    sent: list[httpx.Request] = []
    http = httpx.Client(event_hooks={"request": [sent.append]})
    exact_sandbox.state.add_division(21, "Velden BV")
    connector = ExactOnlineConnector(exact_sandbox.connection(rate_limited=False),
                                     DossierRef(1, "Velden BV", "21"), http=http)
    sale = a_proposal("S-1").model_copy(update={"kind": DocumentKind.SALES_INVOICE})
    for number, proposal in enumerate((a_proposal("P-1"), sale), start=1):
        connector.post_booking(BookingRequest(document_id=number, proposal=proposal,
                                              attachments=[A_PDF]))

    posted = [r for r in sent if r.method == "POST" and "/api/v1/" in r.url.path]
    assert {r.url.path.split("/api/v1/21/")[1] for r in posted} == set(RESOURCES)
    for request in posted:
        entity, lines_field, line_entity = RESOURCES[request.url.path.split("/api/v1/21/")[1]]
        body = json.loads(request.content)
        assert set(body) <= set(ENTITIES[entity]), (entity, set(body) - set(ENTITIES[entity]))
        for line in body.get(lines_field, []) if lines_field else []:
            assert set(line) <= set(ENTITIES[line_entity]), line


def test_the_financial_period_is_asked_for_by_its_dates(exact_sandbox: RunningExact) -> None:
    sent: list[httpx.Request] = []
    exact_sandbox.state.add_division(22, "Perioden BV")
    connector = ExactOnlineConnector(
        exact_sandbox.connection(rate_limited=False), DossierRef(1, "Perioden BV", "22"),
        http=httpx.Client(event_hooks={"request": [sent.append]}))
    connector.post_booking(BookingRequest(document_id=1, proposal=a_proposal("P-1")))
    [asked] = [r for r in sent if r.url.path.endswith("financial/FinancialPeriods")]
    terms = asked.url.params["$filter"]
    assert terms == ("StartDate le datetime'2026-03-10' and EndDate ge datetime'2026-03-10'")
    assert set(asked.url.params["$select"].split(",")) <= set(ENTITIES["FinancialPeriod"])
