"""A reviewer at an office desktop: sign in, search, open a record, change its status
with a note, and export the filtered list as CSV."""

from __future__ import annotations

import csv
import io
import json
import uuid

import pytest
from playwright.sync_api import expect

from server.auth import create_user

from .helpers import ADULT, PROGRAM, answers, rows

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery staple"


def send(context, server, values) -> dict:
    application_id = str(uuid.uuid4())
    response = context.request.post(
        f"{server.url}/api/applications",
        data=json.dumps({"id": application_id, "form_version": PROGRAM.form.version, "answers": values}),
        headers={"Content-Type": "application/json", "Idempotency-Key": application_id})
    assert response.status == 201
    return response.json()


def test_a_reviewer_finds_reviews_and_exports(browser, live_server):
    create_user(live_server.engine, "reviewer@city.example", "Rosa Reviewer", "reviewer", PASSWORD)
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    target = send(context, live_server, answers(first_name="Imani", last_name="Okafor", neighborhood="mattapan"))
    send(context, live_server, answers(first_name="Mateo", last_name="Silva", neighborhood="mattapan"))
    send(context, live_server, answers(first_name="Quinn", last_name="Baker", neighborhood="allston"))
    page = context.new_page()

    page.goto(f"{live_server.url}/staff/applications")
    expect(page.get_by_role("heading", name="Sign in to continue")).to_be_visible()
    page.goto(f"{live_server.url}/staff/login")
    page.get_by_label("Email address").fill("reviewer@city.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Applications")).to_be_visible()

    page.get_by_label("Search").fill("okafor")
    page.get_by_role("button", name="Apply filters").click()
    results = page.locator("table tbody tr")
    expect(results).to_have_count(1)
    assert "okafor" not in page.url.lower()  # what was searched for is not in the address (or history)
    page.get_by_role("link", name="Imani Okafor").click()
    expect(page.get_by_role("heading", name="Imani Okafor")).to_be_visible()
    expect(page.locator("body")).to_contain_text(target["receipt_code"])

    page.get_by_label("New status").select_option("needs_information")
    page.get_by_label("Note").fill("Left a voicemail about the address")
    page.get_by_role("button", name="Change status").click()
    expect(page.get_by_role("status")).to_contain_text("The status was changed.")
    expect(page.locator(".history")).to_contain_text("Received → Needs information")
    expect(page.locator(".history")).to_contain_text("Left a voicemail about the address")
    [stored] = [row for row in rows(live_server) if row.id == target["id"]]
    assert stored.status == "needs_information"

    page.get_by_role("link", name="All applications").click()
    page.get_by_label(PROGRAM.form.label("neighborhood", "en")).select_option("mattapan")
    page.get_by_role("button", name="Apply filters").click()
    expect(results).to_have_count(2)
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    content = download.value.path().read_text(encoding="utf-8-sig")
    exported = list(csv.DictReader(io.StringIO(content)))
    first = PROGRAM.form.label("first_name", "en")
    assert sorted(row[first] for row in exported) == ["Imani", "Mateo"]
    assert {row["Status"] for row in exported} == {"Needs information", "Received"}
    context.close()


def test_staff_pages_are_never_kept_by_the_service_worker(browser, live_server):
    create_user(live_server.engine, "admin@city.example", "Ada Admin", "admin", PASSWORD)
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/apply")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.goto(f"{live_server.url}/staff/login")
    page.get_by_label("Email address").fill("admin@city.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Applications")).to_be_visible()
    cached = page.evaluate("""() => caches.keys().then((names) => Promise.all(names.map((name) =>
        caches.open(name).then((cache) => cache.keys()).then((keys) => keys.map((k) => k.url))))).then((l) => l.flat())""")
    assert cached and not any(url.split("/", 3)[3].startswith("staff") for url in cached)
    context.set_offline(True)
    with pytest.raises(Exception):
        page.goto(f"{live_server.url}/staff/applications")
    context.close()
    assert ADULT
