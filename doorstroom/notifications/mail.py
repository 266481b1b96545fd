"""Sending e-mail through the SMTP block with the standard library's client."""

from __future__ import annotations

import html
import re
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from blocks.smtp import SMTP_BLOCK, SmtpConnection

LINK = re.compile(r"https?://[^\s<>\"]+")


def message(sender: str, to: str, subject: str, text: str, language: str) -> EmailMessage:
    """An e-mail in ``language``: a plain part and the same text as HTML (links clickable).

    ``Date`` and ``Message-ID`` are set here: mail servers and spam filters distrust a
    message without them, and a client sorts and threads by them.
    """
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = make_msgid(domain=_domain(sender))
    mail["Content-Language"] = language
    mail.set_content(text)
    mail.add_alternative(_html(text, language), subtype="html")
    return mail


def _domain(sender: str) -> str:
    """The sender's domain, for the Message-ID (``localhost`` when it has none)."""
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "localhost"


def _html(text: str, language: str) -> str:
    """The plain text as HTML: escaped, paragraphs kept, addresses as links."""
    def paragraph(block: str) -> str:
        escaped = html.escape(block.strip("\n"))
        linked = LINK.sub(lambda found: f'<a href="{found.group(0)}">{found.group(0)}</a>',
                          escaped)
        return f"<p>{linked.replace(chr(10), '<br>')}</p>"

    body = "\n".join(paragraph(block) for block in text.split("\n\n") if block.strip())
    return (f'<!doctype html><html lang="{html.escape(language)}"><head><meta charset="utf-8">'
            f'</head><body style="font-family: sans-serif">{body}</body></html>\n')


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
