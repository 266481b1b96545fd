"""Log-in with throttling that parallel attempts cannot outrun.

Each attempt is written (and committed) *before* the password is checked; then the attempts
against the address are counted. After ``MAX_FAILURES`` failed or pending attempts within
``WINDOW`` (since its last successful log-in), further attempts are refused until the window
has passed, even with the right password. Of 25 attempts at once, at most five reach the
password check: the sixth to commit sees the five before it.
"""

from __future__ import annotations

from datetime import timedelta

from doorstroom.monitor.passwords import hash_password, needs_rehash, verify_password
from doorstroom.store import logins
from doorstroom.store import repository as repo
from doorstroom.store.db import Session
from doorstroom.store.models import User, utcnow

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


class LoginThrottled(Exception):
    """Too many failed attempts for this address; try again after ``minutes``."""

    def __init__(self, minutes: int) -> None:
        super().__init__(f"too many failed log-ins; try again in {minutes} minutes")
        self.minutes = minutes


def authenticate(session: Session, email: str, password: str, client: str) -> User | None:
    """The user for these credentials, or ``None``; every attempt is audited.

    Raises ``LoginThrottled`` when the address has too many recent failures. Commits: the
    attempt must be visible to parallel attempts before the password is checked.
    """
    email = email.strip().lower()[:254]
    attempt = logins.record_attempt(session, email)
    session.commit()
    others = logins.attempts_against(session, email, attempt, utcnow() - WINDOW)
    if len(others) >= MAX_FAILURES:
        logins.settle_attempt(session, attempt, "throttled")
        session.commit()
        wait = (others[-MAX_FAILURES] + WINDOW - utcnow()).total_seconds()
        raise LoginThrottled(max(1, int(wait // 60) + 1))
    user = repo.user_by_email(session, email)
    if not verify_password(user.password_hash if user else "", password) or user is None:
        logins.settle_attempt(session, attempt, "failed")
        repo.audit(session, email, "login_failed", "user", email, {"client": client})
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    logins.settle_attempt(session, attempt, "ok")
    repo.audit(session, email, "login", "user", email, {"client": client}, user.id)
    return user
