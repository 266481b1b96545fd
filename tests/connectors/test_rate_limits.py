"""Exact Online's per-division limit through Prefect rate limits: no 429 from the package."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.settings import PREFECT_CLIENT_MAX_RETRIES

from connectors.base import DossierRef
from connectors.exact_online.client import BOOKING_CALLS, ExactOnlineClient
from connectors.exact_online.connector import ExactOnlineConnector
from connectors.exact_online.sandbox import ExactSandboxState
from connectors.rate_limits import MAX_BUSY, PREPAID_SECONDS, RateLimit, RateLimiter
from doorstroom.clock import SYSTEM, FakeClock
from doorstroom.documents.proposal import BookingRequest
from doorstroom.failures import SyncFailure, TransientFailure
from doorstroom.failures import codes as c
from tests.conftest import serving
from tests.helpers import A_PDF, a_proposal, prefect_refusal
from tests.sandboxes import RunningExact

INCREMENT = "/api/v2/concurrency_limits/increment"
LIMIT = 30  # per minute, in the sandbox and in the connection


@pytest.fixture
def strict_exact() -> Iterator[RunningExact]:
    """An Exact sandbox that answers 429 past 30 calls a minute per division."""
    with serving("exact_online", ExactSandboxState(minutely_limit=LIMIT)) as served:
        yield served


def hammer(sandbox: RunningExact, division: int, limited: bool, seconds: float) -> int:
    """Four clients call one division for ``seconds``; return how many calls got through."""
    sandbox.state.add_division(division, f"Druk {division}")
    connection = sandbox.connection().model_copy(update={
        "calls_per_minute": LIMIT if limited else 0, "calls_per_day": 5000 if limited else 0})
    done, stop = [], time.monotonic() + seconds

    def work() -> None:
        # Unlimited clients would sleep out each 429's Retry-After (a minute): not here.
        client = ExactOnlineClient(connection, str(division), "Druk",
                                   clock=SYSTEM if limited else FakeClock())
        while time.monotonic() < stop:
            try:
                client.request("GET", "financial/FinancialPeriods")
                done.append(1)
            except SyncFailure:
                pass

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(done)


def test_given_four_clients_on_one_division_then_the_limit_holds_and_nothing_is_refused(
        prefect_stack: object, strict_exact: RunningExact) -> None:
    calls = hammer(strict_exact, 8101, limited=True, seconds=8)
    assert strict_exact.state.http_429 == 0
    assert 2 <= calls <= LIMIT
    with get_client(sync_client=True) as client:
        minute = client.read_global_concurrency_limit_by_name("rate:exact_online:8101:minute")
    # one booking's calls at once, the rest of the minute spread: never more than LIMIT
    assert minute.limit == BOOKING_CALLS
    assert minute.slot_decay_per_second == pytest.approx(
        RateLimit("minute", LIMIT, burst=BOOKING_CALLS).per_second)


def test_given_no_limits_then_the_same_clients_are_refused_by_the_package(
        prefect_stack: object, strict_exact: RunningExact) -> None:
    hammer(strict_exact, 8102, limited=False, seconds=3)
    assert strict_exact.state.http_429 > 0


def test_given_a_busy_prefect_then_the_slot_is_asked_again_within_a_fraction_of_a_second(
        prefect_stack: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """The embedded server answers 503 when another writer committed first; Prefect's client
    would sleep 2 + 4 s before asking again."""
    clock = FakeClock()
    limiter = RateLimiter("exact_online", "8103", [RateLimit("minute", LIMIT)], clock)
    answers: list[int] = [503, 503, 200]
    asked = SyncPrefectClient.increment_concurrency_slots

    def increment(client: SyncPrefectClient, **kwargs: object) -> object:
        assert PREFECT_CLIENT_MAX_RETRIES.value() == 0
        if (status := answers.pop(0)) != 200:
            raise prefect_refusal(status, INCREMENT)
        return asked(client, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(SyncPrefectClient, "increment_concurrency_slots", increment)
    limiter.acquire()

    assert answers == [] and len(clock.slept) == 2
    assert all(pause < 0.5 for pause in clock.slept)


def test_given_prefect_busy_for_a_minute_then_a_transient_failure(
        prefect_stack: object, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    limiter = RateLimiter("exact_online", "8104", [RateLimit("minute", LIMIT)], clock)

    def busy(client: SyncPrefectClient, **kwargs: object) -> object:
        raise prefect_refusal(503, INCREMENT)

    monkeypatch.setattr(SyncPrefectClient, "increment_concurrency_slots", busy)
    with pytest.raises(TransientFailure) as failed:
        limiter.acquire()

    assert failed.value.code == c.ORCHESTRATOR_BUSY
    assert MAX_BUSY <= sum(clock.slept) <= MAX_BUSY + 10


@pytest.fixture
def increments(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The slots of each request for slots that Prefect granted (the requests go out)."""
    granted: list[int] = []
    increment = SyncPrefectClient.increment_concurrency_slots

    def counted(client: SyncPrefectClient, **kwargs: Any) -> Any:
        answer = increment(client, **kwargs)
        granted.append(int(kwargs["slots"]))
        return answer

    monkeypatch.setattr(SyncPrefectClient, "increment_concurrency_slots", counted)
    return granted


def test_given_slots_reserved_then_the_calls_use_them_and_ask_again_when_spent(
        prefect_stack: object, increments: list[int]) -> None:
    limiter = RateLimiter("exact_online", "8105", [RateLimit("minute", 6000, burst=10)])

    limiter.reserve(12)  # more than the burst: the burst
    for _ in range(11):
        limiter.acquire()

    assert increments == [10, 1]


def test_given_slots_reserved_too_long_ago_then_a_call_asks_for_its_own(
        prefect_stack: object, increments: list[int]) -> None:
    clock = FakeClock()
    limiter = RateLimiter("exact_online", "8107", [RateLimit("minute", 6000, burst=10)], clock)

    limiter.reserve(2)
    clock.sleep(PREPAID_SECONDS)  # a call now would count against a window it was not in
    limiter.acquire()

    assert increments == [2, 1]


def test_given_bookings_then_each_takes_its_calls_slots_in_one_request(
        prefect_stack: object, exact_sandbox: RunningExact, increments: list[int]) -> None:
    exact_sandbox.state.add_division(8106, "Reeks")
    connector = ExactOnlineConnector(exact_sandbox.connection(), DossierRef(1, "Reeks", "8106"))
    try:
        for number in ("R-1", "R-2", "R-3"):
            connector.post_booking(BookingRequest(document_id=1, proposal=a_proposal(number),
                                                  attachments=[A_PDF]))
    finally:
        connector.close()

    # the first booking makes BOOKING_CALLS calls; each next one reserves what the last made
    assert increments == [BOOKING_CALLS, BOOKING_CALLS, 6]
    assert len(exact_sandbox.state.entries(8106)) == 3
