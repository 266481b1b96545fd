"""The Exact Online connection block: one OAuth2 app and user, serving many divisions."""

from __future__ import annotations

from datetime import datetime

from prefect.blocks.core import Block
from pydantic import Field, SecretStr


class ExactOnlineConnection(Block):
    """Credentials and endpoint of an Exact Online connection.

    Exact Online rotates the refresh token on every refresh and refuses a refresh while the
    access token is still valid, so the current tokens are saved back into this block and
    shared by every worker process.
    """

    _block_type_name = "Exact Online connection"
    _block_type_slug = "exact-online-connection"
    _description = "OAuth2 credentials and base URL of one Exact Online connection."

    base_url: str = Field(
        default="https://start.exactonline.be",
        description="Base URL of the Exact Online country site (or of a sandbox).",
    )
    client_id: str = Field(description="Client id of the registered Exact Online app.")
    client_secret: SecretStr = Field(description="Client secret of the registered app.")
    refresh_token: SecretStr = Field(description="Current OAuth2 refresh token (rotates).")
    access_token: SecretStr | None = Field(
        default=None, description="Current access token, shared between workers."
    )
    access_token_expires_at: datetime | None = Field(
        default=None, description="When the current access token expires (UTC)."
    )
    timeout_seconds: float = Field(default=30.0, description="HTTP timeout per request.")
    calls_per_minute: int = Field(
        default=60, description="Exact's limit of calls per minute per division (0: none).")
    calls_per_day: int = Field(
        default=5000, description="Exact's limit of calls per day per division (0: none).")
