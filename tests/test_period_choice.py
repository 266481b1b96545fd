"""Which periods a document may move to out of a closed year: the open periods of the first
later financial year in the dossier's master data."""

from __future__ import annotations

import pytest

from doorstroom.period_choice import label, next_year_periods
from doorstroom.store.models import MasterRecord

pytestmark = pytest.mark.unit


def period(code: str, status: str = "Open", vat: str = "Open") -> MasterRecord:
    return MasterRecord(kind="period", code=code, extra={"status": status, "vat": vat})


def test_the_open_periods_of_the_next_financial_year_first_one_proposed() -> None:
    known = [period("201709", vat="Closed"), period("201712"), period("201800"),
             period("201801", status="Closed"), period("201802"), period("201803"),
             period("202501")]
    assert next_year_periods(["201709"], known) == ["201802", "201803"]
    assert label("201802") == "2018/02"


def test_a_later_year_when_the_next_one_is_missing_and_nothing_when_none_is_known() -> None:
    assert next_year_periods(["201709", "201712"], [period("202501"), period("202502")]) \
        == ["202501", "202502"]
    assert next_year_periods(["201709"], [period("201710")]) == []


def test_periods_without_a_status_count_as_open() -> None:  # Exact lists no status
    assert next_year_periods(["202512"], [MasterRecord(kind="period", code="202601",
                                                       extra={})]) == ["202601"]
