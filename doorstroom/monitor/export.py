"""The open tasks in view as CSV, for the office's own follow-up lists and spreadsheets.

The columns are the row's own texts in the reader's language; a cell that a spreadsheet
would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR) is quoted with a leading ``'``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from doorstroom.i18n import N_, gettext
from doorstroom.views import TaskRow

COLUMNS = (N_("Date"), N_("Dossier"), N_("Office"), N_("Document"), N_("Task"),
           N_("Package"), N_("Status"), N_("Instructions"), N_("Attempts"))
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_ROWS = 10_000
"""An export holds at most this many tasks; the page says when more were in view."""


def _cell(value: object) -> str:
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def tasks_csv(rows: Sequence[TaskRow], language: str) -> str:
    """The rows as CSV with a header in ``language`` (UTF-8 with BOM: Excel reads accents)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")  # Belgian Excel splits on semicolons
    writer.writerow([gettext(language, column) for column in COLUMNS])
    for row in rows:
        writer.writerow([_cell(value) for value in (
            row.moment, row.dossier, row.office, row.document, row.kind, row.package,
            row.status_label, row.instruction, row.attempts)])
    return out.getvalue()
