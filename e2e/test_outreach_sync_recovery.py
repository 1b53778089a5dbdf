"""An outreach device gets its applications through whatever went wrong on the server's
side meanwhile, and its count holds however many it took."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from .helpers import as_script, enroll, rows
from .test_outreach_event import event_server, quick_application, sync_and_reconcile  # noqa: F401 (a fixture)

pytestmark = pytest.mark.e2e


def test_applications_the_server_refused_are_sent_again_once_it_is_fixed(browser, event_server):
    context = browser.new_context()
    page = context.new_page()
    enroll(page, event_server)
    codes = [quick_application(page, event_server, number) for number in range(2)]

    def misconfigured(route):  # the server cannot open them just now (say its key file is missing)
        items = json.loads(route.request.post_data)["items"]
        route.fulfill(json={"results": [{"id": item["id"], "status": 400, "problem": {
            "title": "This sealed application could not be opened"}} for item in items]})

    context.route("**/api/outreach/sync", misconfigured)
    page.goto(f"{event_server.url}/outreach/queue")
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#count-attention")).to_have_text("2")
    expect(page.locator("#queue-rows")).to_contain_text("It is still on this device")
    context.unroute_all(behavior="ignoreErrors")
    sync_and_reconcile(page, event_server, 2)  # pressed again once the server is fixed
    expect(page.locator("#count-attention")).to_have_text("0")
    assert sorted(row.receipt_code for row in rows(event_server)) == sorted(codes)
    context.close()


def test_the_count_holds_for_more_applications_than_one_request_confirms(browser):
    context = browser.new_context()
    page = context.new_page()
    page.route("http://localhost:9/", lambda route: route.fulfill(body="<!doctype html><title>t</title>",
                                                                        content_type="text/html"))
    asked = []

    def confirm(route):  # as the server does: at most 1,000 ids a request, and those it has
        ids = json.loads(route.request.post_data)["ids"]
        asked.append(len(ids))
        if len(ids) > 1000:
            route.fulfill(status=400, json={"title": "Send up to 1000 application ids (UUIDs) in ids"})
        else:
            route.fulfill(json={"received": [i for i in ids if not i.endswith("-missing")]})

    page.route("http://localhost:9/api/outreach/confirm", confirm)
    page.goto("http://localhost:9/")
    page.add_script_tag(content=as_script("syncSealed.js"))
    result = page.evaluate("""async () => {
        const items = Array.from({ length: 2500 }, (_, n) => ({ id: `id-${n}` + (n === 1234 ? "-missing" : ""),
                                                                event_id: "fair" }));
        const queue = { all: async () => items };
        const outcome = await reconcile(queue, { credential: "c", event: { id: "fair" } });
        return { taken: outcome.taken, received: outcome.received, missing: outcome.missing.map((i) => i.id) };
    }""")
    assert asked == [1000, 1000, 500]
    assert result == {"taken": 2500, "received": 2499, "missing": ["id-1234-missing"]}
    context.close()
