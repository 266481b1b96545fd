"""The SMTP server block: how Doorstroom sends e-mail (digests, support notifications)."""

from __future__ import annotations

from prefect.blocks.core import Block
from pydantic import Field, SecretStr

SMTP_BLOCK = "doorstroom-smtp"
"""The name under which the SMTP connection is saved."""


class SmtpConnection(Block):
    """An SMTP server and the sender address Doorstroom's e-mails come from.

    E-mail notification blocks of Prefect are Cloud-only, so flows send through this block
    with the standard library's SMTP client.
    """

    _block_type_name = "Doorstroom SMTP connection"
    _block_type_slug = "doorstroom-smtp-connection"
    _description = "SMTP host, port, credentials and sender for Doorstroom's e-mails."

    host: str = Field(description="SMTP host name.")
    port: int = Field(default=587, description="SMTP port (587 with STARTTLS, 465 with TLS).")
    sender: str = Field(description="From address, e.g. 'Doorstroom <noreply@kantoor.be>'.")
    username: str = Field(default="", description="Login name; empty for no login.")
    password: SecretStr | None = Field(default=None, description="Login password.")
    security: str = Field(default="starttls",
                          description="'starttls', 'tls' (implicit, port 465) or 'none'.")
    timeout_seconds: float = Field(default=30.0, description="Connection timeout.")
