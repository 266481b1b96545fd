"""The WinBooks on Web connection block: one licence e-mail and its exchange token."""

from __future__ import annotations

from datetime import datetime

from prefect.blocks.core import Block
from pydantic import Field, SecretStr


class WinBooksConnection(Block):
    """Credentials and endpoint of a WinBooks on Web licence.

    WinBooks on Web hands out an exchange token per licence e-mail; it is traded once for an
    access and a refresh token, which rotate and are saved back into this block.
    """

    _block_type_name = "WinBooks on Web connection"
    _block_type_slug = "winbooks-connection"
    _description = "Licence e-mail, exchange token and base URL of WinBooks on Web."

    base_url: str = Field(
        default="https://prd.winbooksapis.be/wow/v2",
        description="Base URL of the WinBooks on Web REST API (or of a sandbox).",
    )
    email: str = Field(description="E-mail address of the WinBooks on Web licence.")
    exchange_token: SecretStr = Field(description="Exchange token granted to that licence.")
    refresh_token: SecretStr | None = Field(
        default=None, description="Current refresh token (rotates; empty before first use)."
    )
    access_token: SecretStr | None = Field(
        default=None, description="Current access token, shared between workers."
    )
    access_token_expires_at: datetime | None = Field(
        default=None, description="When the current access token expires (UTC)."
    )
    timeout_seconds: float = Field(default=30.0, description="HTTP timeout per request.")
