"""Browser tests: a real uvicorn server per test and Debian's Chromium driven by Playwright.

On a laptop without Chromium these tests skip with a reason; with CI=true they fail.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.live import LiveServer

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
IN_CI = os.environ.get("CI") == "true"


def require_chromium() -> None:
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return
    message = f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    require_chromium()
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def live_server(tmp_path, database_url):
    require_chromium()
    server = LiveServer(tmp_path, database_url).start()
    yield server
    server.close()


@pytest.fixture
def sqlite_server(tmp_path):
    """A server on SQLite only, with a key pair for sealed applications: for tests of what the
    browser shows, which the database underneath does not change."""
    from server.db import make_engine, upgrade
    from server.keys import KeyRing

    require_chromium()
    url = f"sqlite:///{tmp_path / 'app.db'}"
    upgrade(make_engine(url))
    KeyRing(tmp_path / "keys").rotate()
    server = LiveServer(tmp_path, url, YOUTHJOBS_KEY_DIR=str(tmp_path / "keys")).start()
    yield server
    server.close()
