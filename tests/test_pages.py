"""The server-rendered pages, the service worker script, the manifest and the assets."""

from __future__ import annotations

import gzip
import json
import re
from urllib.parse import urlencode

import pytest
from markupsafe import escape
from sqlmodel import select

from server.db import session
from server.models import Application

PAGES = ["/apply", "/api/form", "/sw.js", "/manifest.webmanifest", "/healthz"]


def form_post(client, answers: dict, version: str):
    """What a browser sends for the form: URL-encoded, one pair per checked box."""
    pairs = [("_form_version", version)]
    for name, value in answers.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((name, "true" if item is True else item))
    return client.post("/apply", content=urlencode(pairs),
                       headers={"Content-Type": "application/x-www-form-urlencoded"})


def test_home_sends_people_to_the_application(client):
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == "/apply"


def test_the_form_renders_every_question_from_the_program_file(client, app):
    html = client.get("/apply").text
    form = app.state.program.form
    for name in form.field_order:
        assert f'name="{name}"' in html
        assert str(escape(form.label(name, "en"))) in html
    # a visible label for every input, a legend for every group of choices
    groups = [n for n in form.field_order if form.fields[n].get("widget") in ("checkboxes", "radios", "ranked")]
    single = [n for n in form.field_order if form.fields[n].get("widget") == "checkbox"]
    labelled = len(form.field_order) - len(groups) - len(single)
    assert html.count('<label class="label" for="input-') == labelled
    assert html.count('<legend class="label">') == len(groups)
    assert "How we can reach you" in html
    assert '<html lang="en" dir="ltr">' in html


@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert "camera=()" in headers["permissions-policy"]


def test_hsts_is_sent_over_https(app):
    from starlette.testclient import TestClient

    with TestClient(app, base_url="https://jobs.example.org") as client:
        assert client.get("/apply").headers["strict-transport-security"].startswith("max-age=")
    with TestClient(app) as client:
        assert "strict-transport-security" not in client.get("/apply").headers


def test_pages_have_no_inline_script_or_style(client):
    html = client.get("/apply").text
    assert "style=" not in html
    for tag in re.findall(r"<script[^>]*>", html):
        assert 'type="application/json"' in tag or "src=" in tag


def test_the_service_worker_is_never_cached_and_lists_the_shell(client, app):
    response = client.get("/sw.js")
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["content-type"].startswith("text/javascript")
    precache = json.loads(re.search(r"const PRECACHE=(\[.*?\]);", response.text)[1])
    urls = [entry["url"] for entry in precache]
    assert "/apply?lang=en" in urls and "/manifest.webmanifest" in urls
    assert {app.state.assets.url("app.js"), app.state.assets.url("app.css")} <= set(urls)
    assert app.state.assets.url("staff.css") not in urls
    assert not any(url.startswith("/api/") for url in urls)
    # hashed files need no revision; the page and manifest carry one
    assert all(entry["revision"] for entry in precache if not entry["url"].startswith("/assets/"))


def test_the_manifest_makes_the_app_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["start_url"] == "/apply" and manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_assets_are_immutable_and_compressed(client, app):
    url = app.state.assets.url("app.js")
    assert url in client.get("/apply").text
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-encoding"] == "gzip"
    raw = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers
    assert gzip.decompress(app.state.assets.files[url.rsplit("/", 1)[1]].gzipped) == raw.content
    assert client.get(url, headers={"If-None-Match": response.headers["etag"]}).status_code == 304
    assert client.get("/assets/nothing.js").status_code == 404


def test_the_script_bundle_is_minified_and_has_no_module_syntax_left(client, app):
    body = client.get(app.state.assets.url("app.js")).text
    assert "\nimport " not in body and "export " not in body
    assert "//" not in body.replace("://", "")  # comments stripped


def test_a_plain_form_post_is_stored_and_answered_with_the_receipt(client, app, example):
    response = form_post(client, example, app.state.program.form.version)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    with session(app.state.engine) as db:
        [row] = db.exec(select(Application))
    assert row.answers == example
    assert row.receipt_code in response.text
    # the same post again (double click, back button) is a replay
    again = form_post(client, example, app.state.program.form.version)
    assert row.receipt_code in again.text
    with session(app.state.engine) as db:
        assert len(db.exec(select(Application)).all()) == 1


def test_a_plain_form_post_with_errors_shows_them_and_keeps_the_answers(client, app, example):
    answers = {**example, "zip": "ABCDE", "first_name": ""}
    response = form_post(client, answers, app.state.program.form.version)
    assert response.status_code == 400
    assert response.headers["cache-control"] == "no-store"  # the answers are on it: not kept by any cache
    html = response.text
    assert 'id="error-summary"' in html and 'href="#input-first_name">Enter your first name</a>' in html
    assert 'href="#input-zip">Enter a 5-digit ZIP code, like 02119</a>' in html
    assert 'value="ABCDE"' in html and 'aria-invalid="true"' in html
    assert '<option value="technology" selected>' in html  # the first-choice job is kept
    with session(app.state.engine) as db:
        assert db.exec(select(Application)).all() == []


def test_a_nul_in_a_plain_form_post_is_shown_beside_its_question(client, app, example):
    response = form_post(client, {**example, "last_name": "Rivera\x00"}, app.state.program.form.version)
    assert response.status_code == 400
    summary = response.text.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert 'href="#input-last_name">' in summary and not summary.split(">", 1)[0].rstrip().endswith("hidden")
    with session(app.state.engine) as db:
        assert db.exec(select(Application)).all() == []


def test_hostile_answers_are_escaped_when_the_form_is_shown_again(client, app, example):
    hostile = '"><script>alert(1)</script>'
    response = form_post(client, {**example, "zip": hostile}, app.state.program.form.version)
    assert response.status_code == 400
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text


def test_a_plain_form_post_must_be_url_encoded(client):
    response = client.post("/apply", content=b"{}", headers={"Content-Type": "application/json"})
    assert response.status_code == 415
    assert "<h1>" in response.text
