"""Data lifecycle: applications are deleted once the retention period has passed, leaving
only an anonymous tombstone (id, reason, date) so no offline device can send them again."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, update
from sqlmodel import Session, select

from .db import session
from .models import Application, ApplicationEvent, Tombstone, utcnow


def retention_cutoff(years: int, now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=365 * years + years // 4)


def erase(db: Session, ids: list[str], reason: str) -> None:
    """Delete these applications and everything kept about them (their history of status
    changes and corrections, which holds answers too), leaving a tombstone for each; an
    application marked as a duplicate of one of them is kept, unmarked. Not committed."""
    db.exec(update(Application).where(Application.duplicate_of.in_(ids)).values(duplicate_of=None))
    db.exec(delete(ApplicationEvent).where(ApplicationEvent.application_id.in_(ids)))
    db.exec(delete(Application).where(Application.id.in_(ids)))
    known = set(db.exec(select(Tombstone.id).where(Tombstone.id.in_(ids))))
    db.add_all(Tombstone(id=i, reason=reason) for i in ids if i not in known)


def purge(engine: Engine, years: int, dry_run: bool = False, batch: int = 500) -> int:
    """Delete applications received before the cut-off, in batches; return how many."""
    if years <= 0:
        return 0
    cutoff = retention_cutoff(years)
    removed = 0
    while True:
        with session(engine) as db:
            if dry_run:
                return len(db.exec(select(Application.id).where(Application.received_at < cutoff)).all())
            ids = list(db.exec(select(Application.id).where(Application.received_at < cutoff).limit(batch)))
            if not ids:
                return removed
            erase(db, ids, "retention")
            db.commit()
            removed += len(ids)
