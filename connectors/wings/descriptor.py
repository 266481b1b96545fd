"""Wings, declared: on the office's server, reached through Doorstroom's agent."""

from __future__ import annotations

from blocks.agent import OnPremiseAgentConnection
from connectors.descriptor import PackageDescriptor
from connectors.wings import errors
from connectors.wings.connector import WingsConnector
from connectors.wings.sandbox import WingsSandbox
from connectors.wings.tasks import TASKS

WINGS = PackageDescriptor(
    package="wings",
    connector=WingsConnector,
    connection=OnPremiseAgentConnection,
    tasks=TASKS,
    sandbox=WingsSandbox,
    probed=frozenset({errors.WINGS_DATABASE_OUTDATED.name}),
)
