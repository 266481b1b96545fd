"""Wings, declared: on the office's server, reached through Doorstroom's agent."""

from __future__ import annotations

from blocks.agent import OnPremiseAgentConnection
from connectors.descriptor import PackageDescriptor
from connectors.wings.connector import WingsConnector
from connectors.wings.sandbox import WingsSandbox
from connectors.wings.tasks import TASKS
from doorstroom.failures import codes as c

WINGS = PackageDescriptor(
    package="wings",
    connector=WingsConnector,
    connection=OnPremiseAgentConnection,
    tasks=TASKS,
    sandbox=WingsSandbox,
    probed=frozenset({c.WINGS_DATABASE_OUTDATED.name}),
)
