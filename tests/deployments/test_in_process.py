"""The in-process worker asks for sync runs every poll, for housekeeping runs less often."""

from __future__ import annotations

from deployments.in_process import Lane
from deployments.serve import HOUSEKEEPING_POLL_SECONDS


def test_a_lane_without_its_own_pace_is_asked_every_poll() -> None:
    sync = Lane("sync", {}, limit=8)
    assert sync.due(now=100.0, every=1.0)
    sync.polled = 100.0
    assert not sync.due(now=100.5, every=1.0)
    assert sync.due(now=101.0, every=1.0)


def test_a_housekeeping_lane_is_asked_at_its_own_pace() -> None:
    dispatch = Lane("dispatch", {}, limit=2, poll_seconds=HOUSEKEEPING_POLL_SECONDS)
    dispatch.polled = 100.0
    assert not dispatch.due(now=101.0, every=1.0)
    assert not dispatch.due(now=102.0, every=1.0)
    assert dispatch.due(now=100.0 + HOUSEKEEPING_POLL_SECONDS, every=1.0)
