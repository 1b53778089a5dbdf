"""Database tables (SQLModel). The schema itself is managed by Alembic migrations."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Column, DateTime, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

JSONDocument = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


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
    status: str = Field(default="received", max_length=32, index=True)


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
