"""Wings through the agent: the shared agent rules plus Wings' outdated database."""

from __future__ import annotations

from collections.abc import Mapping

from connectors.agent.errors import DEFAULT_AGENT_RULES, AgentRule
from connectors.agent.protocol import AgentError
from doorstroom.failures import SyncFailure, failure
from doorstroom.failures.codes import Kind, define

PACKAGE = "Wings"

# This package's own failure codes (texts: the catalogue, msgid = the code).
WINGS_DATABASE_OUTDATED = define("wings.database_outdated", Kind.EMPLOYEE, dossier_wide=True)


def _outdated(error: AgentError, _package: str, _dossier: str) -> SyncFailure:
    return failure(WINGS_DATABASE_OUTDATED, detail=f"{error.message} {error.details}")


RULES: Mapping[str, AgentRule] = {**DEFAULT_AGENT_RULES, "database_outdated": _outdated}
