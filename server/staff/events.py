"""Outreach events and their devices: counts only, never applicant data. A worker sees
their own events; an admin sees every event. A lost or stolen device is revoked here: its
credential stops working at once (the sealed records on it cannot be read by anyone). If it
is found again, an admin restores it, so the applications still on it can be sent."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..audit import record
from ..auth import requires
from ..db import session
from ..models import Application, Device, OutreachEvent, StaffUser, utcnow
from .pages import back_to, staff_page


def _sees_everything(request: Request) -> bool:
    return request.state.staff.user.role == "admin"


@requires("outreach")
async def list_events(request: Request) -> Response:
    me = request.state.staff.user.id
    everything = _sees_everything(request)

    def find():
        with session(request.app.state.engine) as db:
            query = select(OutreachEvent)
            if not everything:
                query = query.where(OutreachEvent.created_by == me)
            events = list(db.exec(query.order_by(OutreachEvent.day.desc(), OutreachEvent.created_at.desc()).limit(200)))
            ids = [event.id for event in events]
            devices: dict[str, list[Device]] = {event_id: [] for event_id in ids}
            for device in db.exec(select(Device).where(Device.event_id.in_(ids)).order_by(Device.enrolled_at)):
                devices[device.event_id].append(device)
            received = {event_id: (count, last) for event_id, count, last in db.exec(
                select(Application.event_id, func.count(), func.max(Application.received_at))
                .where(Application.event_id.in_(ids)).group_by(Application.event_id))}
            workers = {user.id: user.name for user in db.exec(select(StaffUser))}
        return events, devices, received, workers

    events, devices, received, workers = await run_in_threadpool(find)
    return staff_page(request, "staff/events.html", events=events, devices=devices, received=received,
                      workers=workers, everything=everything, message=request.query_params.get("message"),
                      can_restore=request.state.staff.can("restore_devices"))


@requires("outreach")
async def revoke_device(request: Request) -> Response:
    me = request.state.staff.user.id
    everything = _sees_everything(request)
    device_id = request.path_params["device_id"]

    def revoke():
        with session(request.app.state.engine) as db:
            device = db.get(Device, device_id)
            if device is None or not (everything or device.worker_id == me):
                raise HTTPException(404, "No such device")  # another worker's device is not even named
            if device.revoked_at is None:
                device.revoked_at = utcnow()
                db.add(device)
                record(db, me, "revoke_device", device.id, event=device.event_id)
                db.commit()

    await run_in_threadpool(revoke)
    return back_to("/staff/events?message=revoked")


@requires("restore_devices")
async def restore_device(request: Request) -> Response:
    """A revoked device back in the program's hands: a worker renews its sign-in on it (its
    old credentials stay refused: one may have been copied while it was lost), and the
    sealed applications still queued on it can be sent."""
    me = request.state.staff.user.id
    device_id = request.path_params["device_id"]

    def restore():
        with session(request.app.state.engine) as db:
            device = db.get(Device, device_id)
            if device is None:
                raise HTTPException(404, "No such device")
            if device.revoked_at is not None:
                device.revoked_at = None
                # a credential's time is in whole seconds: one issued in this second still works
                device.restored_at = utcnow().replace(microsecond=0)
                db.add(device)
                record(db, me, "restore_device", device.id, event=device.event_id)
                db.commit()

    await run_in_threadpool(restore)
    return back_to("/staff/events?message=restored")


routes = [
    Route("/staff/events", list_events, methods=["GET"]),
    Route("/staff/devices/{device_id}/revoke", revoke_device, methods=["POST"]),
    Route("/staff/devices/{device_id}/restore", restore_device, methods=["POST"]),
]
