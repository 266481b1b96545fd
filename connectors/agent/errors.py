"""Agent error codes → failures: a shared table every on-premise package extends.

| agent code | meaning |
| --- | --- |
| ``database_missing`` | the database is not on the server (``details.backup_available``) |
| ``database_outdated`` | the database structure is older than the package needs |
| ``period_closed`` | the booking period is closed or missing (``details.period``) |
| ``payment_linked`` | a payment is linked to the booking, so it cannot be deleted |
| ``dossier_not_found`` | the agent does not know the dossier |
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from connectors.agent.protocol import AgentError
from doorstroom.failures import SyncFailure, failure
from doorstroom.failures import codes as c

AgentRule = Callable[[AgentError, str, str], SyncFailure]
"""(error, package display name, dossier name) → failure."""


def _period_closed(error: AgentError, _package: str, _dossier: str) -> SyncFailure:
    return failure(c.NO_OPEN_BOOKING_PERIOD, detail=error.message,
                   period=str(error.details.get("period", "?")))


def _database_missing(error: AgentError, package: str, dossier: str) -> SyncFailure:
    return failure(c.DATABASE_MISSING, detail=error.message, package=package, dossier=dossier)


def _unknown_dossier(error: AgentError, package: str, _dossier: str) -> SyncFailure:
    return failure(c.PACKAGE_REJECTED, detail=error.message, package=package,
                   message=error.message or error.code)


DEFAULT_AGENT_RULES: Mapping[str, AgentRule] = {
    "period_closed": _period_closed,
    "database_missing": _database_missing,
    "dossier_not_found": _unknown_dossier,
}
