"""A busy Prefect is asked again within a fraction of a second, for a while, then given up on;
settings changed for a block of code are built once for equal base settings.

Prefect's refusal is imitated (a busy embedded server answering 503 cannot be ordered up on
cue); the settings and the clock's pauses are real.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from prefect.context import SettingsContext, get_settings_context
from prefect.exceptions import PrefectHTTPStatusError
from prefect.settings import (
    PREFECT_CLIENT_MAX_RETRIES,
    PREFECT_CLIENT_RETRY_JITTER_FACTOR,
    Settings,
    get_current_settings,
    temporary_settings,
)

from doorstroom.clock import FakeClock
from doorstroom.prefect_api import MAX_BUSY_PAUSE, SettingsOverride, asked_while_busy
from tests.helpers import prefect_refusal


def asks(*answers: object) -> tuple[list[object], Callable[[], object]]:
    """An ask that gives ``answers`` in turn (raising the errors) and checks that Prefect's
    own client retries are off while it is asked."""
    left = list(answers)

    def ask() -> object:
        assert PREFECT_CLIENT_MAX_RETRIES.value() == 0  # ours are sooner than its 2, 4 … s
        answer = left.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return left, ask


def test_a_busy_answer_is_asked_again_within_a_fraction_of_a_second() -> None:
    clock = FakeClock()
    left, ask = asks(prefect_refusal(503), httpx.ConnectError("refused"), "run")

    assert asked_while_busy(ask, clock=clock) == "run"
    assert left == [] and len(clock.slept) == 2
    assert all(pause < 0.5 for pause in clock.slept)


def test_busy_past_its_patience_the_last_answer_is_raised() -> None:
    clock = FakeClock()
    _left, ask = asks(*[prefect_refusal(503)] * 1000)

    with pytest.raises(PrefectHTTPStatusError):
        asked_while_busy(ask, patience=30, clock=clock)
    assert 30 <= sum(clock.slept) <= 30 + 1.5 * MAX_BUSY_PAUSE
    assert max(clock.slept) <= 1.5 * MAX_BUSY_PAUSE


@pytest.mark.parametrize("answer", [prefect_refusal(status) for status in (404, 409, 500)])
def test_an_answer_that_is_not_busy_is_raised_at_once(answer: Exception) -> None:
    clock = FakeClock()
    _left, ask = asks(answer, "never asked")

    with pytest.raises(PrefectHTTPStatusError):
        asked_while_busy(ask, clock=clock)
    assert clock.slept == []


def test_no_patience_asks_once() -> None:
    clock = FakeClock()
    left, ask = asks(prefect_refusal(503), "never asked")

    with pytest.raises(PrefectHTTPStatusError):
        asked_while_busy(ask, patience=0, clock=clock)
    assert left == ["never asked"] and clock.slept == []


def test_changed_settings_are_built_once_for_equal_base_settings() -> None:
    override = SettingsOverride({PREFECT_CLIENT_MAX_RETRIES: 0})
    seen = []
    for _run in range(3):  # each flow run's engine enters its own, equal settings object
        engine_settings = SettingsContext(profile=get_settings_context().profile,
                                          settings=Settings())
        with engine_settings, override.applied():
            assert PREFECT_CLIENT_MAX_RETRIES.value() == 0
            seen.append(get_current_settings())
    assert seen[0] is seen[1] is seen[2]


def test_changed_settings_follow_a_different_base() -> None:
    override = SettingsOverride({PREFECT_CLIENT_MAX_RETRIES: 0})
    with override.applied():
        first = get_current_settings()
    with temporary_settings({PREFECT_CLIENT_RETRY_JITTER_FACTOR: 0.5}), override.applied():
        assert PREFECT_CLIENT_MAX_RETRIES.value() == 0
        assert PREFECT_CLIENT_RETRY_JITTER_FACTOR.value() == 0.5
        assert get_current_settings() is not first
