"""Findings 5 and 7 of the security review, at the ingest API's door."""

from __future__ import annotations

import asyncio
import base64
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from doorstroom.documents.service import submit, withdraw
from doorstroom.ingest_api.app import MAX_REQUEST_BYTES, create_app
from doorstroom.ingest_api.auth import issue_token
from doorstroom.store.db import session_scope
from doorstroom.store.models import DocumentFile, SyncTask, TaskKind
from tests.helpers import a_dossier, a_proposal, an_office


@pytest.fixture
def client(store_url: str) -> TestClient:
    return TestClient(create_app())


def an_office_token(name: str = "Deur Kantoor") -> tuple[int, str]:
    office = an_office(name)
    with session_scope() as session:
        return office, issue_token(session, office)


def call(path: str, headers: dict[str, str], chunks: list[bytes]) -> tuple[int, int]:
    """Send a POST straight to the app; return its status and how many bytes it read."""
    read = 0
    sent: dict[str, Any] = {}
    pending = list(chunks)

    async def receive() -> dict[str, Any]:
        nonlocal read
        body = pending.pop(0) if pending else b""
        read += len(body)
        return {"type": "http.request", "body": body, "more_body": bool(pending)}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            sent["status"] = message["status"]

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "server": ("127.0.0.1", 80),
             "client": ("127.0.0.1", 1234),
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
    asyncio.run(create_app()(scope, receive, send))
    return sent["status"], read


def test_a_body_without_a_valid_token_is_refused_before_a_byte_is_read(store_url: str) -> None:
    dossier_url = "/api/v1/dossiers/1/documents/proposal"
    big = [b"x" * (1024 * 1024)] * 150
    declared = {"content-type": "application/json",
                "content-length": str(150 * 1024 * 1024)}
    for auth in ({}, {"authorization": "Bearer unknown"}):
        assert call(dossier_url, {**declared, **auth}, big) == (401, 0)


def test_a_body_past_the_limit_is_refused_declared_or_streamed(store_url: str) -> None:
    office, token = an_office_token()
    dossier = a_dossier(office, "Groot Bestand BV", 0, "b")
    url = f"/api/v1/dossiers/{dossier}/documents/proposal"
    auth = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    big = [b"x" * (1024 * 1024)] * (MAX_REQUEST_BYTES // (1024 * 1024) + 5)

    assert call(url, {**auth, "content-length": str(MAX_REQUEST_BYTES + 1)}, big) == (413, 0)
    status, read = call(url, auth, big)  # chunked: no length declared
    assert status == 413 and read <= MAX_REQUEST_BYTES + 1024 * 1024


@pytest.mark.parametrize(("header", "status"), [
    ("Bearer {t}", 201), ("bearer {t}", 201), ("BEARER  {t}", 201),
    ("{t}", 401), ("Basic {t}", 401), ("Bearer", 401), ("Bearer {t} extra", 401),
])
def test_the_authorization_scheme_is_case_insensitive_and_a_bare_token_is_refused(
        client: TestClient, header: str, status: int) -> None:
    office, token = an_office_token()
    dossier = a_dossier(office, "Schema BV", 0, "b")
    answer = client.post(f"/api/v1/dossiers/{dossier}/documents/proposal",
                         headers={"Authorization": header.format(t=token)},
                         json={"proposal": a_proposal().model_dump(mode="json")})
    assert answer.status_code == status, answer.text


def test_withdrawing_tells_nothing_of_another_office_and_queues_one_delete_task(
        client: TestClient) -> None:
    _, my_token = an_office_token("Eigen Kantoor")
    theirs, their_token = an_office_token("Ander Kantoor")
    dossier = a_dossier(theirs, "Hun Dossier", 0, "b")
    stored = client.post(f"/api/v1/dossiers/{dossier}/documents/proposal",
                         headers={"Authorization": f"Bearer {their_token}"},
                         json={"proposal": a_proposal().model_dump(mode="json")}).json()
    document = stored["document_id"]
    mine_auth = {"Authorization": f"Bearer {my_token}"}

    other_office = client.post(f"/api/v1/documents/{document}/withdraw", headers=mine_auth)
    missing = client.post(f"/api/v1/documents/{document + 10_000}/withdraw", headers=mine_auth)
    assert other_office.status_code == missing.status_code == 404
    assert other_office.json()["detail"].replace(str(document), "N") == \
        missing.json()["detail"].replace(str(document + 10_000), "N")

    theirs_auth = {"Authorization": f"Bearer {their_token}"}
    task_ids = {client.post(f"/api/v1/documents/{document}/withdraw",
                            headers=theirs_auth).json()["task_id"] for _ in range(5)}
    assert len(task_ids) == 1


def test_a_stored_filename_is_a_safe_base_name(client: TestClient) -> None:
    office, token = an_office_token()
    dossier = a_dossier(office, "Bestandsnaam BV", 0, "b")
    answer = client.post(
        f"/api/v1/dossiers/{dossier}/documents/proposal",
        headers={"Authorization": f"Bearer {token}"},
        json={"proposal": a_proposal().model_dump(mode="json"),
              "pdf_base64": base64.b64encode(b"%PDF-1.4 x").decode(),
              "pdf_filename": "../../etc/<img src=x onerror=alert(1)>factuur.pdf"})
    assert answer.status_code == 201, answer.text
    with session_scope() as session:
        name = session.scalar(select(DocumentFile.filename).where(
            DocumentFile.document_id == answer.json()["document_id"]))
    assert name is not None and "/" not in name and "<" not in name and ">" not in name
    assert name.endswith("factuur.pdf")


def test_withdrawals_racing_each_other_queue_one_delete_task(store_url: str) -> None:
    office, _ = an_office_token("Race Kantoor")
    dossier = a_dossier(office, "Race Dossier", 0, "b")
    with session_scope() as session:
        document = submit(session, dossier, a_proposal()).document_id
    start = threading.Barrier(10)

    def withdraw_once(_: int) -> int:
        start.wait()
        with session_scope() as session:
            return withdraw(session, document)

    with ThreadPoolExecutor(10) as pool:
        answered = set(pool.map(withdraw_once, range(10)))

    with session_scope() as session:
        queued = session.scalars(select(SyncTask.id).where(
            SyncTask.document_id == document, SyncTask.kind == TaskKind.DELETE_BOOKING)).all()
    assert len(queued) == 1 and answered == set(queued)
