"""Storing applications exactly once, whatever the network made the client do.

The client makes the id when the draft starts and sends it with every attempt; the
database's primary key on that id, plus a hash of the canonical content, decide whether
an attempt is a first receipt (201), a replay (200) or a conflicting reuse (422).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from jsonschema import Draft202012Validator
from sqlalchemy import Engine, literal, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .db import session, write_lock
from .form_versions import FormVersions
from .i18n import gettext_for
from .devices import DeviceContext
from .identity import Identity
from .keys import KeyRing
from .models import Application, ApplicationEvent, Tombstone, as_utc, utcnow
from .problems import N_, Problem
from .program import FastValidator, canonical_json, validator_class
from .receipts import receipt_code
from .retention import erase
from .sealing import open_sealed
from .validation import fallback_message

ENVELOPE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "form_version"],
    "properties": {
        "id": {"type": "string", "minLength": 32, "maxLength": 36},
        "form_version": {"type": "string", "pattern": "^[0-9a-f]{6,32}$"},
        "answers": {"type": "object"},
        "sealed": {"type": "object"},
        "client": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "started_at": {"type": "string", "maxLength": 40},
                "filled_at": {"type": "string", "maxLength": 40},
                "language": {"type": "string", "maxLength": 16},
                "app_version": {"type": "string", "maxLength": 64},
            },
        },
    },
    "oneOf": [{"required": ["answers"]}, {"required": ["sealed"]}],
}
# patterns read as the browser reads them, on both the fast and the detailed validator
_envelope = validator_class(date.today())(ENVELOPE_SCHEMA)
_envelope_fast = FastValidator(ENVELOPE_SCHEMA, date.today())
_CLIENT_FIELDS = set(ENVELOPE_SCHEMA["properties"]["client"]["properties"])
_client = Draft202012Validator(ENVELOPE_SCHEMA["properties"]["client"])


@dataclass(frozen=True)
class Receipt:
    id: str
    receipt_code: str
    received_at: datetime
    # kept for staff to fix an answer with the young person (sealed ones only); which answer
    # is not told to the shared device
    held: bool = False

    def to_json(self) -> dict:
        found = {
            "id": self.id,
            "receipt_code": self.receipt_code,
            "received_at": as_utc(self.received_at).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if self.held:
            found["needs_attention"] = True
        return found


ARRIVED_WITH_PROBLEMS = "arrived_with_problems"
_SCALARS = (str, int, float, bool, type(None))


def _has_nul(value) -> bool:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _holdable(form, answers, errors) -> bool:
    """Whether a sealed application with these errors may be kept for staff to fix. Never
    when it fails eligibility (age, residency, right to work: nothing is kept of someone
    who cannot apply) or a consent (the privacy notice, a guardian's permission), nor when
    an answer is to a question the form does not have or of a shape its question cannot
    hold (a choice must be one value, a multiple choice a flat list)."""
    eligibility = {name for step in form.steps if step.get("eligibility") for name in step["fields"]}
    for error in errors:
        if error.field in eligibility or error.code in ("type", "unknown"):
            return False
        if error.field in form.fields and "const" in form.property_schema(error.field):
            return False
    if not isinstance(answers, dict):
        return False
    for name, value in answers.items():
        if name not in form.fields:
            return False
        schema = form.property_schema(name)
        if schema.get("type") == "array" or "items" in schema:
            if not isinstance(value, list) or not all(isinstance(item, _SCALARS) for item in value):
                return False
        elif not isinstance(value, _SCALARS):
            return False
    return True


def canonical_content(form_version: str, answers: dict) -> bytes:
    """What the content hash is taken of (and where a NUL would show as ``\u0000``)."""
    return canonical_json({"form_version": form_version, "answers": answers})


def content_hash(form_version: str, answers: dict, canonical: bytes | None = None) -> str:
    """The hash a replay is compared by; ``canonical`` if canonical_content() was already made."""
    return hashlib.sha256(canonical or canonical_content(form_version, answers)).hexdigest()


def _timestamp(text: str | None, name: str) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
        return as_utc(moment)
    except (ValueError, OverflowError):  # not a date and time, or one past year 1 or 9999 in UTC
        raise Problem(400, "invalid-submission", N_("The submission is not in the expected format"),
                      errors=[{"field": f"client.{name}", "message": "must be an ISO 8601 date and time"}]) from None


def parse_id(idempotency_key: str | None, body_id: str) -> str:
    """The canonical application id; 400 unless header and body agree on one UUID."""
    if not idempotency_key:
        raise Problem(400, "missing-idempotency-key", N_("The Idempotency-Key header is missing"),
                      N_("Send the application's id in the Idempotency-Key header."))
    try:
        key = uuid.UUID(idempotency_key.strip())
        application_id = uuid.UUID(body_id)
    except ValueError:
        raise Problem(400, "malformed-idempotency-key", N_("The application id is not a valid UUID")) from None
    if key != application_id:
        raise Problem(400, "idempotency-key-mismatch", N_("The Idempotency-Key header does not match the application id"))
    return str(application_id)


def _insert_unless_here(engine: Engine):
    """``INSERT .. ON CONFLICT (id) DO NOTHING``, whose rowcount says how many were stored
    now. Run once per row of a batch (the driver's executemany: one statement, parsed once;
    a multi-row VALUES would be parsed afresh by psycopg for every batch)."""
    table = Application.__table__
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing(index_elements=[table.c.id]).execution_options(preserve_rowcount=True)


class _Raced(Exception):
    """Another server process stored one of this batch's ids meanwhile: try each on its own."""


@dataclass(frozen=True)
class Prepared:
    """A submission that passed every check and is ready to store: its row, and the
    problems it arrived with if it is held for staff to fix (sealed ones only)."""

    row: dict
    held: list[dict]

    @property
    def id(self) -> str:
        return self.row["id"]

    def receipt(self) -> Receipt:
        return Receipt(self.id, self.row["receipt_code"], self.row["received_at"], held=bool(self.held))


Outcome = tuple[int, Receipt] | Exception  # (201 or 200, receipt), or the Problem (or fault) to answer


class Submissions:
    """Validates and stores submissions; every outcome is a Receipt or a Problem.

    ``prepare`` does every check (CPU only, no database unless the form version is an old
    one not yet loaded); ``store`` writes many prepared submissions in one transaction, so
    concurrent requests can share one commit (see group_commit.py)."""

    def __init__(self, engine: Engine, forms: FormVersions, identity: Identity, languages=("en",)):
        self.engine = engine
        self.forms = forms
        self.identity = identity
        self.languages = set(languages)
        self._insert = _insert_unless_here(engine)
        self._write_lock = write_lock(engine)

    def submit(self, payload, idempotency_key: str | None, lang: str, device: DeviceContext | None = None,
               keys: KeyRing | None = None) -> tuple[int, Receipt]:
        """Store ``payload`` once; return (201, receipt) or (200, receipt) for a replay.
        A sealed payload is accepted only from an enrolled ``device``, and opened with ``keys``."""
        outcome = self.store([self.prepare(payload, idempotency_key, lang, device, keys)])[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def prepare(self, payload, idempotency_key: str | None, lang: str, device: DeviceContext | None = None,
                keys: KeyRing | None = None) -> Prepared:
        """Check ``payload`` and build its row; raise a Problem saying what is wrong."""
        self._check_envelope(payload)
        application_id = parse_id(idempotency_key, payload["id"])
        form_version = payload["form_version"]
        client = payload.get("client", {})
        if "sealed" in payload:
            if device is None or keys is None:
                raise Problem(400, "sealed-needs-device",
                              N_("Sealed applications are accepted only from an enrolled outreach device"))
            if payload["sealed"].get("device") != device.device_id:
                raise Problem(400, "sealed-unreadable", "This sealed application was sealed on another device")
            opened = open_sealed(keys, application_id, form_version, payload["sealed"])
            answers = opened["answers"]
            if isinstance(opened.get("client"), dict):
                client = {**client, **{k: v for k, v in opened["client"].items() if k in _CLIENT_FIELDS}}
                if not _client.is_valid(client):
                    raise Problem(400, "invalid-submission", N_("The submission is not in the expected format"))
                # the language the young person chose on the device, sealed with the answers
                if client.get("language") in self.languages:
                    lang = client["language"]
        else:
            answers = payload["answers"]
        form = self.forms.get(form_version)
        if form is None:
            raise Problem(400, "unknown-form-version", N_("This application was filled in on a form this server does not know"),
                          N_("Open the application again to load the current form, then send it."))
        try:
            errors = form.validate(answers, lang)
            canonical = canonical_content(form_version, answers)
        except RecursionError:  # lists in lists hundreds deep: no question holds that
            raise Problem(400, "invalid-submission", N_("The submission is not in the expected format")) from None
        if errors:
            # the young person's own device still has the answers to fix
            if device is None or not _holdable(form, answers, errors):
                _ = gettext_for(lang)
                raise Problem(400, "invalid-answers", _("Some answers need to be fixed"),
                              errors=[error.to_json() for error in errors])
            # Sealed on a shared device, the answers cannot be opened there again to fix them:
            # the program keeps the application, marked as needing information, for staff to
            # follow up with the young person (see _holdable for what is never kept).
        # PostgreSQL keeps no NUL character in text: such an answer is one to fix, like any other
        # (JSON writes a NUL as \u0000: only then is each answer searched)
        with_nul = [name for name, value in answers.items() if _has_nul(name) or _has_nul(value)] \
            if b"\\u0000" in canonical else []
        if with_nul:
            _ = gettext_for(lang)
            raise Problem(400, "invalid-answers", _("Some answers need to be fixed"), errors=[
                {"field": name, "code": "invalid", "message": fallback_message("invalid", form, name, lang)}
                for name in with_nul])
        if _has_nul(client):
            raise Problem(400, "invalid-submission", N_("The submission is not in the expected format"))
        row = {
            "id": application_id,
            "receipt_code": receipt_code(application_id),
            "form_version": form_version,
            "answers": answers,
            "content_hash": content_hash(form_version, answers, canonical),
            "channel": "outreach" if device else "self",
            "event_id": device.event_id if device else None,
            "worker_id": device.worker_id if device else None,
            "language": lang,
            "client": client,
            "filled_at": _timestamp(client.get("filled_at"), "filled_at"),
            "received_at": utcnow().replace(microsecond=0),
            "status": "needs_information" if errors else "received",
            "duplicate_of": None,
            **self.identity.keys(answers),
        }
        return Prepared(row, [error.to_json() for error in errors])

    def store(self, batch: list[Prepared]) -> list[Outcome]:
        """Store every prepared submission not stored before, all in one transaction, and say
        for each what to answer. If that transaction fails, each is tried on its own, so a
        fault with one costs only that one."""
        try:
            return self._store_together(batch)
        except _Raced:
            pass
        except Exception as exc:
            if len(batch) == 1:
                return [exc]  # its caller answers it with a 500 (an outreach sync: that item's)
        outcomes: list[Outcome] = []
        for prepared in batch:
            try:
                outcomes += self._store_together([prepared])
            except Exception as exc:  # this one's fault: the caller answers it with a 500
                outcomes.append(exc)
        return outcomes

    def _store_together(self, batch: list[Prepared]) -> list[Outcome]:
        tombstones, applications = Tombstone.__table__, Application.__table__
        ids = list({prepared.id for prepared in batch})
        with self._write_lock, self.engine.begin() as connection:
            # which ids are withdrawn (never again: checked in the same transaction) or already
            # here, in one round trip
            known = connection.execute(union_all(
                select(tombstones.c.id, literal(True).label("withdrawn")).where(tombstones.c.id.in_(ids)),
                select(applications.c.id, literal(False)).where(applications.c.id.in_(ids))))
            withdrawn, here = set(), set()
            for known_id, is_withdrawn in known:
                (withdrawn if is_withdrawn else here).add(known_id)
            first: dict[str, int] = {}  # the same id twice in one batch: the second is a replay
            for index, prepared in enumerate(batch):
                if prepared.id not in withdrawn:
                    first.setdefault(prepared.id, index)
            # in id order: two processes inserting overlapping batches then wait for each other
            # in the same order, rather than deadlock
            fresh = sorted((batch[index] for index in first.values() if batch[index].id not in here),
                           key=lambda prepared: prepared.id)
            inserted = {prepared.id for prepared in fresh}
            if fresh and connection.execute(self._insert, [prepared.row for prepared in fresh]).rowcount != len(fresh):
                # another process stored one of them after the check (its commit came first)
                if len(fresh) > 1:
                    raise _Raced  # which one is not known: roll back, and store() tries each alone
                inserted = set()  # this one: answered as a replay, below
            events = [{"id": str(uuid.uuid4()), "application_id": prepared.id, "at": prepared.row["received_at"],
                       "actor_id": None, "kind": ARRIVED_WITH_PROBLEMS, "data": {"errors": prepared.held}}
                      for prepared in fresh if prepared.held and prepared.id in inserted]
            if events:
                connection.execute(ApplicationEvent.__table__.insert(), events)
        outcomes: dict[int, Outcome] = {}
        again = []  # already stored (a replay, or a conflicting reuse of the id), or withdrawn meanwhile
        for index, prepared in enumerate(batch):
            if prepared.id in withdrawn:
                outcomes[index] = _withdrawn()
            elif first.get(prepared.id) == index and prepared.id in inserted:
                outcomes[index] = (201, prepared.receipt())
            else:
                again.append(index)
        if again:
            with session(self.engine) as db:
                for index in again:
                    outcomes[index] = self._already_here(db, batch[index])
        return [outcomes[index] for index in range(len(batch))]

    def _already_here(self, db, prepared: Prepared) -> Outcome:
        existing = db.get(Application, prepared.id)
        if existing is None:
            if db.get(Tombstone, prepared.id) is not None:
                return _withdrawn()
            return RuntimeError(f"application {prepared.id} was neither stored nor found")
        try:
            receipt = self._replay(existing, prepared.row["content_hash"])
        except Problem as problem:
            return problem
        if prepared.held:  # the first answer was lost: tell the device again it needs attention
            receipt = Receipt(receipt.id, receipt.receipt_code, receipt.received_at, held=True)
        return 200, receipt

    @staticmethod
    def _replay(existing: Application, digest: str) -> Receipt:
        if existing.content_hash != digest:
            raise Problem(422, "id-reused", N_("An application with this id was already received with different answers"),
                          N_("Nothing was changed. Contact the program if your answers need correcting."))
        return Receipt(existing.id, existing.receipt_code, existing.received_at)

    @staticmethod
    def _check_envelope(payload) -> None:
        if _envelope_fast.is_valid(payload):
            return
        problems = sorted(_envelope.iter_errors(payload), key=lambda e: list(e.absolute_path))
        if problems:
            raise Problem(400, "invalid-submission", N_("The submission is not in the expected format"),
                          errors=[{"field": ".".join(map(str, e.absolute_path)) or "_body", "message": e.message[:200]}
                                  for e in problems])


def _withdrawn() -> Problem:
    return Problem(409, "withdrawn", N_("This application was withdrawn or deleted and cannot be sent again"))


def withdraw(engine: Engine, application_id: str, reason: str = "withdrawn") -> bool:
    """Delete one application's data, leaving a tombstone so no device can send it again."""
    application_id = str(uuid.UUID(application_id))
    with session(engine) as db:
        existed = db.get(Application, application_id) is not None
        erase(db, [application_id], reason)
        db.commit()
    return existed
