"""The demo's SMTP server (aiosmtpd on 127.0.0.1): every e-mail lands as a file to read."""

from __future__ import annotations

import itertools
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from blocks.smtp import SmtpConnection


class _SaveToFolder:
    """aiosmtpd handler: one ``.eml`` file per message, named by number and recipient."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.numbers = itertools.count(1)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        data = envelope.original_content or envelope.content
        mail = message_from_bytes(data, policy=default)
        to = str(mail["To"]).replace("@", "_at_").replace(" ", "")[:60]
        (self.folder / f"{next(self.numbers):04d}-{to}.eml").write_bytes(data)
        return "250 Message accepted for delivery"


class Mailbox:
    """An SMTP server on 127.0.0.1 that keeps what it receives in ``folder``."""

    def __init__(self, folder: Path, port: int) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.port = port
        self._controller = Controller(_SaveToFolder(folder), hostname="127.0.0.1", port=port)

    def start(self) -> Mailbox:
        """Start accepting mail."""
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop the server."""
        self._controller.stop()

    def connection(self, sender: str = "Doorstroom <noreply@doorstroom.example>",
                   ) -> SmtpConnection:
        """The SMTP connection block that sends into this mailbox."""
        return SmtpConnection(host="127.0.0.1", port=self.port, security="none", sender=sender)

    def messages(self) -> list[Any]:
        """Every message received so far, parsed, oldest first."""
        return [message_from_bytes(path.read_bytes(), policy=default)
                for path in sorted(self.folder.glob("*.eml"))]
