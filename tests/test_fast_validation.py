"""The compiled validator (jsonschema-rs) says yes to exactly what the detailed one (Python
jsonschema, which explains each problem) accepts: the server relies on its "yes" alone."""

from __future__ import annotations

import copy
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.program import FastValidator, load_program
from server.settings import ROOT
from server.submissions import ENVELOPE_SCHEMA, _envelope
from server.validation import field_errors

from .test_fuzz_submissions import junk

PROGRAMS = {path.stem: load_program(path) for path in sorted((ROOT / "programs").glob("*.json"))}

# the edges where two regular expression engines or number models could part ways
EDGES = [
    "\u0661\u0662\u0663\u0664\u0665", "\uff10\uff12\uff11\uff11\uff19", "02119\n", "02119 ", "\n02119", "0211",
    "617 555 0143\n", "name@example.com\n", "name@@example.com", "a@b", "@", "2008-02-29", "2009-02-29",
    "2008-2-9", "20080229", "2008-02-29T00:00:00", "\u00a0", "\ufeff", "", float("nan"), float("inf"),
    2**64, -2**63 - 1, 1.0, 0, True, None, [], {}, ["a", "a"],
]


def mutated(form):
    examples = form.schema["examples"]
    names = sorted(form.schema["properties"])

    @st.composite
    def answers(draw):
        result = copy.deepcopy(draw(st.sampled_from(examples)))
        for name in draw(st.lists(st.sampled_from(names), max_size=4, unique=True)):
            action = draw(st.sampled_from(["edge", "junk", "other", "remove"]))
            if action == "remove":
                result.pop(name, None)
            elif action == "edge":
                result[name] = draw(st.sampled_from(EDGES))
            elif action == "junk":
                result[name] = draw(junk)
            else:  # another example's answer or a valid option: mostly valid combinations
                schema = form.schema["properties"][name]
                choices = [ex[name] for ex in examples if name in ex] + list(schema.get("enum", []))
                if choices:
                    result[name] = draw(st.sampled_from(choices))
        return result

    return answers()


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_both_validators_agree_on_answers_valid_and_not(name):
    form = PROGRAMS[name].form

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(mutated(form))
    def agree(answers):
        detailed = field_errors(form, answers, "en")
        assert form._fast.is_valid(answers) in (not detailed, None), detailed

    agree()


@pytest.mark.parametrize("name", sorted(PROGRAMS))
@pytest.mark.parametrize("edge", EDGES, ids=repr)
def test_every_edge_in_every_question(name, edge):
    form = PROGRAMS[name].form
    for question in form.schema["properties"]:
        answers = {**form.schema["examples"][0], question: edge}
        detailed = field_errors(form, answers, "en")
        assert form._fast.is_valid(answers) in (not detailed, None), (question, detailed)


def test_ages_are_counted_on_the_programs_date_by_both():
    form = PROGRAMS["default"].form
    born = form.schema["examples"][0]["date_of_birth"]
    for years in range(10, 30):
        day = form.age_on.replace(year=form.age_on.year - years)
        for when in (day, date.fromordinal(day.toordinal() + 1), date.fromordinal(day.toordinal() - 1)):
            answers = {**form.schema["examples"][0], "date_of_birth": when.isoformat()}
            assert form._fast.is_valid(answers) == (not field_errors(form, answers, "en")), when
    assert born  # the example itself is valid
    assert form._fast.is_valid(form.schema["examples"][0])


@given(st.dictionaries(st.sampled_from(["id", "form_version", "answers", "sealed", "client", "extra"]),
                       st.one_of(junk, st.sampled_from(EDGES), st.just("abcdef0123"), st.just("abcdef\n"),
                                 st.just({"language": "en"})), max_size=5))
@settings(max_examples=300, deadline=None)
def test_the_envelope_is_judged_alike(payload):
    fast = FastValidator(ENVELOPE_SCHEMA, date.today()).is_valid(payload)
    accepted = not list(_envelope.iter_errors(payload))
    assert fast in (accepted, None)


def test_what_jsonschema_rs_cannot_read_is_left_to_the_detailed_validator():
    form = PROGRAMS["default"].form
    assert form._fast.is_valid({**form.schema["examples"][0], "zip": float("nan")}) in (False, None)
    assert form.validate({**form.schema["examples"][0], "zip": float("nan")}, "en")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from([0.0, 1.0, 2.5, -1.0]) | st.sampled_from(["", "a", "1"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["a", "b"]), inner, max_size=2),
    max_leaves=6)


@settings(max_examples=500, deadline=None)
@given(st.lists(json_values, max_size=6))
def test_unique_items_agrees_with_jsonschema_on_what_counts_as_the_same(items):
    # ours is linear in the list's length; jsonschema's compares every pair when types are mixed
    from jsonschema import Draft202012Validator

    from server.program import validator_class

    schema = {"type": "array", "uniqueItems": True}
    ours = validator_class(date(2027, 6, 30))(schema).is_valid(items)
    assert ours == Draft202012Validator(schema).is_valid(items)
    assert ours == FastValidator(schema, date(2027, 6, 30)).is_valid(items)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_a_long_list_of_wrong_answers_is_explained_once(name):
    form = PROGRAMS[name].form
    lists = [n for n, schema in form.schema["properties"].items() if schema.get("type") == "array"]
    answers = copy.deepcopy(form.schema["examples"][0])
    for field in lists:
        answers[field] = [*range(20_000), "not an option"]  # mixed types: every pair, for jsonschema
    found = form.validate(answers, "en")
    assert sorted(error.field for error in found if error.field in lists) == sorted(lists)
    # one error per answer, not one per item: the detailed validator stops at the first wrong one
    assert len(list(form._validator.iter_errors(answers))) <= len(found) + len(lists)
