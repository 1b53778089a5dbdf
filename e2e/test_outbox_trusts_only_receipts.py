"""Only the server's receipt for an application lets a device erase it: a page from
something in between (a wifi login page, a proxy, a firewall) or a receipt cut off on the
way leaves it waiting, and it is sent again until the real receipt comes back. The same
for an outreach device's sealed applications."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .helpers import ADULT, FILL_ALL, enroll, quick_complete, rows, wait_for_service_worker, wait_until
from .test_outreach_event import event_server, quick_application, sync_and_reconcile  # noqa: F401 (a fixture)

pytestmark = pytest.mark.e2e
RECEIPT = re.compile(r"^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$")
OUTBOX = """() => new Promise((resolve) => {
    indexedDB.open("youthjobs").onsuccess = (e) => {
        e.target.result.transaction("outbox").objectStore("outbox").getAll().onsuccess = (r) => resolve(r.target.result);
    };
})"""


def filled_in(context, server):
    """A phone with the app installed (its worker ready), every answer filled in, not sent."""
    page = context.new_page()
    page.goto(f"{server.url}/apply")
    wait_for_service_worker(page)
    page.wait_for_selector("#application[data-ready]", state="attached")
    page.evaluate(FILL_ALL, ADULT)
    return page


def portal(route):  # a wifi login page, answered to every request
    route.fulfill(status=200, content_type="text/html", body="<html><body>Log in to FreeWifi</body></html>")


def redirect_to_portal(route):
    route.fulfill(status=302, headers={"Location": "/wifi-login"})


def firewall(route):
    route.fulfill(status=403, content_type="text/html", body="<html><body>Access denied</body></html>")


def cut_off(route):  # the server stored it and answered 201; the body never arrived
    response = route.fetch()
    route.fulfill(status=response.status, headers=dict(response.headers), body="")


@pytest.mark.parametrize("in_between", [portal, redirect_to_portal, firewall, cut_off],
                         ids=["wifi login page", "redirect", "firewall 403", "receipt cut off"])
def test_an_answer_that_is_not_the_servers_receipt_keeps_the_application(context, live_server, in_between):
    page = context.new_page()
    page.goto(f"{live_server.url}/apply")
    wait_for_service_worker(page)
    context.route("**/api/applications", in_between)
    quick_complete(page, ADULT)
    outbox = page.locator("#outbox")
    expect(outbox).to_contain_text("Waiting to be sent: 1")
    wait_until(page, """() => new Promise((resolve) => {
        indexedDB.open("youthjobs").onsuccess = (e) => {
            e.target.result.transaction("outbox").objectStore("outbox").getAll().onsuccess =
                (r) => resolve(r.target.result.some((item) => item.attempts > 0));
        };
    })""")
    if in_between is cut_off:  # the server has it; only its answer was lost
        for _ in range(100):
            if rows(live_server):
                break
            page.wait_for_timeout(100)
        assert len(rows(live_server)) == 1
    else:
        assert rows(live_server) == []
    [item] = page.evaluate(OUTBOX)
    assert item["state"] == "queued" and item["answers"] == ADULT  # kept, with its answers

    # a retry may be on its way through the handler just now: let it end as it will
    context.unroute_all(behavior="ignoreErrors")
    page.reload()  # the next chance to send: opening the app again
    code = page.locator("#outbox .receipt-code")
    expect(code).to_have_text(RECEIPT, timeout=15_000)
    [row] = rows(live_server)  # once
    assert code.inner_text() == row.receipt_code and row.answers == ADULT
    [item] = page.evaluate(OUTBOX)
    assert item["state"] == "sent" and "answers" not in item


def test_a_second_tab_on_the_same_application_cannot_wipe_its_receipt(context, live_server):
    first = filled_in(context, live_server)
    first.locator(".step--current [data-nav=next]").click()  # a draft is saved on the phone
    first.wait_for_function("() => document.querySelector(\".step--current\") !== document.querySelector(\".step\")")
    second = context.new_page()  # the same application, opened again in another tab
    second.goto(f"{live_server.url}/apply")
    second.wait_for_selector("#application[data-ready]", state="attached")

    first.evaluate("document.getElementById('application').requestSubmit()")
    code = first.locator("#outbox .receipt-code")
    expect(code).to_have_text(RECEIPT, timeout=15_000)
    receipt = code.inner_text()
    # the other tab, still open: the phone number is changed there, and it is sent too
    second.evaluate("""() => { const form = document.getElementById("application");
        form.elements["phone"].value = "617-555-9999"; form.dispatchEvent(new Event("input", { bubbles: true }));
        form.requestSubmit(); }""")
    second.wait_for_timeout(1500)

    first.reload()
    expect(first.locator("#outbox .receipt-code")).to_have_text(receipt)
    [item] = first.evaluate(OUTBOX)
    assert item["state"] == "sent" and item["receipt_code"] == receipt
    [row] = rows(live_server)
    assert row.receipt_code == receipt and row.answers == ADULT


def test_an_outreach_sync_answered_by_something_in_between_keeps_every_application(browser, event_server):
    context = browser.new_context()
    page = context.new_page()
    enroll(page, event_server)
    codes = [quick_application(page, event_server, number) for number in range(3)]
    # routes are set before the page loads: only then do they see a worker-controlled page's requests
    context.route("**/api/outreach/sync", portal)
    page.goto(f"{event_server.url}/outreach/queue")
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#sync-status")).to_contain_text("Stopped after 0 of 3: the server was busy. Nothing was lost")
    expect(page.locator("#count-waiting")).to_have_text("3")
    expect(page.get_by_role("button", name="Sync now")).to_be_enabled()  # press it again later
    context.unroute_all(behavior="ignoreErrors")
    sync_and_reconcile(page, event_server, 3)
    assert sorted(row.receipt_code for row in rows(event_server)) == sorted(codes)
    context.close()


def test_when_the_device_cannot_keep_it_the_application_is_sent_straight_away(context, live_server):
    page = filled_in(context, live_server)
    # a newer version of the app opens the database in another tab: this page's connection closes
    other = context.new_page()
    other.goto(f"{live_server.url}/healthz")
    other.evaluate("""() => new Promise((resolve) => {
        const request = indexedDB.open("youthjobs", 99);
        request.onsuccess = () => { request.result.close(); resolve(); };
    })""")
    page.locator(".step--current [data-nav=next]").click()  # an autosave that cannot be kept
    expect(page.locator("#save-state")).to_contain_text("could not save your answers on this device")
    with page.expect_navigation():
        page.evaluate("document.getElementById('application').requestSubmit()")
    expect(page.locator(".receipt-code").first).to_have_text(RECEIPT)
    [row] = rows(live_server)
    assert row.answers == ADULT and page.locator(".receipt-code").first.inner_text() == row.receipt_code
