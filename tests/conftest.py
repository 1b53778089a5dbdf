"""Fixtures: the app on a fresh, migrated database (see ../conftest.py) and a client that
runs its lifespan."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import ROOT, RateLimit, Settings

DEFAULT_PROGRAM = ROOT / "programs" / "default.json"


@pytest.fixture(scope="session")
def assets_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("assets")


@pytest.fixture
def settings(database_url, assets_dir) -> Settings:
    return Settings(database_url=database_url, assets_dir=assets_dir, rate_limit=RateLimit(0, 60))


@pytest.fixture
def app(settings):
    app = create_app(settings)
    yield app
    app.state.engine.dispose()


@pytest.fixture
def client(app):
    with TestClient(app) as client:
        yield client


@pytest.fixture
def example(app) -> dict:
    """A complete, valid set of answers: the program's own first example."""
    return copy.deepcopy(app.state.program.form.schema["examples"][0])


def submission(app, answers: dict, application_id: str | None = None) -> dict:
    return {
        "id": application_id or str(uuid.uuid4()),
        "form_version": app.state.program.form.version,
        "answers": answers,
        "client": {"started_at": "2026-12-01T10:00:00Z", "filled_at": "2026-12-01T10:04:00Z", "language": "en"},
    }


def post(client, body, key: str | None = "same-as-id", **headers):
    """POST /api/applications the way the app does: JSON body, Idempotency-Key = id."""
    if key == "same-as-id":
        key = body["id"] if isinstance(body, dict) else None
    if key is not None:
        headers["Idempotency-Key"] = key
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post("/api/applications", content=data, headers={"Content-Type": "application/json", **headers})


def write_program(tmp_path: Path, change) -> Path:
    """A copy of the default program file with ``change(program)`` applied."""
    program = json.loads(DEFAULT_PROGRAM.read_text())
    change(program)
    path = tmp_path / "program.json"
    path.write_text(json.dumps(program))
    return path
