"""The HTTP client a connector speaks to its package through.

Every connector opens a client per flow run; building one also builds a TLS context (the
CA bundle read and parsed), which cost more CPU than the run's bookings themselves (measured
with py-spy in ``bench/throughput.py``). The context is built once per process and shared:
an ``ssl.SSLContext`` serves many connections and threads.
"""

from __future__ import annotations

import ssl
from functools import cache

import httpx


@cache
def tls_context() -> ssl.SSLContext:
    """httpx's default verification (certifi's CA bundle, or ``SSL_CERT_FILE``), made once."""
    return httpx.create_ssl_context()


def package_client(timeout: float) -> httpx.Client:
    """A client for one connector's calls, with the shared TLS context."""
    return httpx.Client(timeout=timeout, verify=tls_context())
