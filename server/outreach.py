"""Outreach event mode, server side: enrolling a device for an event, the public key devices
seal to, and the batch sync a device uses when it is back online.

Sync checks the device credential (never an address: a whole event may share one public
IP), takes up to 100 sealed applications, and answers each with its own outcome under the
same idempotency rules as a single submission. A refused credential refuses the batch with
401 and the device keeps everything queued.
"""

from __future__ import annotations

import json
import logging
import uuid

from sqlmodel import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .api import parse_json, read_body, request_language
from .audit import record
from .auth import requires
from .db import session
from .devices import CredentialRefused
from .keys import KeyFileError
from .models import Application
from .problems import N_, Problem
from .staff.pages import staff_page

log = logging.getLogger("youthjobs.outreach")
MAX_BATCH = 100
# Set up without the server's public key, a device would take applications it can never
# seal: refuse, and say who can fix it (staff pages are in English).
NO_KEY = ("This server has no key for sealed applications yet, so this device could not keep applications safe. "
          "Ask an administrator to run `youthjobs keys rotate` on the server, then try again.")


def _sealing_key(keys) -> dict | None:
    """The key a device seals to, as the browser takes it; None if the server has no usable one."""
    key_id = keys.current_id()
    if key_id is None:
        return None
    try:
        return {"id": key_id, "spki": keys.public_key_spki(key_id)}
    except KeyFileError:
        log.error("the current key %s has no usable private key file", key_id)
        return None


@requires("outreach")
async def enroll(request: Request) -> Response:
    """A worker (signed in, online) sets up this device for an event."""
    app = request.app.state
    key = await run_in_threadpool(_sealing_key, app.keys)
    if request.method == "GET":  # say so before the worker fills the form in
        return _enroll_page(request, error=None if key else NO_KEY)
    if key is None:
        return _enroll_page(request, error=NO_KEY, status=503)
    form = request.state.form
    try:
        event, device, credential = await run_in_threadpool(
            app.devices.enroll, request.state.staff.user.id, str(form.get("name", "")), str(form.get("place", "")),
            str(form.get("day", "")))
    except ValueError as exc:
        return _enroll_page(request, error=str(exc), status=400)
    await run_in_threadpool(_audit, app.engine, request.state.staff.user.id, "enroll_device", device.id, event.id)
    return _enrolled(request, event, device, credential, key)


def _audit(engine, actor_id: str, action: str, device_id: str, event_id: str) -> None:
    with session(engine) as db:
        record(db, actor_id, action, device_id, event=event_id)
        db.commit()


@requires("outreach")
async def renew(request: Request) -> Response:
    """A new credential for the same device (its sealed records are bound to it). Any
    outreach worker may renew it: the one who set it up may not be at the event; the audit
    log says who did."""
    app = request.app.state
    key = await run_in_threadpool(_sealing_key, app.keys)
    if key is None:  # a renewal without a key would leave the device unable to seal
        return _enroll_page(request, error=NO_KEY, status=503)
    device_id = str(request.state.form.get("device", ""))[:36]
    try:
        event, device, credential = await run_in_threadpool(app.devices.renew, device_id)
    except ValueError as exc:
        return _enroll_page(request, error=str(exc), status=400)
    await run_in_threadpool(_audit, app.engine, request.state.staff.user.id, "renew_device", device.id, event.id)
    return _enrolled(request, event, device, credential, key)


def _enroll_page(request: Request, error: str | None = None, enrolled: dict | None = None,
                 status: int = 200) -> Response:
    return staff_page(request, "outreach/enroll.html", status=status, error=error, enrolled=enrolled,
                      device_days=request.app.state.settings.device_credential_days)


def _enrolled(request: Request, event, device, credential, key: dict) -> Response:
    enrolled = {"credential": credential, "device": device.id, "event": {"id": event.id, "name": event.name,
                "place": event.place, "day": event.day}, "key": key}
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(enrolled, headers={"Cache-Control": "no-store"})
    return _enroll_page(request, enrolled=enrolled)


async def public_key(request: Request) -> Response:
    """The key devices seal applications to (public; the private half never leaves the server)."""
    keys = request.app.state.keys
    key_id = keys.current_id()
    if key_id is None:
        raise Problem(503, "no-key", N_("The server has no key for sealed applications yet"),
                      "An administrator needs to run `youthjobs keys rotate`.")
    return JSONResponse({"key_id": key_id, "spki": keys.public_key_spki(key_id)}, headers={"Cache-Control": "no-cache"})


async def _device(request: Request):
    """The enrolled device behind the request's credential; 401 (records stay queued) if none."""
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else None
    try:
        device = await run_in_threadpool(request.app.state.devices.check, token)
    except CredentialRefused as refused:
        raise Problem(401, "device-credential", N_("This device needs a worker to sign in again"),
                      N_("Nothing was lost: the applications stay on the device until they are sent."),
                      reason=refused.reason) from None
    limiter = request.app.state.device_limiter
    wait = await run_in_threadpool(limiter.hit, f"device:{device.device_id}") if limiter.limit.enabled else None
    if wait is not None:
        problem = Problem(429, "rate-limited", N_("Too many tries from this connection"),
                          N_("Wait a minute, then try again. Nothing was lost."), retry_after=wait)
        problem.headers["Retry-After"] = str(wait)
        raise problem
    return device


async def _json(request: Request, limit: int) -> dict:
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise Problem(415, "unsupported-media-type", N_("Send the application as JSON"))
    body = parse_json(await read_body(request, limit))
    if not isinstance(body, dict):
        raise Problem(400, "invalid-submission", N_("The submission is not in the expected format"))
    return body


async def sync(request: Request) -> Response:
    app = request.app.state
    device = await _device(request)
    body = await _json(request, app.settings.max_body_bytes * MAX_BATCH)
    items = body.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH:
        raise Problem(400, "invalid-batch", f"Send between 1 and {MAX_BATCH} applications in items")
    lang = request_language(request)

    def store_all():
        # every item checked and opened on its own; those that pass, stored in one transaction
        outcomes: list = [None] * len(items)
        ready: dict[int, object] = {}
        for index, item in enumerate(items):
            item_id = item.get("id") if isinstance(item, dict) else None
            try:
                if not isinstance(item, dict) or "sealed" not in item:
                    raise Problem(400, "sealed-required", "Applications from an outreach device must be sealed")
                ready[index] = app.submissions.prepare(item, str(item_id or ""), lang, device=device, keys=app.keys)
            except Exception as exc:  # this one item's outcome; the others go on
                outcomes[index] = exc
        for index, outcome in zip(ready, app.submissions.store(list(ready.values())) if ready else []):
            outcomes[index] = outcome
        return [_result(item, outcome) for item, outcome in zip(items, outcomes)]

    results = await run_in_threadpool(store_all)
    return JSONResponse({"results": results}, headers={"Cache-Control": "no-store"})


def _is_uuid(value) -> bool:
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value  # as the device made it
    except ValueError:
        return False


def _result(item, outcome) -> dict:
    """One item's line in the sync answer."""
    item_id = item.get("id") if isinstance(item, dict) else None
    if isinstance(outcome, Problem):
        return {"id": item_id, "status": outcome.status, "problem": outcome.to_json()}
    if isinstance(outcome, Exception):  # a fault with one item must not hold up the rest of the queue
        log.error("storing one sealed application failed", exc_info=outcome)  # the trace, never the item
        return {"id": item_id, "status": 500, "problem": {
            "type": "about:blank", "status": 500,
            "title": "Something went wrong on the server. It stays on the device: sync again later."}}
    status, receipt = outcome
    return {"status": status, **receipt.to_json()}


async def confirm(request: Request) -> Response:
    """Which of these ids the server has, from this device's event: the reconciliation count."""
    app = request.app.state
    device = await _device(request)
    body = await _json(request, 64 * 1024)
    ids = body.get("ids")
    if not isinstance(ids, list) or len(ids) > 1000 or not all(_is_uuid(i) for i in ids):
        raise Problem(400, "invalid-batch", "Send up to 1000 application ids (UUIDs) in ids")

    def known():
        with session(app.engine) as db:
            query = select(Application.id).where(Application.id.in_(ids), Application.event_id == device.event_id)
            return sorted(db.exec(query))

    return JSONResponse({"received": await run_in_threadpool(known)}, headers={"Cache-Control": "no-store"})


routes = [
    Route("/outreach/enroll", enroll, methods=["GET", "POST"]),
    Route("/outreach/renew", renew, methods=["POST"]),
    Route("/api/outreach/key", public_key, methods=["GET"]),
    Route("/api/outreach/sync", sync, methods=["POST"]),
    Route("/api/outreach/confirm", confirm, methods=["POST"]),
]
