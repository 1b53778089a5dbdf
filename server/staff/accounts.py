"""Staff accounts, for admins: create, change role, reset password, disable and enable.
Every change is audited, and ends the account's sessions where its access changes."""

from __future__ import annotations

import secrets

from sqlmodel import select
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..audit import record
from ..auth import ROLES, create_user, hash_password, requires
from ..db import session
from ..models import StaffUser, utcnow
from .pages import back_to, staff_page


@requires("accounts")
async def list_accounts(request: Request) -> Response:
    def users():
        with session(request.app.state.engine) as db:
            return list(db.exec(select(StaffUser).order_by(StaffUser.disabled, StaffUser.name)))

    return staff_page(request, "staff/accounts.html", users=await run_in_threadpool(users), roles=ROLES,
                      message=request.query_params.get("message"), error=None, new_password=None)


@requires("accounts")
async def add_account(request: Request) -> Response:
    app = request.app.state
    form = request.state.form
    password = secrets.token_urlsafe(12)  # shown once to the admin, to pass on; the person changes it

    def add():
        user = create_user(app.engine, str(form.get("email", "")), str(form.get("name", "")),
                           str(form.get("role", "")), password)
        with session(app.engine) as db:
            record(db, request.state.staff.user.id, "account_created", user.id, email=user.email, role=user.role)
            db.commit()
        return user

    try:
        user = await run_in_threadpool(add)
    except ValueError as exc:
        return staff_page(request, "staff/accounts.html", status=400, users=[], roles=ROLES, message=None,
                          error=str(exc), new_password=None)
    return staff_page(request, "staff/accounts.html", users=[user], roles=ROLES, message="created", error=None,
                      new_password=password)


@requires("accounts")
async def change_account(request: Request) -> Response:
    app = request.app.state
    form = request.state.form
    action = str(form.get("_action", ""))
    user_id = request.path_params["user_id"]
    me = request.state.staff.user.id
    new_password = secrets.token_urlsafe(12) if action == "reset" else None

    def change():
        with session(app.engine) as db:
            user = db.get(StaffUser, user_id)
            if user is None:
                raise HTTPException(404, "No such account")
            if user.id == me and action in ("disable", "role"):
                return "not-yourself"  # an admin cannot lock themselves out
            details = {}
            if action == "disable":
                user.disabled = True
            elif action == "enable":
                user.disabled = False
            elif action == "role":
                role = str(form.get("role", ""))
                if role not in ROLES:
                    return "refused"
                details = {"from": user.role, "to": role}
                user.role = role
            elif action == "reset":
                user.password_hash = hash_password(new_password)
                user.password_changed_at = utcnow()
            else:
                return "refused"
            db.add(user)
            record(db, me, f"account_{action}", user.id, **details)
            db.commit()
        if action in ("disable", "role", "reset"):
            app.sessions.revoke_all(user_id)
        return action

    outcome = await run_in_threadpool(change)
    if new_password and outcome == "reset":
        return staff_page(request, "staff/accounts.html", users=[], roles=ROLES, message="reset", error=None,
                          new_password=new_password)
    return back_to(f"/staff/accounts?message={outcome}")


routes = [
    Route("/staff/accounts", list_accounts, methods=["GET"]),
    Route("/staff/accounts", add_account, methods=["POST"]),
    Route("/staff/accounts/{user_id}", change_account, methods=["POST"]),
]
