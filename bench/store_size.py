"""The store's size per 10,000 documents, as ingested and after retention has pruned them.

    python bench/store_size.py [--documents 10000] [--corpus all|ubl|ubl-be]

Ingests real UBL invoices (../shared/ubl and ../shared/ubl-be, each made a new document by
its number) through the production ingest path into a fresh SQLite store — the XML, the PDF
it embeds, the proposal, the document row and its task — then books every task (one attempt
each, finished 100 days ago) and runs the store's retention (``flows.retention.prune_store``)
at the default age. Sizes are of the database file after ``VACUUM``. The baseline is the raw
bytes of the ingested XML files. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

RUN_DIR = Path(tempfile.mkdtemp(prefix="doorstroom-bench-size-"))
STORE = RUN_DIR / "store.db"
os.environ["DOORSTROOM_DATABASE_URL"] = f"sqlite:///{STORE}"
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select, update  # noqa: E402

from doorstroom.documents.ingest import ingest_ubl  # noqa: E402
from doorstroom.documents.service import DocumentConflict  # noqa: E402
from doorstroom.documents.ubl import UblError  # noqa: E402
from doorstroom.settings import get_settings  # noqa: E402
from doorstroom.store.db import migrate, session_scope  # noqa: E402
from doorstroom.store.models import (  # noqa: E402
    Attempt,
    Dossier,
    Office,
    SyncTask,
    TaskStatus,
    utcnow,
)
from flows.retention import prune_store  # noqa: E402

SHARED = ROOT.parent / "shared"
PER = 10_000


def corpus(which: str) -> list[bytes]:
    folders = ("ubl", "ubl-be") if which == "all" else (which,)
    files = sorted(path for folder in folders for path in (SHARED / folder).glob("*.xml"))
    invoices = [path.read_bytes() for path in files
                if b"<Invoice" in path.read_bytes()[:2000]]
    if not invoices:
        raise SystemExit(f"no example invoices under {SHARED}")
    return invoices


def numbered(data: bytes, number: int) -> bytes:
    """The invoice under a new number (its first ``cbc:ID``): a new document."""
    head, tag, rest = data.partition(b"<cbc:ID>")
    _old, end, tail = rest.partition(b"</cbc:ID>")
    return head + tag + f"BENCH-{number:06d}".encode() + end + tail


def size() -> int:
    """The database file's bytes after VACUUM and a checkpoint (SQLite keeps freed pages
    otherwise)."""
    db = sqlite3.connect(STORE)
    try:
        db.execute("VACUUM")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # WAL mode: VACUUM lands in the WAL
    finally:
        db.close()
    return STORE.stat().st_size


def ingest(files: list[bytes], count: int) -> tuple[int, int]:
    """Ingest ``count`` documents; return how many were stored and their XML bytes."""
    with session_scope() as session:
        office = Office(name="Bench")
        session.add(office)
        session.flush()
        dossier = Dossier(office_id=office.id, name="Bench", package="exact_online",
                          external_id="1", connection_block="bench")
        session.add(dossier)
        session.flush()
        dossier_id = dossier.id
    stored = raw = 0
    for number in range(count):
        data = numbered(files[number % len(files)], number)
        with session_scope() as session:
            try:
                ingest_ubl(session, dossier_id, data)
            except (UblError, DocumentConflict) as error:  # a corpus file the store refuses
                print("refused:", type(error).__name__, error, file=sys.stderr)
                continue
        stored, raw = stored + 1, raw + len(data)
    return stored, raw


def book_all(days_ago: int) -> None:
    with session_scope() as session:
        ids = list(session.scalars(select(SyncTask.id)))
        session.add_all(Attempt(sync_task_id=task_id, outcome="done") for task_id in ids)
        session.execute(update(SyncTask).values(
            status=TaskStatus.DONE, external_ref="BENCH",
            finished_at=utcnow() - timedelta(days=days_ago)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=PER)
    parser.add_argument("--corpus", choices=("all", "ubl", "ubl-be"), default="all")
    args = parser.parse_args()
    migrate()
    empty = size()
    started = time.perf_counter()
    stored, raw = ingest(corpus(args.corpus), args.documents)
    ingest_s = time.perf_counter() - started
    ingested = size()
    book_all(days_ago=get_settings().retention_days + 10)
    started = time.perf_counter()
    attempts, files = prune_store(utcnow() - timedelta(days=get_settings().retention_days))
    prune_s = time.perf_counter() - started
    pruned = size()
    scale = PER / max(stored, 1)
    print(json.dumps({
        "documents": stored, "corpus": args.corpus,
        "bytes_per_10k_ingested": round((ingested - empty) * scale),
        "bytes_per_10k_after_retention": round((pruned - empty) * scale),
        "baseline_xml_bytes_per_10k": round(raw * scale),
        "ingested_to_xml_ratio": round((ingested - empty) / max(raw, 1), 2),
        "kept_after_retention_ratio": round((pruned - empty) / max(ingested - empty, 1), 3),
        "attempts_pruned": attempts, "files_pruned": files,
        "ingest_s": round(ingest_s, 1), "prune_s": round(prune_s, 1)}))


if __name__ == "__main__":
    main()
