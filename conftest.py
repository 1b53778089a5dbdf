"""Shared by tests/ and e2e/: every database test runs on SQLite and on PostgreSQL.

PostgreSQL is reached at YOUTHJOBS_TEST_POSTGRES_URL (a role allowed to create databases;
default: the role `.ci/run` creates on 127.0.0.1). Each test gets a fresh database copied
from a migrated template. Where PostgreSQL cannot be reached, its tests skip with the
reason on a laptop, and fail when CI=true.
"""

from __future__ import annotations

import os
import time
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from server.db import make_engine, upgrade

IN_CI = os.environ.get("CI") == "true"
POSTGRES_URL = os.environ.get(
    "YOUTHJOBS_TEST_POSTGRES_URL", "postgresql+psycopg://youthjobs:youthjobs@127.0.0.1:5432/postgres"
)


def missing_prerequisite(reason: str):
    """Skip on a laptop; in CI a missing prerequisite is a failure."""
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)


class Postgres:
    """Creates a throwaway database per test from a template at the current migration."""

    def __init__(self, url: str):
        self.url = make_url(url)
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT", pool_size=1)
        self.template = f"yj_template_{os.getpid()}"
        self.error: str | None = None
        try:
            self._run(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
            self._run(f'CREATE DATABASE "{self.template}"')
        except OperationalError as exc:
            self.error = f"PostgreSQL unreachable at {self.url.render_as_string()}: {exc.orig}"
            return
        engine = make_engine(self.url.set(database=self.template).render_as_string(hide_password=False))
        upgrade(engine)
        engine.dispose()

    def _run(self, statement: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(statement))

    def create(self) -> str:
        name = f"yj_test_{uuid.uuid4().hex[:12]}"
        # "source database is being accessed by other users": a connection to the template
        # from a moment ago may still be closing
        self._run_retrying(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"', OperationalError, 5)
        return self.url.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        # an autovacuum worker on it (after many inserts) cannot be stopped by this role: it
        # ends on its own in a moment
        self._run_retrying(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)', ProgrammingError, 10)

    def _run_retrying(self, statement: str, passing: type[Exception], attempts: int) -> None:
        """Run ``statement``, trying again every half second while it fails with ``passing``."""
        for attempt in range(attempts):
            try:
                self._run(statement)
                return
            except passing:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.5)

    def close(self) -> None:
        if self.error is None:
            self._run(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres():
    server = Postgres(POSTGRES_URL)
    yield server
    server.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh database at the current migration, on each engine in turn."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'youthjobs.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    postgres = request.getfixturevalue("postgres")
    if postgres.error:
        missing_prerequisite(postgres.error)
    url = postgres.create()
    yield url
    postgres.drop(url)
