"""Signing in and out, and changing one's own password."""

from __future__ import annotations

import hashlib

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..api import client_address
from ..audit import record
from ..auth import (
    clear_session_cookie, hash_password, normalize_email, password_problem, requires,
    set_session_cookie, verify_password,
)
from ..db import session
from ..form_data import read_form
from ..models import StaffUser, utcnow
from .pages import back_to, staff_page

WRONG = "The email address or the password is not right."
THROTTLED = "Too many attempts to sign in. Wait 15 minutes and try again, or ask an admin to reset your password."


def _throttle_keys(request: Request, email: str) -> tuple[str, str]:
    account = hashlib.sha256(normalize_email(email).encode()).hexdigest()[:32]
    return f"login-account:{account}", f"login-address:{client_address(request)}"


async def login(request: Request) -> Response:
    app = request.app.state
    if request.method == "GET":
        return staff_page(request, "staff/login.html", error=None, email="")
    origin = request.headers.get("origin")
    if origin and origin != f"{request.url.scheme}://{request.url.netloc}":
        return staff_page(request, "staff/login.html", status=403, error=WRONG, email="")
    form = await read_form(request, max_fields=10, max_part_size=4096)
    email, password = str(form.get("email", ""))[:254], str(form.get("password", ""))[:200]
    keys = _throttle_keys(request, email)

    def attempt():
        # counted before the password is checked, so attempts sent at the same moment cannot
        # all slip under the limit; a right password takes its count back (only failures count)
        over = [limiter.hit(key) is not None for limiter, key in zip(app.login_limits, keys)]
        if any(over):
            return None, True
        user = app.sessions.authenticate(email, password)
        if user is None:
            return None, False
        for limiter, key in zip(app.login_limits, keys):
            limiter.take_back(key)
        with session(app.engine) as db:
            record(db, user.id, "sign_in")
            db.commit()
        return app.sessions.create(user.id), False

    token, throttled = await run_in_threadpool(attempt)
    if token is None:
        return staff_page(request, "staff/login.html", status=429 if throttled else 401,
                          error=THROTTLED if throttled else WRONG, email=email)
    response = RedirectResponse("/staff", status_code=303)
    set_session_cookie(response, request, token)
    return response


@requires("console")
async def logout(request: Request) -> Response:
    staff = request.state.staff
    app = request.app.state

    def end():
        app.sessions.revoke(staff.token_hash)
        with session(app.engine) as db:
            record(db, staff.user.id, "sign_out")
            db.commit()

    await run_in_threadpool(end)
    response = RedirectResponse("/staff/login", status_code=303)
    clear_session_cookie(response, request)
    return response


@requires("console")
async def home(request: Request) -> Response:
    staff = request.state.staff
    if staff.can("applications"):
        return RedirectResponse("/staff/applications", status_code=303)
    return staff_page(request, "staff/home.html")


@requires("console")
async def change_password(request: Request) -> Response:
    staff = request.state.staff
    app = request.app.state
    if request.method == "GET":
        return staff_page(request, "staff/password.html", error=None)
    form = request.state.form
    current, new = str(form.get("current", "")), str(form.get("new", ""))
    if not verify_password(staff.user.password_hash, current):
        return staff_page(request, "staff/password.html", status=400, error="Your current password is not right.")
    problem = password_problem(new)
    if problem:
        return staff_page(request, "staff/password.html", status=400, error=problem)

    def change():
        with session(app.engine) as db:
            user = db.get(StaffUser, staff.user.id)
            user.password_hash = hash_password(new)
            user.password_changed_at = utcnow()
            db.add(user)
            record(db, user.id, "password_changed", user.id)
            db.commit()
        app.sessions.revoke_all(staff.user.id)  # every other browser is signed out too
        return app.sessions.create(staff.user.id)

    token = await run_in_threadpool(change)
    response = back_to("/staff")
    set_session_cookie(response, request, token)
    return response



routes = [
    Route("/staff/login", login, methods=["GET", "POST"]),
    Route("/staff/logout", logout, methods=["POST"]),
    Route("/staff", home, methods=["GET"]),
    Route("/staff/password", change_password, methods=["GET", "POST"]),
]
