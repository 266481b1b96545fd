"""Exact Online, declared: REST/OData with OAuth2, 60 calls a minute and 5,000 a day each."""

from __future__ import annotations

from blocks.exact_online import ExactOnlineConnection
from connectors.descriptor import PackageDescriptor
from connectors.exact_online import errors
from connectors.exact_online.client import call_limits
from connectors.exact_online.connector import ExactOnlineConnector
from connectors.exact_online.sandbox import ExactOnlineSandbox
from connectors.exact_online.tasks import TASKS

EXACT_ONLINE = PackageDescriptor(
    package="exact_online",
    connector=ExactOnlineConnector,
    connection=ExactOnlineConnection,
    tasks=TASKS,
    sandbox=ExactOnlineSandbox,
    probed=frozenset({errors.EXACT_DOSSIER_RIGHTS_MISSING.name,
                      errors.EXACT_DIVISION_ACCESS_LOST.name}),
    probe_errors_per_hour=errors.ERRORS_PER_ENDPOINT_HOUR - 1,
    call_limits=call_limits,
)
