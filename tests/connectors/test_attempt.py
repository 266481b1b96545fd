"""Which errors inside a task are Prefect's API being away (transient), and which are ours."""

from __future__ import annotations

import httpx
import pytest
from prefect.exceptions import PrefectHTTPStatusError

from connectors.attempt import orchestrator_away


def _status_error(status: int) -> PrefectHTTPStatusError:
    request = httpx.Request("POST", "http://127.0.0.1:4200/api/block_documents/filter")
    response = httpx.Response(status, request=request)
    return PrefectHTTPStatusError(f"HTTP {status}", request=request, response=response)


@pytest.mark.parametrize(("error", "away"), [
    (httpx.ConnectError("refused"), True),
    (httpx.ReadTimeout("slow"), True),
    (_status_error(503), True),
    (_status_error(500), True),
    (_status_error(404), False),
    (_status_error(422), False),
    (ValueError("no block"), False),
])
def test_only_an_unreachable_or_failing_prefect_api_is_weather(
        error: BaseException, away: bool) -> None:
    assert orchestrator_away(error) is away
