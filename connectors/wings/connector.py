"""Wings' sync operations: those of the agent protocol, with Wings' error rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from connectors.agent.connector import AgentConnector
from connectors.agent.errors import AgentRule
from connectors.wings import errors


class WingsConnector(AgentConnector):
    """Wings for one dossier (``dossier.external_id``: the agent's dossier code)."""

    display_name: ClassVar[str] = errors.PACKAGE
    rules: ClassVar[Mapping[str, AgentRule]] = errors.RULES
