"""Plausible Belgian purchase invoices for the demo, generated from a seed (reproducible)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from doorstroom.documents.proposal import Attachment, BookingProposal, Party, ProposalLine
from doorstroom.store.models import DocumentKind

SUPPLIERS = [
    ("Proximus NV", "BE0202239951", "611000"),
    ("Colruyt Group NV", "BE0400378485", "604000"),
    ("Bpost NV", "BE0214596464", "612000"),
    ("Electrabel NV", "BE0403170701", "611000"),
]


def sample_proposals(count: int, seed: int) -> list[tuple[BookingProposal, list[Attachment]]]:
    """``count`` balanced purchase invoices in 2026, each with a tiny PDF."""
    rng = random.Random(seed)
    proposals = []
    for index in range(count):
        name, vat, account = rng.choice(SUPPLIERS)
        excl = Decimal(rng.randint(2_000, 250_000)) / 100
        vat_amount = (excl * Decimal("0.21")).quantize(Decimal("0.01"))
        issued = date(2026, 1, 5) + timedelta(days=rng.randint(0, 300))
        number = f"{seed}-{index + 1:04d}"
        proposal = BookingProposal(
            kind=DocumentKind.PURCHASE_INVOICE, number=number, issue_date=issued,
            due_date=issued + timedelta(days=30), party=Party(name=name, vat_number=vat),
            journal="600", description=f"{name} {number}",
            lines=[ProposalLine(gl_account=account, amount=excl, vat_code="21",
                                vat_amount=vat_amount, description=name)],
            total_excl=excl, total_vat=vat_amount, total_incl=excl + vat_amount,
        )
        pdf = Attachment(filename=f"{number}.pdf", media_type="application/pdf",
                         content=f"%PDF-1.4\n% demo invoice {number}\n".encode())
        proposals.append((proposal, [pdf]))
    return proposals
