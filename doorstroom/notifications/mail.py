"""Sending e-mail through the SMTP block with the standard library's client."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage

from blocks.smtp import SMTP_BLOCK, SmtpConnection


def message(sender: str, to: str, subject: str, text: str, language: str) -> EmailMessage:
    """A plain-text e-mail (UTF-8) in ``language``."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Content-Language"] = language
    mail.set_content(text)
    return mail


def _open(connection: SmtpConnection) -> smtplib.SMTP:
    if connection.security == "tls":
        return smtplib.SMTP_SSL(connection.host, connection.port,
                                timeout=connection.timeout_seconds,
                                context=ssl.create_default_context())
    client = smtplib.SMTP(connection.host, connection.port, timeout=connection.timeout_seconds)
    if connection.security == "starttls":
        client.starttls(context=ssl.create_default_context())
    return client


def send(messages: Sequence[EmailMessage], connection: SmtpConnection | None = None) -> int:
    """Send ``messages`` over one SMTP session; return how many were accepted."""
    if not messages:
        return 0
    connection = connection or load_connection()
    with _open(connection) as client:
        if connection.username and connection.password is not None:
            client.login(connection.username, connection.password.get_secret_value())
        for mail in messages:
            client.send_message(mail)
    return len(messages)


def load_connection() -> SmtpConnection:
    """The saved SMTP connection (block ``doorstroom-smtp``)."""
    block = SmtpConnection.load(SMTP_BLOCK)
    assert isinstance(block, SmtpConnection)
    return block
