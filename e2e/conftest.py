"""Browser tests: a real uvicorn server per test and Debian's Chromium driven by Playwright.

On a laptop without Chromium these tests skip with a reason; with CI=true they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import Engine

from server.db import make_engine
from server.settings import ROOT

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """``uvicorn server.app:app`` in a subprocess, on a fresh database."""

    def __init__(self, tmp_path: Path, database_url: str, **env: str):
        self.tmp_path = tmp_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.env = {
            "YOUTHJOBS_DATABASE_URL": self.database_url,
            "YOUTHJOBS_ASSETS_DIR": str(tmp_path / "assets"),
            "YOUTHJOBS_RATE_LIMIT": "0",
            **env,
        }
        self.engine: Engine = make_engine(self.database_url)
        self.process: subprocess.Popen | None = None
        self.log = tmp_path / "server.log"

    def start(self, **env: str) -> LiveServer:
        self.env.update(env)
        command = [sys.executable, "-m", "uvicorn", "server.app:app", "--host", "127.0.0.1",
                   "--port", str(self.port), "--no-access-log"]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **self.env},
                                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log.read_text()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None

    def restart(self, **env: str) -> LiveServer:
        self.stop()
        return self.start(**env)


@pytest.fixture
def live_server(tmp_path, database_url):
    require_chromium()
    server = LiveServer(tmp_path, database_url).start()
    yield server
    server.stop()
    server.engine.dispose()
