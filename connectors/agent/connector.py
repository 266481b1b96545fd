"""What Wings and Expert/M share: a connector over the agent protocol.

A package's ``tasks.py`` subclasses :class:`AgentConnector` with its name and its error rules;
everything else is the protocol.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import httpx

from blocks.agent import OnPremiseAgentConnection
from connectors.agent.client import AgentClient
from connectors.agent.errors import AgentRule
from connectors.agent.protocol import AgentBooking
from connectors.base import Connector, DossierRef
from doorstroom.documents.proposal import BookingRequest, MasterData


class AgentConnector(Connector):
    """A package reached through the office's agent (``dossier.external_id``: its dossier)."""

    rules: ClassVar[Mapping[str, AgentRule]]

    def __init__(self, connection: OnPremiseAgentConnection, dossier: DossierRef,
                 block_name: str = "", http: httpx.Client | None = None) -> None:
        super().__init__(connection, dossier, block_name)
        self.client = AgentClient(connection, dossier.external_id, dossier.name,
                                  self.display_name, self.rules, http)

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

    def check_dossier(self) -> str:
        """The agent reaches the dossier and its database is usable; return its name."""
        return str(self.client.dossier().get("name", self.dossier.name))

    def find_booking(self, request: BookingRequest) -> str | None:
        """The booking carrying this document's reference."""
        return self.client.find(AgentBooking.from_request(request).reference)

    def create_booking(self, request: BookingRequest) -> str:
        """Hand the booking to the agent; return the package's booking id."""
        return self.client.post(AgentBooking.from_request(request))

    def master_data(self) -> MasterData:
        """The dossier's master data, read by the agent from the package's database."""
        return self.client.master_data()

    def delete_booking(self, external_ref: str) -> None:
        """Delete the booking through the agent."""
        self.client.delete(external_ref)
