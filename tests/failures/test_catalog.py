"""Every failure code has its instruction in every language, with exactly its parameters:
the office's instruction the office-facing ones, support's explanation all of them."""

from __future__ import annotations

import re

import pytest

from connectors.registry import PACKAGES
from doorstroom.failures import codes, render, support_hint
from doorstroom.failures.catalog import (
    COUNTED_BY,
    LANGUAGES,
    LIST_PARAMS,
    catalog,
    package_names,
    template,
)

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
SUMMARY_CODES = {"summary.done": ("done",), "summary.elsewhere": ("done", "elsewhere"),
                 "summary.nothing_open": (),
                 "summary.employee": ("count", "total", "instruction"),
                 "summary.support": ("count", "total", "instruction"),
                 "unknown_dossier": ("dossier",),
                 "choice.no_open_booking_period": ("period", "choice"),
                 "choice.winbooks.vat_period_closed": ("periods", "choice")}
SUPPORT_HINTS = {f"support_hint.{name}": code.params for name, code in codes.REGISTRY.items()
                 if code.kind == codes.Kind.SUPPORT}
PACKAGE_NAMES = {f"package.{package}": () for package in PACKAGES}
CAUSES = {f"cause.{name}": code.params for name, code in codes.REGISTRY.items()
          if code.kind == codes.Kind.TRANSIENT}
ALL_CODES = {**{name: code.office_params for name, code in codes.REGISTRY.items()},
             **SUMMARY_CODES,
             **SUPPORT_HINTS, **PACKAGE_NAMES, **CAUSES}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", sorted(ALL_CODES))
def test_given_a_code_when_looked_up_then_translated_with_its_parameters(
        code: str, language: str) -> None:
    text = template(code, language)
    assert text, f"{code} has no {language} text"
    assert set(PLACEHOLDER.findall(text)) == set(ALL_CODES[code])


@pytest.mark.parametrize("language", LANGUAGES)
def test_given_a_catalogue_then_it_has_no_entries_without_a_code(language: str) -> None:
    ids = {message.id[0] if isinstance(message.id, tuple) else message.id
           for message in catalog(language) if message.id}
    assert ids <= set(ALL_CODES), ids - set(ALL_CODES)


SEED_CASES = [
    ("exact_online.dossier_rights_missing", {"dossier": "XYZ"},
     "Voor het aanmaken van het dossier 'XYZ' zijn de dossierrechten van de Doorstroom-gebruiker "
     "nog niet ingesteld. Gelieve de rechten voor die gebruiker toe te voegen."),
    ("no_open_booking_period", {"period": "201802"},
     "Er is geen open boekperiode gevonden voor periode 201802. Maak deze periode eerst aan of "
     "heropen ze in het boekhoudpakket."),
]


@pytest.mark.parametrize(("code", "params", "dutch"), SEED_CASES)
def test_given_a_seed_case_when_rendered_in_dutch_then_it_is_the_designed_text(
        code: str, params: dict[str, str], dutch: str) -> None:
    assert render(code, params, "nl") == dutch


def test_given_an_unknown_language_when_rendering_then_english() -> None:
    assert render("no_open_booking_period", {"period": "201802"}, "de").startswith(
        "No open booking period was found for period 201802.")


def test_given_a_missing_parameter_when_rendering_then_no_crash() -> None:
    assert "missing parameter" in render("no_open_booking_period", {}, "nl")


def test_given_a_support_failure_then_support_gets_a_technical_explanation() -> None:
    hint = support_hint("agent_offline", {"package": "Wings"}, "en")
    assert hint is not None and "agent service runs" in hint
    assert support_hint("wings.database_outdated", {}, "en") is None  # employee's, not support's


def test_given_the_registry_then_the_catalogue_names_each_package_as_its_connector_does() -> None:
    assert package_names() == {key: package.display_name for key, package in PACKAGES.items()}


@pytest.mark.parametrize("language", LANGUAGES)
def test_given_retries_exhausted_then_support_reads_the_cause_in_its_language_and_past(
        language: str) -> None:
    params = {"reason": "package_unavailable", "status": "503"}
    text = support_hint("retries_exhausted", params, language)
    assert text is not None and "503" in text
    assert render("cause.package_unavailable", params, language) in text
    for other in set(LANGUAGES) - {language}:
        assert render("cause.package_unavailable", params, other) not in text
    assert "retried automatically" not in text and "opnieuw geprobeerd" not in text


TECHNICAL = {"reason": "package_unavailable", "status": "503", "error": "JSONDecodeError('x')",
             "problem": "/api/v1/1006/purchaseentry: not JSON", "message": "E_JOURNAL_70",
             "block": "exact-online-secret-block", "state": "Crashed"}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", sorted(name for name, code in codes.REGISTRY.items()
                                        if code.support_only))
def test_given_technical_parameters_then_the_office_never_reads_them_and_support_does(
        code: str, language: str) -> None:
    params = {name: TECHNICAL.get(name, "Kapsalon") for name in codes.REGISTRY[code].params}
    office = render(code, params, language)
    for name in codes.REGISTRY[code].support_only:
        assert TECHNICAL[name] not in office
    hint = support_hint(code, params, language) or render(f"cause.{code}", params, language)
    assert all(TECHNICAL[name] in hint or name == "reason"
               for name in codes.REGISTRY[code].support_only)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", sorted(COUNTED_BY))
def test_a_counted_text_has_a_form_for_one_and_for_two(code: str, language: str) -> None:
    """Every text with plural forms says one thing for one item and another for two."""
    key = COUNTED_BY[code]
    base = {name: "x" for name in ALL_CODES[code]}
    one = render(code, {**base, key: "201709" if key in LIST_PARAMS else "1"}, language)
    two = render(code, {**base, key: "201709,201712" if key in LIST_PARAMS else "2"}, language)
    assert "missing parameter" not in one and "missing parameter" not in two
    assert one.replace("1", "") != two.replace("2", "").replace("201712", "")
    if key in LIST_PARAMS:
        assert "201709" in two and "201712" in two


def test_given_two_closed_periods_then_the_text_speaks_of_periods_and_keeps_the_help_page(
        ) -> None:
    text = render("winbooks.vat_period_closed",
                  {"periods": "201709,201712", "support": "support@kantoor.be"}, "nl")
    assert "boekperiodes 201709 en 201712" in text and "deze periodes" in text
    assert "via het icoontje rechts" in text and "support@kantoor.be" in text
