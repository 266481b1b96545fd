"""Log-in with throttling: failures are counted from the audit log, so every process agrees.

After ``MAX_FAILURES`` failed attempts for one e-mail address within ``WINDOW`` (since its last
successful log-in), further attempts are refused until the window has passed, even with the
right password.
"""

from __future__ import annotations

from datetime import timedelta

from doorstroom.monitor.passwords import hash_password, needs_rehash, verify_password
from doorstroom.store import queries
from doorstroom.store import repository as repo
from doorstroom.store.db import Session, as_utc
from doorstroom.store.models import AuditEntry, User, utcnow

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


class LoginThrottled(Exception):
    """Too many failed attempts for this address; try again after ``minutes``."""

    def __init__(self, minutes: int) -> None:
        super().__init__(f"too many failed log-ins; try again in {minutes} minutes")
        self.minutes = minutes


def _failures_since_last_success(session: Session, email: str) -> list[AuditEntry]:
    last_success = queries.last_audited(session, "login", email)
    failures = queries.audit_entries(session, "login_failed", email, utcnow() - WINDOW)
    if last_success is None:
        return failures
    return [f for f in failures if as_utc(f.at) > as_utc(last_success)]


def authenticate(session: Session, email: str, password: str, client: str) -> User | None:
    """The user for these credentials, or ``None``; every attempt is audited.

    Raises ``LoginThrottled`` when the address has too many recent failures.
    """
    email = email.strip().lower()[:254]
    failures = _failures_since_last_success(session, email)
    if len(failures) >= MAX_FAILURES:
        oldest = as_utc(failures[-MAX_FAILURES].at)
        wait = (oldest + WINDOW - utcnow()).total_seconds()
        raise LoginThrottled(max(1, int(wait // 60) + 1))
    user = repo.user_by_email(session, email)
    if not verify_password(user.password_hash if user else "", password) or user is None:
        repo.audit(session, email, "login_failed", "user", email, {"client": client})
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    repo.audit(session, email, "login", "user", email, {"client": client}, user.id)
    return user
