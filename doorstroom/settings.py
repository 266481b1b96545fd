"""Process-wide settings, read from the environment (prefix ``DOORSTROOM_``).

One setting picks the store: any SQLAlchemy URL. The default is a SQLite file under
``.doorstroom/`` in the working directory, which is what the embedded demo uses.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Settings that every process of Doorstroom (worker, monitor, CLI) shares."""

    model_config = SettingsConfigDict(env_prefix="DOORSTROOM_")

    home: Path = Path(".doorstroom")
    database_url: str = ""
    default_language: str = "nl"
    prefect_api_url: str = "http://127.0.0.1:4200/api"
    """Used by the CLI when ``PREFECT_API_URL`` is not set (the embedded demo's server)."""
    prefect_ui_url: str = ""
    """Where people open a flow run; default: the API URL without ``/api``."""
    monitor_url: str = "http://127.0.0.1:8800"
    """The monitor's address as people reach it (links in e-mails)."""
    monitor_secure_cookies: bool = True
    """Session cookies only over HTTPS; the embedded demo on plain http turns it off."""
    session_idle_minutes: int = 30
    """A monitor session ends after this long without a request (and 8 hours after log-in)."""
    reminder_days: int = 5
    """An orange problem still open after this many days is mailed again (once)."""
    support_email: str = "support@doorstroom.example"
    """Where instructions send people who need support (the help page names this address)."""
    retention_days: int = 90
    """Booked documents' files and attempts, and Prefect's finished runs and events, are
    kept this long (the packages keep the bookings; the store keeps every document's
    identity, so nothing old is ever booked again)."""
    support_target_hours: float = 4.0
    """Support fixes a red task within this many working hours (08:30 to 17:30, Monday to
    Friday, not on Belgian public holidays); older ones stand out on support's queue."""
    timezone: str = "Europe/Brussels"
    """The time zone in which pages and e-mails show dates."""
    heartbeat_timeout_seconds: int = 120
    """A run without heartbeat for this long is crashed by an automation (heartbeats: 30 s)."""
    pending_bound_seconds: int = 900
    """A run holding sync tasks that is Pending this long is crashed by ``recover-interrupted``
    (every 5 minutes), then retried or its tasks marked interrupted."""
    running_bound_seconds: int = 7200
    """A run holding sync tasks that is Running this long is crashed by ``recover-interrupted``
    (every 5 minutes), then retried or its tasks marked interrupted."""
    incident_probe_seconds: float = 60.0
    """How often the follower of an outage looks whether the package answers again."""
    incident_restarts_per_minute: int | None = None
    """Overrides every package's pace of restarts after an outage (``restarts_per_minute``)."""
    retry_delays: list[float] | None = None
    """Overrides every connector's retry delays (seconds), e.g. ``[0.2, 0.2]`` in tests."""

    def prefect_ui(self) -> str:
        """The Prefect UI's base URL, for links to flow runs."""
        if self.prefect_ui_url:
            return self.prefect_ui_url.rstrip("/")
        api = os.environ.get("PREFECT_API_URL") or self.prefect_api_url
        return api.rstrip("/").removesuffix("/api")

    def store_url(self) -> str:
        """The store's SQLAlchemy URL: the explicit setting, else SQLite under ``home``."""
        if self.database_url:
            return self.database_url
        self.home.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.home / 'store.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings are read once per process; tests clear the cache after changing the env."""
    return Settings()
