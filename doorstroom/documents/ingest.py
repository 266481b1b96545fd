"""Ingesting a UBL file for a dossier: parse, propose, store the document, its raw file and
its embedded files, and queue its booking — in one transaction, so nothing is half stored."""

from __future__ import annotations

from dataclasses import dataclass, field

from doorstroom.documents.booking import propose
from doorstroom.documents.proposal import Attachment
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


def _normal_vat(number: str) -> str:
    return "".join(ch for ch in number.upper() if ch.isalnum())


def _check_own_company(dossier: Dossier, document: UblDocument, direction: str) -> None:
    """A purchase invoice must be addressed to the dossier's company (a sale must be from it)."""
    own = document.buyer if direction == "purchase" else document.seller
    field = "buyer VAT number (BT-48)" if direction == "purchase" else "seller VAT (BT-31)"
    if dossier.vat_number and own.vat_number and (
            _normal_vat(own.vat_number) != _normal_vat(dossier.vat_number)):
        raise UblError(field, f"{own.vat_number} is not the VAT number of dossier "
                              f"'{dossier.name}' ({dossier.vat_number})")
