"""Rendering: one Jinja2 environment per language (autoescaped), and what every page gets."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import cached_property, partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel import negotiate_locale
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment

from doorstroom import period_choice
from doorstroom.failures.catalog import FALLBACK, LANGUAGES
from doorstroom.i18n import LANGUAGE_NAMES, N_, environment, format_money, language_of
from doorstroom.monitor.config import MonitorConfig
from doorstroom.monitor.security import csrf_token
from doorstroom.settings import get_settings
from doorstroom.store import incidents, problems, queries
from doorstroom.store.db import Session, session_scope
from doorstroom.store.models import SyncTask, User
from doorstroom.views import (
    ICON_LABELS,
    STATUS_FILTER_LABELS,
    ProblemRow,
    TaskRow,
    problem_row,
    task_row,
)
from doorstroom.views.deadlines import ImpactView, impact_view
from doorstroom.views.incidents import IncidentRow, incident_row

TEMPLATES = Path(__file__).with_name("templates")
ERROR_TEXTS = {
    403: N_("Refused."),
    404: N_("This page does not exist, or you may not see it."),
    405: N_("This address is not opened like that: use the buttons on the page."),
    422: N_("The request was not understood; check the address or the form."),
}
ERROR_TEXTS[400] = ERROR_TEXTS[422]


def _money(amount: Decimal, currency: str, language: str) -> str:
    return format_money(amount, currency, language)


def safe_next(url: str) -> str:
    """A same-site path to go to after a form; anything else goes to the client list."""
    if url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    return "/clients"


def page_query(request: Request, page: int) -> str:
    """The current query string with another page number (filters kept)."""
    params = dict(request.query_params)
    params["page"] = str(page)
    return urlencode(params)


def wants_fragment(request: Request) -> bool:
    """Requests from the page's script want a row, not a whole page."""
    return request.headers.get("x-requested-with") == "fetch"


def request_language(request: Request, user: User | None) -> str:
    """The user's language; before log-in the session's or the browser's."""
    if user is not None:
        return language_of(user.language)
    chosen = request.session.get("lang")
    if isinstance(chosen, str) and chosen in LANGUAGES:
        return chosen
    accepted = [part.split(";")[0].strip().replace("-", "_")
                for part in request.headers.get("accept-language", "").split(",")]
    found = negotiate_locale(accepted, list(LANGUAGES)) if accepted else None
    return found or language_of(get_settings().default_language) or FALLBACK


class Pages:
    """Renders the monitor's templates in the reader's language."""

    def __init__(self, config: MonitorConfig) -> None:
        self.config = config

    @cached_property
    def _environments(self) -> dict[str, Environment]:
        return {language: self._environment(language) for language in LANGUAGES}

    def _environment(self, language: str) -> Environment:
        env = environment(TEMPLATES, language, autoescape=True)
        env.globals.update(icon_labels=ICON_LABELS, languages=LANGUAGE_NAMES,
                           money=partial(_money, language=language),
                           page_query=page_query, status_filter_labels=STATUS_FILTER_LABELS,
                           shown_problems=problems.SHOWN)
        return env

    def render(self, request: Request, user: User | None, name: str, status_code: int = 200,
               **context: Any) -> HTMLResponse:
        """A page (or fragment) for ``user``, in their language."""
        language = request_language(request, user)
        if user is not None:
            request.session["lang"] = language
        template = self._environments[language].get_template(name)
        context.setdefault("outages", self.outages(user, language)
                           if user is not None and not name.startswith("_") else [])
        html = template.render(request=request, user=user, lang=language, path=request.url.path,
                               csrf=csrf_token(request), flashes=self._flashes(request),
                               **context)
        return HTMLResponse(html, status_code=status_code)

    def error(self, request: Request, status_code: int, detail: str) -> HTMLResponse:
        """An error page; 404 says the same whether the object is missing or forbidden."""
        message = ERROR_TEXTS.get(status_code, detail)
        if status_code == 403 and detail:
            message = detail
        return self.render(request, None, "error.html", status_code=status_code,
                           status=status_code, message=message,
                           signed_in="sid" in request.session)

    def outages(self, user: User, language: str) -> list[IncidentRow]:
        """The open incidents touching a dossier ``user`` may see: every page says so."""
        with session_scope() as session:
            found = incidents.open_incidents(session, queries.Viewer.of(user))
        return [incident_row(incident, language, self.config.timezone) for incident in found]

    def rows(self, session: Session, tasks: Sequence[SyncTask], user: User) -> list[TaskRow]:
        """The rows of ``tasks`` as ``user`` sees them."""
        waiting = queries.waiting_behind(session, tasks)
        choices = period_choice.offers(session, tasks)
        return [task_row(task, user.role, user.language, self.config.timezone,
                         self.config.prefect_ui_url, waiting.get(task.id),
                         choices.get(task.id)) for task in tasks]

    def impact(self, session: Session, user: User, dossier_id: int) -> ImpactView:
        """What waits in a dossier the user may see, for its summary line."""
        return impact_view(queries.dossier_impact(session, dossier_id), user.language,
                           self.config.timezone)

    def problems(self, session: Session, user: User, dossier_id: int | None = None
                 ) -> list[ProblemRow]:
        """The problems ``user`` sees (of one dossier, or all), as rows."""
        found = problems.problems(session, queries.Viewer.of(user), dossier_id,
                                  limit=problems.SHOWN + 1)
        choices = period_choice.offers(session, [problem.tasks[0] for problem in found])
        return [problem_row(problem, user.role, user.language, self.config.timezone,
                            choices.get(problem.tasks[0].id)) for problem in found]

    @staticmethod
    def flash(request: Request, text: str) -> None:
        """A notice shown once on the next page."""
        request.session.setdefault("flash", []).append(text)

    @staticmethod
    def _flashes(request: Request) -> list[str]:
        return list(request.session.pop("flash", []))
