"""Wings' sync operations: those of the agent protocol, with Wings' error rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from connectors.agent.connector import AgentConnector
from connectors.agent.errors import AgentRule
from connectors.wings import errors
from doorstroom.failures import codes as c


class WingsConnector(AgentConnector):
    """Wings for one dossier (``dossier.external_id``: the agent's dossier code)."""

    package: ClassVar[str] = "wings"
    display_name: ClassVar[str] = errors.PACKAGE
    probed: ClassVar[frozenset[str]] = frozenset({c.WINGS_DATABASE_OUTDATED.name})
    rules: ClassVar[Mapping[str, AgentRule]] = errors.RULES
