"""The monitor's own texts in nl, fr and en: gettext catalogues read with Babel.

English texts are the msgids; ``locale/{nl,fr}/LC_MESSAGES/monitor.po`` translate them. The
catalogues are compiled in memory at first use, so no build step produces ``.mo`` files.
Instructions (failure texts) come from the failures' own catalogue, not from here.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency
from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from doorstroom.failures.catalog import FALLBACK, LANGUAGES

LOCALE_DIR = Path(__file__).with_name("locale")
LANGUAGE_NAMES = {"nl": "Nederlands", "fr": "Français", "en": "English"}
LOCALES = {"nl": "nl_BE", "fr": "fr_BE", "en": "en_BE"}
"""Dates and amounts as they are written in Belgium, whatever the language (no US dates)."""


def N_(message: str) -> str:
    """Mark a text for extraction; it is translated where it is shown."""
    return message


def language_of(value: str | None) -> str:
    """A supported language, English when the value is unknown."""
    return value if value in LANGUAGES else FALLBACK


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of ``language`` (English: the msgids themselves)."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "monitor.po"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def environment(templates: Path, language: str, *, autoescape: bool,
                trim_blocks: bool = False, keep_trailing_newline: bool = False) -> Environment:
    """A Jinja2 environment over ``templates`` whose ``_``/``ngettext`` speak ``language``.

    The pages (autoescaped HTML) and the e-mails (plain text) share the catalogue this way.
    """
    env = Environment(loader=FileSystemLoader(templates), undefined=StrictUndefined,
                      extensions=["jinja2.ext.i18n"], autoescape=autoescape,
                      trim_blocks=trim_blocks, keep_trailing_newline=keep_trailing_newline)
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    return env


def gettext(language: str, message: str) -> str:
    """``message`` in ``language``."""
    return translations(language_of(language)).gettext(message)


def ngettext(language: str, singular: str, plural: str, count: int) -> str:
    """The form of ``singular``/``plural`` that ``count`` takes in ``language``."""
    return translations(language_of(language)).ngettext(singular, plural, count)


def format_money(amount: Decimal, currency: str, language: str) -> str:
    """An amount as people in ``language`` write it (``€ 484,00``)."""
    return format_currency(amount, currency, locale=LOCALES[language_of(language)])


def format_moment(moment: datetime | None, language: str, timezone: str) -> str:
    """A date and time as people in ``language`` write it, in the office's time zone."""
    if moment is None:
        return ""
    return format_datetime(moment, "short", tzinfo=ZoneInfo(timezone),
                           locale=LOCALES[language_of(language)])


def format_day(day: date | None, language: str) -> str:
    """A calendar date (a document's date) as people in ``language`` write it."""
    return format_date(day, "medium", locale=LOCALES[language_of(language)]) if day else ""


def format_age(moment: datetime | None, now: datetime, language: str) -> str:
    """How long ago ``moment`` was (``3 dagen geleden``), to the day or hour that matters."""
    if moment is None:
        return ""
    return format_timedelta(moment - now, add_direction=True, threshold=1.5,
                            locale=LOCALES[language_of(language)])
