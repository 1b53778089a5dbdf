"""What a city's IT team relies on: health checks, migrations, `youthjobs check`, keys,
retention and deletion on request."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel, select
from starlette.testclient import TestClient

from server.app import create_app
from server.checks import run_checks
from server.db import DatabaseNotReady, make_engine, session
from server.keys import KeyRing
from server.models import Application, Tombstone, utcnow
from server.retention import purge
from server.settings import ROOT

from .conftest import post, submission


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **env}, stdin=subprocess.DEVNULL, timeout=120)


def test_the_models_and_the_migrations_agree(database_url):
    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
    engine.dispose()


def test_health_and_readiness(client):
    assert client.get("/healthz").text == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.text == "ready"
    assert ready.headers["cache-control"] == "no-store"


def test_readiness_fails_on_an_unmigrated_database(tmp_path, settings):
    app = create_app(settings.__class__(**{**settings.__dict__, "database_url": f"sqlite:///{tmp_path / 'new.db'}"}))
    client = TestClient(app)  # no lifespan: the process is up, the database is not ready
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert client.get("/healthz").status_code == 200


def test_the_server_refuses_to_start_on_an_unmigrated_database(tmp_path, settings):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    result = run_cli("serve", "--port", "1", YOUTHJOBS_DATABASE_URL=url)
    assert result.returncode != 0
    assert "run `youthjobs db upgrade` first" in result.stderr
    app = create_app(settings.__class__(**{**settings.__dict__, "database_url": url}))
    with pytest.raises(DatabaseNotReady, match="youthjobs db upgrade"):
        with TestClient(app):
            pass


def test_db_upgrade_is_safe_to_repeat(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    for _ in range(2):
        result = run_cli("db", "upgrade", YOUTHJOBS_DATABASE_URL=url)
        assert result.returncode == 0, result.stderr
    assert "up to date" in run_cli("db", "current", YOUTHJOBS_DATABASE_URL=url).stdout


def test_every_response_has_a_request_id(client):
    response = client.get("/apply")
    assert len(response.headers["x-request-id"]) == 32
    echoed = client.get("/apply", headers={"X-Request-ID": "edge-7f3a"})
    assert echoed.headers["x-request-id"] == "edge-7f3a"
    forged = client.get("/apply", headers={"X-Request-ID": "<script>"})
    assert forged.headers["x-request-id"] != "<script>"


def production_env(tmp_path, database_url) -> dict:
    return {
        "YOUTHJOBS_DATABASE_URL": database_url,
        "YOUTHJOBS_SECRET_KEY": "k3J9-vQ2x_Lm8ZrT5wYb1NcE7hUo4aGdSfPi6",
        "YOUTHJOBS_PUBLIC_URL": "https://jobs.example.org",
        "YOUTHJOBS_KEY_DIR": str(tmp_path / "keys"),
    }


def test_check_lists_what_to_fix_before_going_live(tmp_path, database_url):
    result = run_cli("check", YOUTHJOBS_DATABASE_URL=database_url, YOUTHJOBS_KEY_DIR=str(tmp_path / "none"),
                     YOUTHJOBS_SECRET_KEY="", YOUTHJOBS_PUBLIC_URL="http://jobs.example.org")
    assert result.returncode == 1
    assert "fail  secret key: YOUTHJOBS_SECRET_KEY is not set" in result.stdout
    assert "fail  https: http://jobs.example.org is not HTTPS" in result.stdout
    assert "fail  keys: no key directory" in result.stdout
    assert "ok    database: reachable and migrated" in result.stdout


def test_check_passes_a_production_configuration(tmp_path, database_url):
    env = production_env(tmp_path, database_url)
    assert run_cli("keys", "rotate", **env).returncode == 0
    result = run_cli("check", **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok    hsts:" in result.stdout and "ok    cookies:" in result.stdout
    assert "ready for production" in result.stdout


def test_a_weak_secret_or_a_readable_key_fails_the_check(tmp_path, database_url):
    env = production_env(tmp_path, database_url)
    ring = KeyRing(tmp_path / "keys")
    key_id = ring.rotate()
    os.chmod(ring.directory / f"{key_id}.pem", 0o644)
    settings_env = {**env, "YOUTHJOBS_SECRET_KEY": "changeme"}
    result = run_cli("check", **settings_env)
    assert "fail  secret key: YOUTHJOBS_SECRET_KEY is too short or too guessable" in result.stdout
    assert "can be read by other users" in result.stdout


def test_demo_loads_examples_once_and_makes_a_key_pair_for_outreach(tmp_path):
    env = {"YOUTHJOBS_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}", "YOUTHJOBS_KEY_DIR": str(tmp_path / "keys"),
           "YOUTHJOBS_ASSETS_DIR": str(tmp_path / "assets")}
    assert run_cli("db", "upgrade", **env).returncode == 0
    first, again = run_cli("demo", **env), run_cli("demo", **env)
    assert first.returncode == again.returncode == 0, first.stderr
    assert "2 demo application(s) added" in first.stdout and "0 demo application(s) added" in again.stdout
    assert "key pair" in first.stdout and "key pair" not in again.stdout
    assert KeyRing(tmp_path / "keys").problems() == []


def test_keys_rotate_keeps_older_keys_valid(tmp_path):
    ring = KeyRing(tmp_path / "keys")
    first = ring.rotate()
    second = ring.rotate()
    assert ring.current_id() == second and ring.ids() == sorted([first, second])
    assert stat.S_IMODE((ring.directory / f"{first}.pem").stat().st_mode) == 0o600
    assert ring.private_key(first).key_size == 3072
    assert ring.problems() == []


def test_run_checks_warns_about_sqlite_for_a_city(tmp_path, settings):
    warnings = [c for c in run_checks(settings) if c.status == "warn"]
    if settings.is_sqlite:
        assert any("PostgreSQL" in c.message for c in warnings)


def age(app, application_id: str, days: int) -> None:
    with session(app.state.engine) as db:
        row = db.get(Application, application_id)
        row.received_at = utcnow() - timedelta(days=days)
        db.add(row)
        db.commit()


def test_retention_deletes_old_applications_and_they_cannot_come_back(client, app, example):
    old, recent = submission(app, example), submission(app, example)
    post(client, old)
    post(client, recent)
    age(app, old["id"], days=4 * 365)
    assert purge(app.state.engine, years=3, dry_run=True) == 1
    assert purge(app.state.engine, years=3) == 1
    with session(app.state.engine) as db:
        assert [row.id for row in db.exec(select(Application))] == [recent["id"]]
        assert db.get(Tombstone, old["id"]).reason == "retention"
    # an offline device still holding it cannot resurrect it
    assert post(client, old).status_code == 409
    assert purge(app.state.engine, years=3) == 0


def test_deletion_on_request_from_the_command_line(client, app, example, database_url):
    body = submission(app, example)
    post(client, body)
    result = run_cli("delete-application", body["id"], YOUTHJOBS_DATABASE_URL=database_url)
    assert result.returncode == 0 and "deleted" in result.stdout
    assert post(client, body).status_code == 409
    with session(app.state.engine) as db:
        tombstone = db.get(Tombstone, body["id"])
    # the tombstone is anonymous: an id, a reason and a date
    assert set(tombstone.model_dump()) == {"id", "reason", "created_at"}


def test_backup_and_restore_from_the_command_line(client, app, example, database_url, tmp_path):
    body = submission(app, example)
    post(client, body)
    archive = tmp_path / "nightly.jsonl.gz"
    made = run_cli("backup", str(archive), YOUTHJOBS_DATABASE_URL=database_url)
    assert made.returncode == 0, made.stderr
    assert "applications 1" in made.stdout
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    assert run_cli("db", "upgrade", YOUTHJOBS_DATABASE_URL=target).returncode == 0
    restored = run_cli("restore", str(archive), YOUTHJOBS_DATABASE_URL=target)
    assert restored.returncode == 0, restored.stderr
    assert "applications 1" in restored.stdout
    again = run_cli("restore", str(archive), YOUTHJOBS_DATABASE_URL=target)
    assert again.returncode == 1 and "not empty" in again.stderr


def test_the_socket_several_workers_share_turns_off_nagles_algorithm():
    """Responses go out as headers then body: with Nagle's algorithm on, the body waits for
    the client's delayed acknowledgement (40 ms a request). asyncio turns it off only on a
    socket marked as TCP; uvicorn's own shared socket is not, ours is."""
    import asyncio
    import socket

    import uvicorn

    from server.cli import tcp_socket

    async def nodelay_of_accepted(listening: socket.socket) -> int:
        accepted = asyncio.get_running_loop().create_future()

        class Protocol(asyncio.Protocol):
            def connection_made(self, transport):
                accepted.set_result(transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

        server = await asyncio.get_running_loop().create_server(Protocol, sock=listening)
        _, writer = await asyncio.open_connection(*listening.getsockname()[:2])
        try:
            return await asyncio.wait_for(accepted, 5)
        finally:
            writer.close()
            server.close()

    ours = tcp_socket("127.0.0.1", 0)
    assert asyncio.run(nodelay_of_accepted(ours)) == 1
    theirs = uvicorn.Config("server.app:app", host="127.0.0.1", port=0, log_config=None).bind_socket()
    assert asyncio.run(nodelay_of_accepted(theirs)) == 0  # why tcp_socket exists


def test_a_worker_that_cannot_listen_says_so_and_exits_as_failed_to_start(capsys):
    # uvicorn's supervisor stops on exit status 3 ("failed to start"); any other status
    # would have it start a new worker, failing the same way, every half second, forever
    import socket

    from server.cli import _bind_in_worker

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(SystemExit) as exited:
            _bind_in_worker("127.0.0.1", taken.getsockname()[1])
    assert exited.value.code == 3
    assert "cannot listen on 127.0.0.1" in capsys.readouterr().err
