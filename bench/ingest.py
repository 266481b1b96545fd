"""Documents per second ingested from the example corpus, against lxml parsing alone.

    python bench/ingest.py [--rounds 20]

Each round ingests every file of ../shared/ubl and ../shared/ubl-be into a fresh dossier
(parse, checks, proposal, store with files and task) in a SQLite store; the baseline parses
the same bytes with lxml only. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

RUN_DIR = Path(tempfile.mkdtemp(prefix="doorstroom-bench-ingest-"))
os.environ["DOORSTROOM_DATABASE_URL"] = f"sqlite:///{RUN_DIR / 'store.db'}"
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lxml import etree  # noqa: E402

from doorstroom.documents.ingest import ingest_ubl  # noqa: E402
from doorstroom.documents.service import DocumentConflict  # noqa: E402
from doorstroom.documents.ubl import PARSER  # noqa: E402
from doorstroom.store.db import migrate, session_scope  # noqa: E402
from doorstroom.store.models import Dossier, Office  # noqa: E402

SHARED = ROOT.parent / "shared"


def corpus() -> list[bytes]:
    files = sorted([*SHARED.glob("ubl/*.xml"), *SHARED.glob("ubl-be/*.xml")])
    if not files:
        raise SystemExit(f"no example files under {SHARED}")
    return [path.read_bytes() for path in files]


def parse_only(files: list[bytes], rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        for data in files:
            etree.fromstring(data, PARSER)
    return time.perf_counter() - started


def ingest(files: list[bytes], rounds: int) -> tuple[float, int]:
    """Seconds to ingest every file into a dossier per round, and how many were answered 409
    (the official examples reuse one number and seller for different documents)."""
    with session_scope() as session:
        office = Office(name="Bench")
        session.add(office)
        session.flush()
        dossiers = []
        for index in range(rounds):
            dossier = Dossier(office_id=office.id, name=f"Bench {index}", package="exact_online",
                              external_id=str(index), connection_block="bench")
            session.add(dossier)
            session.flush()
            dossiers.append(dossier.id)
    started = time.perf_counter()
    conflicts = 0
    for dossier_id in dossiers:
        for data in files:
            try:
                with session_scope() as session:
                    ingest_ubl(session, dossier_id, data)
            except DocumentConflict:
                conflicts += 1
    return time.perf_counter() - started, conflicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    migrate()
    files = corpus()
    total = len(files) * args.rounds
    parse_s = parse_only(files, args.rounds)
    ingest_s, conflicts = ingest(files, args.rounds)
    print(f"lxml parse only: {total} documents in {parse_s:.2f} s = {total / parse_s:.0f} docs/s")
    print(f"full ingest:     {total} documents in {ingest_s:.2f} s = {total / ingest_s:.0f} docs/s "
          "(parse, checks, proposal, store with files and task, one transaction each)")
    print(json.dumps({"documents": total, "docs_per_s": round(total / ingest_s, 1),
                      "parse_only_per_s": round(total / parse_s, 1), "conflicts": conflicts,
                      "ratio": round(parse_s / ingest_s, 4)}))


if __name__ == "__main__":
    main()
