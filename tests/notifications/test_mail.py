"""E-mails that arrive: dated, identified, a plain and an HTML part."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default
from email.utils import parsedate_to_datetime

from doorstroom.notifications.mail import message


def test_a_mail_has_a_date_a_message_id_and_a_plain_and_an_html_part() -> None:
    mail = message("Doorstroom <noreply@doorstroom.be>", "els@kantoor.be", "Onderwerp",
                   "Beste Els,\n\n1 taak <wacht> op u: https://monitor.test/dossiers/7?a=1&b=2\n",
                   "nl")
    parsed = message_from_bytes(mail.as_bytes(), policy=default)

    assert parsedate_to_datetime(parsed["Date"]).tzinfo is not None
    assert parsed["Message-ID"].endswith("@doorstroom.be>")
    plain, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert plain is not None and html is not None
    assert "1 taak <wacht> op u" in plain.get_content()
    page = html.get_content()
    assert "1 taak &lt;wacht&gt; op u" in page and '<html lang="nl">' in page
    assert '<a href="https://monitor.test/dossiers/7?a=1&amp;b=2">' in page


def test_two_mails_never_share_a_message_id() -> None:
    ids = {message("noreply@doorstroom.be", "a@b.be", "s", "t", "en")["Message-ID"]
           for _ in range(50)}
    assert len(ids) == 50
