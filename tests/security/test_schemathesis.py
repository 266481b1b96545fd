"""Schemathesis against the ingest API's OpenAPI schema: generated requests (valid and
invalid) with a real office token, bounded examples. No answer may be a 5xx, and every answer
must keep to what the schema declares."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from doorstroom.ingest_api.app import create_app
from doorstroom.ingest_api.auth import issue_token
from doorstroom.store.db import session_scope
from tests.helpers import a_dossier, an_office


@pytest.fixture
def office_token(store_url: str) -> str:
    office = an_office("Schemathesis Kantoor")
    for number in range(3):  # ids 1… exist for this office more often than not
        a_dossier(office, f"Gegenereerd {number}", 0, "b")
    with session_scope() as session:
        return issue_token(session, office)


def test_the_ingest_api_never_answers_a_5xx_and_keeps_to_its_schema(office_token: str) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 4
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
        def answered(case: schemathesis.Case) -> None:
            case.call_and_validate(
                headers={"Authorization": f"Bearer {office_token}"},
                checks=[not_a_server_error, content_type_conformance,
                        response_schema_conformance])

        answered()
