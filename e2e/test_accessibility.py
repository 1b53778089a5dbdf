"""axe-core finds no WCAG 2.1 A/AA violations on any step, the review, the receipt or the
status page — in English and in Arabic (right to left) — and nothing scrolls sideways on a
320-pixel screen."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from server.settings import ROOT

from .helpers import MINOR, continue_, current_step, fill_step

pytestmark = pytest.mark.e2e
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def require_axe() -> Path:
    if AXE.exists():
        return AXE
    message = "axe-core is not installed (run `npm ci`)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


def violations(page) -> list[str]:
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate("(rules) => axe.run(document, {runOnly: rules}).then((r) => r.violations)", RULES)
    return [f"{v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})" for v in found]


@pytest.fixture
def axe_page(browser, live_server):
    require_axe()
    # the app's CSP forbids inline scripts, which is how axe is injected into the page
    # 320 CSS pixels: the narrowest phone screen people still use
    context = browser.new_context(bypass_csp=True, viewport={"width": 320, "height": 640})
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_every_screen_passes_axe(axe_page, live_server, lang):
    page = axe_page
    page.goto(f"{live_server.url}/apply?lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    if lang == "ar":
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
    # the harness itself can fail: an unlabelled input is reported
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<input id=unlabelled>')")
    assert any(v.startswith("label:") for v in violations(page))
    page.evaluate("document.getElementById('unlabelled').remove()")
    checked = []
    # the first step with its errors showing, then every step of a minor's application
    page.locator(".step--current [data-nav=next]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert violations(page) == [], "eligibility step with errors"
    for _ in range(20):
        step = current_step(page)
        assert violations(page) == [], f"step {step}"
        assert not scrolls_sideways(page), f"step {step} scrolls sideways at 320 pixels"
        checked.append(step)
        if step == "review":
            break
        fill_step(page, MINOR)
        continue_(page)
    assert {"eligibility", "guardian", "school", "review"} <= set(checked)

    page.locator("#submit-application").click()
    expect(page.locator("#outbox .receipt-code")).to_be_visible(timeout=15_000)
    assert violations(page) == [], "receipt"
    assert not scrolls_sideways(page), "receipt"
    code = page.locator("#outbox .receipt-code").inner_text()

    page.goto(f"{live_server.url}/status?lang={lang}")
    assert violations(page) == [], "status page"
    page.fill("#input-code", code)
    page.fill("#input-answer", MINOR["date_of_birth"])
    page.locator("button[type=submit]").click()
    expect(page.locator(".panel--success")).to_be_visible()
    assert violations(page) == [], "status result"
    page.goto(f"{live_server.url}/status?lang={lang}")
    page.fill("#input-code", "ZZZZ-ZZZZ")
    page.fill("#input-answer", "2001-01-01")
    page.locator("button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert violations(page) == [], "status not found"


def test_staff_and_outreach_screens_pass_axe(browser, sqlite_server):
    """The console at an office desktop, and a worker's device screens on a phone."""
    from server.auth import create_user

    from .helpers import WORKER_PASSWORD, enroll, post_application

    require_axe()
    server = sqlite_server
    create_user(server.engine, "admin@city.example", "Ada Admin", "admin", WORKER_PASSWORD)
    create_user(server.engine, "worker@city.example", "Wes Worker", "outreach", WORKER_PASSWORD)
    application_id = post_application(server)
    found = {}

    context = browser.new_context(bypass_csp=True, viewport={"width": 320, "height": 640})
    page = context.new_page()
    enroll(page, server)
    for path in ("/outreach/queue", "/outreach/apply", "/staff/events", "/outreach/enroll"):
        page.goto(server.url + path)
        found[path] = violations(page) + (["scrolls sideways"] if scrolls_sideways(page) else [])
    context.close()

    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{server.url}/staff/login")
    found["/staff/login"] = violations(page)
    page.get_by_label("Email address").fill("admin@city.example")
    page.get_by_label("Password").fill(WORKER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    for path in ("/staff", "/staff/applications", f"/staff/applications/{application_id}", "/staff/insights",
                 "/staff/accounts", "/staff/audit", "/staff/events", "/staff/password"):
        page.goto(server.url + path)
        expect(page.locator("h1")).to_be_visible()
        found[path] = violations(page)
    context.close()
    assert {path: problems for path, problems in found.items() if problems} == {}
