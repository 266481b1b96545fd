"""Every text of the pages and e-mails has a Dutch and a French translation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from doorstroom import i18n

LOCALE = Path(i18n.__file__).with_name("locale")
CORE = LOCALE.parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def used_messages() -> list[str | tuple[str, ...]]:
    """Every text the monitor's pages and the e-mails use (they share one catalogue)."""
    templates = {"extensions": "jinja2.ext.i18n"}
    messages = []
    for folder in (CORE,):
        found = extract_from_dir(
            str(folder), [("**/templates/**.html", "jinja2"), ("**/templates/**.txt", "jinja2"),
                          ("**.py", "python")],
            options_map={"**/templates/**.html": templates, "**/templates/**.txt": templates},
            keywords={"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)})
        messages += [message for _file, _line, message, _comments, _context in found]
    return messages


def test_the_extraction_finds_the_pages_texts() -> None:
    messages = used_messages()
    assert "Active clients" in messages and "Restart task" in messages
    assert "Hello %(name)s," in messages
    assert len(messages) > 60


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_every_text_is_translated_with_the_same_placeholders(language: str) -> None:
    with (LOCALE / language / "LC_MESSAGES" / "monitor.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    for message in used_messages():
        msgid = message if isinstance(message, str) else message[0]
        entry = catalog.get(msgid)
        assert entry is not None and not entry.fuzzy, (language, msgid)
        texts = [entry.string] if isinstance(entry.string, str) else list(entry.string)
        for text in texts:
            assert text, (language, msgid)
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(msgid)), msgid
