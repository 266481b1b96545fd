"""The Adsolut connection block: the office's ExchangeService and its credentials."""

from __future__ import annotations

from prefect.blocks.core import Block
from pydantic import Field, SecretStr


class AdsolutConnection(Block):
    """Endpoint and credentials of an office's Adsolut ``ExchangeService.asmx``."""

    _block_type_name = "Adsolut connection"
    _block_type_slug = "adsolut-connection"
    _description = "URL of the office's Adsolut ExchangeService and the user it signs in with."

    service_url: str = Field(description="URL of ExchangeService.asmx on the office's server.")
    user_name: str = Field(description="Adsolut user Doorstroom signs in with.")
    password: SecretStr = Field(description="That user's password.")
    timeout_seconds: float = Field(default=60.0, description="HTTP timeout per request.")
