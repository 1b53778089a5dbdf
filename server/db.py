"""The database engine, sessions, and the migration state (Alembic)."""

from __future__ import annotations

import fcntl
import os
import threading
from contextlib import nullcontext
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class DatabaseNotReady(RuntimeError):
    """The database is unreachable or not at the current migration; the message says what to run."""


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and foreign keys.

    ``hide_parameters`` keeps answers out of error messages, and so out of the logs.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # a fixed pool: opening a PostgreSQL connection costs more than waiting for a free one
    return create_engine(url, pool_pre_ping=True, pool_size=20, max_overflow=0, pool_timeout=30,
                         hide_parameters=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def refresh_statistics(engine: Engine) -> None:
    """Let SQLite's planner know the tables' shape (PostgreSQL's autovacuum does this itself):
    without it, a filter on area and status reads every row with that status."""
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA analysis_limit=400")
        connection.exec_driver_sql("ANALYZE")
        connection.commit()


def session(engine: Engine) -> Session:
    return Session(engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (the newest by default)."""
    command.upgrade(alembic_config(engine), revision)


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config(None)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def check_ready(engine: Engine) -> None:
    """Raise DatabaseNotReady unless the database answers and is fully migrated."""
    try:
        current = current_revision(engine)
    except Exception as exc:  # any driver error means "not reachable"
        raise DatabaseNotReady(f"cannot reach the database: {exc.__class__.__name__}: {exc}") from None
    head = head_revision()
    if current != head:
        raise DatabaseNotReady(
            f"the database is at migration {current or 'none'}, the code needs {head}: "
            "run `youthjobs db upgrade` first"
        )


class SqliteWriteLock:
    """One writer at a time on a SQLite database file, across threads and server processes.

    Writers wait their turn on a lock file beside the database, where the kernel wakes the
    next one the moment the lock is free. SQLite's own busy handler sleeps and polls instead,
    so with several processes a waiting writer sleeps through many free moments."""

    def __init__(self, database: str | None):
        self._threads = threading.Lock()
        self._path = f"{database}.write-lock" if database and database != ":memory:" else None
        self._fd: int | None = None

    def __enter__(self) -> None:
        self._threads.acquire()
        if self._path is None:
            return
        try:  # opened each time: a lock file opened before a fork would be shared, not exclusive
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._close()
            raise

    def __exit__(self, *exc) -> None:
        self._close()

    def _close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file releases the lock
            self._fd = None
        self._threads.release()


def write_lock(engine: Engine):
    """What writers that matter for throughput take around a write transaction: SQLite's
    single writer as a queue (SqliteWriteLock); nothing on PostgreSQL."""
    return SqliteWriteLock(engine.url.database) if engine.dialect.name == "sqlite" else nullcontext()
