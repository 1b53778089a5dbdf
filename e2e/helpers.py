"""What a person does on the application page, in words the tests can read."""

from __future__ import annotations

import copy
import json
import re
import time

from playwright.sync_api import expect
from sqlmodel import select

from server.db import session
from server.models import Application
from server.program import load_program
from server.settings import ROOT

PROGRAM = load_program(ROOT / "programs" / "default.json")
# how many sealed applications the device sends a request (pwa/js/syncSealed.js)
SYNC_BATCH = int(re.search(r"SYNC_BATCH = (\d+)", (ROOT / "pwa/js/syncSealed.js").read_text()).group(1))
ADULT = PROGRAM.form.schema["examples"][0]  # 20 on the cut-off date, finished school
MINOR = PROGRAM.form.schema["examples"][1]  # 15: a guardian must give permission
VALID = ADULT


def answers(base=ADULT, **changes) -> dict:
    result = copy.deepcopy(base)
    for name, value in changes.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = value
    return result


def wait_until(page, condition: str, timeout: float = 15) -> None:
    """Poll ``condition`` (a page function; it may return a promise) until it is true.
    page.wait_for_function cannot do this: given a promise it waits for that one only, and
    goes on whether it comes out true or false."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(condition):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout:g} s: {condition}")
        page.wait_for_timeout(100)


def wait_for_service_worker(page) -> None:
    """The worker is active and controls this page, so going offline is safe."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def definition(page) -> dict:
    return json.loads(page.locator("#form-definition").text_content())


def fill_field(page, widget: str, name: str, value) -> None:
    if widget == "radios":
        page.locator(f'input[name="{name}"][value="{value}"]').check()
    elif widget == "checkboxes":
        for item in value:
            page.locator(f'input[name="{name}"][value="{item}"]').check()
    elif widget == "checkbox":
        page.locator(f"#input-{name}").set_checked(bool(value))
    elif widget == "select":
        page.locator(f"#input-{name}").select_option(str(value))
    elif widget == "ranked":
        selects = page.locator(f'select[name="{name}"]')
        for index, item in enumerate(value):
            selects.nth(index).select_option(item)
    else:
        page.locator(f"#input-{name}").fill(str(value))


def current_step(page) -> str:
    if page.locator("#review").is_visible():
        return "review"
    return page.locator("section.step--current").get_attribute("data-step")


def fill_step(page, values: dict) -> None:
    """Answer the questions on the step on screen that ``values`` has answers for."""
    form = definition(page)
    step = next(s for s in form["steps"] if s["id"] == current_step(page))
    for name in step["fields"]:
        if name in values and page.locator(f'[data-field="{name}"]').is_visible():
            fill_field(page, form["fields"][name].get("widget", "text"), name, values[name])


def continue_(page) -> str:
    before = current_step(page)
    page.locator(".step--current [data-nav=next]").click()
    page.wait_for_function(
        """(before) => {
            const review = document.getElementById("review");
            const current = review.hidden ? document.querySelector("section.step--current").dataset.step : "review";
            return current !== before || !document.getElementById("error-summary").hidden
                || !document.getElementById("ineligible").hidden;
        }""",
        arg=before,
    )
    return current_step(page)


def complete_application(page, values: dict = ADULT, submit: bool = True) -> None:
    """Walk every step, answering from ``values``, up to the review page (and send)."""
    for _ in range(30):
        if current_step(page) == "review":
            break
        fill_step(page, values)
        step = current_step(page)
        if continue_(page) == step:
            raise AssertionError(f"stuck on step {step}: {page.locator('#error-summary').inner_text()}")
    expect(page.locator("#review")).to_be_visible()
    if submit:
        page.get_by_role("button", name="Submit application").click()


def fill_application(page, values: dict = ADULT) -> None:
    """Fill every question on a page without JavaScript (all steps on one page)."""
    form = definition(page)
    for name, value in values.items():
        fill_field(page, form["fields"][name].get("widget", "text"), name, value)


def rows(server) -> list[Application]:
    with session(server.engine) as db:
        return list(db.exec(select(Application)))


FILL_ALL = """(values) => {
    const form = document.getElementById("application");
    for (const element of form.elements) {
        if (!element.name || element.name.startsWith("_") || !(element.name in values)) continue;
        const value = values[element.name];
        if (element.type === "checkbox" || element.type === "radio") {
            const chosen = Array.isArray(value) ? value.map(String) : [String(value)];
            element.checked = element.value === "true" ? value === true : chosen.includes(element.value);
        } else if (Array.isArray(value)) {
            const same = [...form.querySelectorAll(`[name="${element.name}"]`)];
            element.value = value[same.indexOf(element)] || "";
        } else {
            element.value = String(value);
        }
    }
    form.dispatchEvent(new Event("input", { bubbles: true }));
}"""


def quick_complete(page, values: dict) -> None:
    """Fill every question at once and send (for tests about what happens after sending;
    the same checks run on submit as on each step)."""
    page.wait_for_selector("#application[data-ready]", state="attached")
    page.evaluate(FILL_ALL, values)
    page.evaluate("document.getElementById('application').requestSubmit()")


WORKER_PASSWORD = "correct horse battery staple"


def set_up_device(page, server, event: str = "Roxbury Youth Fair", place: str = "Madison Park High School") -> None:
    """A worker signs in on this browser and sets it up for an event."""
    page.goto(f"{server.url}/staff/login")
    page.get_by_label("Email address").fill("worker@city.example")
    page.get_by_label("Password").fill(WORKER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{server.url}/outreach/enroll")
    page.get_by_label("Event name").fill(event)
    page.get_by_label("Place").fill(place)
    page.get_by_label("Date").fill("2027-04-12")
    page.get_by_role("button", name="Set up this device").click()
    expect(page.locator("#enrollment-kept")).to_be_visible()


def enroll(page, server) -> None:
    """Set up for an event, and ready to take applications offline."""
    set_up_device(page, server)
    page.get_by_role("link", name="Start taking applications").click()
    wait_for_service_worker(page)
    expect(page.locator("#worker-bar")).to_contain_text("Roxbury Youth Fair")
    page.reload()  # now under the worker, which keeps the page for offline use
    wait_until(page, """() => caches.open("youthjobs-precache-v1").then((cache) => cache.keys())
        .then((keys) => keys.some((request) => request.url.includes("/outreach/apply?lang=")))""")
    # the queue screen, kept for offline use
    page.goto(f"{server.url}/outreach/queue")
    expect(page.locator("#queue-event")).to_contain_text("Roxbury Youth Fair")


def post_application(server, values: dict = ADULT) -> str:
    """A young person's application arrives through the API; returns its id."""
    import urllib.request
    import uuid

    application_id = str(uuid.uuid4())
    body = json.dumps({"id": application_id, "form_version": PROGRAM.form.version, "answers": values}).encode()
    request = urllib.request.Request(f"{server.url}/api/applications", data=body, method="POST", headers={
        "Content-Type": "application/json", "Idempotency-Key": application_id})
    with urllib.request.urlopen(request) as response:
        assert response.status == 201
    return application_id


def as_script(name: str) -> str:
    """A module of pwa/js as a classic script, so a test can call its functions from a page
    (the page's context must bypass CSP to take an inline script)."""
    from server.assets import _EXPORT, _IMPORT

    return _EXPORT.sub("", _IMPORT.sub("", (ROOT / "pwa" / "js" / name).read_text()))


# With seal.js and receiptCode.js added as scripts on an enrolled device's page: seal
# `count` copies of one application the way sealedQueue.js does, timing only the sealing,
# and (if `store`) queue them on the device. Returns the time per application, the sizes
# and the receipt codes; the items are left in window.benchItems.
SEAL = """async ([count, formVersion, answers, store]) => {
    const db = await new Promise((resolve) => { indexedDB.open("youthjobs").onsuccess = (e) => resolve(e.target.result); });
    const device = await new Promise((resolve) => {
        db.transaction("meta").objectStore("meta").get("device").onsuccess = (e) => resolve(e.target.result);
    });
    const items = [];
    let sealing = 0;
    for (let n = 0; n < count; n++) {
        const id = crypto.randomUUID();
        const now = new Date().toISOString();
        const client = { started_at: now, filled_at: now, language: "en" };
        const start = performance.now();
        const sealed = await seal(device.key, id, formVersion, device.device, { answers, client });
        sealing += performance.now() - start;
        items.push({ id, form_version: formVersion, sealed, event_id: device.event.id, receipt_code: receiptCode(id),
                     queued_at: now, state: "queued" });
    }
    if (store) {
        await new Promise((resolve, reject) => {
            const tx = db.transaction("sealed", "readwrite");
            for (const item of items) tx.objectStore("sealed").put(item);
            tx.oncomplete = resolve;
            tx.onerror = () => reject(tx.error);
        });
    }
    db.close();
    window.benchItems = items;
    const total = items.reduce((sum, item) => sum + JSON.stringify(item.sealed).length, 0);
    return { ms: sealing / count, bytes: JSON.stringify(items[0].sealed).length, total, codes: items.map((item) => item.receipt_code) };
}"""
