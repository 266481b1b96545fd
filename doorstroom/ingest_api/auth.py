"""Office API tokens: random, shown once, stored only as their SHA-256."""

from __future__ import annotations

import hashlib
import secrets

from doorstroom.store import repository as repo
from doorstroom.store.db import Session


def token_digest(token: str) -> str:
    """What the store keeps of a token (tokens are random, so a plain SHA-256 suffices)."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, office_id: int) -> str:
    """A new API token for an office; the previous one stops working."""
    token = f"ds_{secrets.token_urlsafe(32)}"
    repo.set_office_token(session, office_id, token_digest(token))
    return token


def office_for(session: Session, token: str) -> int | None:
    """The office a token belongs to, if any."""
    return repo.office_for_token(session, token_digest(token))
