"""A start Prefect refused on arrival is tried again within seconds, then left to the sweep.

Prefect's refusal is imitated (a busy embedded server answering 503 cannot be ordered up on
cue); the store, the retries and the log are real.
"""

from __future__ import annotations

import logging

import pytest

from doorstroom import dispatching
from tests.helpers import a_dossier, an_office, prefect_refusal


def test_a_refused_start_is_tried_again_after_a_pause_and_then_made(
        store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    dossier = a_dossier(an_office(), "Bakkerij Opnieuw", 0, "b")
    answers: list[object] = [prefect_refusal(503), 1]
    pauses: list[float] = []

    def start(_limit: int, _deployment: str, ids: list[int], patience: float) -> int:
        assert ids == [dossier] and patience == 0  # each try asks once; the pauses are ours
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return int(str(answer))

    monkeypatch.setattr(dispatching, "start_runs", start)
    monkeypatch.setattr(dispatching.time, "sleep", pauses.append)

    assert dispatching.on_arrival(dossier) == 1
    assert pauses == [0.0, dispatching.ARRIVAL_PAUSES[0]] and answers == []


def test_a_start_refused_every_time_is_left_to_the_sweep_with_prefects_status(
        store_url: str, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    dossier = a_dossier(an_office(), "Bakkerij Later", 0, "b")
    tries: list[int] = []

    def start(_limit: int, _deployment: str, ids: list[int], patience: float) -> int:
        tries.append(ids[0])
        raise prefect_refusal(503)

    monkeypatch.setattr(dispatching, "start_runs", start)
    monkeypatch.setattr(dispatching.time, "sleep", lambda _seconds: None)

    with caplog.at_level(logging.WARNING, logger="doorstroom.dispatching"):
        assert dispatching.on_arrival(dossier) == 0
    assert tries == [dossier] * (1 + len(dispatching.ARRIVAL_PAUSES))
    assert "PrefectHTTPStatusError 503" in caplog.text and "sweep" in caplog.text
