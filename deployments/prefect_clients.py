"""Prefect's API clients in the worker: one TLS context per CA bundle, not one per client.

Every ``PrefectClient`` and ``SyncPrefectClient`` builds a new verified ``ssl.SSLContext``
(``ssl.create_default_context(cafile=certifi.where())``), and so does the server version check
of each events subscription. Building one reads and parses the whole CA bundle with OpenSSL 3
(python/cpython#95031): 27 ms of CPU per client here, 0.3 ms with a shared context. A flow
run opens five of them: the
engine's clients, its events worker, its suspension observer and that observer's version
check. Measured with py-spy during ``bench/throughput.py``: 8 % of the in-process worker's CPU
and 16 % of each run's process with ``--process-per-run``. Upstream, PrefectHQ/prefect#19106
(open) proposes letting callers pass one context.

Until then :func:`share_tls_contexts` hands those Prefect modules an ``ssl`` whose
``create_default_context(cafile=…)`` returns one context per CA file, made on first use. An
``SSLContext`` serves any number of connections and threads; Prefect only passes the verified
one to httpx (the insecure one, which Prefect changes after making it, is still made anew).
"""

from __future__ import annotations

import ssl
import types
from functools import cache
from typing import Any

import certifi
import prefect._internal.version_checking
import prefect._internal.websockets
import prefect.client.orchestration
from prefect.settings import PREFECT_API_SSL_CERT_FILE

CLIENT_MODULES = (prefect.client.orchestration, prefect._internal.version_checking,
                  prefect._internal.websockets)
"""The Prefect modules that build a verified context per client."""


@cache
def verified_context(cafile: str) -> ssl.SSLContext:
    """The verified client context of one CA file, made once per process."""
    return ssl.create_default_context(cafile=cafile)


def create_default_context(purpose: ssl.Purpose = ssl.Purpose.SERVER_AUTH, *,
                           cafile: str | None = None, capath: str | None = None,
                           cadata: Any = None) -> ssl.SSLContext:
    """``ssl.create_default_context``, shared when it only names a CA file."""
    if cafile is not None and purpose is ssl.Purpose.SERVER_AUTH and capath is cadata is None:
        return verified_context(cafile)
    return ssl.create_default_context(purpose, cafile=cafile, capath=capath, cadata=cadata)


def share_tls_contexts() -> None:
    """Let Prefect's clients in this process share their verified TLS context."""
    shared = types.ModuleType("ssl", "ssl, with verified client contexts made once per CA file")
    shared.__dict__.update(vars(ssl))
    shared.create_default_context = create_default_context  # type: ignore[attr-defined]
    for module in CLIENT_MODULES:
        if getattr(module.__dict__.get("ssl"), "create_default_context",
                   None) is create_default_context:
            continue
        if module.__dict__.get("ssl") is not ssl:
            raise RuntimeError(f"{module.__name__} no longer imports ssl as 'ssl'; "
                               "see deployments/prefect_clients.py")
        module.ssl = shared  # type: ignore[attr-defined]


def prefect_context() -> ssl.SSLContext:
    """The context Prefect's clients of this process use (made now, e.g. before a fork)."""
    return verified_context(PREFECT_API_SSL_CERT_FILE.value() or certifi.where())
