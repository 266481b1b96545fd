"""FastAPI app of the ingest API. Every answer that refuses something says why (4xx)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal

from fastapi import BackgroundTasks, Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from doorstroom.documents.ingest import UnknownDossier, ingest_ubl
from doorstroom.documents.proposal import Attachment, BookingProposal
from doorstroom.documents.service import DocumentConflict, submit, withdraw
from doorstroom.documents.ubl import MAX_BYTES, UblError
from doorstroom.ingest_api.edge import TokenFirst
from doorstroom.store.db import Session, session_scope
from doorstroom.store.models import Document, Dossier
from doorstroom.web import BodyLimit, RowId


class ProposalSubmission(BaseModel):
    """A booking proposal as JSON, optionally with its PDF (base64)."""

    proposal: BookingProposal
    pdf_base64: str | None = Field(default=None, description="The document's PDF, base64.")
    pdf_filename: str = "document.pdf"


class Accepted(BaseModel):
    """The answer to a submission."""

    document_id: int
    created: bool
    message: str
    needs_person: list[int] = Field(default_factory=list)


MAX_REQUEST_BYTES = MAX_BYTES * 4 // 3 + 1024 * 1024
"""A JSON submission carries its PDF in base64 (4/3 of the document's limit) and a proposal."""


def _session() -> Iterator[Session]:
    with session_scope() as session:
        yield session


SessionDep = Annotated[Session, Depends(_session, scope="function")]
"""Committed when the route returns, before its answer is sent: an acknowledgement the client
reads is stored (FastAPI's default would commit after the answer has left)."""


def _office(request: Request) -> int:
    """The office ``TokenThenSize`` found for the request's token, before its body was read."""
    office = getattr(request.state, "office", None)
    if not isinstance(office, int):
        raise HTTPException(401, "missing or unknown office token (Authorization: Bearer …)")
    return office


OfficeDep = Annotated[int, Depends(_office)]


def _own_dossier(session: Session, office: int, dossier_id: int) -> Dossier:
    dossier = session.get(Dossier, dossier_id)
    if dossier is None or dossier.office_id != office:
        raise HTTPException(404, f"dossier {dossier_id} not found for this office")
    return dossier


def _accepted(document_id: int, created: bool, needs_person: list[int]) -> JSONResponse:
    body = Accepted(document_id=document_id, created=created, needs_person=needs_person,
                    message="stored; its booking is queued" if created
                    else "already received: this document is stored once")
    return JSONResponse(body.model_dump(), status_code=201 if created else 200)


OnArrival = Callable[[int], object]
"""Called with a dossier's id once new work for it is stored (and the answer sent)."""


def create_app(on_arrival: OnArrival | None = None) -> FastAPI:
    """The ingest API; ``on_arrival`` starts the dossier's run for what was stored
    (``doorstroom.dispatching.on_arrival``), else the dispatch sweep does."""

    def started(background: BackgroundTasks, dossier_id: int, created: bool) -> None:
        if created and on_arrival is not None:
            background.add_task(on_arrival, dossier_id)
    app = FastAPI(title="Doorstroom ingest API", version="1", redirect_slashes=False)
    app.add_middleware(BodyLimit, max_bytes=MAX_REQUEST_BYTES)
    app.add_middleware(TokenFirst)  # added last: outermost, the token before anything

    @app.exception_handler(DocumentConflict)
    async def conflict(_request: Request, error: DocumentConflict) -> JSONResponse:
        return JSONResponse({"error": {
            "document_id": error.document_id, "field": error.field,
            "message": f"document {error.document_id} has this number from this party with "
                       f"another {error.field}; nothing was stored or replaced"}},
            status_code=409)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        # What was wrong and where, without echoing the input back (it may be huge, or a
        # NaN that JSON cannot carry: that answer was a 500).
        return JSONResponse({"detail": [
            {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in error.errors()
        ]}, status_code=422)

    @app.exception_handler(UblError)
    async def ubl_error(_request: Request, error: UblError) -> JSONResponse:
        return JSONResponse({"error": {"field": error.field, "message": error.message}},
                            status_code=422)

    @app.post("/api/v1/dossiers/{dossier_id}/documents/ubl", response_model=Accepted,
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/xml": {"schema": {"type": "string"}}}}})
    async def post_ubl(dossier_id: RowId, request: Request, session: SessionDep,
                       office: OfficeDep, background: BackgroundTasks,
                       direction: Literal["purchase", "sales"] = Query("purchase"),
                       ) -> JSONResponse:
        _own_dossier(session, office, dossier_id)
        data = await _body(request)
        try:
            result = ingest_ubl(session, dossier_id, data, direction)
        except UnknownDossier as error:
            raise HTTPException(404, str(error)) from None
        started(background, dossier_id, result.created)
        return _accepted(result.document_id, result.created, result.needs_person)

    @app.post("/api/v1/dossiers/{dossier_id}/documents/proposal", response_model=Accepted)
    def post_proposal(dossier_id: RowId, submission: ProposalSubmission, session: SessionDep,
                      office: OfficeDep, background: BackgroundTasks) -> JSONResponse:
        _own_dossier(session, office, dossier_id)
        files = []
        if submission.pdf_base64:
            try:
                content = base64.b64decode(submission.pdf_base64, validate=True)
            except (binascii.Error, ValueError):
                raise HTTPException(422, "pdf_base64 is not base64") from None
            files.append(Attachment(filename=submission.pdf_filename,
                                    media_type="application/pdf", content=content))
        result = submit(session, dossier_id, submission.proposal, files)
        started(background, dossier_id, result.created)
        return _accepted(result.document_id, result.created, [])

    @app.post("/api/v1/documents/{document_id}/withdraw", status_code=202)
    def post_withdraw(document_id: RowId, session: SessionDep, office: OfficeDep,
                      background: BackgroundTasks) -> dict[str, Any]:
        document = session.get(Document, document_id)
        dossier = session.get(Dossier, document.dossier_id) if document else None
        if dossier is None or dossier.office_id != office:  # one answer for both
            raise HTTPException(404, f"document {document_id} not found for this office")
        task_id = withdraw(session, document_id)
        started(background, dossier.id, True)
        return {"task_id": task_id, "message": "delete task queued"}

    @app.get("/api/v1/schema/booking-proposal")
    def proposal_schema() -> dict[str, Any]:
        return ProposalSubmission.model_json_schema()

    return app


async def _body(request: Request) -> bytes:
    """The request body, refused with 413 as soon as it grows past the limit."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BYTES:
            raise HTTPException(413, f"document larger than {MAX_BYTES // (1024 * 1024)} MB")
        chunks.append(chunk)
    return b"".join(chunks)


__all__ = ["create_app"]
