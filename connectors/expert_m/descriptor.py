"""Expert/M, declared: on the office's server, reached through Doorstroom's agent."""

from __future__ import annotations

from blocks.agent import OnPremiseAgentConnection
from connectors.descriptor import PackageDescriptor
from connectors.expert_m import errors
from connectors.expert_m.connector import ExpertMConnector
from connectors.expert_m.sandbox import ExpertMSandbox
from connectors.expert_m.tasks import TASKS

EXPERT_M = PackageDescriptor(
    package="expert_m",
    connector=ExpertMConnector,
    connection=OnPremiseAgentConnection,
    tasks=TASKS,
    sandbox=ExpertMSandbox,
    probed=frozenset({errors.EXPERT_M_DATABASE_MISSING.name}),
)
