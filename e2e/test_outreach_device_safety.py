"""A shared outreach tablet must never keep one young person's answers readable for the
next: whichever page it opens, whatever the server lacks, however the screen goes off."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from server.auth import create_user
from server.keys import KeyRing

from .helpers import WORKER_PASSWORD, answers, complete_application, enroll, quick_complete
from .test_outreach_event import SCAN_STORAGE

pytestmark = pytest.mark.e2e

STORES = """async () => {
    const db = await new Promise((resolve) => { indexedDB.open("youthjobs").onsuccess = (e) => resolve(e.target.result); });
    const found = {};
    for (const name of db.objectStoreNames) {
        found[name] = await new Promise((resolve) => {
            db.transaction(name).objectStore(name).getAll().onsuccess = (e) => resolve(e.target.result);
        });
    }
    db.close();
    return found;
}"""

# The device's stored server key, damaged: sealing fails at Submit (as with any failure of
# WebCrypto or storage at that moment).
BREAK_KEY = """() => new Promise((resolve) => {
    indexedDB.open("youthjobs").onsuccess = (event) => {
        const store = event.target.result.transaction("meta", "readwrite").objectStore("meta");
        store.get("device").onsuccess = (got) => {
            const device = got.target.result;
            store.put({ ...device, key: { ...device.key, spki: btoa("not a key") } }, "device").onsuccess = resolve;
        };
    };
})"""

PLANTED = answers(first_name="Zephyrine", last_name="Quillfeather")


@pytest.fixture
def tablet(browser, sqlite_server):
    """A browser on a tablet a worker has set up for an event."""
    create_user(sqlite_server.engine, "worker@city.example", "Wes Worker", "outreach", WORKER_PASSWORD)
    context = browser.new_context()
    page = context.new_page()
    enroll(page, sqlite_server)
    yield context, page, sqlite_server
    context.close()


@pytest.mark.parametrize("start", ["/apply", "/"])
def test_an_enrolled_tablet_opening_the_ordinary_page_takes_the_application_sealed(tablet, start):
    context, page, server = tablet
    context.set_offline(True)  # at the event, from the installed app's icon
    page.goto(f"{server.url}{start}")
    page.wait_for_url("**/outreach/apply**")
    expect(page.locator("#worker-bar")).to_contain_text("Roxbury Youth Fair")
    quick_complete(page, PLANTED)
    expect(page.locator("#thank-you")).to_be_visible()
    stored = page.evaluate(STORES)
    assert stored["outbox"] == [] and len(stored["sealed"]) == 1
    assert "Quillfeather" not in page.evaluate(SCAN_STORAGE)


def test_a_screen_going_off_as_the_application_is_sealed_leaves_nothing_readable(tablet):
    context, page, server = tablet
    context.set_offline(True)
    page.goto(f"{server.url}/outreach/apply")
    complete_application(page, PLANTED, submit=False)
    # the page is hidden the moment the sealed record is stored (the thank-you screen shows)
    page.evaluate("""() => {
        const thanks = document.getElementById("thank-you");
        new MutationObserver(() => {
            if (thanks.hidden) return;
            document.dispatchEvent(new Event("visibilitychange"));
            window.dispatchEvent(new Event("pagehide"));
        }).observe(thanks, { attributes: true, attributeFilter: ["hidden"] });
    }""")
    page.get_by_role("button", name="Submit application").click()
    expect(page.locator("#thank-you")).to_be_visible()
    page.wait_for_timeout(1000)  # past any autosave
    stored = page.evaluate(STORES)
    assert stored["drafts"] == [] and len(stored["sealed"]) == 1
    assert "Quillfeather" not in page.evaluate(SCAN_STORAGE)


def test_an_application_that_cannot_be_sealed_is_kept_and_the_failure_shown(tablet):
    context, page, server = tablet
    page.evaluate(BREAK_KEY)
    context.set_offline(True)
    page.clock.install()
    page.goto(f"{server.url}/outreach/apply")
    quick_complete(page, PLANTED)
    expect(page.get_by_role("alert").filter(has_text="could not be saved safely")).to_be_visible()
    expect(page.locator("#thank-you")).to_be_hidden()
    stored = page.evaluate(STORES)
    assert stored["sealed"] == [] and stored["outbox"] == []
    assert [draft["answers"]["last_name"] for draft in stored["drafts"]] == ["Quillfeather"]
    # the idle timer does not wipe it unseen: it waits for the worker
    page.clock.run_for("10:00")
    expect(page.locator("#idle-warning")).to_be_hidden()
    expect(page.locator("#seal-failed")).to_be_visible()
    assert [draft["answers"]["last_name"] for draft in page.evaluate(STORES)["drafts"]] == ["Quillfeather"]


@pytest.fixture
def keyless_server(tmp_path):
    """A server whose administrator has not yet made a key pair for sealed applications."""
    from tests.live import LiveServer

    from server.db import make_engine, upgrade

    from .conftest import require_chromium

    require_chromium()
    url = f"sqlite:///{tmp_path / 'app.db'}"
    upgrade(make_engine(url))
    server = LiveServer(tmp_path, url, YOUTHJOBS_KEY_DIR=str(tmp_path / "keys")).start()
    create_user(server.engine, "worker@city.example", "Wes Worker", "outreach", WORKER_PASSWORD)
    yield server
    server.close()


def set_up_for_the_fair(page) -> None:
    page.get_by_label("Event name").fill("Roxbury Youth Fair")
    page.get_by_label("Place").fill("Madison Park High School")
    page.get_by_label("Date").fill("2027-04-12")
    page.get_by_role("button", name="Set up this device").click()


def test_a_device_is_not_set_up_while_the_server_has_no_key_and_the_worker_is_told_why(browser, keyless_server,
                                                                                      tmp_path):
    server = keyless_server
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.url}/staff/login")
    page.get_by_label("Email address").fill("worker@city.example")
    page.get_by_label("Password").fill(WORKER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{server.url}/outreach/enroll")
    set_up_for_the_fair(page)
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text("no key for sealed applications")
    expect(refusal).to_contain_text("youthjobs keys rotate")
    expect(page.locator("#device-enrollment")).to_have_count(0)
    page.goto(f"{server.url}/outreach/apply")
    expect(page.get_by_role("heading", name="This device is not set up for an event")).to_be_visible()
    expect(page.locator("#form-area")).to_be_hidden()

    KeyRing(tmp_path / "keys").rotate()  # the administrator runs the command
    page.goto(f"{server.url}/outreach/enroll")
    expect(page.get_by_role("alert")).to_have_count(0)
    set_up_for_the_fair(page)
    expect(page.locator("#enrollment-kept")).to_be_visible()
    assert [item["key"]["id"] for item in page.evaluate(STORES)["meta"] if isinstance(item, dict)] == [
        KeyRing(tmp_path / "keys").current_id()]
    context.close()
