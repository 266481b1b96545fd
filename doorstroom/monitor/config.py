"""What the monitor needs to start: its session key (a Prefect Secret block) and addresses."""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit

from pydantic import SecretStr

from doorstroom.settings import get_settings

SESSION_KEY_BLOCK = "doorstroom-monitor-session-key"


@dataclass(frozen=True)
class MonitorConfig:
    """Settings of one monitor app."""

    session_key: SecretStr
    prefect_ui_url: str
    timezone: str = "Europe/Brussels"
    secure_cookies: bool = True
    session_hours: int = 8
    """A session ends this long after its log-in, however busy."""
    idle_minutes: int = 30
    """… or after this long without a request."""
    allowed_hosts: tuple[str, ...] = ("*",)
    """``Host`` headers answered; others get a 400 (from the settings: the monitor's own)."""

    @classmethod
    def from_settings(cls, session_key: SecretStr) -> MonitorConfig:
        """The configuration from ``DOORSTROOM_*`` settings and a session key."""
        settings = get_settings()
        return cls(session_key=session_key, prefect_ui_url=settings.prefect_ui(),
                   timezone=settings.timezone, secure_cookies=settings.monitor_secure_cookies,
                   idle_minutes=settings.session_idle_minutes,
                   allowed_hosts=own_hosts(settings.monitor_url))


def own_hosts(monitor_url: str) -> tuple[str, ...]:
    """The host people reach the monitor by, and this machine's own names."""
    return tuple(dict.fromkeys(
        [urlsplit(monitor_url).hostname or "127.0.0.1", "127.0.0.1", "localhost"]))


def session_key_from_prefect(name: str = SESSION_KEY_BLOCK) -> SecretStr:
    """The key that signs session cookies, kept in a Prefect ``Secret`` block.

    Created on first start, so every monitor process (and every restart) shares it and a
    restart does not log everyone out.
    """
    from prefect.blocks.system import Secret

    def load() -> SecretStr:
        block = cast(Secret[str], Secret.load(name))
        return SecretStr(str(block.get()))

    with contextlib.suppress(ValueError):
        return load()
    with contextlib.suppress(ValueError):  # another monitor may have created it first
        Secret(value=secrets.token_urlsafe(48)).save(name, overwrite=False)
    return load()
