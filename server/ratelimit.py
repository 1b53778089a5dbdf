"""Fixed-window rate limits kept in the database, so every server process shares them."""

from __future__ import annotations

import time
from collections import Counter

from sqlalchemy import Engine, bindparam, case
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .db import write_lock
from .models import RateCounter
from .settings import RateLimit


class RateLimiter:
    """Counts hits per key; ``hit`` says how long to wait once the limit is passed."""

    def __init__(self, engine: Engine, limit: RateLimit):
        self.engine = engine
        self.limit = limit
        self._write_lock = write_lock(engine)
        table = RateCounter.__table__
        insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
        statement = insert(table).values(key=bindparam("key"), window=bindparam("window"), count=bindparam("n"))
        self._upsert = statement.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "count": case((table.c.window == statement.excluded.window, table.c.count + statement.excluded.count),
                              else_=statement.excluded.count),
                "window": statement.excluded.window,
            },
        ).returning(table.c.count)

    def take_back(self, key: str, now: float | None = None) -> None:
        """Uncount one earlier ``hit`` for ``key`` in this window (sign-in: a success is not
        held against the account or the office's address)."""
        if not self.limit.enabled:
            return
        now = time.time() if now is None else now
        table = RateCounter.__table__
        with self._write_lock, self.engine.begin() as connection:
            connection.execute(table.update().where(
                table.c.key == key[:200], table.c.window == int(now // self.limit.seconds), table.c.count > 0,
            ).values(count=table.c.count - 1))

    def hit(self, key: str, now: float | None = None) -> int | None:
        """Record one request for ``key``; return seconds to wait if over the limit, else None."""
        return self.hit_many([key], now)[0]

    def hit_many(self, keys: list[str], now: float | None = None) -> list[int | None]:
        """``hit`` for many requests in one transaction (group commit: see app.py): one upsert
        per distinct key, counted in the order given."""
        if not self.limit.enabled:
            return [None] * len(keys)
        now = time.time() if now is None else now
        window = int(now // self.limit.seconds)
        keys = [key[:200] for key in keys]
        wanted = Counter(keys)
        with self._write_lock, self.engine.begin() as connection:
            totals = {key: connection.execute(self._upsert, {"key": key, "window": window, "n": n}).scalar_one()
                      for key, n in sorted(wanted.items())}
        wait = max(1, int((window + 1) * self.limit.seconds - now + 0.999))
        seen: Counter = Counter()
        waits = []
        for key in keys:
            seen[key] += 1
            count = totals[key] - wanted[key] + seen[key]  # this request's place in its key's count
            waits.append(None if count <= self.limit.count else wait)
        return waits
