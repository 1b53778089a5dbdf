"""Fuzzing the submission endpoint with the program's own schema: whatever arrives, the
answer is 201 (and it was valid) or 400 with a message per field (and nothing stored) —
never a 5xx, never a half-written record."""

from __future__ import annotations

import copy
import json
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from server.db import session
from server.models import Application
from server.program import load_program
from server.settings import ROOT

PROGRAM = load_program(ROOT / "programs" / "default.json")
FORM = PROGRAM.form
PROPERTIES = FORM.schema["properties"]
EXAMPLES = FORM.schema["examples"]

junk = st.one_of(
    st.text(max_size=40), st.text(min_size=300, max_size=3000), st.integers(), st.floats(allow_nan=False, allow_infinity=False),  # JSON has no NaN or Infinity
    st.booleans(), st.none(), st.lists(st.text(max_size=8), max_size=6), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.dates().map(str), st.sampled_from(["", " ", "<script>alert(1)</script>", "=cmd|' /C calc'!A0", "\u202egnp.exe", "0" * 5]),
)


def plausible(name: str):
    """Values a real form could send for this question, valid or not."""
    schema = PROPERTIES[name]
    options = [st.sampled_from([ex[name] for ex in EXAMPLES if name in ex])] if any(name in ex for ex in EXAMPLES) else []
    if "enum" in schema:
        options.append(st.sampled_from(schema["enum"]))
    items = schema.get("items", {})
    if "enum" in items:
        options.append(st.lists(st.sampled_from(items["enum"]), max_size=5))
    return st.one_of(*options, junk) if options else junk


@st.composite
def answers(draw):
    """An example with a few answers changed, removed or added."""
    result = copy.deepcopy(draw(st.sampled_from(EXAMPLES)))
    for name in draw(st.lists(st.sampled_from(sorted(PROPERTIES)), max_size=4, unique=True)):
        action = draw(st.sampled_from(["change", "change", "remove"]))
        if action == "remove":
            result.pop(name, None)
        else:
            result[name] = draw(plausible(name))
    if draw(st.booleans()) and draw(st.integers(0, 9)) == 0:
        result[draw(st.text(min_size=1, max_size=12))] = draw(junk)
    return result


def stored(app) -> int:
    with session(app.state.engine) as db:
        return db.exec(select(func.count()).select_from(Application)).one()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=answers())
def test_any_answers_get_201_or_400_with_field_errors(client, app, values):
    before = stored(app)
    application_id = str(uuid.uuid4())
    body = {"id": application_id, "form_version": FORM.version, "answers": values}
    response = client.post("/api/applications", content=json.dumps(body),
                           headers={"Content-Type": "application/json", "Idempotency-Key": application_id})
    assert response.status_code in (201, 400), response.text
    if response.status_code == 201:
        assert FORM.validate(values, "en") == []
        assert stored(app) == before + 1
    else:
        problem = response.json()
        assert problem["errors"], problem
        for error in problem["errors"]:
            assert error["field"] and error["message"]
        assert stored(app) == before


envelopes = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.uuids().map(str), junk),
        "form_version": st.one_of(st.just(FORM.version), junk),
        "answers": st.one_of(st.sampled_from(EXAMPLES), junk),
        "sealed": junk,
        "client": st.one_of(st.fixed_dictionaries({}, optional={"filled_at": junk, "language": junk}), junk),
        "extra": junk,
    },
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(envelopes, junk),
       key=st.one_of(st.none(), st.uuids().map(str), st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)))
def test_any_request_body_is_answered_without_a_server_error(client, app, body, key):
    before = stored(app)
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    response = client.post("/api/applications", content=json.dumps(body), headers=headers)
    assert response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json") or response.status_code in (200, 201)
    if response.status_code >= 400:
        assert stored(app) == before
