"""The app is installable: manifest, icons and a service worker, with no errors from Chromium."""

from __future__ import annotations

import pytest

from .conftest import CHROMIUM, CHROMIUM_ARGS
from .helpers import wait_for_service_worker

pytestmark = pytest.mark.e2e


def test_chromium_reports_no_installability_errors(playwright, live_server, tmp_path):
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/apply")
        wait_for_service_worker(page)
        cdp = context.new_cdp_session(page)
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["errors"] == []
        assert manifest["url"].endswith("/manifest.webmanifest")
        assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    finally:
        context.close()
