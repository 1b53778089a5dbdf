"""Every form version ever served stays valid: applications filled offline under an older
form are validated and displayed with the definition they were filled under."""

from __future__ import annotations

import threading

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from .db import session
from .models import FormVersion
from .program import FormDefinition


class FormVersions:
    """The current form plus older ones loaded from the database on demand."""

    def __init__(self, engine: Engine, current: FormDefinition):
        self.engine = engine
        self.current = current
        self._known: dict[str, FormDefinition] = {current.version: current}
        self._lock = threading.Lock()

    def register_current(self) -> None:
        """Store the current definition if this database has not seen it yet."""
        with session(self.engine) as db:
            if db.get(FormVersion, self.current.version) is None:
                db.add(
                    FormVersion(
                        version=self.current.version,
                        program_id=self.current.program_id,
                        definition=self.current.definition,
                    )
                )
                try:
                    db.commit()
                except IntegrityError:  # another process registered it at the same moment
                    db.rollback()
                    if db.get(FormVersion, self.current.version) is None:
                        raise

    def cached(self, version: str) -> FormDefinition | None:
        """The definition for ``version`` if it is already in memory (no database query)."""
        with self._lock:
            return self._known.get(version)

    def get(self, version: str) -> FormDefinition | None:
        """The definition for ``version``, or None if this server never served it."""
        with self._lock:
            if version in self._known:
                return self._known[version]
        with session(self.engine) as db:
            row = db.exec(select(FormVersion).where(FormVersion.version == version)).first()
        if row is None:
            return None
        form = FormDefinition(program_id=row.program_id, definition=row.definition)
        with self._lock:
            self._known[version] = form
        return form
