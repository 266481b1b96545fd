"""Ingesting a UBL file for a dossier: parse, propose, store the document, its raw file and
its embedded files, and queue its booking — in one transaction, so nothing is half stored."""

from __future__ import annotations

from dataclasses import dataclass, field

from doorstroom.documents.booking import propose
from doorstroom.documents.proposal import Attachment, Party
from doorstroom.documents.service import submit
from doorstroom.documents.ubl import UblDocument, UblError, parse_ubl
from doorstroom.store.db import Session
from doorstroom.store.models import Dossier


class UnknownDossier(LookupError):
    """The dossier named by the submission does not exist."""


@dataclass(frozen=True)
class Ingested:
    """The outcome of an ingest: the document, whether it is new, lines a person should check."""

    document_id: int
    created: bool
    needs_person: list[int] = field(default_factory=list)


def ingest_ubl(session: Session, dossier_id: int, data: bytes, direction: str = "purchase",
               filename: str = "document.xml") -> Ingested:
    """Ingest one UBL Invoice or CreditNote; :class:`UblError` says what is wrong with it."""
    dossier = session.get(Dossier, dossier_id)
    if dossier is None:
        raise UnknownDossier(f"dossier {dossier_id} does not exist")
    document = parse_ubl(data)
    _check_own_company(dossier, document, direction)
    proposed = propose(session, dossier_id, document, direction)
    files = [Attachment(filename=filename, media_type="application/xml", content=data)]
    files += [Attachment(filename=a.filename, media_type=a.media_type, content=a.content)
              for a in document.attachments]
    submitted = submit(session, dossier_id, proposed.proposal, files)
    return Ingested(submitted.document_id, submitted.created, proposed.needs_person)


def _check_own_company(dossier: Dossier, document: UblDocument, direction: str) -> None:
    """A purchase invoice must be addressed to the dossier's company (a sale must be from it).

    Compared by national number, whatever identifier the document gives: the VAT number, the
    enterprise number (a Belgian VAT number and enterprise number share their ten digits) or
    the electronic address. Skipped only when the document names the company by none of them.
    """
    own = document.buyer if direction == "purchase" else document.seller
    field = "buyer (BT-48/BT-47/BT-49)" if direction == "purchase" else "seller (BT-31/BT-30)"
    party = Party(name=own.name[:200] or "?", vat_number=own.vat_number[:40],
                  legal_id=own.legal_id[:80], endpoint=own.endpoint[:120])
    ours = Party(name=dossier.name, vat_number=dossier.vat_number or "").digits()
    theirs = party.digits()
    if ours and theirs and not ours & theirs:
        shown = own.vat_number or own.legal_id or own.endpoint
        raise UblError(field, f"{shown} is not the company of dossier '{dossier.name}' "
                              f"({dossier.vat_number})")
