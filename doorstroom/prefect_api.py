"""What Prefect's API being away looks like to the code that calls it, and Prefect settings
changed for a block of code."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx
from prefect.context import SettingsContext, get_settings_context
from prefect.exceptions import PrefectHTTPStatusError
from prefect.settings import PREFECT_CLIENT_MAX_RETRIES, Settings
from prefect.settings.legacy import Setting

ORCHESTRATOR_ERRORS = (httpx.TransportError, PrefectHTTPStatusError)
"""Errors of Prefect's own API (loading a block, a rate-limit slot, creating a run).

The packages' own transport errors never get here: each connector classifies them.
"""


class SettingsOverride:
    """A few Prefect settings changed for a block of code, cheaply enough to do per call.

    ``prefect.settings.temporary_settings`` validates every setting anew each time it is
    entered (measured here: 35 to 70 ms of CPU), which is more than a whole flow run of one
    document costs the worker. The changed settings are built once per base settings
    object and entered as a ``SettingsContext`` (0.1 ms).
    """

    def __init__(self, updates: Mapping[Setting, Any]) -> None:
        self.updates: Mapping[Any, Any] = dict(updates)
        self._built: tuple[Settings, Settings] | None = None  # (base, changed)

    @contextmanager
    def applied(self) -> Iterator[None]:
        """Run the block with the changed settings (on top of the current ones)."""
        context = get_settings_context()
        built = self._built
        if built is None or built[0] is not context.settings:
            built = (context.settings, context.settings.copy_with_update(updates=self.updates))
            self._built = built
        with SettingsContext(profile=context.profile, settings=built[1]):
            yield


WITHOUT_CLIENT_RETRIES = SettingsOverride({PREFECT_CLIENT_MAX_RETRIES: 0})
"""For callers that retry Prefect on their own, sooner: Prefect's client sleeps 2, 4, 8 …
seconds after each 503, and the embedded SQLite server answers 503 whenever another writer
committed first (measured in ``bench/latency.py``: nine tenths of a booking's time asleep
in those retries)."""
