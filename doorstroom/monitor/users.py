"""Creating monitor users: the one place that checks a user's role, office and dossiers agree."""

from __future__ import annotations

from collections.abc import Sequence

from doorstroom.failures.catalog import LANGUAGES
from doorstroom.monitor.passwords import hash_password
from doorstroom.store import logins
from doorstroom.store import repository as repo
from doorstroom.store.db import Session
from doorstroom.store.models import Office, User, UserRole

MIN_PASSWORD = 12


class InvalidUser(ValueError):
    """The user cannot be created as asked; the message says what to change."""


def _check(session: Session, email: str, role: UserRole, office_id: int | None,
           dossier_ids: Sequence[int], language: str, password: str) -> None:
    if "@" not in email:
        raise InvalidUser(f"'{email}' is not an e-mail address")
    if repo.user_by_email(session, email) is not None:
        raise InvalidUser(f"a user with e-mail address {email} already exists")
    if language not in LANGUAGES:
        raise InvalidUser(f"language must be one of {', '.join(LANGUAGES)}")
    if len(password) < MIN_PASSWORD:
        raise InvalidUser(f"the password must have at least {MIN_PASSWORD} characters")
    if role == UserRole.SUPPORT:
        if office_id is not None or dossier_ids:
            raise InvalidUser("support users see every office: give no office or dossiers")
        return
    if office_id is None or session.get(Office, office_id) is None:
        raise InvalidUser(f"office {office_id} does not exist; office and dossier users "
                          "belong to an office")
    outside = set(dossier_ids) - repo.dossiers_of_office(session, office_id, dossier_ids)
    if outside:
        raise InvalidUser(f"dossiers {sorted(outside)} are not dossiers of office {office_id}")


def add_user(session: Session, email: str, name: str, role: UserRole, password: str,
             office_id: int | None = None, dossier_ids: Sequence[int] = (),
             language: str = "nl") -> User:
    """A new user with a hashed password and, for dossier-level users, their dossier rights."""
    email = email.strip().lower()
    _check(session, email, role, office_id, dossier_ids, language, password)
    return repo.add_user(session, email, name or email, role, hash_password(password),
                         office_id, dossier_ids, language)


def set_password(session: Session, email: str, password: str) -> None:
    """A new password for an existing user (the demo's logins, a forgotten password).

    Every session of the user ends: whoever held the old password is logged out too.
    """
    if len(password) < MIN_PASSWORD:
        raise InvalidUser(f"the password must have at least {MIN_PASSWORD} characters")
    if not repo.set_password_hash(session, email.strip(), hash_password(password)):
        raise InvalidUser(f"no user has e-mail address {email}")
    revoke_sessions(session, email, "password_changed")


def revoke_sessions(session: Session, email: str, why: str = "revoked") -> int:
    """End every session of the user with this address; returns how many were live."""
    user = repo.user_by_email(session, email.strip().lower())
    if user is None:
        raise InvalidUser(f"no user has e-mail address {email}")
    return logins.end_sessions_of(session, user.id, why)
