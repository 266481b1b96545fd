"""Adsolut, declared: SOAP ExchangeService with a user and password; no published call limits."""

from __future__ import annotations

from blocks.adsolut import AdsolutConnection
from connectors.adsolut import errors
from connectors.adsolut.connector import AdsolutConnector
from connectors.adsolut.sandbox import AdsolutSandbox
from connectors.adsolut.tasks import TASKS
from connectors.descriptor import PackageDescriptor

ADSOLUT = PackageDescriptor(
    package="adsolut",
    connector=AdsolutConnector,
    connection=AdsolutConnection,
    tasks=TASKS,
    sandbox=AdsolutSandbox,
    probed=frozenset({errors.ADSOLUT_DATABASE_RIGHTS_MISSING.name}),
)
