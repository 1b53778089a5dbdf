"""The submission contract (DESIGN.md): every response class, and exactly-once storage."""

from __future__ import annotations

import json
import re
import uuid
from concurrent.futures import ThreadPoolExecutor

from sqlmodel import func, select
from starlette.testclient import TestClient

from server.app import create_app
from server.db import session
from server.models import Application
from server.settings import RateLimit
from server.submissions import withdraw

from .conftest import post, submission

RECEIPT = re.compile(r"^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$")


def stored(app) -> list[Application]:
    with session(app.state.engine) as db:
        return list(db.exec(select(Application)))


def count(app) -> int:
    with session(app.state.engine) as db:
        return db.exec(select(func.count()).select_from(Application)).one()


def test_first_receipt_is_201_with_a_receipt_code(client, app, example):
    body = submission(app, example)
    response = post(client, body)
    assert response.status_code == 201
    receipt = response.json()
    assert receipt["id"] == body["id"]
    assert RECEIPT.match(receipt["receipt_code"])
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", receipt["received_at"])
    [row] = stored(app)
    assert row.answers == example
    assert row.receipt_code == receipt["receipt_code"]
    assert row.form_version == body["form_version"]
    assert row.filled_at is not None


def test_replay_is_200_with_the_same_body_and_stores_nothing_new(client, app, example):
    body = submission(app, example)
    first = post(client, body)
    body["client"]["filled_at"] = "2026-12-02T08:00:00Z"  # client metadata may differ on a retry
    again = post(client, body)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert count(app) == 1


def test_same_id_with_different_answers_is_422_and_changes_nothing(client, app, example):
    body = submission(app, example)
    post(client, body)
    altered = submission(app, {**example, "zip": "02120"}, application_id=body["id"])
    response = post(client, altered)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["title"]
    [row] = stored(app)
    assert row.answers["zip"] == example["zip"]


def test_withdrawn_id_is_409_and_is_not_stored_again(client, app, example):
    body = submission(app, example)
    assert post(client, body).status_code == 201
    assert withdraw(app.state.engine, body["id"])
    response = post(client, body)
    assert response.status_code == 409
    assert "withdrawn" in response.json()["title"]
    assert count(app) == 0


def test_missing_idempotency_key_is_400(client, app, example):
    response = post(client, submission(app, example), key=None)
    assert response.status_code == 400
    assert response.json()["type"].endswith("missing-idempotency-key")
    assert count(app) == 0


def test_malformed_or_mismatched_key_is_400(client, app, example):
    body = submission(app, example)
    assert post(client, body, key="not-a-uuid").status_code == 400
    assert post(client, body, key=str(uuid.uuid4())).json()["type"].endswith("idempotency-key-mismatch")
    assert count(app) == 0


def test_invalid_answers_are_400_with_a_message_per_field_and_nothing_stored(client, app, example):
    answers = {**example, "zip": "2119", "interests": ["technology", "astronaut"]}
    del answers["first_name"]
    response = post(client, submission(app, answers))
    assert response.status_code == 400
    problem = response.json()
    assert problem["type"].endswith("invalid-answers")
    messages = {error["field"]: error["message"] for error in problem["errors"]}
    assert messages == {
        "first_name": "Enter your first name",
        "zip": "Enter a 5-digit ZIP code, like 02119",
        "interests": "Choose one of the options for “Which kinds of jobs interest you most?”",
    }
    assert count(app) == 0


def test_a_nul_character_is_a_clear_400_not_a_database_error(client, app, example):
    response = post(client, submission(app, {**example, "experience": "babysitting\x00cousins"}))
    assert response.status_code == 400 and response.json()["type"].endswith("invalid-answers")
    assert [error["field"] for error in response.json()["errors"]] == ["experience"]
    assert count(app) == 0


def test_a_body_that_is_not_utf8_is_a_clear_400_and_stores_nothing(client, app, example):
    body = submission(app, {**example, "first_name": "Jordan"})
    text = json.dumps(body)
    surrogate_bytes = text.replace("Jordan", "Jor").encode().replace(b"Jor", b"Jor\xed\xa0\x80")  # UTF-8 for U+D800
    utf16 = text.replace("Jordan", "Jor\\ud800").encode("utf-16-le")  # a lone surrogate, in UTF-16
    for data in (surrogate_bytes, utf16, text.encode("utf-16")):
        response = post(client, data, key=body["id"])
        assert response.status_code == 400 and response.json()["type"].endswith("malformed-json")
    assert count(app) == 0
    with_bom = post(client, b"\xef\xbb\xbf" + text.encode(), key=body["id"])  # UTF-8 with a byte order mark
    assert with_bom.status_code == 201 and count(app) == 1


def test_a_phone_or_an_email_is_needed(client, app, example):
    answers = {k: v for k, v in example.items() if k not in ("phone", "email")}
    response = post(client, submission(app, answers))
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "phone", "code": "anyOf", "message": "Enter a phone number or an email address"}
    ]
    with_email = {**answers, "email": "jordan@example.org"}
    assert post(client, submission(app, with_email)).status_code == 201


def test_unknown_questions_are_refused(client, app, example):
    response = post(client, submission(app, {**example, "favourite_color": "blue"}))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "favourite_color"


def test_malformed_json_and_wrong_shapes_are_400(client, app, example):
    assert post(client, b"{not json", key=str(uuid.uuid4())).status_code == 400
    assert post(client, b"[1, 2]", key=str(uuid.uuid4())).status_code == 400
    no_answers = {k: v for k, v in submission(app, example).items() if k != "answers"}
    response = post(client, no_answers)
    assert response.status_code == 400
    assert response.json()["type"].endswith("invalid-submission")
    assert count(app) == 0


def test_unknown_form_version_is_400(client, app, example):
    body = {**submission(app, example), "form_version": "0123456789ab"}
    response = post(client, body)
    assert response.status_code == 400
    assert response.json()["type"].endswith("unknown-form-version")


def test_oversized_body_is_413(client, app, example):
    big = submission(app, {**example, "first_name": "x" * 300_000})
    response = post(client, big)
    assert response.status_code == 413
    assert response.json()["type"].endswith("too-large")
    assert count(app) == 0


def test_oversized_body_without_content_length_is_413(client, app, example):
    body = submission(app, {**example, "first_name": "x" * 300_000})

    def chunks():
        data = __import__("json").dumps(body).encode()
        for start in range(0, len(data), 16_384):
            yield data[start:start + 16_384]

    response = client.post("/api/applications", content=chunks(),
                           headers={"Content-Type": "application/json", "Idempotency-Key": body["id"]})
    assert response.status_code == 413
    assert count(app) == 0


def test_wrong_content_type_is_415(client, app, example):
    body = submission(app, example)
    response = client.post("/api/applications", data={"id": body["id"]}, headers={"Idempotency-Key": body["id"]})
    assert response.status_code == 415


def test_rate_limit_is_429_with_retry_after(settings, example):
    app = create_app(settings.__class__(**{**settings.__dict__, "rate_limit": RateLimit(3, 86400)}))
    with TestClient(app) as client:
        statuses = [post(client, submission(app, example)).status_code for _ in range(4)]
        assert statuses == [201, 201, 201, 429]
        limited = post(client, submission(app, example))
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["Retry-After"]) <= 86400
        assert count(app) == 3


def test_twenty_concurrent_replays_store_one_row(client, app, example):
    body = submission(app, example)
    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(lambda _: post(client, body), range(20)))
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {200, 201}
    assert statuses.count(201) == 1
    assert len({r.text for r in responses}) == 1
    assert count(app) == 1


def test_the_form_definition_is_served_with_a_version_and_examples(client, app):
    response = client.get("/api/form")
    definition = response.json()
    assert definition["version"] == app.state.program.form.version
    assert definition["schema"]["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert definition["schema"]["examples"]
    assert [f for step in definition["steps"] for f in step["fields"]]
    again = client.get("/api/form", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_an_application_filled_under_an_older_form_is_judged_by_that_form(settings, app, client, example, tmp_path):
    from .conftest import write_program

    old_version = app.state.program.form.version

    def stricter(program):
        # the city now asks everyone for an email address too
        program["form"]["schema"]["required"].append("email")
        for sample in program["form"]["schema"]["examples"]:
            sample.setdefault("email", "someone@example.org")

    new_app = create_app(settings.__class__(**{**settings.__dict__, "program_file": write_program(tmp_path, stricter)}))
    with TestClient(new_app) as new_client:
        assert new_app.state.program.form.version != old_version
        # a phone that filled the old form offline, without an email, sends it days later
        offline = submission(app, example)
        assert offline["form_version"] == old_version and "email" not in example
        assert post(new_client, offline).status_code == 201
        # the same answers under the new version need the email
        current = {**submission(new_app, example)}
        response = post(new_client, current)
        assert response.status_code == 400
        assert [e["field"] for e in response.json()["errors"]] == ["email"]
        with session(new_app.state.engine) as db:
            assert db.get(Application, offline["id"]).form_version == old_version
    new_app.state.engine.dispose()


def test_nan_and_infinity_are_not_json_and_get_a_clear_400(client, app, example):
    body = submission(app, example)
    for constant in ("NaN", "Infinity", "-Infinity"):
        text = json.dumps(body).replace('"02119"', constant)
        assert constant in text
        response = post(client, text, key=body["id"])
        assert response.status_code == 400 and response.json()["type"].endswith("malformed-json")
    assert count(app) == 0


def test_numbers_and_strings_no_database_can_keep_are_a_clear_400(client, app, example):
    body = submission(app, example)
    text = json.dumps(body)
    for bad in (text.replace('"02119"', "1e999"), text.replace('"02119"', '"\\ud800"'),
                text.replace('"en"}', '"\\udc00"}')):
        response = post(client, bad, key=body["id"])
        assert response.status_code == 400 and response.json()["type"].endswith("malformed-json"), bad
    emoji = json.loads(text.replace('"Jordan"', '"Jordan \\ud83d\\ude00"'))
    assert post(client, emoji).status_code == 201  # an escaped pair is a real character


def test_answers_nested_hundreds_deep_are_a_clear_400(client, app, example):
    deep = "x"
    for _ in range(900):
        deep = [deep]
    body = submission(app, {**example, "interests": [deep, deep]})
    response = post(client, body)
    assert response.status_code == 400
    assert count(app) == 0


def test_a_filled_at_time_past_the_calendar_is_a_clear_400(client, app, example):
    body = submission(app, example)
    body["client"]["filled_at"] = "0001-01-01T00:00:00+01:00"
    response = post(client, body)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "client.filled_at"


def test_a_long_answer_does_not_make_its_pattern_run_for_long(client, app, example):
    import time

    body = submission(app, {**example, "email": "a@" + ".a" * 20000 + "\n"})
    started = time.perf_counter()
    response = post(client, body)
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["email"]
    assert time.perf_counter() - started < 5  # the pattern alone took minutes on this input
