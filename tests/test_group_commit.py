"""Group commit: submissions that arrive together are stored in one transaction, and each
still gets its own answer; a fault with one costs only that one."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
import uuid

import pytest
from sqlalchemy import text
from sqlmodel import func, select

from server.db import session
from server.group_commit import GroupCommit
from server.models import Application
from server.problems import Problem
from server.submissions import withdraw

from .conftest import submission


def count(app) -> int:
    with session(app.state.engine) as db:
        return db.exec(select(func.count()).select_from(Application)).one()


def prepared(app, answers, application_id=None):
    body = submission(app, answers, application_id)
    return app.state.submissions.prepare(body, body["id"], "en")


# -- the queue -------------------------------------------------------------------------------

def test_requests_that_arrive_while_a_batch_is_written_go_together_in_the_next():
    release = threading.Event()
    batches = []

    def write(items):
        batches.append(list(items))
        if len(batches) == 1:
            release.wait(5)  # the first transaction is slow: everyone else arrives meanwhile
        return [item * 10 for item in items]

    async def main():
        group = GroupCommit(write)
        first = asyncio.create_task(group(1))
        await asyncio.sleep(0.05)
        rest = [asyncio.create_task(group(n)) for n in range(2, 12)]
        await asyncio.sleep(0.05)
        release.set()
        return await first, await asyncio.gather(*rest)

    first, rest = asyncio.run(main())
    assert first == 10 and rest == [n * 10 for n in range(2, 12)]
    assert batches == [[1], list(range(2, 12))]


def test_a_batch_is_cut_at_the_largest_size():
    release = threading.Event()
    sizes = []

    def write(items):
        sizes.append(len(items))
        release.wait(5)
        return items

    async def main():
        group = GroupCommit(write, max_batch=4)
        tasks = [asyncio.create_task(group(n)) for n in range(10)]
        await asyncio.sleep(0.05)
        release.set()
        return await asyncio.gather(*tasks)

    assert asyncio.run(main()) == list(range(10))
    assert sizes == [4, 4, 2]


def test_an_exception_as_a_result_is_raised_to_its_own_caller_only():
    def write(items):
        return [ValueError(f"bad {item}") if item == "bad" else item for item in items]

    async def main():
        group = GroupCommit(write)
        return await asyncio.gather(group("good"), group("bad"), group("fine"), return_exceptions=True)

    good, bad, fine = asyncio.run(main())
    assert (good, fine) == ("good", "fine")
    assert isinstance(bad, ValueError) and str(bad) == "bad bad"


def test_when_the_write_itself_fails_that_batch_hears_it_and_the_next_is_written():
    calls = []

    def write(items):
        calls.append(list(items))
        if len(calls) == 1:
            raise OSError("disk full")
        return items

    async def main():
        group = GroupCommit(write)
        failed = await asyncio.gather(group(1), return_exceptions=True)
        return failed, await group(2)

    [failed], then = asyncio.run(main())
    assert isinstance(failed, OSError)
    assert then == 2 and calls == [[1], [2]]


# -- storing a batch -------------------------------------------------------------------------

def test_a_batch_stores_each_once_and_answers_each(client, app, example):
    submissions = app.state.submissions
    stored_before = prepared(app, example)
    assert submissions.submit(*_args(app, stored_before))[0] == 201
    withdrawn = prepared(app, example)
    withdraw(app.state.engine, withdrawn.id)
    new = [prepared(app, example) for _ in range(3)]
    changed = prepared(app, {**example, "zip": "02120"}, application_id=new[0].id)
    batch = [new[0], stored_before, new[1], withdrawn, new[0], changed, new[2]]

    outcomes = submissions.store(batch)

    statuses = [o[0] if isinstance(o, tuple) else o.status for o in outcomes]
    # new, replay, new, withdrawn, the same id again in the batch (replay), same id with other answers
    assert statuses == [201, 200, 201, 409, 200, 422, 201]
    assert outcomes[1][1].receipt_code == stored_before.row["receipt_code"]
    assert count(app) == 4


def test_a_lone_row_the_database_refuses_is_its_outcome_for_the_caller_to_answer(client, app, example):
    broken = prepared(app, example)
    broken.row["receipt_code"] = None
    [outcome] = app.state.submissions.store([broken])  # an outreach sync with one item: that item's 500
    assert isinstance(outcome, Exception) and not isinstance(outcome, Problem)
    assert count(app) == 0


def test_a_row_the_database_refuses_fails_alone_and_the_rest_are_stored(client, app, example):
    good = [prepared(app, example) for _ in range(3)]
    broken = prepared(app, example)
    broken.row["receipt_code"] = None  # NOT NULL: the database refuses this one row

    outcomes = app.state.submissions.store([good[0], broken, good[1], good[2]])

    assert [o[0] for o in outcomes if isinstance(o, tuple)] == [201, 201, 201]
    assert isinstance(outcomes[1], Exception) and not isinstance(outcomes[1], Problem)
    assert count(app) == 3


def test_an_id_stored_by_another_process_meanwhile_is_answered_as_a_replay(client, app, example):
    """Another server process commits the same id between this batch's check and its insert
    (a client retrying while its first attempt is still being stored)."""
    racing, other = prepared(app, example), prepared(app, example)
    engine = app.state.engine
    columns = ", ".join(racing.row)
    insert = text(f"INSERT INTO applications ({columns}) VALUES ({', '.join(':' + c for c in racing.row)})")
    row = {**racing.row, "answers": _json(racing.row["answers"]), "client": _json(racing.row["client"])}
    holding, done = threading.Event(), threading.Event()

    def other_process():
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            connection.execute(insert, row)
            holding.set()
            time.sleep(0.5)  # the batch checks, finds nothing, and waits on this insert
            connection.commit()
        done.set()

    thread = threading.Thread(target=other_process)
    thread.start()
    assert holding.wait(5)
    outcomes = app.state.submissions.store([racing, other])
    thread.join(10)

    assert done.is_set()
    assert [outcome[0] for outcome in outcomes] == [200, 201]
    assert count(app) == 2


def _args(app, prepared_one):
    body = submission(app, prepared_one.row["answers"], prepared_one.id)
    return body, body["id"], "en"


def _json(value) -> str:
    import json
    return json.dumps(value)


@pytest.mark.parametrize("concurrent", [40])
def test_concurrent_submissions_over_http_each_get_201_and_are_stored_once(client, app, example, concurrent):
    from concurrent.futures import ThreadPoolExecutor

    from .conftest import post

    bodies = [submission(app, example) for _ in range(concurrent)]
    bodies += bodies[:10]  # ten sent twice at the same time
    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(lambda body: post(client, body).status_code, bodies))
    assert statuses.count(201) == concurrent
    assert statuses.count(200) == 10
    assert count(app) == concurrent
    ids = {str(uuid.UUID(body["id"])) for body in bodies}
    with session(app.state.engine) as db:
        assert set(db.exec(select(Application.id))) == ids


# -- rate limits, counted together -----------------------------------------------------------

def test_rate_limit_hits_counted_together_keep_each_requests_place(client, app):
    from server.ratelimit import RateLimiter
    from server.settings import RateLimit

    limiter = RateLimiter(app.state.engine, RateLimit(3, 60))
    now = 1_000_000.0
    waits = limiter.hit_many(["a", "b", "a", "a", "a", "b"], now)
    assert [wait is None for wait in waits] == [True, True, True, True, False, True]
    assert limiter.hit("a", now) is not None
    assert limiter.hit("b", now) is None and limiter.hit("b", now) is not None  # b: its third, then over
    assert limiter.hit("a", now + 60) is None  # a new window starts from one


def test_many_submissions_at_once_from_one_address_get_exactly_the_allowance(settings, example):
    from concurrent.futures import ThreadPoolExecutor

    from starlette.testclient import TestClient

    from server.app import create_app
    from server.settings import RateLimit

    from .conftest import post

    app = create_app(dataclasses.replace(settings, rate_limit=RateLimit(7, 3600)))
    with TestClient(app) as client, ThreadPoolExecutor(12) as pool:
        statuses = list(pool.map(lambda _: post(client, submission(app, example)).status_code, range(20)))
    app.state.engine.dispose()
    assert statuses.count(201) == 7 and statuses.count(429) == 13


def test_each_event_loop_has_its_own_queue_so_no_request_waits_on_a_loop_that_is_gone(client, app, example):
    """A TestClient used without ``with`` runs every request in a new event loop, from many
    threads at once: every request is answered and stored once."""
    from concurrent.futures import ThreadPoolExecutor

    from starlette.testclient import TestClient

    from .conftest import post

    loose = TestClient(app)  # no lifespan of its own: the fixture's client ran it
    bodies = [submission(app, example) for _ in range(24)]
    pool = ThreadPoolExecutor(8)
    try:
        futures = [pool.submit(lambda body=body: post(loose, body).status_code) for body in bodies]
        statuses = [future.result(timeout=60) for future in futures]  # a TimeoutError: one hangs
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    assert statuses == [201] * 24
    assert count(app) == 24


def test_a_loop_closed_with_its_writer_unfinished_does_not_hold_up_the_next():
    def write(items):
        return items

    group = GroupCommit(write)
    loop = asyncio.new_event_loop()
    first = loop.create_task(group(1))  # queued, its writer task created but never run
    loop.run_until_complete(asyncio.sleep(0))
    first.cancel()
    loop.close()
    assert asyncio.run(asyncio.wait_for(group(2), 5)) == 2
