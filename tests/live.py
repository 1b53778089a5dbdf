"""A real server process for tests: ``youthjobs serve`` on a free port and a fresh database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sqlalchemy import Engine

from server.db import make_engine
from server.settings import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """``youthjobs serve`` in a subprocess; its JSON log goes to ``self.log``."""

    def __init__(self, tmp_path: Path, database_url: str, workers: int = 1, **env: str):
        self.tmp_path = tmp_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.workers = workers
        self.env = {
            "YOUTHJOBS_DATABASE_URL": database_url,
            "YOUTHJOBS_ASSETS_DIR": str(tmp_path / "assets"),
            "YOUTHJOBS_RATE_LIMIT": "0",
            **env,
        }
        self.engine: Engine = make_engine(database_url)
        self.process: subprocess.Popen | None = None
        self.log = tmp_path / "server.log"

    def start(self, **env: str) -> LiveServer:
        self.env.update(env)
        command = [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1",
                   "--port", str(self.port), "--workers", str(self.workers)]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **self.env},
                                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/readyz", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log.read_text()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self, **env: str) -> LiveServer:
        self.stop()
        return self.start(**env)

    def close(self) -> None:
        self.stop()
        self.engine.dispose()
