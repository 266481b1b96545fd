"""SQLAlchemy 2 schema of the store. Alembic migrations in ``migrations/`` mirror it."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from doorstroom.failures.base import Responsibility


def utcnow() -> datetime:
    """Timestamps are always timezone-aware UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of every table of the store."""


def _enum(cls: type[enum.Enum]) -> Enum:
    """Store enums as their string values, portable between SQLite and PostgreSQL."""
    return Enum(
        cls,
        native_enum=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class UserRole(enum.StrEnum):
    """What a user may see: one office, some dossiers, or everything (support)."""

    OFFICE = "office"
    DOSSIER = "dossier"
    SUPPORT = "support"


class TaskKind(enum.StrEnum):
    """The units of work a sync task can be."""

    CREATE_DOSSIER = "create_dossier"
    POST_BOOKING = "post_booking"
    DELETE_BOOKING = "delete_booking"
    REFRESH_MASTER_DATA = "refresh_master_data"


class TaskStatus(enum.StrEnum):
    """Where a sync task stands. ``failed`` carries a responsibility."""

    PENDING = "pending"
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class DocumentKind(enum.StrEnum):
    """Accounting document kinds; the connector picks the package's journal type from it."""

    PURCHASE_INVOICE = "purchase_invoice"
    PURCHASE_CREDIT_NOTE = "purchase_credit_note"
    SALES_INVOICE = "sales_invoice"
    SALES_CREDIT_NOTE = "sales_credit_note"


class Office(Base):
    """An accountancy firm."""

    __tablename__ = "offices"
    __table_args__ = (UniqueConstraint("api_token_sha256", name="uq_offices_api_token_sha256"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(5), default="nl")
    api_token_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    dossiers: Mapped[list[Dossier]] = relationship(back_populates="office")


class User(Base):
    """A person using the monitor; support users have no office."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    language: Mapped[str] = mapped_column(String(5), default="nl")
    role: Mapped[UserRole] = mapped_column(_enum(UserRole))


class DossierRight(Base):
    """A dossier-level right: this user may see and restart this dossier's tasks."""

    __tablename__ = "dossier_rights"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), primary_key=True)


class Dossier(Base):
    """One client of an office, linked to one administration in one package."""

    __tablename__ = "dossiers"
    __table_args__ = (UniqueConstraint("package", "connection_block", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    package: Mapped[str] = mapped_column(String(40), index=True)
    external_id: Mapped[str] = mapped_column(String(100))
    vat_number: Mapped[str] = mapped_column(String(40), default="", server_default="")
    connection_block: Mapped[str] = mapped_column(String(200))
    vat_filing: Mapped[str | None] = mapped_column(String(10))
    """``monthly``, ``quarterly`` or ``none`` (``doorstroom.vat_calendar.Filing``); unset means
    the Belgian rule, monthly. Office-level users set it in the monitor."""
    linked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    support_failed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Its failed tasks support must act on (red); kept by ``doorstroom.store.summaries``
    in the transaction that changes a task, so the active-clients list reads no tasks."""
    employee_failed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Its failed tasks the office must act on (orange); kept like ``support_failed``."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    office: Mapped[Office] = relationship(back_populates="dossiers")


class Document(Base):
    """An invoice or credit note with its booking proposal (kept as validated JSON)."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("dossier_id", "kind", "party_key", "number",
                                       name="uq_documents_party_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(_enum(DocumentKind))
    number: Mapped[str] = mapped_column(String(100))
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    party_name: Mapped[str] = mapped_column(String(200))
    party_vat: Mapped[str] = mapped_column(String(40), default="")
    party_key: Mapped[str] = mapped_column(String(160))
    """The party's identity (``Party.identity``): with kind and number, what makes a document."""
    content_sha256: Mapped[str] = mapped_column(String(64))
    """The normalised proposal's hash: the same key with other content is a conflict."""
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    total_excl: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    total_vat: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    total_incl: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    proposal: Mapped[dict[str, Any]] = mapped_column(JSON)
    vat_return: Mapped[str | None] = mapped_column(String(8))
    """The VAT return the booking falls in (``2026-10``, ``2026-Q3``); ``None``: no returns."""
    vat_due: Mapped[date | None] = mapped_column(Date, index=True)
    """When that return is due: what ranks the work waiting on this document."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    files: Mapped[list[DocumentFile]] = relationship(
        back_populates="document", cascade="all, delete-orphan"
    )


class DocumentFile(Base):
    """A stored file of a document (UBL, PDF); kept so nothing is lost."""

    __tablename__ = "document_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    document: Mapped[Document] = relationship(back_populates="files")


SUPPORT_QUEUE_ROWS = "status = 'failed' AND responsibility = 'support' AND incident_id IS NULL"
"""Support's queue: red tasks not held by an incident (the rows of a partial index)."""
FAILED_ROWS = "status = 'failed'"
"""The failed tasks, orange and red (the rows of a partial index)."""


class SyncTask(Base):
    """One unit of work for one dossier, with its latest outcome."""

    __tablename__ = "sync_tasks"
    # The monitor counts failed tasks per dossier, and lists the newest tasks first; a
    # restart and the problems view ask what a run still holds. Support's queue and the
    # follow-up narrowed to orange or red walk an index of failed tasks in the order they
    # show (urgent, nearest VAT deadline, ...): a page reads its 50 rows, not every one.
    __table_args__ = (
        Index("ix_sync_tasks_dossier_status", "dossier_id", "status"),
        Index("ix_sync_tasks_updated", "updated_at", "id"),
        Index("ix_sync_tasks_run_status", "last_flow_run_id", "status"),
        Index("ix_sync_tasks_support_queue", text("urgent DESC"), "vat_due", "finished_at", "id",
              postgresql_where=text(SUPPORT_QUEUE_ROWS), sqlite_where=text(SUPPORT_QUEUE_ROWS)),
        Index("ix_sync_tasks_failed_order", text("urgent DESC"), "vat_due",
              text("updated_at DESC"), text("id DESC"), postgresql_where=text(FAILED_ROWS),
              sqlite_where=text(FAILED_ROWS)),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    kind: Mapped[TaskKind] = mapped_column(_enum(TaskKind))
    status: Mapped[TaskStatus] = mapped_column(_enum(TaskStatus), index=True)
    responsibility: Mapped[Responsibility | None] = mapped_column(_enum(Responsibility))
    failure_code: Mapped[str | None] = mapped_column(String(100))
    failure_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    external_ref: Mapped[str | None] = mapped_column(String(200))
    last_flow_run_id: Mapped[str | None] = mapped_column(String(36), index=True)
    restarted_by: Mapped[str | None] = mapped_column(String(254))
    """Who restarted the task last: a user's e-mail, ``auto-recheck``, ``recover-interrupted``."""
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    """The execution (Prefect task run) that may call the package for this task right now."""
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """When an owner that stopped answering loses the lease."""
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    urgent_by: Mapped[str | None] = mapped_column(String(254))
    urgent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    urgent_reason: Mapped[str | None] = mapped_column(String(500))
    claimed_by: Mapped[str | None] = mapped_column(String(254))
    """The support agent handling this task; everyone sees who."""
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    support_note: Mapped[str | None] = mapped_column(String(1000))
    """What support tells the office about this task."""
    support_note_by: Mapped[str | None] = mapped_column(String(254))
    support_note_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    """The outage this task failed in, followed up as one (``doorstroom.store.incidents``)."""
    vat_due: Mapped[date | None] = mapped_column(Date)
    """Its document's VAT due date, copied (and kept when it changes) so the queues are
    ordered by an index of this table."""
    period_override: Mapped[str | None] = mapped_column(String(6))
    """The book period (``YYYYMM``) a person chose for this booking because its own is
    closed; the connector books there instead of in the document's period."""
    first_failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """When the task first failed (kept through restarts): where time-to-fix starts."""
    acted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """When a person first acted on the failed task (restart, claim, note, choice)."""
    failed_as: Mapped[Responsibility | None] = mapped_column(_enum(Responsibility))
    """Who had to act at the last failure (kept once done): the class its fix counts in."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    document: Mapped[Document | None] = relationship()
    dossier: Mapped[Dossier] = relationship()


class DossierProblem(Base):
    """The failed tasks of one dossier that share a cause (code, parameters, who must act),
    counted: what the problems view lists and orders without grouping every failed task.

    Rewritten for a dossier by ``doorstroom.store.summaries`` in the same transaction as any
    change to its failed tasks, so it never lags them.
    """

    __tablename__ = "dossier_problems"
    # 'employee' sorts before 'support': the index walks orange problems first, then by
    # the nearest VAT deadline, then the largest, as the page shows them.
    __table_args__ = (Index("ix_dossier_problems_order", "responsibility", "due",
                            text("tasks DESC"), "dossier_id", "first_task_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    failure_code: Mapped[str] = mapped_column(String(100))
    params_text: Mapped[str | None] = mapped_column(Text)
    """The failure's parameters as the tasks store them (JSON text): part of the cause."""
    responsibility: Mapped[Responsibility] = mapped_column(_enum(Responsibility))
    tasks: Mapped[int] = mapped_column(Integer)
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    """When the oldest of its tasks failed."""
    due: Mapped[date | None] = mapped_column(Date)
    """The nearest VAT due date among its documents."""
    first_task_id: Mapped[int] = mapped_column(Integer)


class Incident(Base):
    """One outage on the package's side (or of one office's agent) that failed many dossiers:
    one notice to support, one row on their page, a banner for the offices, a probe that
    sees it end and a paced restart of every run it failed.

    ``open_key`` (``exact_online:package_unavailable``) is set while the incident is open and
    unique, so of two runs failing in the same outage at once one opens it, the other joins.
    """

    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(primary_key=True)
    package: Mapped[str] = mapped_column(String(50))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"))
    """The office whose server is down (an agent); ``None`` when the package itself is."""
    cause: Mapped[str] = mapped_column(String(100))
    """The failure code of the outage: ``package_unavailable``, ``agent_offline`` …"""
    status: Mapped[str | None] = mapped_column(String(10))
    """The package's HTTP status, when it gave one (``503``)."""
    open_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    follower: Mapped[str | None] = mapped_column(String(36))
    """The flow run following it up (probing, then restarting); ``follower_seen_at`` says it
    is alive, so a sweep can hand a dead follower's incident to a new one."""
    follower_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    probes: Mapped[int] = mapped_column(Integer, default=0)
    last_probe_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recovered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RunRestart(Base):
    """One restart of one flow run out of one failed or crashed state.

    The unique key is the compare-and-set of a restart: of any number of people and flows
    restarting a run out of the same state at once, exactly one inserts the row and moves
    the run; the others are told who did.
    """

    __tablename__ = "run_restarts"
    __table_args__ = (UniqueConstraint("flow_run_id", "from_state_id",
                                       name="uq_run_restarts_state"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    flow_run_id: Mapped[str] = mapped_column(String(36), index=True)
    from_state_id: Mapped[str] = mapped_column(String(36))
    from_state: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Attempt(Base):
    """One execution of a sync task inside a Prefect task run."""

    __tablename__ = "attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    sync_task_id: Mapped[int] = mapped_column(ForeignKey("sync_tasks.id"), index=True)
    flow_run_id: Mapped[str | None] = mapped_column(String(36), index=True)
    """Indexed: "has this run begun any task?" decides whether new work needs a run."""
    task_run_id: Mapped[str | None] = mapped_column(String(36))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(32))
    failure_code: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[str | None] = mapped_column(Text)


class MasterRecord(Base):
    """One master-data record of a dossier (party, GL account, VAT code, journal, period)."""

    __tablename__ = "master_data"
    __table_args__ = (UniqueConstraint("dossier_id", "kind", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200), default="")
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    refreshed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Probe(Base):
    """One read-only look of auto-recheck at a dossier's package, and what it saw.

    Kept so that recheck backs off per dossier and stays within a package's error budget
    (Exact Online blocks a key after more than 10 errors per endpoint per hour).
    """

    __tablename__ = "probes"
    __table_args__ = (Index("ix_probes_dossier_at", "dossier_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16))
    """``gone`` (the cause is gone), ``present`` (still there) or ``error`` (no answer)."""


class AuditEntry(Base):
    """Who did what, when: restarts, escalations, dispatches."""

    __tablename__ = "audit_log"
    # "Was this done to that object?" (a day's digest per user) is served by this index.
    __table_args__ = (Index("ix_audit_log_action_object_at", "action", "object_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(50))
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[str] = mapped_column(String(254))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class LoginSession(Base):
    """A monitor log-in: the cookie carries only a random id, whose hash is kept here.

    The row is the session: log-out, a new password or ``doorstroom sessions revoke`` end
    it, and a cookie copied before that no longer opens anything.
    """

    __tablename__ = "login_sessions"
    __table_args__ = (Index("ix_login_sessions_user_ended", "user_id", "ended_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_why: Mapped[str | None] = mapped_column(String(32))
    """``logout``, ``password_changed``, ``revoked``."""


class LoginAttempt(Base):
    """One log-in attempt for an address, written *before* the password is checked.

    Throttling counts these rows after its own is committed, so of any number of parallel
    attempts at most the allowed number reach the password check.
    """

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_email_at", "email", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16), default="pending")
    """``pending`` (being checked), ``failed``, ``ok`` or ``throttled``."""
