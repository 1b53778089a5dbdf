"""The browser and the server find the same problems: the same fields, the same words.

pwa/js/validateAnswers.js (with errorMessages.js) runs in Chromium on answers that
Hypothesis makes from the program's own examples; server/validation.py judges the same
answers; a person must see the same messages either way."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings

from server.assets import _EXPORT, _IMPORT
from server.client_messages import client_messages
from server.settings import ROOT
from tests.test_fuzz_submissions import FORM, answers

pytestmark = pytest.mark.e2e
MODULES = ["validateAnswers.js", "errorMessages.js"]


def as_script(name: str) -> str:
    source = (ROOT / "pwa" / "js" / name).read_text()
    return _EXPORT.sub("", _IMPORT.sub("", source))


@pytest.fixture(scope="module")
def validator_page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_content("<!doctype html><title>validation</title>")
    for name in MODULES:
        page.add_script_tag(content=as_script(name))
    page.evaluate("([definition, messages]) => { window.definition = definition; window.messages = messages; }",
                  [FORM.for_language("en"), client_messages("en")])
    yield page
    context.close()


def browser_errors(page, values) -> list[tuple[str, str]]:
    return [tuple(pair) for pair in page.evaluate(
        "(values) => validateAnswers(definition, values)"
        ".map((e) => [e.field, errorMessage(definition, messages, 'en', e)])", values)]


def server_errors(values) -> list[tuple[str, str]]:
    return [(error.field, error.message) for error in FORM.validate(values, "en")]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=answers())
def test_the_browser_and_the_server_report_the_same_errors(validator_page, values):
    assert browser_errors(validator_page, values) == server_errors(values)


@pytest.mark.parametrize("zip_code", ["02119\n", "٠٢١١٩", "2119", "90210", "02119"])
def test_edge_cases_of_patterns_agree(validator_page, zip_code):
    values = {**FORM.schema["examples"][0], "zip": zip_code}
    assert browser_errors(validator_page, values) == server_errors(values)


def test_the_harness_sees_errors():
    assert re.search("zip", str(server_errors({**FORM.schema["examples"][0], "zip": "x"})))
