"""The audit log, for admins: read-only, newest first, filtered by action, person or record."""

from __future__ import annotations

from sqlmodel import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..auth import requires
from ..db import session
from ..models import AuditEvent, StaffUser
from .pages import staff_page

PAGE = 100


@requires("audit")
async def show_audit_log(request: Request) -> Response:
    params = request.query_params
    action, actor, target = (str(params.get(name, ""))[:64] for name in ("action", "actor", "target"))
    try:
        page = max(1, int(params.get("page", "1")))
    except ValueError:
        page = 1

    def find():
        query = select(AuditEvent)
        if action:
            query = query.where(AuditEvent.action == action)
        if actor:
            query = query.where(AuditEvent.actor_id == actor)
        if target:
            query = query.where(AuditEvent.target == target)
        with session(request.app.state.engine) as db:
            events = list(db.exec(query.order_by(AuditEvent.at.desc(), AuditEvent.id).offset((page - 1) * PAGE)
                                  .limit(PAGE)))
            users = {user.id: user for user in db.exec(select(StaffUser))}
        return events, users

    events, users = await run_in_threadpool(find)
    return staff_page(request, "staff/audit.html", events=events, users=users, page=page, more=len(events) == PAGE,
                      action=action, actor=actor, target=target)


routes = [Route("/staff/audit", show_audit_log, methods=["GET"])]
