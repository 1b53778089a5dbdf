"""The same application open in two tabs or windows (a link tapped twice, a tab restored):
the last one to save must not silently undo what the other saved or sent. The tab that
falls behind stops saving, says so, and shows the latest answers on request."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .helpers import ADULT, continue_, fill_step, rows
from .test_outbox_trusts_only_receipts import RECEIPT, filled_in

pytestmark = pytest.mark.e2e
STORED_DRAFT = """() => new Promise((resolve) => {
    indexedDB.open("youthjobs").onsuccess = (e) => {
        e.target.result.transaction("drafts").objectStore("drafts").getAll().onsuccess = (r) => resolve(r.target.result);
    };
})"""
TYPE_PHONE = """(phone) => { const form = document.getElementById("application");
    form.elements["phone"].value = phone; form.dispatchEvent(new Event("input", { bubbles: true })); }"""
NOTICE = "changed or sent in another tab or window"


def open_twice(context, server):
    """An application saved on the phone, past its first step, and the same one opened
    again in a second tab: (first tab, second tab)."""
    first = filled_in(context, server)
    first.locator(".step--current [data-nav=next]").click()
    expect(first.locator("#save-state")).to_have_text("Saved on this device")
    second = context.new_page()
    second.goto(f"{server.url}/apply")
    second.wait_for_selector("#application[data-ready]", state="attached")
    return first, second


def saved_phone(page) -> list[str]:
    return [draft["answers"].get("phone") for draft in page.evaluate(STORED_DRAFT)]


def test_a_tab_that_fell_behind_does_not_overwrite_the_other_s_answers(context, live_server):
    first, second = open_twice(context, live_server)

    first.evaluate(TYPE_PHONE, "617-555-0101")
    first.wait_for_timeout(800)  # its autosave has run
    assert saved_phone(first) == ["617-555-0101"]

    second.evaluate(TYPE_PHONE, "617-555-0202")  # typed in the tab that has not seen that
    notice = second.locator("#other-tab")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(NOTICE)
    second.wait_for_timeout(800)
    assert saved_phone(first) == ["617-555-0101"]  # kept: the later save did not win silently
    expect(first.locator("#other-tab")).to_be_hidden()

    second.get_by_role("button", name="Show the latest answers").click()
    second.wait_for_selector("#application[data-ready]", state="attached")
    expect(second.locator("#input-phone")).to_have_value("617-555-0101")
    expect(second.locator("#other-tab")).to_be_hidden()
    second.evaluate(TYPE_PHONE, "617-555-0303")  # now up to date, it saves again
    second.wait_for_timeout(800)
    assert saved_phone(second) == ["617-555-0303"]
    expect(second.locator("#save-state")).to_have_text("Saved on this device")


def test_a_tab_cannot_send_an_application_already_sent_from_another(context, live_server):
    first, second = open_twice(context, live_server)

    first.evaluate("document.getElementById('application').requestSubmit()")
    expect(first.locator("#outbox .receipt-code")).to_have_text(RECEIPT, timeout=15_000)
    second.evaluate("document.getElementById('application').requestSubmit()")
    expect(second.locator("#other-tab")).to_be_focused()
    expect(second.locator("#other-tab")).to_contain_text(NOTICE)
    assert second.evaluate(STORED_DRAFT) == []  # the sent answers were not written back as a draft

    second.get_by_role("button", name="Show the latest answers").click()
    expect(second.locator("#outbox .receipt-code")).to_have_text(first.locator("#outbox .receipt-code").inner_text())
    assert len(rows(live_server)) == 1


def test_a_tab_that_fell_behind_does_not_erase_the_other_s_answers(context, live_server):
    first, second = open_twice(context, live_server)
    first.evaluate(TYPE_PHONE, "617-555-0101")
    first.wait_for_timeout(800)

    # in the other tab, back to the first step, where an answer turns out not eligible:
    # that tab's draft is forgotten, but the newer one the first tab saved is kept
    second.locator(".step--current [data-nav=back]").click()
    second.locator("#input-date_of_birth").fill("1990-01-01")
    second.locator(".step--current [data-nav=next]").click()
    expect(second.locator("#ineligible")).to_be_visible()
    assert saved_phone(first) == ["617-555-0101"]


def test_back_to_a_tab_after_the_other_changed_it_shows_the_latest_answers(context, live_server):
    first, second = open_twice(context, live_server)
    second.evaluate(TYPE_PHONE, "617-555-0202")  # the person goes on in the second tab
    second.wait_for_timeout(800)
    assert saved_phone(second) == ["617-555-0202"]

    # and comes back to the first (the browser says it is visible again)
    first.evaluate("""() => { Object.defineProperty(document, "visibilityState", { value: "visible", configurable: true });
        document.dispatchEvent(new Event("visibilitychange")); }""")
    first.wait_for_selector("#application[data-ready]", state="attached")
    expect(first.locator("#input-phone")).to_have_value("617-555-0202")
    expect(first.locator("#other-tab")).to_be_hidden()


def test_two_tabs_that_both_start_an_application_share_one(context, live_server):
    first = context.new_page()
    first.goto(f"{live_server.url}/apply")
    first.wait_for_selector("#application[data-ready]", state="attached")
    second = context.new_page()  # opened before either has a draft
    second.goto(f"{live_server.url}/apply")
    second.wait_for_selector("#application[data-ready]", state="attached")

    fill_step(first, ADULT)
    continue_(first)  # past the first step: the first tab's application is kept on the phone
    first.fill("#input-first_name", "Amara")
    first.wait_for_timeout(800)
    fill_step(second, ADULT)
    second.locator(".step--current [data-nav=next]").click()
    # the second would have started another and hidden the first's: it says so instead
    expect(second.locator("#other-tab")).to_be_focused()
    assert [draft["answers"].get("first_name") for draft in second.evaluate(STORED_DRAFT)] == ["Amara"]
    second.get_by_role("button", name="Show the latest answers").click()
    expect(second.locator("#input-first_name")).to_have_value("Amara")
