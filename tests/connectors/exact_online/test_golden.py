"""Exact Online's answers as the public clients document them, classified without a sandbox.

Before the connector followed the sources, a 500 carrying a refusal was retried as
"unavailable", a too-early token refresh was "credentials rejected" and every 403 without a
``Reason`` told the office it had lost access.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from connectors.exact_online import errors
from doorstroom.failures import codes as c
from tests.connectors.golden import golden

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
