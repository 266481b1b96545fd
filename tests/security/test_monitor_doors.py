"""Findings 2, 3 and 4 of the security review: doors of the monitor itself."""

from __future__ import annotations

import base64
import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from pydantic import SecretStr
from sqlalchemy import func, select

from deployments import cli
from doorstroom.failures import Responsibility
from doorstroom.monitor.app import MAX_FORM_BYTES, create_app
from doorstroom.monitor.config import MonitorConfig, own_hosts
from doorstroom.monitor.login import MAX_FAILURES, LoginThrottled, authenticate
from doorstroom.monitor.users import set_password
from doorstroom.store.db import session_scope
from doorstroom.store.models import LoginAttempt, LoginSession, SyncTask, UserRole, utcnow
from tests.helpers import a_dossier, a_task, a_user, an_office, email_of
from tests.monitor.conftest import csrf_of, log_in, post

KEY = "test-key-" * 6
"""The session key of the ``monitor`` fixture."""

RUN = "0192f0c4-5b2e-7d3a-9c1f-4e8a6b2d1c00"


def test_office_staff_get_no_link_to_the_prefect_ui_and_support_does(
        monitor: TestClient) -> None:
    office = an_office()
    dossier = a_dossier(office, "Deur Dicht BV", 0, "b")
    task = a_task(dossier, Responsibility.SUPPORT, "unexpected_error", {"detail": "x"})
    with session_scope() as session:
        session.get_one(SyncTask, task).last_flow_run_id = RUN
    page = f"/dossiers/{dossier}"

    for role, rights in ((UserRole.OFFICE, None), (UserRole.DOSSIER, [dossier])):
        log_in(monitor, email_of(a_user(role, office, rights)))
        shown = monitor.get(page)
        assert shown.status_code == 200 and f"task-{task}" in shown.text
        assert RUN not in shown.text and "Prefect" not in shown.text, role

    log_in(monitor, email_of(a_user(UserRole.SUPPORT, None)))
    assert f"/runs/flow-run/{RUN}" in monitor.get(page).text


def _copy_of_cookie(client: TestClient) -> str:
    value = client.cookies.get("doorstroom_session")
    assert value
    return value


def _opens(client: TestClient, cookie: str) -> bool:
    client.cookies.clear()
    client.cookies.set("doorstroom_session", cookie, domain="monitor.test")
    return client.get("/clients").status_code == 200


def test_a_cookie_copied_before_log_out_opens_nothing_after_it(monitor: TestClient) -> None:
    log_in(monitor, email_of(a_user(UserRole.OFFICE, an_office())))
    copied = _copy_of_cookie(monitor)
    assert _opens(monitor, copied)

    assert post(monitor, "/logout") == 303

    assert not _opens(monitor, copied)
    assert monitor.get("/clients").headers["location"].startswith("/login")


def test_a_cookie_signed_with_the_stolen_key_opens_nothing(monitor: TestClient) -> None:
    """Point 1's last step: with the session key, sign a cookie for a support user."""
    support = a_user(UserRole.SUPPORT, None)
    signer = TimestampSigner(KEY)
    for forged in ({"user_id": support.user_id}, {"sid": "guessed", "user_id": support.user_id}):
        cookie = signer.sign(base64.b64encode(json.dumps(forged).encode())).decode()
        assert not _opens(monitor, cookie)


def test_a_session_ends_after_eight_hours_however_busy_and_after_idle_minutes(
        monitor: TestClient) -> None:
    email = email_of(a_user(UserRole.OFFICE, an_office()))
    for column, back in (("created_at", timedelta(hours=8, minutes=1)),
                         ("last_seen_at", timedelta(minutes=31))):
        log_in(monitor, email)
        cookie = _copy_of_cookie(monitor)
        assert _opens(monitor, cookie)
        with session_scope() as session:
            row = session.scalars(select(LoginSession).order_by(LoginSession.id.desc())).first()
            assert row is not None
            setattr(row, column, getattr(row, column) - back)
            if column == "created_at":  # busy all along: seen a moment ago
                row.last_seen_at = utcnow()
        assert not _opens(monitor, cookie), column


def test_a_new_password_and_the_revoke_command_end_every_session(monitor: TestClient) -> None:
    email = email_of(a_user(UserRole.OFFICE, an_office()))
    log_in(monitor, email)
    first = _copy_of_cookie(monitor)
    with session_scope() as session:
        set_password(session, email, "a-new-long-password")
    assert not _opens(monitor, first)

    log_in(monitor, email, "a-new-long-password")
    second = _copy_of_cookie(monitor)
    assert cli.main(["sessions", "revoke", "--user", email.upper()]) == 0
    assert not _opens(monitor, second)
    assert cli.main(["sessions", "revoke", "--user", "nobody@example.be"]) == 2


def test_parallel_wrong_passwords_cannot_outrun_the_throttle(store_url: str) -> None:
    """25 wrong passwords at once for one address: at most five reach the password check."""
    email = email_of(a_user(UserRole.OFFICE, an_office()))
    start = threading.Barrier(25)

    def attempt(_: int) -> str:
        start.wait()
        try:
            with session_scope() as session:
                return "wrong" if authenticate(session, email, "not it", "test") is None else "in"
        except LoginThrottled:
            return "throttled"

    with ThreadPoolExecutor(25) as pool:
        outcomes = Counter(pool.map(attempt, range(25)))

    with session_scope() as session:
        checked = session.scalar(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.email == email, LoginAttempt.outcome == "failed"))
    assert outcomes["wrong"] == checked and checked <= MAX_FAILURES, outcomes
    assert outcomes["throttled"] == 25 - checked


@pytest.mark.parametrize("url", [
    "/dossiers/abc", f"/dossiers/{2**63}", f"/tasks/{2**64}/row", "/support?page=0",
    f"/support?page={2**62}", "/clients?icon=purple", "/tasks?show=x",
    "/tasks?status=purple&package=%00", "/tasks.csv?status=x", "/tasks/1/restart",
    "/problems/restart", "/no-such-page",
])
def test_an_edited_address_is_a_page_with_a_4xx_never_a_500(monitor: TestClient,
                                                               url: str) -> None:
    """A value that names nothing is a 4xx page; a choice the page does not know falls
    back to no filter (200); never FastAPI's JSON, never a 500."""
    log_in(monitor, email_of(a_user(UserRole.SUPPORT, None)))
    answer = monitor.get(url)
    assert answer.status_code in (200, 400, 404, 405), answer.status_code
    if url.startswith("/tasks.csv"):
        assert answer.headers["content-type"].startswith("text/csv")
        return
    assert answer.headers["content-type"].startswith("text/html")
    assert "Content-Security-Policy" in answer.headers


def test_an_origin_with_a_port_that_is_no_number_is_refused(monitor: TestClient) -> None:
    log_in(monitor, email_of(a_user(UserRole.SUPPORT, None)))
    token = csrf_of(monitor.get("/support").text)
    answer = monitor.post("/tasks/1/urgent", data={"csrf": token},
                          headers={"origin": "https://monitor.test:abc"})
    assert answer.status_code == 403


def test_an_unexpected_error_is_a_500_with_the_security_headers(store_url: str) -> None:
    app = create_app(MonitorConfig(session_key=SecretStr(KEY), prefect_ui_url=""))

    @app.get("/broken")
    def broken() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, base_url="https://monitor.test",
                    raise_server_exceptions=False) as client:
        answer = client.get("/broken")
    assert answer.status_code == 500
    assert "a bug" not in answer.text
    assert "Content-Security-Policy" in answer.headers and "X-Frame-Options" in answer.headers


def test_a_foreign_host_header_is_refused_and_no_redirect_is_built_from_it(
        store_url: str) -> None:
    config = MonitorConfig(session_key=SecretStr(KEY), prefect_ui_url="",
                           allowed_hosts=own_hosts("https://monitor.kantoor.be"))
    with TestClient(create_app(config), base_url="https://monitor.kantoor.be",
                    follow_redirects=False) as client:
        assert client.get("/login").status_code == 200
        foreign = client.get("/login", headers={"host": "evil.example"})
        slashed = client.get("/clients/", headers={"host": "evil.example"})
        own_slashed = client.get("/clients/")
    assert foreign.status_code == slashed.status_code == 400
    assert "Content-Security-Policy" in foreign.headers
    assert own_slashed.status_code == 404 and "location" not in own_slashed.headers


def test_a_form_body_past_the_limit_is_refused_before_it_is_read(monitor: TestClient) -> None:
    token = csrf_of(monitor.get("/login").text)
    stuffed = monitor.post("/login", data={"csrf": token, "email": "a@b.be",
                                           "password": "x" * (MAX_FORM_BYTES + 1)})
    assert stuffed.status_code == 413
    with session_scope() as session:  # it never reached the log-in: no attempt counted
        assert session.scalar(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.email == "a@b.be")) == 0
