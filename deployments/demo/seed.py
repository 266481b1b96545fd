"""Demo data: one office with a dossier in every package, each seed case visible once."""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from connectors.agent.protocol import AgentBooking
from connectors.sandbox_faults import Fault
from deployments.demo.samples import sample_proposals
from deployments.demo.sandboxes import DemoSandboxes
from doorstroom.documents.ingest import ingest_ubl
from doorstroom.documents.proposal import BookingProposal, BookingRequest
from doorstroom.documents.service import request_dossier_link, submit, withdraw
from doorstroom.ingest_api.auth import issue_token
from doorstroom.monitor.users import add_user, set_password
from doorstroom.operations.setup import register_block_types
from doorstroom.store import repository as repo
from doorstroom.store.db import Session, engine_for, migrate, session_scope
from doorstroom.store.models import UserRole

YEARS = tuple(range(2015, 2028))  # the official UBL examples are dated 2015-2018
BLOCKS = {"exact_online": "exact-online-demo", "winbooks": "winbooks-demo",
          "wings": "wings-agent-demo", "expert_m": "expert-m-agent-demo",
          "adsolut": "adsolut-demo"}


@dataclass(frozen=True)
class DemoCase:
    """A seed case the demo shows, and what the employee does about it.

    ``fix`` names the package's sandbox as ``{sandbox}``: the demo fills in where it
    listens now, which a later start with other ports may change.
    """

    dossier: str
    package: str
    sandbox: str
    fix: str

    def shown(self, boxes: DemoSandboxes) -> str:
        """The fix with the sandbox's current address."""
        return self.fix.replace("{sandbox}", boxes.url(self.sandbox))


def save_connections(boxes: DemoSandboxes) -> None:
    """One connection block per package, pointing at its sandbox."""
    boxes.save_connections(BLOCKS)


class _Seeder:
    """Adds dossiers and documents to one office."""

    def __init__(self, session: Session, office_id: int) -> None:
        self.session = session
        self.office_id = office_id
        self.documents = 0
        self.dossiers = 0

    def dossier(self, name: str, package: str, external_id: str) -> int:
        dossier_id = repo.add_dossier(self.session, self.office_id, name, package, external_id,
                                      BLOCKS[package])
        self.dossiers += 1
        return dossier_id

    def invoices(self, dossier_id: int, count: int, seed: int,
                 first_dated: date | None = None, spread_to: str | None = None) -> list[int]:
        samples = sample_proposals(count, seed)
        if first_dated is not None:
            late, files = samples[0]
            late = late.model_copy(update={"issue_date": first_dated, "due_date": None})
            samples[0] = (_spread(late, spread_to) if spread_to else late, files)
        self.documents += len(samples)
        return [submit(self.session, dossier_id, p, files).document_id for p, files in samples]


def _spread(proposal: BookingProposal, period: str) -> BookingProposal:
    """The same invoice with half of its line booked in ``period`` (cost spreading)."""
    line = proposal.lines[0]
    first = (line.amount / 2).quantize(Decimal("0.01"))
    first_vat = (line.vat_amount / 2).quantize(Decimal("0.01"))
    halves = [line.model_copy(update={"amount": first, "vat_amount": first_vat}),
              line.model_copy(update={"amount": line.amount - first, "period": period,
                                      "vat_amount": line.vat_amount - first_vat})]
    return proposal.model_copy(update={"lines": halves})


@dataclass(frozen=True)
class DemoLogin:
    """A monitor user of the demo, printed so a person can log in."""

    email: str
    password: str
    who: str


@dataclass(frozen=True)
class DemoSeed:
    """What the demo seeded: counts, the cases to show, the API token and the logins.

    Kept in ``demo.json`` beside the store (without the secrets), so that a later start
    over the same data can show it again with a new token and new passwords.
    """

    office_id: int
    dossiers: int
    documents: int
    cases: list[DemoCase]
    token: str
    logins: list[DemoLogin]

    def keep(self, path: Path) -> None:
        """Write what a later start needs (no token, no passwords)."""
        path.write_text(json.dumps({
            "office_id": self.office_id, "dossiers": self.dossiers,
            "documents": self.documents, "cases": [asdict(case) for case in self.cases]}))


def reopen_demo(boxes: DemoSandboxes, store_url: str, kept: Path) -> DemoSeed:
    """A start over kept data: the store migrated, fresh connections, a new API token and
    new passwords for the demo's logins (only their hashes were kept)."""
    record = json.loads(kept.read_text())
    migrate(store_url)
    register_block_types()
    save_connections(boxes)
    with session_scope(engine_for(store_url)) as session:
        office_id = record["office_id"]
        return DemoSeed(office_id, record["dossiers"], record["documents"],
                        [DemoCase(**case) for case in record["cases"]],
                        issue_token(session, office_id), _logins(session, office_id, new=False))


def seed_demo(boxes: DemoSandboxes, store_url: str) -> DemoSeed:
    """Administrations in the sandboxes, connection blocks, the office's dossiers and
    documents, and one monitor user of each kind (passwords new at each start)."""
    migrate(store_url)
    register_block_types()
    save_connections(boxes)
    with session_scope(engine_for(store_url)) as session:
        office_id = repo.add_office(session, "Kantoor Peeters", "nl")
        seeder = _Seeder(session, office_id)
        cases = [_exact(seeder, boxes), _winbooks(seeder, boxes), _wings(seeder, boxes),
                 *_expert_m(seeder, boxes), _adsolut(seeder, boxes)]
        _support_case(seeder, boxes)
        token = issue_token(session, office_id)
        logins = _logins(session, office_id, new=True)
        return DemoSeed(office_id, seeder.dossiers, seeder.documents, cases, token, logins)


def _logins(session: Session, office_id: int, new: bool) -> list[DemoLogin]:
    """An office-level user, a dossier manager of three dossiers, and a support user;
    ``new=False`` gives the existing ones new passwords."""
    own = repo.dossier_ids_named(session, office_id,
                                 ["Brouwerij XYZ", "Bakkerij Janssens", "Drukkerij Vermeulen"])
    people = [("peter@kantoor-peeters.be", "Peter Peeters", UserRole.OFFICE, office_id, [],
               "office level: every dossier of Kantoor Peeters"),
              ("els@kantoor-peeters.be", "Els Wouters", UserRole.DOSSIER, office_id, own,
               "dossier level: Brouwerij XYZ, Bakkerij Janssens, Drukkerij Vermeulen"),
              ("sam@support.doorstroom.example", "Sam (support)", UserRole.SUPPORT, None, [],
               "support: every office, the support view")]
    logins = []
    for email, name, role, office, dossiers, who in people:
        password = secrets.token_urlsafe(12)
        if new:
            add_user(session, email, name, role, password, office, dossiers, "nl")
        else:
            set_password(session, email, password)
        logins.append(DemoLogin(email, password, who))
    return logins


def _support_case(seeder: _Seeder, boxes: DemoSandboxes) -> None:
    """A dossier whose package answers with an HTML page once: red, for support."""
    boxes.exact.add_division(1006, "Drukkerij Vermeulen", years=YEARS)
    boxes.exact.add_fault(Fault(kind="garbage", method="POST",
                                path_contains="/1006/purchaseentry"))
    seeder.invoices(seeder.dossier("Drukkerij Vermeulen", "exact_online", "1006"), 2, 1006)


def _exact(seeder: _Seeder, boxes: DemoSandboxes) -> DemoCase:
    # One transient 503 on the first purchase entry: retried by Prefect, then booked.
    boxes.exact.add_fault(Fault(kind="status", status=503, method="POST",
                                path_contains="PurchaseEntries", retry_after=1))
    for name, division, count in (("Bakkerij Janssens", 1001, 6), ("Garage Maes", 1002, 4)):
        boxes.exact.add_division(division, name, years=YEARS)
        seeder.invoices(seeder.dossier(name, "exact_online", str(division)), count, division)
    # An official Belgian UBL.BE invoice (dated 2018, 21% VAT) ingested as UBL: it travels to
    # a booking. (The Peppol BIS base example carries 25% VAT, which no Belgian division has.)
    boxes.exact.add_division(1005, "Handelshuis Peppol", years=YEARS)
    peppol = seeder.dossier("Handelshuis Peppol", "exact_online", "1005")
    example = (Path(__file__).resolve().parents[2].parent / "shared" / "ubl-be"
               / "UBLBE_BE0000000196_V01-15000001.xml")
    if example.exists():
        ingest_ubl(seeder.session, peppol, example.read_bytes(), filename=example.name)
        seeder.documents += 1
    boxes.exact.add_division(1004, "Brouwerij XYZ", rights=False)
    xyz = seeder.dossier("Brouwerij XYZ", "exact_online", "1004")
    request_dossier_link(seeder.session, xyz)
    seeder.invoices(xyz, 2, 1004)
    return DemoCase("Brouwerij XYZ", "Exact Online", "exact_online",
                    "curl -X POST {sandbox}/_sandbox/divisions/1004/rights "
                    "-H 'content-type: application/json' -d '{\"value\": true}'")


def _winbooks(seeder: _Seeder, boxes: DemoSandboxes) -> DemoCase:
    boxes.winbooks.add_folder("JANSSENS", "Schrijnwerkerij Janssens")
    boxes.winbooks.set_vat_closed("JANSSENS", 2017, 9, True)
    boxes.winbooks.set_vat_closed("JANSSENS", 2017, 12, True)
    dossier = seeder.dossier("Schrijnwerkerij Janssens", "winbooks", "JANSSENS")
    # Its periods first: with them the monitor offers the closed year's way out (2018/01).
    repo.queue_master_data_refresh(seeder.session, [dossier])
    seeder.invoices(dossier, 3, 2001, first_dated=date(2017, 9, 14), spread_to="201712")
    reopen = ("curl -X POST {sandbox}/_sandbox/folders/JANSSENS/periods/2017/%d/vat-closed "
              "-H 'content-type: application/json' -d '{\"value\": false}'")
    return DemoCase("Schrijnwerkerij Janssens", "WinBooks on Web", "winbooks",
                    reopen % 9 + "\n    " + reopen % 12)


def _wings(seeder: _Seeder, boxes: DemoSandboxes) -> DemoCase:
    boxes.wings.add_dossier("JACOBS", "Drukkerij Jacobs", version=1, required_version=2)
    seeder.invoices(seeder.dossier("Drukkerij Jacobs", "wings", "JACOBS"), 2, 3001)
    return DemoCase("Drukkerij Jacobs", "Wings", "wings",
                    "curl -X POST {sandbox}/_sandbox/dossiers/JACOBS/upgrade")


def _expert_m(seeder: _Seeder, boxes: DemoSandboxes) -> list[DemoCase]:
    boxes.expert_m.add_dossier("CLAES", "Bouw Claes", database_present=False)
    seeder.invoices(seeder.dossier("Bouw Claes", "expert_m", "CLAES"), 2, 4001)
    # A booking the office already paid, then withdrawn upstream: the delete needs the office.
    boxes.expert_m.add_dossier("WUYTS", "Fietsen Wuyts")
    dossier = seeder.dossier("Fietsen Wuyts", "expert_m", "WUYTS")
    [document_id] = seeder.invoices(dossier, 1, 4002)
    proposal, _ = sample_proposals(1, 4002)[0]
    booking = AgentBooking.from_request(BookingRequest(document_id=document_id,
                                                       proposal=proposal))
    booking_id = boxes.expert_m.next_id()
    boxes.expert_m.dossiers["WUYTS"].bookings[booking_id] = {
        **booking.model_dump(mode="json"), "booking_id": booking_id}
    boxes.expert_m.link_payment("WUYTS", booking_id)
    withdraw(seeder.session, document_id)
    return [
        DemoCase("Bouw Claes", "Expert/M", "expert_m",
                 "curl -X POST {sandbox}/_sandbox/dossiers/CLAES/database-present "
                 "-H 'content-type: application/json' -d '{\"value\": true}'"),
        DemoCase("Fietsen Wuyts", "Expert/M", "expert_m",
                 "curl -X POST {sandbox}/_sandbox/dossiers/WUYTS/payments/"
                 + booking_id + "/remove"),
    ]


def _adsolut(seeder: _Seeder, boxes: DemoSandboxes) -> DemoCase:
    boxes.adsolut.add_database("MERTENS")
    boxes.adsolut.set_period_open("MERTENS", "201802", False)
    dossier = seeder.dossier("Kapsalon Mertens", "adsolut", "MERTENS")
    seeder.invoices(dossier, 2, 5001, first_dated=date(2018, 2, 5))
    return DemoCase("Kapsalon Mertens", "Adsolut", "adsolut",
                    "curl -X POST {sandbox}/_sandbox/databases/MERTENS/periods/201802/open")
