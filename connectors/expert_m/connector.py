"""Expert/M's sync operations: those of the agent protocol, with Expert/M's error rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from connectors.agent.connector import AgentConnector
from connectors.agent.errors import AgentRule
from connectors.expert_m import errors
from doorstroom.failures import codes as c


class ExpertMConnector(AgentConnector):
    """Expert/M for one dossier (``dossier.external_id``: the agent's dossier code)."""

    package: ClassVar[str] = "expert_m"
    display_name: ClassVar[str] = errors.PACKAGE
    probed: ClassVar[frozenset[str]] = frozenset({c.EXPERT_M_DATABASE_MISSING.name})
    rules: ClassVar[Mapping[str, AgentRule]] = errors.RULES
