"""The on-premise agent connection block: where an office's Doorstroom agent listens."""

from __future__ import annotations

from prefect.blocks.core import Block
from pydantic import Field, SecretStr


class OnPremiseAgentConnection(Block):
    """Endpoint and token of the Doorstroom agent on an office's own server.

    Wings and Expert/M run on the office's server; the agent there reaches the package's
    database and speaks Doorstroom's agent protocol (``/v1``) to the connectors.
    """

    _block_type_name = "On-premise agent connection"
    _block_type_slug = "on-premise-agent-connection"
    _description = "URL and per-office token of the Doorstroom agent on an office's server."

    base_url: str = Field(description="URL where the office's agent listens (HTTPS in production).")
    office_token: SecretStr = Field(description="The office's agent token (Bearer).")
    timeout_seconds: float = Field(default=30.0, description="HTTP timeout per request.")
