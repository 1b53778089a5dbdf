"""Fixed-window rate limits kept in the database, so every server process shares them."""

from __future__ import annotations

import time

from sqlalchemy import Engine, case
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .models import RateCounter
from .settings import RateLimit


class RateLimiter:
    """Counts hits per key; ``hit`` says how long to wait once the limit is passed."""

    def __init__(self, engine: Engine, limit: RateLimit):
        self.engine = engine
        self.limit = limit
        self._insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert

    def peek(self, key: str, now: float | None = None) -> int | None:
        """Like ``hit`` but without counting this request: seconds to wait, or None."""
        if not self.limit.enabled:
            return None
        now = time.time() if now is None else now
        window = int(now // self.limit.seconds)
        table = RateCounter.__table__
        with self.engine.connect() as connection:
            row = connection.execute(
                table.select().where(table.c.key == key[:200], table.c.window == window)).first()
        if row is None or row.count < self.limit.count:
            return None
        return max(1, int((window + 1) * self.limit.seconds - now + 0.999))

    def hit(self, key: str, now: float | None = None) -> int | None:
        """Record one request for ``key``; return seconds to wait if over the limit, else None."""
        if not self.limit.enabled:
            return None
        now = time.time() if now is None else now
        window = int(now // self.limit.seconds)
        table = RateCounter.__table__
        statement = self._insert(table).values(key=key[:200], window=window, count=1)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "count": case((table.c.window == window, table.c.count + 1), else_=1),
                "window": window,
            },
        ).returning(table.c.count)
        with self.engine.begin() as connection:
            count = connection.execute(statement).scalar_one()
        if count <= self.limit.count:
            return None
        return max(1, int((window + 1) * self.limit.seconds - now + 0.999))
