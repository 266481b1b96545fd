"""Log-in: hashed passwords, secure cookies, throttling, and the headers every page carries."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from doorstroom.monitor.login import MAX_FAILURES
from doorstroom.store.db import session_scope
from doorstroom.store.models import AuditEntry, User, UserRole
from tests.helpers import PASSWORD, a_user, an_office, email_of
from tests.monitor.conftest import csrf_of, log_in


def test_given_no_session_when_a_page_is_opened_then_the_login_form_is_shown(
        monitor: TestClient) -> None:
    answer = monitor.get("/clients")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/clients"


def test_passwords_are_stored_as_argon2_hashes(monitor: TestClient) -> None:
    viewer = a_user(UserRole.OFFICE, an_office())
    with session_scope() as session:
        stored = session.get_one(User, viewer.user_id).password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_given_the_right_password_then_a_secure_session_cookie_is_set(
        monitor: TestClient) -> None:
    email = email_of(a_user(UserRole.OFFICE, an_office()))
    token = csrf_of(monitor.get("/login").text)
    answer = monitor.post("/login", data={"email": email.upper(), "password": PASSWORD,
                                          "csrf": token, "next": "/clients"})
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie
    assert monitor.get("/clients").status_code == 200


def test_given_a_wrong_password_then_401_with_a_clear_message(monitor: TestClient) -> None:
    email = email_of(a_user(UserRole.OFFICE, an_office(), language="en"))
    assert log_in(monitor, email, "wrong") == 401
    answer = monitor.get("/login", headers={"accept-language": "nl-BE,nl;q=0.9"})
    assert "Aanmelden" in answer.text
    token = csrf_of(answer.text)
    wrong = monitor.post("/login", data={"email": email, "password": "x", "csrf": token})
    assert "Het e-mailadres of het wachtwoord is fout." in wrong.text


def test_given_too_many_failures_then_even_the_right_password_is_refused_for_a_while(
        monitor: TestClient) -> None:
    email = email_of(a_user(UserRole.DOSSIER, an_office(), language="en"))
    for _ in range(MAX_FAILURES):
        assert log_in(monitor, email, "guess") == 401
    assert log_in(monitor, email) == 429
    with session_scope() as session:
        failures = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "login_failed", AuditEntry.object_id == email)).all()
    assert len(failures) == MAX_FAILURES


def test_given_an_unknown_address_then_the_same_answer_as_a_wrong_password(
        monitor: TestClient) -> None:
    assert log_in(monitor, "nobody@example.be", "x") == 401


def test_every_answer_carries_the_security_headers(monitor: TestClient) -> None:
    for answer in (monitor.get("/login"), monitor.get("/clients"), monitor.get("/nowhere")):
        assert "default-src 'self'" in answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "same-origin"
        assert answer.headers["strict-transport-security"].startswith("max-age=")


def test_log_out_ends_the_session(monitor: TestClient) -> None:
    email = email_of(a_user(UserRole.OFFICE, an_office()))
    log_in(monitor, email)
    token = csrf_of(monitor.get("/clients").text)
    assert monitor.post("/logout", data={"csrf": token}).status_code == 303
    assert monitor.get("/clients").status_code == 303
