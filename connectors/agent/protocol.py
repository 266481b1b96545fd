"""Payloads of the agent protocol v1 (pydantic on both sides: connector and agent)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from doorstroom.documents.proposal import BookingRequest

PROTOCOL = "v1"


class AgentLine(BaseModel):
    """One booking line as the agent writes it into the package's database."""

    account: str
    description: str = ""
    amount: Decimal
    vat_code: str
    vat_amount: Decimal


class AgentBooking(BaseModel):
    """A booking for the agent; ``reference`` is Doorstroom's, so a retry finds it."""

    reference: str
    kind: str
    journal: str
    period: str = Field(pattern=r"^\d{6}$")
    document_number: str
    document_date: date
    due_date: date | None = None
    party_name: str
    party_vat: str = ""
    lines: list[AgentLine]
    total: Decimal

    @classmethod
    def from_request(cls, request: BookingRequest) -> AgentBooking:
        """The agent's booking for a document."""
        proposal = request.proposal
        return cls(
            reference=f"DS{request.document_id}", kind=proposal.kind.value,
            journal=proposal.journal, period=proposal.period,
            document_number=proposal.number, document_date=proposal.issue_date,
            due_date=proposal.due_date, party_name=proposal.party.name,
            party_vat=proposal.party.vat_number, total=proposal.total_incl,
            lines=[AgentLine(account=line.gl_account, description=line.description,
                             amount=line.amount, vat_code=line.vat_code,
                             vat_amount=line.vat_amount) for line in proposal.lines],
        )


class AgentError(BaseModel):
    """The ``error`` member of an agent error answer."""

    code: str
    message: str = ""
    details: dict[str, Any] = Field(default_factory=dict)
