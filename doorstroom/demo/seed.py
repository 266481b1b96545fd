"""Demo data: one office with Exact Online and WinBooks dossiers, two of them hitting seed cases."""

from __future__ import annotations

from datetime import date

from pydantic import SecretStr
from sqlalchemy.orm import Session

from doorstroom.blocks import ALL_BLOCKS
from doorstroom.blocks.exact_online import ExactOnlineConnection
from doorstroom.blocks.winbooks import WinBooksConnection
from doorstroom.connectors.exact_online.sandbox import ExactSandboxState
from doorstroom.connectors.sandbox_faults import Fault
from doorstroom.connectors.winbooks.sandbox import WinBooksSandboxState
from doorstroom.demo.samples import sample_proposals
from doorstroom.documents.service import request_dossier_link, submit
from doorstroom.store.db import engine_for, migrate, session_scope
from doorstroom.store.models import Dossier, Office

DEMO_BLOCK = "exact-online-demo"
WINBOOKS_BLOCK = "winbooks-demo"
WINBOOKS_FOLDER = ("JANSSENS", "Schrijnwerkerij Janssens")

DOSSIERS = [
    # name, division, rights, documents
    ("Bakkerij Janssens", 1001, True, 8),
    ("Garage Maes", 1002, True, 5),
    ("Apotheek Wouters", 1003, True, 4),
    ("Brouwerij XYZ", 1004, False, 3),
]


def register_blocks() -> None:
    """Make every Doorstroom block type known to the Prefect server (shows in the UI)."""
    for block in ALL_BLOCKS:
        block.register_type_and_schema()


def seed_demo(state: ExactSandboxState, sandbox_url: str, winbooks: WinBooksSandboxState,
              winbooks_url: str, store_url: str) -> dict[str, object]:
    """Administrations in the sandboxes, connection blocks, the office's dossiers and documents."""
    migrate(store_url)
    register_blocks()
    WinBooksConnection(base_url=winbooks_url, email=winbooks.email,
                       exchange_token=SecretStr(winbooks.issue_exchange_token()),
                       ).save(WINBOOKS_BLOCK, overwrite=True)
    ExactOnlineConnection(
        base_url=sandbox_url, client_id=state.client_id,
        client_secret=SecretStr(state.client_secret),
        refresh_token=SecretStr(state.issue_refresh_token()),
    ).save(DEMO_BLOCK, overwrite=True)
    # One transient 503 on the first purchase entry: retried by Prefect, then booked.
    state.add_fault(Fault(kind="status", status=503, method="POST",
                          path_contains="PurchaseEntries", retry_after=1))
    documents = 0
    rights_task = 0
    with session_scope(engine_for(store_url)) as session:
        office = Office(name="Kantoor Peeters", language="nl")
        session.add(office)
        session.flush()
        for name, division, rights, count in DOSSIERS:
            state.add_division(division, name, rights=rights)
            dossier = Dossier(office_id=office.id, name=name, package="exact_online",
                              external_id=str(division), connection_block=DEMO_BLOCK)
            session.add(dossier)
            session.flush()
            if not rights:
                rights_task = request_dossier_link(session, dossier.id)
            for proposal, files in sample_proposals(count, seed=division):
                submit(session, dossier.id, proposal, files)
                documents += 1
        documents += _seed_winbooks(session, office.id, winbooks)
    return {"dossiers": len(DOSSIERS) + 1, "documents": documents, "rights_task": rights_task,
            "rights_division": next(d for _, d, r, _ in DOSSIERS if not r)}


def _seed_winbooks(session: Session, office_id: int, state: WinBooksSandboxState) -> int:
    """A WinBooks folder whose VAT period 2017-09 is closed, with one late 2017 invoice."""
    code, name = WINBOOKS_FOLDER
    state.add_folder(code, name)
    state.set_vat_closed(code, 2017, 9, True)
    dossier = Dossier(office_id=office_id, name=name, package="winbooks", external_id=code,
                      connection_block=WINBOOKS_BLOCK)
    session.add(dossier)
    session.flush()
    samples = sample_proposals(4, seed=2001)
    late, files = samples[0]
    samples[0] = (late.model_copy(update={"issue_date": date(2017, 9, 14),
                                          "due_date": date(2017, 10, 14)}), files)
    for proposal, attachments in samples:
        submit(session, dossier.id, proposal, attachments)
    return len(samples)
