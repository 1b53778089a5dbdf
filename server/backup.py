"""Backups: every table in one portable file, and back into a new database.

The file is gzip-compressed JSON Lines: a header, then one line per row, tables in
foreign-key order. It is plain JSON with ISO 8601 timestamps, so a backup taken on SQLite
restores into PostgreSQL and the other way round. It holds personal data, so only its
owner can read it.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import secrets
import zlib
from datetime import UTC, datetime
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Connection, DateTime, Engine, Table, func, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import SQLModel

from . import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from .db import DatabaseNotReady, check_ready, head_revision

FORMAT = "youthjobs-backup"
VERSION = 1
BATCH = 1000


class BackupError(Exception):
    """A backup or restore cannot go ahead; the message says why and what to do instead."""


def backup(engine: Engine, path: str | Path) -> dict:
    """Write every table to ``path``; return the migration, row counts per table and path."""
    try:
        check_ready(engine)
    except DatabaseNotReady as exc:
        raise BackupError(f"cannot back up: {exc}") from None
    path = Path(path)
    # a unique temporary name beside the target, so os.replace is atomic and a failed
    # backup never leaves a half-written file under the final name
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as raw:
            # level 6 is zlib's usual trade-off; the buffer saves a compress call per row
            with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6) as packed:
                with io.BufferedWriter(packed, 1 << 16) as out:
                    summary = _dump(engine, out)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return {**summary, "path": str(path)}


def _dump(engine: Engine, out) -> dict:
    tables = SQLModel.metadata.sorted_tables
    with engine.connect() as connection:
        _snapshot(connection)
        header = {
            "format": FORMAT,
            "version": VERSION,
            "migration": MigrationContext.configure(connection).get_current_revision(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "tables": {table.name: _count(connection, table) for table in tables},
        }
        out.write(_line(header))
        for table in tables:
            query = select(table).order_by(*table.primary_key.columns).execution_options(yield_per=BATCH)
            moments = [column for column in table.columns if isinstance(column.type, DateTime)]
            with connection.execute(query) as rows:  # closes PostgreSQL's server-side cursor on failure too
                for row in rows.mappings():
                    out.write(_line({"table": table.name, "row": _encode(row, moments)}))
    return {key: header[key] for key in ("migration", "created_at", "tables")}


def _snapshot(connection: Connection) -> None:
    # the header's counts and every table must come from one moment while the app keeps
    # taking applications: one read transaction that sees nothing committed after it began
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    elif connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")  # pysqlite would otherwise not begin one for reads


def _count(connection: Connection, table: Table) -> int:
    return connection.execute(select(func.count()).select_from(table)).scalar_one()


def _line(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=_unsupported).encode() + b"\n"


def _unsupported(value):
    raise BackupError(f"cannot back up a value of type {type(value).__name__}: server/backup.py needs to learn it")


def _encode(row, moments: list[Column]) -> dict:
    encoded = dict(row)
    for column in moments:
        if encoded[column.key] is not None:
            encoded[column.key] = _stored_moment(column, encoded[column.key]).isoformat()
    return encoded


def _stored_moment(column: Column, moment: datetime) -> datetime:
    if not column.type.timezone:
        return moment
    # SQLite hands timestamps back without a zone and drops any zone it is given:
    # everything is stored in UTC, so the file says so explicitly
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def restore(engine: Engine, path: str | Path) -> dict:
    """Insert every row of the backup at ``path`` into an empty database at the same migration."""
    path = Path(path)
    try:
        with gzip.open(path, "rb") as source:
            header = _header(source.readline())
            _check_migration(engine, header["migration"])
            # one transaction: whatever goes wrong, nothing is left half-restored
            with engine.begin() as connection:
                _check_empty(connection)
                counts = _load(connection, source)
                _check_complete(counts, header["tables"])
    except (OSError, EOFError, zlib.error, ValueError) as exc:  # not gzip, cut short, not UTF-8, not JSON
        raise BackupError(f"{path} is not a readable youthjobs backup: {exc}") from None
    except (IntegrityError, DataError) as exc:
        raise BackupError(f"the backup's rows do not fit this database, nothing was restored: {exc.orig}") from None
    return {"path": str(path), "migration": header["migration"], "created_at": header.get("created_at"),
            "tables": counts}


def _header(text: bytes) -> dict:
    if not text.strip():
        raise BackupError("the backup is empty: it has no header line")
    header = json.loads(text)
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError("this is not a youthjobs backup: its first line is not a youthjobs-backup header")
    if header.get("version") != VERSION:
        raise BackupError(f"the backup is in format version {header.get('version')!r}, this youthjobs reads {VERSION}")
    if not isinstance(header.get("migration"), str) or not isinstance(header.get("tables"), dict):
        raise BackupError("the backup's header is malformed: it needs a migration and row counts per table")
    return header


def _check_migration(engine: Engine, migration: str) -> None:
    try:
        check_ready(engine)
    except DatabaseNotReady as exc:
        raise BackupError(f"cannot restore: {exc}") from None
    current = head_revision()  # check_ready saw the database at the code's own migration
    if migration != current:
        raise BackupError(f"the backup is from migration {migration}, the database is at {current}: restore it into "
                          "a database at its own migration with the youthjobs that made it, then upgrade that one")


def _check_empty(connection: Connection) -> None:
    filled = [(table.name, rows) for table in SQLModel.metadata.sorted_tables if (rows := _count(connection, table))]
    if filled:
        described = ", ".join(f"{name} has {rows} row{'s' * (rows != 1)}" for name, rows in filled)
        raise BackupError(f"the database is not empty ({described}): restore only into a new database")


def _load(connection: Connection, source) -> dict[str, int]:
    tables = SQLModel.metadata.tables
    counts = {table.name: 0 for table in SQLModel.metadata.sorted_tables}
    batch, table = [], None
    for number, text in enumerate(source, start=2):
        name, row = _record(text, number)
        if name not in tables:
            raise BackupError(f"line {number}: unknown table {name!r}")
        if tables[name] is not table or len(batch) == BATCH:
            _insert(connection, table, batch)
            batch, table = [], tables[name]
        batch.append(_decode(table, row, number))
        counts[name] += 1
    _insert(connection, table, batch)
    return counts


def _record(text: bytes, number: int) -> tuple[str, dict]:
    try:
        record = json.loads(text)
    except ValueError as exc:
        raise BackupError(f"line {number} is not valid JSON: {exc}") from None
    if not (isinstance(record, dict) and isinstance(record.get("table"), str) and isinstance(record.get("row"), dict)):
        raise BackupError(f"line {number} is not a row: it needs a table name and a row object")
    return record["table"], record["row"]


def _decode(table: Table, row: dict, number: int) -> dict:
    unknown = sorted(row.keys() - table.columns.keys())
    if unknown:
        raise BackupError(f"line {number}: unknown column {unknown[0]!r} in table {table.name}")
    # every row carries every column, so each batch is one executemany of one statement
    missing = sorted(table.columns.keys() - row.keys())
    if missing:
        raise BackupError(f"line {number}: the {table.name} row has no value for column {missing[0]!r}")
    decoded = dict(row)
    for column in table.columns:
        value = row[column.key]
        if isinstance(column.type, DateTime) and value is not None:
            try:
                decoded[column.key] = _stored_moment(column, datetime.fromisoformat(value))
            except (TypeError, ValueError):
                problem = f"{table.name}.{column.key} is not an ISO 8601 date and time"
                raise BackupError(f"line {number}: {problem}") from None
    return decoded


def _insert(connection: Connection, table: Table | None, batch: list[dict]) -> None:
    if batch:
        connection.execute(table.insert(), batch)


def _check_complete(counts: dict[str, int], expected: dict) -> None:
    # a file cut at a line boundary still decompresses: the header's counts catch it
    short = [f"{name} has {counts[name]} in the file, the header says {expected.get(name, 0)}"
             for name in counts if counts[name] != expected.get(name, 0)]
    if short:
        raise BackupError(f"the backup is incomplete ({'; '.join(short)}): nothing was restored")
