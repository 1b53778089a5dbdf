"""Reviewing applications: the list with search and filters, one application's page, and
the changes a reviewer makes (status, corrections, duplicates) — each one recorded."""

from __future__ import annotations

import uuid

from sqlalchemy import or_
from sqlmodel import select
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..audit import record
from ..auth import requires
from ..db import session
from ..models import Application, ApplicationEvent, OutreachEvent, StaffUser
from ..pages import answers_from_form
from ..workflow import LABELS, READY, TRANSITIONS, allowed
from .pages import back_to, staff_page
from .queries import PAGE_SIZE, Filters


def _load(request: Request) -> tuple[Application, object]:
    """The application in the URL and the form version it was filled under; 404 if none."""
    application_id = request.path_params["application_id"]
    try:
        application_id = str(uuid.UUID(application_id))
    except ValueError:
        raise HTTPException(404, "No such application") from None
    with session(request.app.state.engine) as db:
        row = db.get(Application, application_id)
    if row is None:
        raise HTTPException(404, "No such application")
    return row, request.app.state.forms.get(row.form_version)


@requires("applications")
async def list_applications(request: Request) -> Response:
    app = request.app.state
    program = app.program
    filters = Filters.asked(request)

    def find():
        age_on = program.form.age_on
        with session(app.engine) as db:
            total = db.exec(filters.count_query(age_on)).one()
            # ids first (answered from an index), then only those rows with their answers
            ids = list(db.exec(filters.id_query(age_on).order_by(*filters.order())
                               .offset((filters.page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
            found = {row.id: row for row in db.exec(select(Application).where(Application.id.in_(ids)))}
            rows = [found[i] for i in ids if i in found]
            events = list(db.exec(select(OutreachEvent).order_by(OutreachEvent.day.desc()).limit(200)))
            record(db, request.state.staff.user.id, "list_applications", "",
                   filters=filters.audited(app.searches), page=filters.page, shown=len(rows))
            db.commit()
        return total, rows, events

    total, rows, events = await run_in_threadpool(find)
    return staff_page(request, "staff/applications.html", rows=rows, total=total, filters=filters,
                      pages=max(1, -(-total // PAGE_SIZE)), statuses=LABELS, form=program.form,
                      columns=program.list_columns, identity=program.identity.fields, events=events)


@requires("applications")
async def search_applications(request: Request) -> Response:
    """The list's form, posted: the list again with these filters, the search text sealed
    (searches.py), so what was typed never shows in the address."""
    query = Filters.posted(request.state.form, request.app.state.searches, request.state.staff.user.id)
    return back_to(f"/staff/applications?{query}" if query else "/staff/applications")


def _duplicates(db, row: Application) -> list[Application]:
    """Other applications that look like the same young person: same birth date, and the
    same normalized name, phone or email."""
    if not row.birth_date:
        return []
    same = []
    if row.first_key and row.last_key:
        same.append((Application.first_key == row.first_key) & (Application.last_key == row.last_key))
    if row.phone_key:
        same.append(Application.phone_key == row.phone_key)
    if row.email_key:
        same.append(Application.email_key == row.email_key)
    if not same:
        return []
    query = select(Application).where(Application.birth_date == row.birth_date, Application.id != row.id, or_(*same))
    return list(db.exec(query.order_by(Application.received_at).limit(20)))


@requires("applications")
async def show_application(request: Request) -> Response:
    app = request.app.state
    row, form = await run_in_threadpool(_load, request)

    def details():
        with session(app.engine) as db:
            events = list(db.exec(select(ApplicationEvent).where(ApplicationEvent.application_id == row.id)
                                  .order_by(ApplicationEvent.at)))
            actors = {user.id: user for user in db.exec(select(StaffUser))} if events else {}
            duplicates = _duplicates(db, row)
            event = db.get(OutreachEvent, row.event_id) if row.event_id else None
            worker = db.get(StaffUser, row.worker_id) if row.worker_id else None
            # the possible duplicates are other young people's names and codes: shown, so recorded
            record(db, request.state.staff.user.id, "view_application", row.id,
                   **({"duplicates_shown": [other.id for other in duplicates]} if duplicates else {}))
            db.commit()
        return events, actors, duplicates, event, worker

    events, actors, duplicates, event, worker = await run_in_threadpool(details)
    # answers that do not meet the form (an application held from an outreach device)
    problems = form.validate(row.answers, app.program.default_language) if form else []
    return staff_page(request, "staff/application.html", row=row, form=form, events=events, actors=actors,
                      problems=problems,
                      duplicates=duplicates, statuses=LABELS, event=event, worker=worker, next_statuses=TRANSITIONS.get(row.status, ()),
                      message=request.query_params.get("message"))


@requires("applications")
async def change_status(request: Request) -> Response:
    app = request.app.state
    row, form = await run_in_threadpool(_load, request)
    new = str(request.state.form.get("_status", ""))
    note = str(request.state.form.get("_note", "")).strip()[:2000]
    if not allowed(row.status, new):
        return back_to(f"/staff/applications/{row.id}?message=refused")
    # an application held with answers to fix cannot go forward until they are fixed
    if new in READY and (form is None or form.validate(row.answers, app.program.default_language)):
        return back_to(f"/staff/applications/{row.id}?message=fix-answers-first")

    def change():
        actor = request.state.staff.user.id
        with session(app.engine) as db:
            current = db.get(Application, row.id)
            if not allowed(current.status, new):  # someone else changed it a moment ago
                return "refused"
            before = current.status
            current.status = new
            db.add(current)
            db.add(ApplicationEvent(id=str(uuid.uuid4()), application_id=row.id, actor_id=actor, kind="status",
                                    data={"from": before, "to": new, "note": note}))
            record(db, actor, "change_status", row.id, **{"from": before, "to": new})
            db.commit()
        return "status-changed"

    return back_to(f"/staff/applications/{row.id}?message={await run_in_threadpool(change)}")


@requires("applications")
async def correct_answer(request: Request) -> Response:
    """A reviewer corrects an answer (e.g. after a phone call); the original is kept in the history."""
    app = request.app.state
    row, form = await run_in_threadpool(_load, request)
    # the form's own inputs start with "_", so they never collide with a question's name
    field = str(request.state.form.get("_field", ""))
    note = str(request.state.form.get("_note", "")).strip()[:2000]
    if form is None or field not in form.fields:
        return back_to(f"/staff/applications/{row.id}?message=refused")
    entered = answers_from_form(form, request.state.form)
    answers = {**row.answers}
    if field in entered:
        answers[field] = entered[field]
    else:
        answers.pop(field, None)
    # refused if this answer is still wrong, or the change breaks another one; answers held
    # with several problems are fixed one at a time
    lang = app.program.default_language
    already = {error.field for error in form.validate(row.answers, lang)} - {field}
    errors = [error for error in form.validate(answers, lang) if error.field not in already]
    if errors:
        return staff_page(request, "staff/correction_refused.html", status=400, row=row, errors=errors, form=form)

    def change():
        actor = request.state.staff.user.id
        with session(app.engine) as db:
            current = db.get(Application, row.id)
            before = current.answers.get(field)
            current.answers = answers
            for key, value in app.program.identity.keys(answers).items():
                setattr(current, key, value)
            db.add(current)
            db.add(ApplicationEvent(id=str(uuid.uuid4()), application_id=row.id, actor_id=actor, kind="correction",
                                    data={"field": field, "before": before, "after": answers.get(field), "note": note}))
            record(db, actor, "correct_answer", row.id, field=field)
            db.commit()

    await run_in_threadpool(change)
    return back_to(f"/staff/applications/{row.id}?message=corrected")


@requires("applications")
async def mark_duplicate(request: Request) -> Response:
    """Mark this application as a duplicate of another (or clear it). Nothing is deleted."""
    app = request.app.state
    row, _form = await run_in_threadpool(_load, request)
    original = str(request.state.form.get("_original", "")).strip()

    def change():
        actor = request.state.staff.user.id
        with session(app.engine) as db:
            current = db.get(Application, row.id)
            if original and (original == row.id or db.get(Application, original) is None):
                return "refused"
            before = current.duplicate_of
            current.duplicate_of = original or None
            db.add(current)
            db.add(ApplicationEvent(id=str(uuid.uuid4()), application_id=row.id, actor_id=actor, kind="duplicate",
                                    data={"of": original or None, "before": before}))
            record(db, actor, "mark_duplicate", row.id, of=original or None)
            db.commit()
        return "duplicate-marked" if original else "duplicate-cleared"

    return back_to(f"/staff/applications/{row.id}?message={await run_in_threadpool(change)}")


routes = [
    Route("/staff/applications", list_applications, methods=["GET"]),
    Route("/staff/applications", search_applications, methods=["POST"]),
    Route("/staff/applications/{application_id}", show_application, methods=["GET"]),
    Route("/staff/applications/{application_id}/status", change_status, methods=["POST"]),
    Route("/staff/applications/{application_id}/correction", correct_answer, methods=["POST"]),
    Route("/staff/applications/{application_id}/duplicate", mark_duplicate, methods=["POST"]),
]
