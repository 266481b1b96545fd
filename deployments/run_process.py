"""What each run's process would otherwise do for itself, done once in the forkserver.

``process_per_run`` preloads this module into the forkserver, whose only way to prepare
anything before it forks is importing; importing it therefore does the work, and every run's
process is forked with it done:

- the modules a run imports on first use, after the flows' own: Prefect's task engine and
  its visualisation hook (imported inside ``Task.__call__``), anyio's asyncio backend (at the
  first ``anyio`` call) and ``sqlite3`` (when the store's engine is made);
- the TLS contexts: the one Prefect's clients share (``prefect_clients``) and the connectors'
  (``connectors.http``).

py-spy of the run processes during ``bench/throughput.py --process-per-run``: these imports
were 4.6 % of their CPU and the TLS contexts 16 %.
"""

from __future__ import annotations

import sqlite3  # noqa: F401

import anyio._backends._asyncio  # noqa: F401
import prefect.task_engine
import prefect.utilities.visualization  # noqa: F401

from connectors.http import tls_context
from deployments.prefect_clients import prefect_context, share_tls_contexts

share_tls_contexts()
prefect_context()
tls_context()
