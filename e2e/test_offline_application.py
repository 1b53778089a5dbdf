"""A young person on a phone with no signal: open once, fill, submit offline, arrive once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .helpers import ADULT, answers, complete_application, continue_, fill_step, rows, wait_for_service_worker

pytestmark = pytest.mark.e2e


def test_submitted_offline_it_waits_on_the_phone_and_arrives_exactly_once(context, live_server):
    page = context.new_page()
    page.goto(f"{live_server.url}/apply")
    wait_for_service_worker(page)

    context.set_offline(True)
    # offline for the service worker too: Chromium may run a Background Sync with the real
    # network, which neither DevTools' offline emulation nor Playwright's routes cover (a
    # service worker's own requests are not routed): so the server is out of reach as well
    no_signal = lambda route: route.abort("internetdisconnected")  # noqa: E731
    context.route("**/api/applications", no_signal)
    live_server.stop()
    responses = []
    page.on("response", lambda response: responses.append(response))
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    reloaded = page.reload()
    assert reloaded.from_service_worker
    expect(page.get_by_role("heading", name="Apply for a summer job")).to_be_visible()
    # the page and everything it needs came from the worker, none from the network
    assert responses and all(r.from_service_worker for r in responses)
    assert failed == []

    complete_application(page)
    outbox = page.locator("#outbox")
    expect(outbox).to_contain_text("Your application is saved on this phone")
    expect(outbox).to_contain_text("Waiting to be sent: 1")
    assert rows(live_server) == []

    # the tab is closed and opened again, still with no signal
    page.close()
    page = context.new_page()
    page.goto(f"{live_server.url}/apply")
    expect(page.locator("#outbox")).to_contain_text("Waiting to be sent: 1")
    assert rows(live_server) == []

    live_server.start()
    context.unroute("**/api/applications", no_signal)
    context.set_offline(False)  # the browser fires "online": the page sends at once
    code = page.locator("#outbox .receipt-code")
    expect(code).to_have_text(re.compile(r"^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$"), timeout=15_000)
    expect(page.locator("#outbox")).to_contain_text("Application received")
    [row] = rows(live_server)
    assert row.answers == ADULT
    assert code.inner_text() == row.receipt_code
    # the answers are gone from the device once the server has them
    stored = page.evaluate("""() => new Promise((resolve) => {
        indexedDB.open("youthjobs").onsuccess = (e) => {
            e.target.result.transaction("outbox").objectStore("outbox").getAll().onsuccess = (r) => resolve(r.target.result);
        };
    })""")
    assert [item["state"] for item in stored] == ["sent"]
    assert "answers" not in stored[0]


def test_a_lost_response_is_retried_and_still_stored_once(context, live_server):
    page = context.new_page()
    page.goto(f"{live_server.url}/apply")
    wait_for_service_worker(page)
    attempts = []

    def lose_first_response(route):
        attempts.append(route.request.post_data)
        response = route.fetch()  # the server really receives and stores it
        if len(attempts) == 1:
            route.abort("connectionreset")  # ... but the phone never hears back
        else:
            route.fulfill(response=response)

    # context.route also sees the service worker's requests (Background Sync)
    context.route("**/api/applications", lose_first_response)
    complete_application(page)
    # retried on its own (backoff timer or Background Sync), and answered as a replay
    expect(page.locator("#outbox .receipt-code")).to_be_visible(timeout=20_000)
    assert len(attempts) >= 2 and len(set(attempts)) == 1
    [row] = rows(live_server)
    assert page.locator("#outbox .receipt-code").inner_text() == row.receipt_code


def test_send_now_sends_when_the_connection_is_back(context, live_server):
    page = context.new_page()
    page.goto(f"{live_server.url}/apply")
    wait_for_service_worker(page)
    network = {"up": False}

    def flaky(route):
        # the phone thinks it is online, but nothing gets through ("lie-fi")
        if network["up"]:
            route.continue_()
        else:
            route.abort("internetdisconnected")

    context.route("**/api/applications", flaky)
    complete_application(page)
    outbox = page.locator("#outbox")
    expect(outbox).to_contain_text("no connection")
    expect(outbox).to_contain_text("Waiting to be sent: 1")
    assert rows(live_server) == []

    network["up"] = True
    page.get_by_role("button", name="Send now").click()
    expect(outbox.locator(".receipt-code")).to_be_visible()
    assert len(rows(live_server)) == 1


def test_a_server_rejection_stays_on_the_phone_as_needing_attention(context, live_server):
    page = context.new_page()
    page.goto(f"{live_server.url}/apply")
    wait_for_service_worker(page)
    # An application queued by an older version of the app, whose checks were looser:
    # the server will refuse its ZIP code.
    version = page.locator("#application").get_attribute("data-form-version")
    page.evaluate("""([version, answers]) => new Promise((resolve, reject) => {
        indexedDB.open("youthjobs").onsuccess = (e) => {
            const tx = e.target.result.transaction("outbox", "readwrite");
            tx.objectStore("outbox").put({
                id: "5b7f3a52-9d1e-4c3b-8f6a-2d4e6f8a0b1c", form_version: version,
                answers, client: {language: "en"}, state: "queued",
                queued_at: new Date().toISOString(), attempts: 0,
            });
            tx.oncomplete = resolve;
            tx.onerror = reject;
        };
    })""", [version, answers(zip="2121")])

    page.reload()
    outbox = page.locator("#outbox")
    expect(outbox).to_contain_text("Your application needs attention", timeout=15_000)
    expect(outbox).to_contain_text("Enter a 5-digit ZIP code, like 02119")
    assert rows(live_server) == []

    # still there after closing and reopening: nothing was dropped
    page.reload()
    expect(outbox).to_contain_text("Your application needs attention")

    page.get_by_role("button", name="Fix and send again").click()
    expect(page.locator("#error-summary")).to_contain_text("Enter a 5-digit ZIP code, like 02119")
    expect(page.locator("#zip-error")).to_contain_text("Enter a 5-digit ZIP code, like 02119")
    page.fill("#input-zip", "02121")
    complete_application(page, {"zip": "02121"})
    expect(outbox.locator(".receipt-code")).to_be_visible(timeout=15_000)
    [row] = rows(live_server)
    assert row.id == "5b7f3a52-9d1e-4c3b-8f6a-2d4e6f8a0b1c"
    assert row.answers["zip"] == "02121"


def test_the_browser_shows_the_same_errors_before_sending(context, live_server):
    page = context.new_page()
    page.goto(f"{live_server.url}/apply")
    fill_step(page, ADULT)
    assert continue_(page) == "about"
    fill_step(page, ADULT)
    assert continue_(page) == "contact"
    assert continue_(page) == "contact"  # nothing entered: stays, with the error
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(["Enter a phone number or an email address"])
    page.fill("#input-phone", "12")
    page.fill("#input-email", "not an address")
    continue_(page)
    expect(summary.get_by_role("link")).to_have_text([
        "Enter a 10-digit US phone number, like 617 555 0143",
        "Enter an email address in the right format, like name@example.com",
    ])
    expect(page.locator("#input-phone")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#phone-error")).to_contain_text("Enter a 10-digit US phone number")
    assert page.locator("#outbox").is_hidden()
    assert rows(live_server) == []


def test_answers_are_kept_on_the_device_and_resumed(context, live_server):
    page = context.new_page()
    page.goto(f"{live_server.url}/apply")
    wait_for_service_worker(page)
    fill_step(page, ADULT)
    continue_(page)
    page.fill("#input-first_name", "Amara")
    page.get_by_label("They / them").check()
    expect(page.locator("#save-state")).to_have_text("Saved on this device")
    page.close()

    context.set_offline(True)
    page = context.new_page()
    page.goto(f"{live_server.url}/apply")
    expect(page.locator("#resume-notice")).to_contain_text("Continue your application")
    expect(page.locator("#resume-notice")).to_contain_text("You were at: About you")
    expect(page.locator("#input-first_name")).to_be_visible()
    expect(page.locator("#input-first_name")).to_have_value("Amara")
    expect(page.get_by_label("They / them")).to_be_checked()
