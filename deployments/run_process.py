"""What each run's process would otherwise do for itself, done once in the forkserver.

``process_per_run`` preloads this module into the forkserver, whose only way to prepare
anything before it forks is importing; importing it therefore does the work, and every run's
process is forked with it done:

- the modules a run imports on first use, after the flows' own: Prefect's task engine and
  its visualisation hook (imported inside ``Task.__call__``), anyio's asyncio backend (at the
  first ``anyio`` call) and ``sqlite3`` (when the store's engine is made);
- the TLS contexts: the one Prefect's clients share (``prefect_clients``) and the connectors'
  (``connectors.http``);
- what SQLAlchemy and pydantic finish on first use: the store's mappers configured, and the
  pydantic models whose schema was deferred at import (Prefect's API objects) built.

py-spy of the run processes during ``bench/throughput.py --process-per-run``: these imports
were 4.6 % of their CPU, the TLS contexts 16 %, configuring the mappers 3.3 % and building
the deferred models 2.9 %.
"""

from __future__ import annotations

import sqlite3  # noqa: F401

import anyio._backends._asyncio  # noqa: F401
import prefect.task_engine
import prefect.utilities.visualization  # noqa: F401
from pydantic import BaseModel

from connectors.http import tls_context
from deployments.prefect_clients import prefect_context, share_tls_contexts
from doorstroom.store.db import configure_models


def deferred_models(base: type[BaseModel] = BaseModel) -> list[type[BaseModel]]:
    """The imported pydantic models whose schema is still to be built (on first use)."""
    found = []
    for model in base.__subclasses__():
        if not model.__pydantic_complete__:
            found.append(model)
        found.extend(deferred_models(model))
    return found


def prepare() -> None:
    """Do now what a run's process would do on first use."""
    share_tls_contexts()
    prefect_context()
    tls_context()
    configure_models()
    for model in deferred_models():
        model.model_rebuild(raise_errors=False)


prepare()
