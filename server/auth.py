"""Staff accounts and sessions: Argon2id passwords, server-side sessions, roles, CSRF.

A session is a random 256-bit token in an HttpOnly, SameSite=Lax cookie (``Secure`` and
``__Host-`` prefixed over HTTPS); the database keeps only its SHA-256, so a copy of the
database cannot be used to sign in. Sessions end after an idle period and an absolute
period, and are revoked at sign-out, password change, role change and account disable.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Engine, update
from sqlmodel import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from .db import session
from .form_data import read_form
from .models import StaffSession, StaffUser, as_utc, utcnow

ROLES = ("admin", "reviewer", "analyst", "outreach")
# what each role may do; every staff route names one of these
PERMISSIONS = {
    "console": {"admin", "reviewer", "analyst", "outreach"},
    "applications": {"admin", "reviewer"},
    "accounts": {"admin"},
    "audit": {"admin"},
    "outreach": {"admin", "outreach"},
    # trusting a device again once it was reported lost: more than its own worker's say-so
    "restore_devices": {"admin"},
    "insights": {"admin", "reviewer", "analyst"},
}
MIN_PASSWORD = 12
_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters
# verified against when an email is unknown, so a wrong email takes as long as a wrong password
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD:
        return f"Use at least {MIN_PASSWORD} characters."
    if len(set(password)) < 5:
        return "Use a less repetitive password."
    return None


def normalize_email(email: str) -> str:
    return email.strip().casefold()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Staff:
    """The signed-in member of staff for one request."""

    user: StaffUser
    token_hash: str

    def can(self, permission: str) -> bool:
        return self.user.role in PERMISSIONS[permission]


class Sessions:
    """Create, find and end staff sessions (all in the database, shared by every worker)."""

    def __init__(self, engine: Engine, idle: timedelta, absolute: timedelta):
        self.engine = engine
        self.idle = idle
        self.absolute = absolute

    def create(self, user_id: str) -> str:
        """A new session (a new token every sign-in: no fixation); returns the cookie's token."""
        token = secrets.token_urlsafe(32)
        with session(self.engine) as db:
            db.add(StaffSession(token_hash=token_hash(token), user_id=user_id))
            db.commit()
        return token

    def find(self, token: str | None) -> Staff | None:
        """The live session for ``token``, touching its last-seen time; None if ended."""
        if not token or len(token) > 100:
            return None
        digest = token_hash(token)
        now = utcnow()
        with session(self.engine) as db:
            found = db.get(StaffSession, digest)
            if found is None or found.revoked_at is not None:
                return None
            user = db.get(StaffUser, found.user_id)
            if user is None or user.disabled:
                return None
            if now - as_utc(found.created_at) > self.absolute or now - as_utc(found.last_seen_at) > self.idle:
                found.revoked_at = now
                db.add(found)
                db.commit()
                return None
            if now - as_utc(found.last_seen_at) > timedelta(seconds=30):  # no write on every click
                found.last_seen_at = now
                db.add(found)
                db.commit()
            db.refresh(user)
            return Staff(user=user, token_hash=digest)

    def revoke(self, digest: str) -> None:
        self._revoke(StaffSession.token_hash == digest)

    def revoke_all(self, user_id: str) -> None:
        """End every session of a user (password change, role change, account disabled)."""
        self._revoke(StaffSession.user_id == user_id)

    def _revoke(self, where) -> None:
        with session(self.engine) as db:
            db.exec(update(StaffSession).where(where, StaffSession.revoked_at.is_(None)).values(revoked_at=utcnow()))
            db.commit()

    def authenticate(self, email: str, password: str) -> StaffUser | None:
        """The active user with this email and password; the same work whether or not it exists."""
        with session(self.engine) as db:
            user = db.exec(select(StaffUser).where(StaffUser.email == normalize_email(email))).first()
        if user is None:
            verify_password(_DUMMY_HASH, password)
            return None
        if not verify_password(user.password_hash, password) or user.disabled:
            return None
        return user


def create_user(engine: Engine, email: str, name: str, role: str, password: str) -> StaffUser:
    """Add a staff account; ValueError with a readable message if it cannot be."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    problem = password_problem(password)
    if problem:
        raise ValueError(problem)
    email = normalize_email(email)
    if "@" not in email:
        raise ValueError("enter an email address")
    with session(engine) as db:
        if db.exec(select(StaffUser).where(StaffUser.email == email)).first():
            raise ValueError("there is already an account with this email")
        user = StaffUser(id=str(uuid.uuid4()), email=email, name=name.strip() or email, role=role,
                         password_hash=hash_password(password))
        db.add(user)
        db.commit()
        db.refresh(user)
    return user


def cookie_name(https: bool) -> str:
    return "__Host-yj_staff" if https else "yj_staff"


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(cookie_name(is_https(request)), token, httponly=True, samesite="lax",
                        secure=is_https(request), path="/")


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(cookie_name(is_https(request)), path="/", secure=is_https(request), httponly=True,
                           samesite="lax")


class Csrf:
    """CSRF tokens signed with the secret key and bound to the session."""

    def __init__(self, secret: str):
        self.serializer = URLSafeSerializer(secret, salt="youthjobs-csrf")

    def token(self, staff: Staff) -> str:
        return self.serializer.dumps(staff.token_hash[:32])

    def valid(self, staff: Staff, token: str | None) -> bool:
        if not token:
            return False
        try:
            bound = self.serializer.loads(token)
        except BadSignature:
            return False
        return isinstance(bound, str) and hmac.compare_digest(bound, staff.token_hash[:32])


def _refusal(request: Request, status: int) -> Response:
    renderer = request.app.state.renderer
    title = "Sign in to continue" if status == 401 else "You do not have access to this page"
    body = renderer.render("staff/refused.html", request.app.state.program.default_language,
                           title=title, status=status, staff=None)
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def _same_origin(request: Request) -> bool:
    """Browsers send Origin on cross-site POSTs; when present it must be this site."""
    origin = request.headers.get("origin")
    return origin is None or origin == f"{request.url.scheme}://{request.url.netloc}"


def requires(permission: str):
    """Wrap a staff endpoint: 401 without a session, 403 without the permission (or with a
    missing or wrong CSRF token on a state-changing request), else ``request.state.staff``."""

    def decorate(endpoint):
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            app = request.app.state
            token = request.cookies.get(cookie_name(is_https(request)))
            staff = await run_in_threadpool(app.sessions.find, token)
            if staff is None:
                return _refusal(request, 401)
            if not staff.can(permission):
                return _refusal(request, 403)
            request.state.staff = staff
            if request.method not in ("GET", "HEAD"):
                form = await read_form(request, max_fields=500, max_part_size=64 * 1024)
                request.state.form = form
                supplied = request.headers.get("x-csrf-token") or form.get("_csrf")
                if not _same_origin(request) or not app.csrf.valid(staff, supplied):
                    return _refusal(request, 403)
            return await endpoint(request)

        guarded.permission = permission
        return guarded

    return decorate
