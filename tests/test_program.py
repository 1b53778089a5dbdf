"""The program file drives the form; a broken one is refused with a message that says where."""

from __future__ import annotations

import json

import pytest

from server.program import ProgramError, load_program

from .conftest import DEFAULT_PROGRAM, write_program


def test_the_default_program_loads_and_its_examples_are_valid():
    program = load_program(DEFAULT_PROGRAM)
    form = program.form
    assert form.schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    for example in form.schema["examples"]:
        assert form.validate(example, "en") == []


def test_the_form_version_follows_the_questions(tmp_path):
    same = load_program(DEFAULT_PROGRAM).form.version
    assert load_program(DEFAULT_PROGRAM).form.version == same

    def new_option(program):
        program["form"]["fields"]["interests"]["options"]["music"] = {"en": "Music"}
        program["form"]["schema"]["properties"]["interests"]["items"]["enum"].append("music")

    assert load_program(write_program(tmp_path, new_option)).form.version != same

    def rename_city(program):
        program["name"] = {"en": "Another City Jobs"}

    # branding is not part of the form: the version stays
    assert load_program(write_program(tmp_path, rename_city)).form.version == same


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p["form"]["steps"][1]["fields"].remove("first_name"), "not in any step ['first_name']"),
        (lambda p: p["form"]["fields"]["zip"].pop("label"), "form.fields.zip needs a label"),
        (lambda p: p["form"]["fields"]["zip"].update(widget="slider"), "unknown widget 'slider'"),
        (lambda p: p["form"]["schema"].pop("examples"), "needs at least one complete valid application"),
        (lambda p: p["form"]["schema"]["examples"][0].update(zip="x"), "examples[0] is not valid"),
        (lambda p: p["form"]["schema"].update(additionalProperties=True), "additionalProperties to false"),
        (lambda p: p["form"]["schema"]["properties"]["zip"].update(type="strnig"), "not a valid JSON Schema"),
        (lambda p: p["form"]["schema"]["properties"]["zip"].update({"$ref": "#/x"}), "the browser cannot check"),
        (lambda p: p["form"]["schema"]["properties"]["zip"].update(format="ipv4"), "format 'ipv4'"),
        (lambda p: p.pop("form"), "has no 'form'"),
        # what one answer may hold is the program's to say, not the request size limit's
        (lambda p: p["form"]["schema"]["properties"]["student_id"].pop("maxLength"),
         "form.schema.properties.student_id needs a maxLength of at most 10,000"),
        (lambda p: p["form"]["schema"]["properties"]["experience"].update(maxLength=1_000_000),
         "form.schema.properties.experience needs a maxLength"),
        (lambda p: p["form"]["schema"]["properties"]["weeks_available"].pop("uniqueItems"),
         "form.schema.properties.weeks_available needs a maxItems"),
        (lambda p: p.update(outreach={"idle_seconds": 2}), "outreach.idle_seconds must be a whole number"),
        (lambda p: p["staff"].update(insights=["shoe_size"]), "staff.insights names questions the form does not have"),
        (lambda p: p["staff"].update(insights=["first_name"]), "can only break down questions with options"),
        (lambda p: p["staff"].update(insights_min_count=0), "insights_min_count must be a whole number from 11"),
        # DESIGN.md: a group smaller than 11 is never shown, whatever the program file says
        (lambda p: p["staff"].update(insights_min_count=10), "insights_min_count must be a whole number from 11"),
    ],
)
def test_a_broken_program_file_is_refused_with_a_clear_message(tmp_path, change, message):
    with pytest.raises(ProgramError, match=None) as raised:
        load_program(write_program(tmp_path, change))
    assert message in str(raised.value)


def test_a_program_file_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "program.json"
    path.write_text("{ not json")
    with pytest.raises(ProgramError, match="not valid JSON"):
        load_program(path)
    with pytest.raises(ProgramError, match="does not exist"):
        load_program(tmp_path / "missing.json")


def test_field_names_cannot_collide_with_the_form_s_own_fields(tmp_path):
    def underscore(program):
        form = program["form"]
        form["schema"]["properties"]["_form_version"] = {"type": "string"}
        form["steps"][0]["fields"].append("_form_version")
        form["fields"]["_form_version"] = {"label": {"en": "x"}}

    with pytest.raises(ProgramError, match="must not start with"):
        load_program(write_program(tmp_path, underscore))


def test_the_program_file_is_plain_json_a_city_can_edit():
    # readable by any JSON tool, with no comments or trailing commas
    json.loads(DEFAULT_PROGRAM.read_text(encoding="utf-8"))
