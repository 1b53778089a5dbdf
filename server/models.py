"""Database tables (SQLModel). The schema itself is managed by Alembic migrations."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Column, DateTime, Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

JSONDocument = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A stored timestamp in UTC: SQLite hands them back without a zone (all are stored in UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _timestamp(**kwargs) -> Column:
    return Column(DateTime(timezone=True), **kwargs)


class FormVersion(SQLModel, table=True):
    """Every form definition applications were ever filled under, kept to validate and display them."""

    __tablename__ = "form_versions"

    version: str = Field(primary_key=True, max_length=32)
    program_id: str = Field(max_length=100)
    # plain JSON, not JSONB: the order of options in the program file is meaningful
    definition: dict = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp(nullable=False))


class Application(SQLModel, table=True):
    """One young person's application, stored exactly once per client-made id."""

    __tablename__ = "applications"
    # the staff list's common filters, each with the default order, so a page of 50 is read
    # from an index instead of sorting every match (bench/staff_console.py); each also
    # serves lookups by its first column alone, so status, birth_date and area have no
    # index of their own (one less index write per application for each)
    __table_args__ = (
        Index("ix_applications_status_received", "status", "received_at", "id"),
        Index("ix_applications_birth_received", "birth_date", "received_at", "id"),
        Index("ix_applications_area_status", "area", "status"),
    )

    id: str = Field(primary_key=True, max_length=36)
    receipt_code: str = Field(index=True, max_length=9)
    form_version: str = Field(foreign_key="form_versions.version", max_length=32)
    answers: dict = Field(sa_column=Column(JSONDocument, nullable=False))
    content_hash: str = Field(max_length=64)
    channel: str = Field(default="self", max_length=16)
    language: str = Field(max_length=16)
    client: dict = Field(default_factory=dict, sa_column=Column(JSONDocument, nullable=False))
    filled_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    received_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp(nullable=False, index=True))
    status: str = Field(default="received", max_length=32)
    # normalized copies of the identity answers (server/identity.py), for search and duplicates
    first_key: str = Field(default="", max_length=100, index=True)
    last_key: str = Field(default="", max_length=100, index=True)
    birth_date: str = Field(default="", max_length=10)
    phone_key: str = Field(default="", max_length=20, index=True)
    email_key: str = Field(default="", max_length=254, index=True)
    area: str = Field(default="", max_length=100)
    duplicate_of: str | None = Field(default=None, foreign_key="applications.id", max_length=36)
    # taken at an outreach event: which event, and which worker's device
    event_id: str | None = Field(default=None, foreign_key="outreach_events.id", index=True, max_length=36)
    worker_id: str | None = Field(default=None, foreign_key="staff_users.id", max_length=36)


class OutreachEvent(SQLModel, table=True):
    """A community event where outreach workers take applications on shared devices."""

    __tablename__ = "outreach_events"

    id: str = Field(primary_key=True, max_length=36)
    name: str = Field(max_length=200)
    place: str = Field(max_length=200)
    day: str = Field(max_length=10)
    created_by: str = Field(foreign_key="staff_users.id", max_length=36)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp(nullable=False))


class Device(SQLModel, table=True):
    """A shared tablet or phone enrolled by a worker for an event; its credential names it."""

    __tablename__ = "devices"

    id: str = Field(primary_key=True, max_length=36)
    event_id: str = Field(foreign_key="outreach_events.id", index=True, max_length=36)
    worker_id: str = Field(foreign_key="staff_users.id", max_length=36)
    enrolled_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    # found again after it was revoked: credentials issued before this no longer work (one
    # copied while it was lost must not come back with it); a worker renews it on the device
    restored_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class ApplicationEvent(SQLModel, table=True):
    """What happened to an application after it arrived: status changes, corrections, duplicates."""

    __tablename__ = "application_events"

    id: str = Field(primary_key=True, max_length=36)
    application_id: str = Field(foreign_key="applications.id", index=True, max_length=36)
    at: datetime = Field(default_factory=utcnow, sa_column=_timestamp(nullable=False))
    actor_id: str | None = Field(default=None, foreign_key="staff_users.id", max_length=36)
    kind: str = Field(max_length=32)
    data: dict = Field(default_factory=dict, sa_column=Column(JSONDocument, nullable=False))


class StaffUser(SQLModel, table=True):
    """A member of staff: admin, reviewer, analyst or outreach worker."""

    __tablename__ = "staff_users"

    id: str = Field(primary_key=True, max_length=36)
    email: str = Field(sa_column=Column(String(254), unique=True, nullable=False))
    name: str = Field(max_length=200)
    role: str = Field(max_length=16)
    password_hash: str = Field(max_length=200)
    disabled: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp(nullable=False))
    password_changed_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp(nullable=False))


class StaffSession(SQLModel, table=True):
    """A signed-in browser. Only a hash of the cookie's token is stored."""

    __tablename__ = "staff_sessions"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(foreign_key="staff_users.id", index=True, max_length=36)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp(nullable=False))
    last_seen_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class AuditEvent(SQLModel, table=True):
    """Who looked at or changed what, and when. Written once; never edited or deleted by the app."""

    __tablename__ = "audit_events"

    id: str = Field(primary_key=True, max_length=36)
    at: datetime = Field(default_factory=utcnow, sa_column=_timestamp(nullable=False, index=True))
    actor_id: str | None = Field(default=None, foreign_key="staff_users.id", index=True, max_length=36)
    action: str = Field(max_length=40, index=True)
    target: str = Field(default="", max_length=64, index=True)
    details: dict = Field(default_factory=dict, sa_column=Column(JSONDocument, nullable=False))


class Tombstone(SQLModel, table=True):
    """An application id whose data was withdrawn or deleted; it can never be stored again."""

    __tablename__ = "tombstones"

    id: str = Field(primary_key=True, max_length=36)
    reason: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp(nullable=False))


class RateCounter(SQLModel, table=True):
    """A fixed-window request counter, shared by every server process."""

    __tablename__ = "rate_counters"

    key: str = Field(sa_column=Column(String(200), primary_key=True))
    window: int
    count: int
