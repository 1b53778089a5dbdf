"""With JavaScript off, the form still renders from the server and posts normally."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .helpers import ADULT, answers, fill_application, rows

pytestmark = pytest.mark.e2e


@pytest.fixture
def no_js_page(browser):
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


def test_the_form_posts_and_shows_a_receipt(no_js_page, live_server):
    page = no_js_page
    page.goto(f"{live_server.url}/apply")
    fill_application(page)
    page.get_by_role("button", name="Submit application").click()
    expect(page.get_by_role("heading", name="Application received")).to_be_visible()
    [row] = rows(live_server)
    expect(page.locator(".receipt-code")).to_have_text(row.receipt_code)
    assert row.answers == ADULT

    # pressing back and submitting the same page again is a replay, not a second application
    page.go_back()
    page.get_by_role("button", name="Submit application").click()
    expect(page.locator(".receipt-code")).to_have_text(row.receipt_code)
    assert len(rows(live_server)) == 1


def test_errors_come_back_from_the_server_with_answers_kept(no_js_page, live_server):
    page = no_js_page
    page.goto(f"{live_server.url}/apply")
    # the browser's own checks would stop an empty required field; the server's are the same
    fill_application(page, answers(zip="ABCDE", phone="12"))
    page.get_by_role("button", name="Submit application").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link")).to_have_text([
        "Enter a 5-digit ZIP code, like 02119",
        "Enter a 10-digit US phone number, like 617 555 0143",
    ])
    expect(page.locator("#zip-error")).to_contain_text("Enter a 5-digit ZIP code")
    expect(page.locator("#input-first_name")).to_have_value(ADULT["first_name"])
    expect(page.locator("#input-interests")).to_have_value("technology")
    assert rows(live_server) == []

    page.fill("#input-zip", "02119")
    page.fill("#input-phone", "6175550177")
    page.get_by_role("button", name="Submit application").click()
    expect(page.get_by_role("heading", name="Application received")).to_be_visible()
    assert len(rows(live_server)) == 1
