"""Ingest: stored once with its raw file and PDF, refused whole when anything is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from doorstroom.documents.ingest import UnknownDossier, ingest_ubl
from doorstroom.documents.ubl import UblError
from doorstroom.store.db import session_scope
from doorstroom.store.models import Document, DocumentFile, SyncTask, TaskKind
from tests.helpers import a_dossier, an_office

SHARED = Path(__file__).resolve().parents[3] / "shared"
BELGIAN = SHARED / "ubl-be" / "UBLBE_BE0000000196_V01-15000001.xml"


def counts() -> tuple[int, int, int]:
    with session_scope() as session:
        return tuple(session.scalar(select(func.count()).select_from(t))  # type: ignore[return-value]
                     for t in (Document, DocumentFile, SyncTask))


def test_given_a_ubl_invoice_when_ingested_twice_then_one_document_with_its_files_and_task(
        store_url: str) -> None:
    dossier = a_dossier(an_office(), "Ingest NV", 9001, "unused")
    data = BELGIAN.read_bytes()
    with session_scope() as session:
        first = ingest_ubl(session, dossier, data, filename=BELGIAN.name)
    with session_scope() as session:
        second = ingest_ubl(session, dossier, data, filename=BELGIAN.name)
        document = session.get_one(Document, first.document_id)
        files = {f.media_type: f for f in document.files}
        tasks = session.scalars(select(SyncTask).where(SyncTask.document_id == document.id)).all()

    assert first.created and not second.created
    assert second.document_id == first.document_id
    assert files["application/xml"].content == data
    assert files["application/pdf"].content.startswith(b"%PDF")
    assert [t.kind for t in tasks] == [TaskKind.POST_BOOKING]


def test_given_bad_input_then_nothing_is_stored(store_url: str) -> None:
    dossier = a_dossier(an_office(), "Ingest BV", 9002, "unused")
    before = counts()
    broken = BELGIAN.read_bytes().replace(b"<cbc:ID>", b"<cbc:Id>", 1)
    with pytest.raises(UblError), session_scope() as session:
        ingest_ubl(session, dossier, broken)
    with pytest.raises(UnknownDossier), session_scope() as session:
        ingest_ubl(session, 999_999, BELGIAN.read_bytes())
    assert counts() == before
