"""Expert/M through the agent: the shared rules plus linked payments and missing databases."""

from __future__ import annotations

from collections.abc import Mapping

from connectors.agent.errors import DEFAULT_AGENT_RULES, AgentRule
from connectors.agent.protocol import AgentError
from doorstroom.failures import SyncFailure, failure
from doorstroom.failures.codes import Kind, define

PACKAGE = "Expert/M"

# This package's own failure codes (texts: the catalogue, msgid = the code).
EXPERT_M_PAYMENT_LINKED = define("expert_m.payment_linked", Kind.EMPLOYEE)
EXPERT_M_DATABASE_MISSING = define("expert_m.database_missing", Kind.EMPLOYEE, "dossier",
                                   dossier_wide=True)


def _payment_linked(error: AgentError, _package: str, _dossier: str) -> SyncFailure:
    return failure(EXPERT_M_PAYMENT_LINKED, detail=f"{error.message} {error.details}")


def _database_missing(error: AgentError, package: str, dossier: str) -> SyncFailure:
    if error.details.get("backup_available"):
        return failure(EXPERT_M_DATABASE_MISSING, detail=error.message, dossier=dossier)
    return DEFAULT_AGENT_RULES["database_missing"](error, package, dossier)


RULES: Mapping[str, AgentRule] = {
    **DEFAULT_AGENT_RULES,
    "payment_linked": _payment_linked,
    "database_missing": _database_missing,
}
