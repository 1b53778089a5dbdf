"""Backups: a backup restores row for row into a new database on either engine, and a
restore refuses any database or file it cannot restore cleanly, writing nothing."""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import re
import stat
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel
from starlette.testclient import TestClient

from conftest import missing_prerequisite
from server import backup as backup_module
from server.app import create_app
from server.backup import BackupError, backup, restore
from server.db import head_revision, make_engine, upgrade
from server.ratelimit import RateLimiter
from server.settings import RateLimit
from server.submissions import withdraw

from .conftest import post, submission


@pytest.fixture
def sent(client, app, example) -> list[tuple[dict, dict]]:
    """Three applications sent through the API, one of them then withdrawn, and one rate counter:
    a row in every table. Returns (body, receipt) for each application."""
    sent = []
    for _ in range(3):
        body = submission(app, example)
        response = post(client, body)
        assert response.status_code == 201
        sent.append((body, response.json()))
    assert withdraw(app.state.engine, sent[-1][0]["id"])
    RateLimiter(app.state.engine, RateLimit(5, 60)).hit("203.0.113.9")
    return sent


@pytest.fixture
def path(tmp_path):
    """Where backups go: a folder of their own, so a leftover temporary file would show."""
    (tmp_path / "backups").mkdir()
    return tmp_path / "backups" / "youthjobs.backup.jsonl.gz"


@pytest.fixture
def new_database(request, tmp_path):
    """``new_database("sqlite" | "postgresql")``: an engine on a new, empty, migrated database."""
    made = []

    def make(kind: str):
        if kind == "sqlite":
            url = f"sqlite:///{tmp_path / f'new-{len(made)}.db'}"
            engine = make_engine(url)
            upgrade(engine)
        else:
            postgres = request.getfixturevalue("postgres")
            if postgres.error:
                missing_prerequisite(postgres.error)
            url = postgres.create()
            engine = make_engine(url)
        made.append((kind, url, engine))
        return engine

    yield make
    for kind, url, engine in made:
        engine.dispose()
        if kind == "postgresql":
            request.getfixturevalue("postgres").drop(url)


def url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _utc(value):
    # SQLite hands timestamps back without a zone; both engines store UTC
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def everything(engine) -> dict[str, list[dict]]:
    """Every row of every table, timestamps in UTC, in primary-key order (sorted here: collations differ)."""
    rows = {}
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            found = [{k: _utc(v) for k, v in row.items()} for row in connection.execute(select(table)).mappings()]
            keys = [column.key for column in table.primary_key.columns]
            rows[table.name] = sorted(found, key=lambda row: [str(row[key]) for key in keys])
    return rows


def nonempty(tables: dict) -> dict:
    return {name: count for name, count in tables.items() if count}


def is_empty(engine) -> bool:
    return all(rows == [] for rows in everything(engine).values())


def read_lines(path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def write_lines(path, documents: list) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.writelines((d if isinstance(d, str) else json.dumps(d)) + "\n" for d in documents)


@pytest.mark.parametrize("target", ["sqlite", "postgresql"])
def test_a_backup_restores_row_for_row_into_a_new_database_on_either_engine(app, sent, new_database, path, target):
    original = everything(app.state.engine)
    summary = backup(app.state.engine, path)
    assert nonempty(summary["tables"]) == {"form_versions": 1, "rate_counters": 1, "tombstones": 1, "applications": 2}
    assert summary["migration"] == head_revision()
    assert summary["path"] == str(path)

    engine = new_database(target)
    restored = restore(engine, path)
    assert restored["tables"] == summary["tables"]
    assert everything(engine) == original


def test_the_restored_database_answers_replays_with_the_same_receipts(app, settings, sent, new_database, path):
    backup(app.state.engine, path)
    engine = new_database(app.state.engine.dialect.name)
    restore(engine, path)

    restored_app = create_app(dataclasses.replace(settings, database_url=url_of(engine)))
    with TestClient(restored_app) as client:
        for body, receipt in sent[:2]:
            replay = post(client, body)
            assert replay.status_code == 200
            assert replay.json() == receipt
        withdrawn, _ = sent[2]
        assert post(client, withdrawn).status_code == 409
    restored_app.state.engine.dispose()


def test_the_backup_is_gzip_json_lines_with_a_header_first_and_only_its_owner_can_read_it(app, sent, path):
    backup(app.state.engine, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.listdir(path.parent) == [path.name]  # no temporary file left beside it

    header, *rows = read_lines(path)
    assert header["format"] == "youthjobs-backup"
    assert header["version"] == 1
    assert header["migration"] == head_revision()
    assert datetime.fromisoformat(header["created_at"]).utcoffset().total_seconds() == 0
    assert nonempty(header["tables"]) == {"form_versions": 1, "rate_counters": 1, "tombstones": 1, "applications": 2}
    assert set(header["tables"]) == {table.name for table in SQLModel.metadata.sorted_tables}
    # tables in foreign-key order: each application's form version comes before it
    assert [row["table"] for row in rows] == ["form_versions", "rate_counters", "tombstones"] + ["applications"] * 2
    application = rows[-1]["row"]
    assert isinstance(application["answers"], dict)
    assert datetime.fromisoformat(application["received_at"]).tzinfo is not None


def test_backups_and_restores_stream_in_batches_smaller_than_a_table(app, sent, new_database, path, monkeypatch):
    monkeypatch.setattr(backup_module, "BATCH", 2)
    limiter = RateLimiter(app.state.engine, RateLimit(5, 60))
    for number in range(7):
        limiter.hit(f"198.51.100.{number}")
    assert backup(app.state.engine, path)["tables"]["rate_counters"] == 8
    engine = new_database("sqlite")
    restore(engine, path)
    assert everything(engine) == everything(app.state.engine)


def test_a_failed_backup_leaves_the_previous_file_untouched_and_no_temporary_file(app, sent, path, monkeypatch):
    path.write_bytes(b"yesterday's backup")

    def disk_full(*args):
        raise OSError("No space left on device")

    monkeypatch.setattr(backup_module, "_encode", disk_full)
    with pytest.raises(OSError, match="No space left"):
        backup(app.state.engine, path)
    assert path.read_bytes() == b"yesterday's backup"
    assert os.listdir(path.parent) == [path.name]


def test_backup_refuses_a_database_that_is_not_migrated(path, tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'unmigrated.db'}")
    with pytest.raises(BackupError, match=re.escape("cannot back up: the database is at migration none")):
        backup(engine, path)
    engine.dispose()
    assert os.listdir(path.parent) == []


def test_restore_refuses_a_database_that_is_not_empty(app, sent, path):
    backup(app.state.engine, path)
    before = everything(app.state.engine)
    message = ("the database is not empty (form_versions has 1 row, rate_counters has 1 row, tombstones has 1 row, "
               "applications has 2 rows): restore only into a new database")
    with pytest.raises(BackupError, match=re.escape(message)):
        restore(app.state.engine, path)
    assert everything(app.state.engine) == before


def test_restore_refuses_a_database_the_app_has_already_started_on(app, settings, sent, new_database, path):
    backup(app.state.engine, path)
    engine = new_database(app.state.engine.dialect.name)
    started = create_app(dataclasses.replace(settings, database_url=url_of(engine)))
    with TestClient(started):  # registers the current form version
        pass
    started.state.engine.dispose()
    with pytest.raises(BackupError, match=re.escape("the database is not empty (form_versions has 1 row)")):
        restore(engine, path)


def test_restore_refuses_a_backup_from_another_migration(app, sent, new_database, path):
    backup(app.state.engine, path)
    header, *rows = read_lines(path)
    older = path.with_name("older.jsonl.gz")
    write_lines(older, [{**header, "migration": "0000"}, *rows])

    engine = new_database(app.state.engine.dialect.name)
    with pytest.raises(BackupError, match=re.escape(f"the backup is from migration 0000, the database is at "
                                                    f"{head_revision()}: ")):
        restore(engine, older)
    assert is_empty(engine)


def test_restore_refuses_a_database_that_is_not_migrated(app, sent, path, tmp_path):
    backup(app.state.engine, path)
    engine = make_engine(f"sqlite:///{tmp_path / 'unmigrated.db'}")
    with pytest.raises(BackupError, match=re.escape("cannot restore: the database is at migration none")):
        restore(engine, path)
    engine.dispose()


def _last_row(change):
    def corrupt(lines):
        *rest, last = lines
        return [*rest, change(last)]
    return corrupt


CORRUPTIONS = {
    "not gzip": (lambda lines: None, "is not a readable youthjobs backup: Not a gzipped file"),
    "cut short": (lambda lines: None, "is not a readable youthjobs backup: Compressed file ended"),
    "not a youthjobs backup": (lambda lines: [{"format": "spreadsheet"}, *lines[1:]],
                               "this is not a youthjobs backup"),
    "newer format": (lambda lines: [{**lines[0], "version": 2}, *lines[1:]],
                     "the backup is in format version 2, this youthjobs reads 1"),
    "bad JSON": (_last_row(lambda row: '{"table": "applications", "row": {"id": '), "line 6 is not valid JSON"),
    "unknown table": (lambda lines: [*lines, {"table": "payroll", "row": {}}], "line 7: unknown table 'payroll'"),
    "unknown column": (_last_row(lambda row: {**row, "row": {**row["row"], "salary": 15}}),
                       "line 6: unknown column 'salary' in table applications"),
    "missing column": (_last_row(lambda row: {**row, "row": {k: v for k, v in row["row"].items() if k != "status"}}),
                       "line 6: the applications row has no value for column 'status'"),
    "bad timestamp": (_last_row(lambda row: {**row, "row": {**row["row"], "received_at": "last Tuesday"}}),
                      "line 6: applications.received_at is not an ISO 8601 date and time"),
    "rows missing": (lambda lines: lines[:-1],
                     "the backup is incomplete (applications has 1 in the file, the header says 2)"),
    "duplicate row": (lambda lines: [*lines, lines[-1]], "the backup's rows do not fit this database"),
}


@pytest.mark.parametrize("corruption", CORRUPTIONS)
def test_restore_refuses_a_corrupt_file_and_writes_nothing(app, sent, new_database, path, corruption):
    backup(app.state.engine, path)
    corrupt, message = CORRUPTIONS[corruption]
    broken = path.with_name("broken.jsonl.gz")
    if corruption == "not gzip":
        broken.write_bytes(gzip.decompress(path.read_bytes()))
    elif corruption == "cut short":
        broken.write_bytes(path.read_bytes()[:-40])
    else:
        write_lines(broken, corrupt(read_lines(path)))

    engine = new_database(app.state.engine.dialect.name)
    with pytest.raises(BackupError, match=re.escape(message)):
        restore(engine, broken)
    # the errors are at the end of the file, after earlier tables were inserted: all rolled back
    assert is_empty(engine)
