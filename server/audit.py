"""The audit log: every view and export of personal data, every status and account change.

Entries are only ever added, in the same transaction as the change they describe; the app
has no way to edit or delete them.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session

from .models import AuditEvent


def record(db: Session, actor_id: str | None, action: str, target: str = "", **details) -> None:
    """Add an entry to ``db``'s transaction (the caller commits)."""
    db.add(AuditEvent(id=str(uuid.uuid4()), actor_id=actor_id, action=action, target=target[:64], details=details))
