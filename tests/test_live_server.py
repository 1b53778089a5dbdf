"""The real server process: JSON logs without personal data, and several workers sharing
idempotency and rate limits through the database."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx2 as httpx
import pytest
from sqlmodel import func, select

from server.db import session
from server.models import Application
from server.program import load_program
from server.settings import ROOT

from .live import LiveServer

EXAMPLE = load_program(ROOT / "programs" / "default.json").form.schema["examples"][0]


@pytest.fixture
def server_factory(tmp_path, database_url):
    started = []

    def start(workers: int = 1, **env: str) -> LiveServer:
        server = LiveServer(tmp_path, database_url, workers=workers, **env).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


# "Connection: close": every request on a new connection, so the kernel may hand it to any worker
http = httpx.Client(headers={"Connection": "close"}, timeout=30)
VERSION = load_program(ROOT / "programs" / "default.json").form.version


def send(server: LiveServer, answers: dict, application_id: str | None = None) -> httpx.Response:
    application_id = application_id or str(uuid.uuid4())
    body = {"id": application_id, "form_version": VERSION, "answers": answers}
    return http.post(f"{server.url}/api/applications", json=body, headers={"Idempotency-Key": application_id})


def log_entries(server: LiveServer) -> list[dict]:
    lines = [line for line in server.log.read_text().splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


def stored_count(server: LiveServer) -> int:
    with session(server.engine) as db:
        return db.exec(select(func.count()).select_from(Application)).one()


def test_logs_are_json_with_request_ids_and_never_personal_data(server_factory):
    server = server_factory()
    planted = {**EXAMPLE, "first_name": "Zephyrine", "last_name": "Quillfeather", "phone": "617-555-0199"}
    assert send(server, planted).status_code == 201
    assert send(server, {**planted, "zip": "not-a-zip"}).status_code == 400
    http.post(f"{server.url}/apply", content="first_name=Zephyrine&zip=bad",
              headers={"Content-Type": "application/x-www-form-urlencoded"})
    http.get(f"{server.url}/apply?first_name=Zephyrine")
    server.stop()

    text = server.log.read_text()
    for secret in ("Zephyrine", "Quillfeather", "555-0199", "not-a-zip"):
        assert secret not in text
    entries = log_entries(server)  # every line is one JSON object
    requests = [e for e in entries if e["message"] == "request"]
    assert {e["path"] for e in requests} >= {"/api/applications", "/apply"}
    for entry in requests:
        assert len(entry["request_id"]) == 32
        assert isinstance(entry["status"], int) and entry["duration_ms"] >= 0
        assert "?" not in entry["path"]


def workers_that_answered(server: LiveServer) -> set[int]:
    return {e["pid"] for e in log_entries(server) if e.get("path") == "/api/applications"}


def test_two_workers_store_a_retried_application_once(server_factory):
    server = server_factory(workers=2)
    application_id = str(uuid.uuid4())
    responses = []
    # the kernel spreads connections between the workers unevenly: retry until both answered
    for _ in range(10):
        with ThreadPoolExecutor(max_workers=20) as pool:
            responses += pool.map(lambda _: send(server, EXAMPLE, application_id), range(40))
        if len(workers_that_answered(server)) == 2:
            break
    assert len(workers_that_answered(server)) == 2, "both workers should have answered some of the attempts"
    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == 1 and statuses.count(200) == len(statuses) - 1
    assert len({r.json()["receipt_code"] for r in responses}) == 1
    assert stored_count(server) == 1


def test_two_workers_share_one_rate_limit(server_factory):
    server = server_factory(workers=2, YOUTHJOBS_RATE_LIMIT="10/day")
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: send(server, EXAMPLE).status_code, range(16)))
    assert statuses.count(201) == 10 and statuses.count(429) == 6
    assert stored_count(server) == 10
    for _ in range(20):  # until both workers have been asked: every answer is still 429
        if len(workers_that_answered(server)) == 2:
            break
        with ThreadPoolExecutor(max_workers=8) as pool:
            assert set(pool.map(lambda _: send(server, EXAMPLE).status_code, range(16))) == {429}
    assert len(workers_that_answered(server)) == 2
    assert stored_count(server) == 10


def test_two_workers_share_staff_sessions(server_factory, database_url):
    from server.auth import create_user

    server = server_factory(workers=2)
    create_user(server.engine, "reviewer@city.example", "Rosa", "reviewer", "correct horse battery staple")
    signed_in = httpx.Client(headers={"Connection": "close"}, timeout=30)
    response = signed_in.post(f"{server.url}/staff/login", follow_redirects=False,
                              data={"email": "reviewer@city.example", "password": "correct horse battery staple"})
    assert response.status_code == 303
    statuses = []
    for _ in range(10):  # new connections, until both workers have recognised the session
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses += pool.map(lambda _: signed_in.get(f"{server.url}/staff/applications").status_code, range(16))
        pids = {e["pid"] for e in log_entries(server) if e.get("path") == "/staff/applications"}
        if len(pids) == 2:
            break
    assert len(pids) == 2 and set(statuses) == {200}
    # signing out on one worker ends the session on the other
    token = signed_in.get(f"{server.url}/staff/password").text.split('name="_csrf" value="')[1].split('"')[0]
    signed_in.post(f"{server.url}/staff/logout", data={"_csrf": token}, follow_redirects=False)
    with ThreadPoolExecutor(max_workers=8) as pool:
        after = set(pool.map(lambda _: signed_in.get(f"{server.url}/staff/applications").status_code, range(16)))
    assert after == {401}


def test_two_workers_share_a_burst_of_kept_alive_connections(server_factory):
    # a load balancer or proxy opens its connections at once and keeps them: each worker
    # must get a share, or a second worker sits idle while the first does all the work
    server = server_factory(workers=2)
    deadline = time.monotonic() + 60  # both workers are up (the server is ready once one of them is)
    while len({e["pid"] for e in log_entries(server) if e.get("path") == "/healthz"}) < 2:
        assert time.monotonic() < deadline, "the second worker did not start"
        http.get(f"{server.url}/healthz")
        time.sleep(0.05)
    connections = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(24)]
    try:
        for connection in connections:
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        for connection in connections:
            assert connection.recv(4096).startswith(b"HTTP/1.1 200")
    finally:
        for connection in connections:
            connection.close()
    time.sleep(0.2)  # the last log lines are written just after their responses
    pids = [e["pid"] for e in log_entries(server) if e.get("path") == "/healthz"][-24:]
    assert len(pids) == 24 and min(Counter(pids).values()) >= 3 and len(set(pids)) == 2, Counter(pids)


def test_a_second_server_on_the_same_port_is_refused(server_factory):
    # each worker's socket may share the port with its siblings, never with another server
    server = server_factory(workers=2)
    second = subprocess.run([sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port",
                             str(server.port), "--workers", "2"], cwd=ROOT, env={**os.environ, **server.env},
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert second.returncode != 0
    assert f"cannot listen on 127.0.0.1:{server.port}: Address already in use" in second.stderr
