"""Prefect's clients in the worker share one verified TLS context per CA bundle instead of
parsing the bundle anew for each client; the insecure context Prefect changes stays its own.

Real parts: Prefect's client classes and its TLS settings; no server is needed to build them.
"""

from __future__ import annotations

import ssl
import types
from collections.abc import Iterator

import pytest
from prefect.client.orchestration import PrefectClient, SyncPrefectClient
from prefect.settings import PREFECT_API_TLS_INSECURE_SKIP_VERIFY, temporary_settings

from deployments import prefect_clients
from deployments.prefect_clients import CLIENT_MODULES, share_tls_contexts

API = "http://127.0.0.1:9/api"


@pytest.fixture
def shared(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Sharing installed for one test; Prefect's modules get their own ``ssl`` back after."""
    for module in CLIENT_MODULES:
        monkeypatch.setattr(module, "ssl", ssl)
    prefect_clients.verified_context.cache_clear()
    share_tls_contexts()
    yield
    prefect_clients.verified_context.cache_clear()


def _context(client: PrefectClient | SyncPrefectClient) -> ssl.SSLContext:
    """The TLS context the client's connection pool would wrap its sockets with."""
    context = client._client._transport._pool._ssl_context  # type: ignore[union-attr]
    assert isinstance(context, ssl.SSLContext)
    return context


def test_without_sharing_every_client_parses_the_bundle_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for module in CLIENT_MODULES:
        monkeypatch.setattr(module, "ssl", ssl)
    assert _context(PrefectClient(API)) is not _context(PrefectClient(API))


def test_clients_share_one_verified_context(shared: None) -> None:
    contexts = {id(_context(client)) for client in (
        PrefectClient(API), PrefectClient(API), SyncPrefectClient(API), SyncPrefectClient(API))}
    assert len(contexts) == 1
    context = _context(PrefectClient(API))
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.get_ca_certs() or context.cert_store_stats()["x509_ca"] > 0


def test_the_insecure_context_prefect_changes_is_still_made_per_client(shared: None) -> None:
    with temporary_settings({PREFECT_API_TLS_INSECURE_SKIP_VERIFY: True}):
        first, second = _context(PrefectClient(API)), _context(PrefectClient(API))
    assert first is not second
    assert first.verify_mode == second.verify_mode == ssl.CERT_NONE
    assert _context(PrefectClient(API)).verify_mode == ssl.CERT_REQUIRED


def test_sharing_twice_is_sharing_once(shared: None) -> None:
    installed = [module.ssl for module in CLIENT_MODULES]  # type: ignore[attr-defined]
    share_tls_contexts()
    assert [module.ssl for module in CLIENT_MODULES] == installed  # type: ignore[attr-defined]


def test_a_prefect_that_no_longer_imports_ssl_so_is_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CLIENT_MODULES[0], "ssl", types.ModuleType("ssl"))
    with pytest.raises(RuntimeError, match="no longer imports ssl"):
        share_tls_contexts()
