"""Process-wide settings, read from the environment (prefix ``DOORSTROOM_``).

One setting picks the store: any SQLAlchemy URL. The default is a SQLite file under
``.doorstroom/`` in the working directory, which is what the embedded demo uses.
"""

from __future__ import annotations

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
    retry_delays: list[float] | None = None
    """Overrides every connector's retry delays (seconds), e.g. ``[0.2, 0.2]`` in tests."""

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
