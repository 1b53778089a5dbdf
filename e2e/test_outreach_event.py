"""An outreach worker at a community event with no wifi: set up the device, take
applications from a line of young people offline, and sync later with a count that proves
nothing was lost — with nothing readable left on the device."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from server.auth import create_user
from server.db import session
from server.keys import KeyRing

from .conftest import CHROMIUM, CHROMIUM_ARGS
from .helpers import (ADULT, PROGRAM, SEAL, SYNC_BATCH, WORKER_PASSWORD, answers, as_script, complete_application,
                      enroll, fill_step, quick_complete, rows, set_up_device, wait_until)

pytestmark = pytest.mark.e2e

SCAN_STORAGE = """async () => {
    const found = [];
    for (const info of await indexedDB.databases()) {
        const db = await new Promise((resolve) => { indexedDB.open(info.name).onsuccess = (e) => resolve(e.target.result); });
        for (const name of db.objectStoreNames) {
            const all = await new Promise((resolve) => {
                db.transaction(name).objectStore(name).getAll().onsuccess = (e) => resolve(e.target.result);
            });
            const keys = await new Promise((resolve) => {
                db.transaction(name).objectStore(name).getAllKeys().onsuccess = (e) => resolve(e.target.result);
            });
            found.push(JSON.stringify(all), JSON.stringify(keys));
        }
        db.close();
    }
    for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        for (const request of await cache.keys()) {
            found.push(request.url, await (await cache.match(request)).text());
        }
    }
    found.push(JSON.stringify(Object.assign({}, localStorage)), JSON.stringify(Object.assign({}, sessionStorage)));
    found.push(document.cookie);
    return found.join("\\n");
}"""


@pytest.fixture
def event_server(live_server, tmp_path):
    KeyRing(tmp_path / "keys").rotate()
    live_server.restart(YOUTHJOBS_KEY_DIR=str(tmp_path / "keys"))
    create_user(live_server.engine, "worker@city.example", "Wes Worker", "outreach", WORKER_PASSWORD)
    return live_server


def take_application(page, server, number: int) -> str:
    """One young person fills the form; returns the receipt code the thank-you screen shows."""
    page.goto(f"{server.url}/outreach/apply")
    planted = answers(first_name=f"Zephyrine{number}", last_name="Quillfeather", phone=f"617-555-{1000 + number:04d}")
    complete_application(page, planted)
    thanks = page.locator("#thank-you")
    expect(thanks).to_be_visible()
    code = page.locator("#thank-you-code").inner_text()
    # nothing readable is left on the device
    stored = page.evaluate(SCAN_STORAGE)
    assert f"Zephyrine{number}" not in stored and f"555-{1000 + number:04d}" not in stored
    assert "Quillfeather" not in stored
    with page.expect_navigation():  # a fresh page: nothing of this person is left in memory either
        page.get_by_role("button", name="Done: next person").click()
    expect(page.locator("#form-area")).to_be_visible()
    expect(page.locator("#input-date_of_birth")).to_have_value("")
    return code


def sync_and_reconcile(page, server, expected: int) -> None:
    page.goto(f"{server.url}/outreach/queue")
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#reconciliation")).to_have_text(
        f"{expected} taken at this event, {expected} received by the server", timeout=60_000)
    expect(page.locator("#count-waiting")).to_have_text("0")


def test_applications_taken_offline_are_sealed_and_all_arrive(browser, event_server):
    context = browser.new_context()
    page = context.new_page()
    enroll(page, event_server)
    context.set_offline(True)
    codes = [take_application(page, event_server, number) for number in range(3)]
    page.goto(f"{event_server.url}/outreach/queue")
    expect(page.locator("#count-waiting")).to_have_text("3")
    for code in codes:
        expect(page.locator("#queue-rows")).to_contain_text(code)
    assert rows(event_server) == []
    context.set_offline(False)
    sync_and_reconcile(page, event_server, 3)
    stored = rows(event_server)
    assert sorted(row.receipt_code for row in stored) == sorted(codes)
    assert {row.channel for row in stored} == {"outreach"} and all(row.event_id for row in stored)
    assert sorted(row.answers["first_name"] for row in stored) == ["Zephyrine0", "Zephyrine1", "Zephyrine2"]
    context.close()
    assert ADULT


def quick_application(page, server, number: int) -> str:
    if "/outreach/apply" not in page.url:
        page.goto(f"{server.url}/outreach/apply")
    quick_complete(page, answers(first_name=f"Applicant{number}", phone=f"617-555-{2000 + number:04d}"))
    expect(page.locator("#thank-you")).to_be_visible()
    code = page.locator("#thank-you-code").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Done: next person").click()
    return code


@pytest.fixture
def sqlite_event_server(tmp_path):
    """The fifty-application test is about the device (volume, a browser restart); what the
    databases do with a sync runs on both engines in the tests above and in tests/."""
    from tests.live import LiveServer

    from server.db import make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'event.db'}"
    upgrade(make_engine(url))
    KeyRing(tmp_path / "keys").rotate()
    server = LiveServer(tmp_path, url, YOUTHJOBS_KEY_DIR=str(tmp_path / "keys")).start()
    create_user(server.engine, "worker@city.example", "Wes Worker", "outreach", WORKER_PASSWORD)
    yield server
    server.close()


def test_fifty_applications_across_a_browser_restart_all_arrive_once(playwright, sqlite_event_server, tmp_path):
    event_server = sqlite_event_server
    profile = str(tmp_path / "tablet")

    def open_tablet():
        context = playwright.chromium.launch_persistent_context(profile, executable_path=CHROMIUM,
                                                                 args=CHROMIUM_ARGS, headless=True)
        return context, context.pages[0] if context.pages else context.new_page()

    context, page = open_tablet()
    enroll(page, event_server)
    context.set_offline(True)
    codes = [quick_application(page, event_server, number) for number in range(25)]
    context.close()  # the tablet's browser is closed (battery, restart) and opened again, still offline

    context, page = open_tablet()
    context.set_offline(True)
    page.goto(f"{event_server.url}/outreach/queue")
    expect(page.locator("#count-waiting")).to_have_text("25")
    codes += [quick_application(page, event_server, number) for number in range(25, 50)]
    assert "Applicant" not in page.evaluate(SCAN_STORAGE)
    assert rows(event_server) == []

    context.set_offline(False)
    sync_and_reconcile(page, event_server, 50)
    stored = rows(event_server)
    assert len(stored) == 50 and sorted(row.receipt_code for row in stored) == sorted(codes)
    context.close()


def test_an_application_left_alone_is_cleared_after_a_warning(browser, event_server):
    context = browser.new_context()
    page = context.new_page()
    enroll(page, event_server)
    page.clock.install()
    page.goto(f"{event_server.url}/outreach/apply")
    page.wait_for_selector("#application[data-ready]", state="attached")
    fill_step(page, answers(first_name="Zephyrine", last_name="Quillfeather"))
    typed = page.locator(".step--current input").first.input_value()
    assert typed

    page.clock.run_for("02:59")
    expect(page.locator("#idle-warning")).to_be_hidden()
    page.clock.run_for("00:02")
    warning = page.get_by_role("alertdialog", name="Are you still there?")
    expect(warning).to_be_visible()
    warning.get_by_role("button", name="I am still here").click()  # they came back: nothing is lost
    expect(warning).to_be_hidden()
    expect(page.locator(".step--current input").first).to_have_value(typed)

    page.clock.run_for("03:01")
    expect(warning).to_be_visible()
    with page.expect_navigation():  # nobody answered: cleared for the next person
        page.clock.run_for("01:01")
    page.wait_for_selector("#application[data-ready]", state="attached")
    expect(page.locator(".step--current input").first).to_have_value("")
    assert typed not in page.evaluate(SCAN_STORAGE)
    context.close()


def expired_credential(device_id: str) -> str:
    """What the server gave this device more than the allowed days ago."""
    import time

    from itsdangerous import TimestampSigner, URLSafeTimedSerializer

    from server.settings import Settings

    class Long_ago(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - (Settings().device_credential_days + 1) * 86400

    return URLSafeTimedSerializer(Settings().secret(), salt="youthjobs-device", signer=Long_ago).dumps(
        {"device": device_id})


SET_CREDENTIAL = """(credential) => new Promise((resolve) => {
    indexedDB.open("youthjobs").onsuccess = (event) => {
        const db = event.target.result;
        const store = db.transaction("meta", "readwrite").objectStore("meta");
        store.get("device").onsuccess = (got) => {
            const device = got.target.result;
            store.put({ ...device, credential }, "device").onsuccess = () => resolve(device.device);
        };
    };
})"""


def two_waiting(browser, server):
    """A device set up for an event with two applications taken offline, not yet sent:
    (its browser context, its page, their receipt codes)."""
    context = browser.new_context()
    page = context.new_page()
    enroll(page, server)
    context.set_offline(True)
    codes = [quick_application(page, server, number) for number in range(2)]
    context.set_offline(False)
    return context, page, codes


def test_an_expired_credential_keeps_applications_queued_until_a_worker_signs_in(browser, event_server):
    from server.models import Device

    context, page, codes = two_waiting(browser, event_server)
    with session(event_server.engine) as db:
        device_id = db.exec(select(Device.id)).one()
    page.goto(f"{event_server.url}/outreach/queue")
    page.evaluate(SET_CREDENTIAL, expired_credential(device_id))
    page.reload()

    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#sync-status")).to_contain_text("needs to sign in again before these can be sent. Nothing was lost.")
    expect(page.locator("#count-waiting")).to_have_text("2")
    assert rows(event_server) == []

    page.get_by_role("link", name="Sign in again").click()
    # a new event waits until these have arrived: they are sealed to this set-up
    expect(page.locator("#enroll-blocked")).to_contain_text("2 applications from this event are still waiting")
    expect(page.locator("#enroll-form")).to_be_hidden()
    page.get_by_role("button", name="Renew this device's sign-in").click()
    expect(page.locator("#enrollment-kept")).to_be_visible()
    page.goto(f"{event_server.url}/outreach/queue")
    expect(page.locator("#count-waiting")).to_have_text("2")
    sync_and_reconcile(page, event_server, 2)
    assert sorted(row.receipt_code for row in rows(event_server)) == sorted(codes)
    context.close()


def test_a_sync_cut_off_half_way_resumes_with_nothing_lost_or_sent_twice(browser, event_server):
    context = browser.new_context()
    page = context.new_page()
    enroll(page, event_server)
    context.set_offline(True)
    taken = SYNC_BATCH + 5
    codes = [quick_application(page, event_server, number) for number in range(taken)]
    context.set_offline(False)

    # 1. the first batch reaches the server, but the answer is lost on the way back
    def lose_the_answer(route):
        route.fetch()
        route.abort("connectionreset")

    # routes are set before the page loads: only then do they see a worker-controlled page's requests
    context.route("**/api/outreach/sync", lose_the_answer)
    page.goto(f"{event_server.url}/outreach/queue")
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#sync-status")).to_contain_text(f"Stopped after 0 of {taken}: no connection. Nothing was lost")
    expect(page.locator("#count-waiting")).to_have_text(str(taken))
    assert len(rows(event_server)) == SYNC_BATCH
    context.unroute("**/api/outreach/sync")

    # 2. the server restarts; then the connection drops before the second batch gets there
    event_server.restart()
    batches = []

    def cut_the_second(route):
        batches.append(route.request)
        if len(batches) == 2:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    context.route("**/api/outreach/sync", cut_the_second)
    page.reload()
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#sync-status")).to_contain_text(f"Stopped after {SYNC_BATCH} of {taken}")
    expect(page.locator("#count-waiting")).to_have_text("5")
    context.unroute("**/api/outreach/sync")

    # 3. pressed again with a good connection: everything, once
    sync_and_reconcile(page, event_server, taken)
    stored = rows(event_server)
    assert len(stored) == taken and sorted(row.receipt_code for row in stored) == sorted(codes)
    context.close()


def test_an_application_the_server_finds_wrong_is_received_and_flagged_for_follow_up(browser, sqlite_server):
    """The device cannot reopen a sealed application to fix it: the server keeps it for staff,
    and the worker sees it received, by receipt code, as needing attention."""
    create_user(sqlite_server.engine, "worker@city.example", "Wes Worker", "outreach", WORKER_PASSWORD)
    context = browser.new_context(bypass_csp=True)  # to add seal.js to the page as a script
    page = context.new_page()
    enroll(page, sqlite_server)
    for name in ("seal.js", "receiptCode.js"):
        page.add_script_tag(content=as_script(name))
    # a record as the device seals it, with an answer the server's form does not accept
    # (as when the program tightened a rule after the device loaded the form)
    code = page.evaluate(SEAL, [1, PROGRAM.form.version, answers(email="not an email"), True])["codes"][0]
    page.reload()
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#reconciliation")).to_have_text("1 taken at this event, 1 received by the server")
    expect(page.locator("#count-sent")).to_have_text("1")
    expect(page.locator("#count-held")).to_have_text("1")
    expect(page.locator("#count-attention")).to_have_text("0")
    expect(page.locator("#queue-rows tr")).to_contain_text(code)
    expect(page.locator("#queue-rows tr")).to_contain_text("received, needs attention")
    assert [row.status for row in rows(sqlite_server)] == ["needs_information"]
    assert "not an email" not in page.evaluate(SCAN_STORAGE)  # nothing readable kept for it on the device
    context.close()


def test_a_device_reported_lost_then_found_is_restored_and_its_applications_arrive(browser, event_server):
    from server.models import Device

    context, page, codes = two_waiting(browser, event_server)
    with session(event_server.engine) as db:  # reported lost, and switched off by its worker
        device = db.exec(select(Device)).one()
        device.revoked_at = datetime.now(UTC)
        db.add(device)
        db.commit()

    page.goto(f"{event_server.url}/outreach/queue")
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#sync-status")).to_contain_text("reported lost and switched off. The applications on it are kept")
    expect(page.locator("#count-waiting")).to_have_text("2")
    assert rows(event_server) == []

    with session(event_server.engine) as db:  # found: an admin restores it (tests/test_outreach_sync.py)
        device = db.exec(select(Device)).one()
        device.revoked_at = None
        device.restored_at = datetime.now(UTC).replace(microsecond=0)  # as the restore does
        db.add(device)
        db.commit()
    # its old sign-in stays refused (it may have been copied while it was lost): a worker renews it
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#sync-status")).to_contain_text("needs to sign in again before these can be sent. Nothing was lost.")
    page.get_by_role("link", name="Sign in again").click()
    page.get_by_role("button", name="Renew this device's sign-in").click()
    expect(page.locator("#enrollment-kept")).to_be_visible()
    page.goto(f"{event_server.url}/outreach/queue")
    sync_and_reconcile(page, event_server, 2)
    assert sorted(row.receipt_code for row in rows(event_server)) == sorted(codes)
    context.close()


def test_a_tablet_s_own_undelivered_applications_are_sent_when_it_is_set_up_for_an_event(browser, event_server):
    # a library's tablet: a young person applied on it, and it could not be delivered yet
    context = browser.new_context(service_workers="block")  # no Background Sync to send it meanwhile
    page = context.new_page()
    context.route("**/api/applications", lambda route: route.abort("internetdisconnected"))
    page.goto(f"{event_server.url}/apply")
    quick_complete(page, ADULT)
    expect(page.locator("#outbox")).to_contain_text("Waiting to be sent: 1")
    expect(page.locator("#outbox")).to_contain_text("no connection")

    page.goto(f"{event_server.url}/staff/login")  # then it is set up for an event (no application page opens)
    context.unroute_all(behavior="ignoreErrors")
    assert rows(event_server) == []
    set_up_device(page, event_server, "Library Day", "Central Library")
    deadline = time.monotonic() + 15
    while not rows(event_server):
        assert time.monotonic() < deadline, "the tablet's own application was not sent at set-up"
        time.sleep(0.1)
    [row] = rows(event_server)
    assert row.answers == ADULT and row.channel == "self"
    expect(page.locator("#enrollment-kept")).to_be_visible()
    erased = """async () => {
        const db = await new Promise((resolve) => { indexedDB.open("youthjobs").onsuccess = (e) => resolve(e.target.result); });
        const items = await new Promise((resolve) => {
            db.transaction("outbox").objectStore("outbox").getAll().onsuccess = (r) => resolve(r.target.result); });
        db.close();
        return items.length === 1 && items[0].state === "sent" && !items[0].answers;
    }"""
    wait_until(page, erased)  # the answers are erased from the tablet once received
    context.close()

