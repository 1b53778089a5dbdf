"""A young person checks their application with the receipt code and date of birth;
a wrong guess learns nothing."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.testclient import TestClient

from server.app import create_app
from server.settings import RateLimit

from .conftest import post, submission

NOT_FOUND = "We could not find that application"


def check(client, code: str, answer: str):
    return client.post("/status", content=urlencode({"code": code, "answer": answer}),
                       headers={"Content-Type": "application/x-www-form-urlencoded"})


def test_the_right_code_and_date_of_birth_show_the_status(client, app, example):
    receipt = post(client, submission(app, example)).json()
    response = check(client, receipt["receipt_code"], example["date_of_birth"])
    assert response.status_code == 200
    assert "We have your application" in response.text
    assert response.headers["cache-control"] == "no-store"
    # what is shown is the status, never the person's answers
    assert example["first_name"] not in response.text


def test_the_code_is_read_generously(client, app, example):
    code = post(client, submission(app, example)).json()["receipt_code"]
    typed = code.lower().replace("-", " ")
    assert "We have your application" in check(client, typed, example["date_of_birth"]).text


def test_a_wrong_guess_reveals_nothing(client, app, example):
    code = post(client, submission(app, example)).json()["receipt_code"]
    wrong_birthday = check(client, code, "2001-01-01")
    wrong_code = check(client, "ZZZZ-ZZZZ", example["date_of_birth"])
    nonsense = check(client, "hello", "")
    for response in (wrong_birthday, wrong_code, nonsense):
        assert response.status_code == 200
        assert NOT_FOUND in response.text
    strip = lambda html: html.replace(code, "").replace("ZZZZ-ZZZZ", "").replace("hello", "")  # noqa: E731
    assert len({len(strip(r.text).replace("2001-01-01", "").replace(example["date_of_birth"], ""))
                for r in (wrong_birthday, wrong_code)}) == 1


def test_characters_no_browser_sends_find_nothing_and_break_nothing(client, app, example):
    code = post(client, submission(app, example)).json()["receipt_code"]
    # a part may name its own charset: with unicode_escape it can hold a lone surrogate
    for answer in (example["date_of_birth"].encode() + b"\\ud800", b"2001-01-01\\x00"):
        body = (b'--XyZ\r\nContent-Disposition: form-data; name="code"\r\n\r\n' + code.encode() + b"\r\n"
                b'--XyZ\r\nContent-Disposition: form-data; name="answer"\r\n\r\n' + answer + b"\r\n--XyZ--\r\n")
        response = client.post("/status", content=body,
                               headers={"Content-Type": "multipart/form-data; boundary=XyZ; charset=unicode_escape"})
        assert response.status_code == 200 and NOT_FOUND in response.text


def test_the_status_page_is_rate_limited(settings, example):
    app = create_app(settings.__class__(**{**settings.__dict__, "rate_limit": RateLimit(3, 86400)}))
    with TestClient(app) as client:
        statuses = [check(client, "ZZZZ-ZZZZ", "2001-01-01").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_the_status_form_renders_without_javascript(client):
    html = client.get("/status").text
    assert 'name="code"' in html and 'name="answer"' in html and 'action="/status"' in html
