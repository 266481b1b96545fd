"""Monitor log-ins in the store: server-side sessions and the attempts that throttling counts.

The cookie holds a random token; only its SHA-256 is stored, so a copy of the database opens
no session. A session ends at log-out, on a new password, when revoked, after its absolute
lifetime or after being idle too long — whichever comes first.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from doorstroom.store.db import Session, as_utc
from doorstroom.store.models import LoginAttempt, LoginSession, User, utcnow

SEEN_EVERY = timedelta(minutes=1)
"""``last_seen_at`` is written at most this often: not one write per page."""


@dataclass(frozen=True)
class Lifetime:
    """How long a session may live in all, and without a request."""

    absolute: timedelta
    idle: timedelta


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user_id: int) -> str:
    """A new session for the user; returns the token for the cookie (never stored)."""
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(token_sha256=_digest(token), user_id=user_id))
    session.flush()
    return token


def session_user(session: Session, token: str, lifetime: Lifetime) -> User | None:
    """The user of a live session, or ``None``: ended, or past a limit (read from its
    timestamps, nothing written)."""
    row = session.scalar(select(LoginSession).where(LoginSession.token_sha256 == _digest(token)))
    if row is None or row.ended_at is not None:
        return None
    now = utcnow()
    if (as_utc(row.created_at) + lifetime.absolute <= now
            or as_utc(row.last_seen_at) + lifetime.idle <= now):
        return None
    if as_utc(row.last_seen_at) + SEEN_EVERY <= now:
        row.last_seen_at = now
    return session.get(User, row.user_id)


def end_session(session: Session, token: str, why: str) -> None:
    """End one session (log-out)."""
    session.execute(update(LoginSession).where(
        LoginSession.token_sha256 == _digest(token), LoginSession.ended_at.is_(None)
    ).values(ended_at=utcnow(), ended_why=why))


def end_sessions_of(session: Session, user_id: int, why: str) -> int:
    """End every live session of a user; returns how many there were."""
    result = session.execute(update(LoginSession).where(
        LoginSession.user_id == user_id, LoginSession.ended_at.is_(None)
    ).values(ended_at=utcnow(), ended_why=why))
    return int(getattr(result, "rowcount", 0) or 0)


def record_attempt(session: Session, email: str) -> int:
    """A pending attempt for ``email``; the caller commits it before counting."""
    attempt = LoginAttempt(email=email)
    session.add(attempt)
    session.flush()
    return attempt.id


def attempts_against(session: Session, email: str, attempt_id: int,
                     since: datetime) -> list[datetime]:
    """When the other attempts that count against ``email`` were made, oldest first.

    Failed and still pending attempts since ``since`` and since the last successful log-in
    count; pending ones may yet fail, and counting them is what makes a race harmless.
    """
    last_ok = session.scalar(select(func.max(LoginAttempt.id)).where(
        LoginAttempt.email == email, LoginAttempt.outcome == "ok"))
    moments = session.scalars(
        select(LoginAttempt.at)
        .where(LoginAttempt.email == email, LoginAttempt.id != attempt_id,
               LoginAttempt.id > (last_ok or 0), LoginAttempt.at >= since,
               LoginAttempt.outcome.in_(("pending", "failed")))
        .order_by(LoginAttempt.at))
    return [as_utc(moment) for moment in moments]


def settle_attempt(session: Session, attempt_id: int, outcome: str) -> None:
    """What came of an attempt: ``failed``, ``ok`` or ``throttled``."""
    session.execute(update(LoginAttempt).where(LoginAttempt.id == attempt_id)
                    .values(outcome=outcome))
