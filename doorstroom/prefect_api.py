"""What Prefect's API being away looks like to the code that calls it."""

from __future__ import annotations

import httpx
from prefect.exceptions import PrefectHTTPStatusError

ORCHESTRATOR_ERRORS = (httpx.TransportError, PrefectHTTPStatusError)
"""Errors of Prefect's own API (loading a block, a rate-limit slot, creating a run).

The packages' own transport errors never get here: each connector classifies them.
"""
