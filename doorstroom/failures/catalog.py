"""Instruction texts: rendered from a failure code and its parameters, in nl, fr or en.

The ``.po`` catalogues are read with Babel once per process; the msgid is the failure code.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from gettext import GNUTranslations
from io import BytesIO
from pathlib import Path

from babel.lists import format_list
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).with_name("locale")
LIST_PARAMS = frozenset({"periods"})
"""Parameters stored comma-separated and rendered as a list in the reader's language."""
CAUSE_PARAMS = frozenset({"reason"})
"""Parameters that hold a transient failure's code, rendered as its cause (``cause.<code>``)
in the reader's language, with the failure's own parameters stored beside it."""
LANGUAGES = ("nl", "fr", "en")
FALLBACK = "en"
COUNTED_BY = {"summary.done": "done", "summary.elsewhere": "done",
              "summary.employee": "count", "summary.support": "count",
              "winbooks.vat_period_closed": "periods",
              "choice.winbooks.vat_period_closed": "periods"}
"""Texts with plural forms (``msgid_plural`` in the catalogues) and the parameter whose
number picks the form: a count, or the number of items of a list parameter."""


@lru_cache(maxsize=len(LANGUAGES))
def catalog(language: str) -> Catalog:
    """The parsed catalogue of one language."""
    with (LOCALE_DIR / language / "LC_MESSAGES" / "doorstroom.po").open("rb") as handle:
        return read_po(handle, locale=language)


@lru_cache(maxsize=len(LANGUAGES))
def _compiled(language: str) -> GNUTranslations:
    """The catalogue compiled in memory: gettext's own plural rules pick a form."""
    compiled = BytesIO()
    write_mo(compiled, catalog(language))
    compiled.seek(0)
    return GNUTranslations(compiled)


def template(code: str, language: str, count: int = 1) -> str | None:
    """The untranslated template of ``code`` in ``language`` (the form for ``count`` where
    the text has plural forms), or ``None`` if it has none."""
    language = language if language in LANGUAGES else FALLBACK
    message = catalog(language).get(code)
    if message is None or not message.string or message.fuzzy:
        return None
    if isinstance(message.string, tuple):
        if not all(message.string):
            return None
        return _compiled(language).ngettext(code, code, count)
    return str(message.string)


def _count(code: str, params: Mapping[str, object]) -> int:
    """The number that picks a plural form of ``code``'s text (1 for texts without one)."""
    key = COUNTED_BY.get(code)
    if key is None or key not in params:
        return 1
    value = params[key]
    if key in LIST_PARAMS:
        return len([item for item in str(value).split(",") if item])
    try:
        return int(str(value))
    except ValueError:
        return 1


def _value(key: str, value: object, params: Mapping[str, object], language: str) -> str:
    if key in CAUSE_PARAMS and template(f"cause.{value}", FALLBACK) is not None:
        own = {name: other for name, other in params.items() if name not in CAUSE_PARAMS}
        return render(f"cause.{value}", own, language)
    if key in LIST_PARAMS:
        items = [item for item in str(value).split(",") if item]
        return format_list(items, locale=language if language in LANGUAGES else FALLBACK)
    return str(value)


def support_hint(code: str, params: Mapping[str, object], language: str) -> str | None:
    """The support team's technical explanation of a support failure, if it has one."""
    key = f"support_hint.{code}"
    if template(key, language) is None and template(key, FALLBACK) is None:
        return None
    return render(key, params, language)


def operator_text(code: str, params: Mapping[str, object], language: str) -> str:
    """What the Prefect UI shows of a failure: support's explanation where the code has one
    (operators act on the technical detail), else the instruction."""
    return support_hint(code, params, language) or render(code, params, language)


def package_names(language: str = FALLBACK) -> dict[str, str]:
    """Every supported package's key and the name people know it by (``package.<key>``).

    The names live in the catalogue, beside the package's failure texts, so that the pages
    and e-mails can name a package without importing its connector.
    """
    prefix = "package."
    return {str(message.id).removeprefix(prefix): str(message.string)
            for message in catalog(language if language in LANGUAGES else FALLBACK)
            if isinstance(message.id, str) and message.id.startswith(prefix)}


def package_name(package: str, language: str = FALLBACK) -> str:
    """The name of one package; its key if the catalogue does not know it."""
    return template(f"package.{package}", language) or package


def render(code: str, params: Mapping[str, object], language: str) -> str:
    """The instruction for ``code`` in ``language``, falling back to English, then the code.

    A missing parameter never crashes a failure report: the text then says which one it lacks.
    """
    count = _count(code, params)
    text = template(code, language, count) or template(code, FALLBACK, count)
    if text is None:
        return f"{code} {dict(params)}"
    values = {key: _value(key, value, params, language) for key, value in params.items()}
    try:
        return text % values
    except (KeyError, ValueError, TypeError) as error:
        return f"{text} [missing parameter: {error}]"
