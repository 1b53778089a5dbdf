"""A new version of the app never takes over a page that may hold unsaved input."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from server.settings import ROOT

from .helpers import ADULT, continue_, fill_step, wait_for_service_worker

pytestmark = pytest.mark.e2e


def test_a_new_version_waits_until_the_person_reloads(context, live_server, tmp_path):
    page = context.new_page()
    page.goto(f"{live_server.url}/apply")
    wait_for_service_worker(page)
    fill_step(page, ADULT)
    continue_(page)
    page.fill("#input-first_name", "Amara")
    expect(page.locator("#save-state")).to_have_text("Saved on this device")

    # the city edits its program file and restarts the server
    program = json.loads((ROOT / "programs" / "default.json").read_text())
    program["form"]["intro"]["en"] = "Applications for this summer are open until May 1."
    changed = tmp_path / "program.json"
    changed.write_text(json.dumps(program))
    live_server.restart(YOUTHJOBS_PROGRAM_FILE=str(changed))

    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    notice = page.locator("#update-notice")
    expect(notice).to_be_visible(timeout=15_000)
    expect(notice).to_contain_text("A new version of this app is available.")
    # nothing was taken over: same page, same input
    expect(page.locator("#input-first_name")).to_have_value("Amara")
    expect(page.locator("#form-title")).to_be_visible()
    assert "open until May 1" not in page.content()

    page.get_by_role("button", name="Reload to update").click()
    expect(page.locator("#resume-notice")).to_contain_text("You were at: About you")
    assert "Applications for this summer are open until May 1." in page.content()
    expect(page.locator("#input-first_name")).to_have_value("Amara")
    expect(page.locator("#update-notice")).to_be_hidden()
