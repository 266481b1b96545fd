"""The monitor: server-rendered pages for office staff and support over the store.

Routes stay thin: rights live in ``queries`` (404 for anything not visible), texts in the
catalogues, the restart in ``flows.restart``. Every state change is a POST guarded by
``require_csrf``; pages are rendered by Jinja2 with autoescaping.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware

from doorstroom import clock, time_to_fix
from doorstroom.documents.proposal import safe_filename
from doorstroom.failures.catalog import LANGUAGES, package_names
from doorstroom.i18n import N_, language_of
from doorstroom.monitor.actions import (
    ActionRefused,
    Notice,
    choose_period,
    claim,
    leave_note,
    mark_urgent,
    restart,
    restart_problems,
    set_vat_filing,
)
from doorstroom.monitor.config import MonitorConfig
from doorstroom.monitor.export import MAX_ROWS as MAX_EXPORT_ROWS
from doorstroom.monitor.export import tasks_csv
from doorstroom.monitor.login import LoginThrottled, authenticate
from doorstroom.monitor.pages import Pages, safe_next, wants_fragment
from doorstroom.monitor.security import add_security_headers, csrf_token, require_csrf
from doorstroom.settings import get_settings
from doorstroom.store import history, logins, queries
from doorstroom.store.db import Session, session_scope
from doorstroom.store.models import User, UserRole, utcnow
from doorstroom.store.queries import Viewer
from doorstroom.vat_calendar import Filing, WorkingHours
from doorstroom.views.statistics import statistics_view
from doorstroom.views.task_page import task_page
from doorstroom.web import BodyLimit, Page, RowId, attachment

STATIC = Path(__file__).with_name("static")
PER_PAGE = 50
MAX_PROBLEMS = 200
"""Problems one bulk restart takes; a form posting more is cut there."""
MAX_FORM_BYTES = 64 * 1024
"""The monitor's forms are a few fields: a larger body is refused before it is read."""
SESSION_TOKEN = "sid"
"""The cookie's only proof of a log-in: a random token whose hash is a row of the store."""


class LoginRequired(Exception):
    """No (valid) session: pages go to the log-in form, fragments answer 401."""


def _session() -> Iterator[Session]:
    with session_scope() as session:
        yield session


SessionDep = Annotated[Session, Depends(_session, scope="function")]
"""Committed when the route returns, before its answer is sent: an acknowledgement the client
reads is stored (FastAPI's default would commit after the answer has left)."""


def _user(request: Request, session: SessionDep) -> User:
    """The user of the request's live session; the signed cookie alone opens nothing."""
    token = request.session.get(SESSION_TOKEN)
    lifetime = request.app.state.lifetime
    user = logins.session_user(session, token, lifetime) if isinstance(token, str) else None
    if user is None:
        request.session.clear()
        raise LoginRequired
    return user


UserDep = Annotated[User, Depends(_user)]
Csrf = Depends(require_csrf)


def create_app(config: MonitorConfig) -> FastAPI:
    """The monitor app; ``config`` carries the session key and the Prefect UI address."""
    # No slash redirects: Starlette builds their Location from the Host header.
    app = FastAPI(title="Doorstroom monitor", docs_url=None, redoc_url=None, openapi_url=None,
                  redirect_slashes=False)
    app.add_middleware(SessionMiddleware, secret_key=config.session_key.get_secret_value(),
                       session_cookie="doorstroom_session", max_age=None,
                       same_site="lax", https_only=config.secure_cookies)
    app.state.lifetime = logins.Lifetime(absolute=timedelta(hours=config.session_hours),
                                         idle=timedelta(minutes=config.idle_minutes))
    app.add_middleware(BodyLimit, max_bytes=MAX_FORM_BYTES)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(config.allowed_hosts))
    app.middleware("http")(add_security_headers)  # added last: outermost, on every answer
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    pages = Pages(config)
    _errors(app, pages)
    _login_routes(app, pages)
    _list_routes(app, pages)
    _task_routes(app, pages, config)
    return app


def _errors(app: FastAPI, pages: Pages) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        if wants_fragment(request):
            return Response("Log in again.", status_code=401)
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    # Starlette's own class: the router's 404 and 405 are pages too, not FastAPI's JSON.
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return pages.error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        # An edited address (``/dossiers/abc``, ``?page=0``) gets a page, not FastAPI's JSON:
        # a path that names nothing is a 404, a wrong query or form value a 400.
        in_path = any(error["loc"][:1] == ("path",) for error in exc.errors())
        return pages.error(request, 404 if in_path else 400, "")


def _login_routes(app: FastAPI, pages: Pages) -> None:
    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/clients") -> Response:
        return pages.render(request, None, "login.html", next=safe_next(next), email="",
                            error=None)

    @app.post("/login", response_class=HTMLResponse, dependencies=[Csrf])
    def login(request: Request, session: SessionDep, email: Annotated[str, Form()] = "",
              password: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/clients",
              ) -> Response:
        client = request.client.host if request.client else "?"
        try:
            user = authenticate(session, email, password, client)
        except LoginThrottled as throttled:
            return pages.render(request, None, "login.html", status_code=429, next=next,
                                email=email, error=("throttled", throttled.minutes))
        if user is None:
            return pages.render(request, None, "login.html", status_code=401, next=next,
                                email=email, error=("wrong", 0))
        request.session.clear()
        request.session[SESSION_TOKEN] = logins.open_session(session, user.id)
        request.session["lang"] = language_of(user.language)
        csrf_token(request)
        if user.role == UserRole.SUPPORT and next in ("", "/", "/clients"):
            next = "/support"  # support's day starts with its queue
        return RedirectResponse(safe_next(next), status_code=303)

    @app.post("/logout", dependencies=[Csrf])
    def logout(request: Request, session: SessionDep) -> Response:
        token = request.session.get(SESSION_TOKEN)
        if isinstance(token, str):
            logins.end_session(session, token, "logout")
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @app.post("/language", dependencies=[Csrf])
    def language(request: Request, user: UserDep, language: Annotated[str, Form()],
                 next: Annotated[str, Form()] = "/clients") -> Response:
        if language in LANGUAGES:
            user.language = language
            request.session["lang"] = language
        return RedirectResponse(safe_next(next), status_code=303)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")

    @app.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}


def _list_routes(app: FastAPI, pages: Pages) -> None:
    @app.get("/")
    def home() -> Response:
        return RedirectResponse("/clients", status_code=303)

    @app.get("/clients", response_class=HTMLResponse)
    def clients(request: Request, session: SessionDep, user: UserDep, q: str = "",
                icon: str = "", package: str = "", page: Page = 1) -> Response:
        icon = icon if icon in queries.ICONS else ""  # an edited address: the whole list
        rows, total = queries.active_clients(session, Viewer.of(user), search=q[:100],
                                             icon=icon, package=package, page=page,
                                             per_page=PER_PAGE)
        return pages.render(request, user, "clients.html", rows=rows, total=total, page=page,
                            pages=max(1, -(-total // PER_PAGE)), q=q, icon=icon,
                            package=package, packages=package_names(user.language))

    @app.get("/dossiers/{dossier_id}", response_class=HTMLResponse)
    def dossier(request: Request, session: SessionDep, user: UserDep, dossier_id: RowId,
                page: Page = 1) -> Response:
        viewer = Viewer.of(user)
        client = queries.client(session, viewer, dossier_id)
        if client is None:
            raise HTTPException(404)
        tasks = queries.tasks_to_follow_up(session, viewer, dossier_id, limit=PER_PAGE + 1,
                                           offset=(page - 1) * PER_PAGE)
        return pages.render(request, user, "follow_up.html", client=client, page=page,
                            more=len(tasks) > PER_PAGE,
                            impact=pages.impact(session, user, dossier_id),
                            filing=queries.vat_filing(session, dossier_id),
                            filings=[filing.value for filing in Filing],
                            problems=pages.problems(session, user, dossier_id),
                            rows=pages.rows(session, tasks[:PER_PAGE], user))

    @app.post("/dossiers/{dossier_id}/vat-filing", dependencies=[Csrf])
    def vat_filing_route(request: Request, session: SessionDep, user: UserDep,
                         dossier_id: RowId, filing: Annotated[str, Form()] = "") -> Response:
        if queries.client(session, Viewer.of(user), dossier_id) is None:
            raise HTTPException(404)
        try:
            said = set_vat_filing(session, user, dossier_id, filing)
        except ActionRefused as refused:
            said = Notice(refused.message, refused.params)
        pages.flash(request, said.text(language_of(user.language)))
        return RedirectResponse(f"/dossiers/{dossier_id}", status_code=303)

    @app.get("/dossiers/{dossier_id}/summary", response_class=HTMLResponse)
    def dossier_summary(request: Request, session: SessionDep, user: UserDep,
                        dossier_id: RowId) -> Response:
        client = queries.client(session, Viewer.of(user), dossier_id)
        if client is None:
            raise HTTPException(404)
        return pages.render(request, user, "_summary.html", client=client,
                            impact=pages.impact(session, user, dossier_id))

    def narrowed(q: str, dossier: str, package: str, status: str, show: str,
                 ) -> queries.TaskFilter:
        """The follow-up's filter from its query; unknown values narrow nothing (an edited
        address gets the whole list, not an error)."""
        status = status or ("open" if show == "open" else "")
        return queries.TaskFilter(
            dossier=dossier[:100], text=q[:100],
            package=package if package in package_names() else "",
            status=status if status in queries.STATUS_FILTERS else "")

    @app.get("/tasks", response_class=HTMLResponse)
    def office_tasks(request: Request, session: SessionDep, user: UserDep, q: str = "",
                     dossier: str = "", package: str = "", status: str = "", show: str = "",
                     page: Page = 1) -> Response:
        chosen = narrowed(q, dossier, package, status, show)
        tasks = queries.tasks_to_follow_up(session, Viewer.of(user), None, limit=PER_PAGE + 1,
                                           offset=(page - 1) * PER_PAGE, narrowed=chosen)
        shown = chosen.status in ("", "open", "employee", "support") and page == 1
        return pages.render(request, user, "follow_up.html", client=None, chosen=chosen,
                            impact=None,
                            statuses=queries.STATUS_FILTERS, page=page,
                            problems=pages.problems(session, user) if shown else [],
                            packages=package_names(user.language),
                            more=len(tasks) > PER_PAGE,
                            rows=pages.rows(session, tasks[:PER_PAGE], user))

    @app.get("/tasks.csv")
    def export_tasks(request: Request, session: SessionDep, user: UserDep, q: str = "",
                     dossier: str = "", package: str = "", status: str = "",
                     show: str = "") -> Response:
        chosen = narrowed(q, dossier, package, status, show)
        if chosen.status in ("", "done"):
            chosen = replace(chosen, status="open")  # the export is of what is still open
        tasks = queries.tasks_to_follow_up(session, Viewer.of(user), None,
                                           limit=MAX_EXPORT_ROWS, narrowed=chosen)
        body = tasks_csv(pages.rows(session, tasks, user), language_of(user.language))
        return Response(body, media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": attachment("doorstroom-open-tasks.csv")})

    @app.get("/statistics", response_class=HTMLResponse)
    def statistics(request: Request, session: SessionDep, user: UserDep) -> Response:
        settings = get_settings()
        target = timedelta(hours=settings.support_target_hours)
        found = time_to_fix.measure(session, Viewer.of(user), clock.now(), target,
                                    WorkingHours(timezone=settings.timezone))
        return pages.render(request, user, "statistics.html",
                            figures=statistics_view(found, user.language, target))

    @app.get("/support", response_class=HTMLResponse)
    def support(request: Request, session: SessionDep, user: UserDep,
                page: Page = 1) -> Response:
        tasks = queries.support_queue(session, Viewer.of(user), limit=PER_PAGE + 1,
                                      offset=(page - 1) * PER_PAGE)
        return pages.render(request, user, "support.html", page=page,
                            more=len(tasks) > PER_PAGE,
                            rows=pages.rows(session, tasks[:PER_PAGE], user))


def _task_routes(app: FastAPI, pages: Pages, config: MonitorConfig) -> None:
    def answer(request: Request, session: Session, user: User, task_id: RowId,
               notice: str = "", status_code: int = 200, next_url: str = "/tasks",
               fragment: bool = False) -> Response:
        """The task's row for the page's script, or back to the page for plain forms."""
        task = queries.task(session, Viewer.of(user), task_id)
        if task is None:
            raise HTTPException(404)
        if fragment or wants_fragment(request):
            [row] = pages.rows(session, [task], user)
            return pages.render(request, user, "_task_row.html", status_code=status_code,
                                row=row, notice=notice, next_url=next_url,
                                show_dossier=request.query_params.get("wide") == "1")
        if notice:
            pages.flash(request, notice)
        return RedirectResponse(safe_next(next_url), status_code=303)

    @app.get("/tasks/{task_id}", response_class=HTMLResponse)
    def task_view(request: Request, session: SessionDep, user: UserDep,
                  task_id: RowId) -> Response:
        task = queries.task(session, Viewer.of(user), task_id)
        if task is None:
            raise HTTPException(404)
        [row] = pages.rows(session, [task], user)
        shown = task_page(row, task, history.files_of(session, task.document_id),
                          history.task_history(session, task.id), user.role,
                          language_of(user.language), config.timezone, utcnow())
        return pages.render(request, user, "task.html", page=shown, rows=[row],
                            show_dossier=True, next_url=f"/tasks/{task_id}")

    @app.get("/tasks/{task_id}/files/{file_id}")
    def task_file(session: SessionDep, user: UserDep, task_id: RowId,
                  file_id: RowId) -> Response:
        stored = history.task_file(session, Viewer.of(user), task_id, file_id)
        if stored is None:
            raise HTTPException(404)
        return Response(stored.content, media_type=stored.media_type, headers={
            "Content-Disposition": attachment(safe_filename(stored.filename))})

    @app.get("/tasks/{task_id}/row", response_class=HTMLResponse)
    def row(request: Request, session: SessionDep, user: UserDep, task_id: RowId) -> Response:
        return answer(request, session, user, task_id, fragment=True)

    @app.post("/tasks/{task_id}/restart", dependencies=[Csrf])
    def restart_route(request: Request, session: SessionDep, user: UserDep, task_id: RowId,
                      next: Annotated[str, Form()] = "/tasks") -> Response:
        return _act(request, session, user, task_id, next, restart, answer)

    @app.post("/problems/restart", dependencies=[Csrf])
    def restart_problems_route(request: Request, session: SessionDep, user: UserDep,
                               problem: Annotated[list[str], Form()] = [],  # noqa: B006
                               only: Annotated[str, Form()] = "",
                               next: Annotated[str, Form()] = "/tasks") -> Response:
        keys = [only] if only else problem[:MAX_PROBLEMS]
        try:
            said = restart_problems(session, user, keys) if keys else Notice(
                N_("Select one or more problems first."))
        except ActionRefused as refused:
            said = Notice(refused.message, refused.params)
        pages.flash(request, said.text(language_of(user.language)))
        return RedirectResponse(safe_next(next), status_code=303)

    @app.post("/tasks/{task_id}/urgent", dependencies=[Csrf])
    def urgent_route(request: Request, session: SessionDep, user: UserDep, task_id: RowId,
                     next: Annotated[str, Form()] = "/tasks",
                     reason: Annotated[str, Form()] = "") -> Response:
        return _act(request, session, user, task_id, next, partial(mark_urgent, reason=reason),
                    answer)

    @app.post("/tasks/{task_id}/period", dependencies=[Csrf])
    def period_route(request: Request, session: SessionDep, user: UserDep, task_id: RowId,
                     next: Annotated[str, Form()] = "/tasks",
                     period: Annotated[str, Form(max_length=6)] = "",
                     confirm: Annotated[str, Form()] = "") -> Response:
        return _act(request, session, user, task_id, next,
                    partial(choose_period, period=period, confirm=confirm), answer)

    @app.post("/tasks/{task_id}/claim", dependencies=[Csrf])
    def claim_route(request: Request, session: SessionDep, user: UserDep, task_id: RowId,
                    next: Annotated[str, Form()] = "/support") -> Response:
        return _act(request, session, user, task_id, next, claim, answer)

    @app.post("/tasks/{task_id}/note", dependencies=[Csrf])
    def note_route(request: Request, session: SessionDep, user: UserDep, task_id: RowId,
                   next: Annotated[str, Form()] = "/support",
                   note: Annotated[str, Form()] = "") -> Response:
        return _act(request, session, user, task_id, next, partial(leave_note, note=note),
                    answer)


def _act(request: Request, session: Session, user: User, task_id: RowId, next_url: str,
         action: Any, answer: Any) -> Response:
    """Run a task action for ``user``; refusals become a notice on the row and a 409/503."""
    if queries.task(session, Viewer.of(user), task_id) is None:
        raise HTTPException(404)
    language = language_of(user.language)
    try:
        said, status_code = action(session, user, task_id), 200
    except ActionRefused as refused:
        said, status_code = Notice(refused.message, refused.params), refused.status_code
    notice = said.text(language)
    session.commit()  # the action's writes, and a fresh read of what others wrote
    session.expire_all()
    return answer(request, session, user, task_id, notice, status_code, next_url)
