"""Outreach devices: enrolled by a worker for an event, then trusted through a signed,
expiring credential (itsdangerous) that names the device; revocable at any time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Engine

from .db import session
from .models import Device, OutreachEvent, as_utc


class CredentialRefused(Exception):
    """The credential is missing, forged, expired or revoked; ``reason`` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class DeviceContext:
    device_id: str
    event_id: str
    worker_id: str


class DeviceCredentials:
    def __init__(self, engine: Engine, secret: str, days: int):
        self.engine = engine
        self.serializer = URLSafeTimedSerializer(secret, salt="youthjobs-device")
        self.max_age = days * 86400

    def enroll(self, worker_id: str, name: str, place: str, day: str) -> tuple[OutreachEvent, Device, str]:
        """A new event and device for this worker; returns the device's credential too."""
        name, place = name.strip()[:200], place.strip()[:200]
        if not name or not place:
            raise ValueError("Enter the event's name and place")
        try:
            day = date.fromisoformat(day).isoformat()
        except ValueError:
            raise ValueError("Enter the event's date") from None
        event = OutreachEvent(id=str(uuid.uuid4()), name=name, place=place, day=day, created_by=worker_id)
        device = Device(id=str(uuid.uuid4()), event_id=event.id, worker_id=worker_id)
        with session(self.engine) as db:
            db.add(event)
            db.flush()
            db.add(device)
            db.commit()
        return event, device, self.serializer.dumps({"device": device.id})

    def renew(self, device_id: str) -> tuple[OutreachEvent, Device, str]:
        """A fresh credential for an enrolled, not revoked device."""
        with session(self.engine) as db:
            device = db.get(Device, device_id)
            if device is None:
                raise ValueError("This device cannot be renewed: set it up for an event again")
            if device.revoked_at is not None:
                raise ValueError("This device was reported lost and switched off. An admin can restore it "
                                 "(Events, 'Restore (found again)'); then renew its sign-in here")
            event = db.get(OutreachEvent, device.event_id)
        return event, device, self.serializer.dumps({"device": device.id})

    def check(self, token: str | None) -> DeviceContext:
        """The device a credential names, if it is genuine, in date and not revoked."""
        if not token:
            raise CredentialRefused("missing")
        expired = False
        try:
            claims, issued = self.serializer.loads(token, max_age=self.max_age, return_timestamp=True)
        except SignatureExpired:
            # genuine, only too old: still say "revoked" for a revoked device (renewing it is refused)
            expired, claims, issued = True, self.serializer.loads_unsafe(token)[1], None
        except BadSignature:
            raise CredentialRefused("invalid") from None
        with session(self.engine) as db:
            device = db.get(Device, str(claims.get("device", ""))) if isinstance(claims, dict) else None
        if device is None:
            raise CredentialRefused("invalid")
        if device.revoked_at is not None:
            raise CredentialRefused("revoked")
        if expired:
            raise CredentialRefused("expired")
        if device.restored_at is not None and issued < as_utc(device.restored_at):
            raise CredentialRefused("restored")  # issued before it was lost: a worker renews it
        return DeviceContext(device.id, device.event_id, device.worker_id)

