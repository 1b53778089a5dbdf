"""The young person's status page: receipt code + date of birth, and nothing for a wrong guess."""

from __future__ import annotations

import hmac
import re

from sqlmodel import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from .api import check_rate, remember_language, request_language
from .db import session
from .form_data import read_form
from .i18n import gettext_for
from .models import Application
from .problems import Problem
from .receipts import ALPHABET, LENGTH

_CODE = re.compile(rf"^[{ALPHABET}]{{{LENGTH}}}$")


def normalize_code(text: str) -> str | None:
    """What a person typed, read generously (case, spaces, dashes); None if it cannot be a code."""
    cleaned = re.sub(r"[^0-9A-Za-z]", "", text or "").upper()
    if not _CODE.match(cleaned):
        return None
    return f"{cleaned[:4]}-{cleaned[4:]}"


def status_message(status: str, lang: str) -> tuple[str, str]:
    """(heading, explanation) for an application's status, in the person's language."""
    _ = gettext_for(lang)
    messages = {
        "received": (_("We have your application"),
                     _("Staff will check that you are eligible. We will contact you by phone or email.")),
        "eligible": (_("You are eligible"),
                     _("We are matching young people with jobs. We will contact you when we have a job offer for you.")),
        "ineligible": (_("You are not eligible this year"),
                       _("We are sorry. Call us if you have questions or think this is a mistake.")),
        "needs_information": (_("We need more information"),
                              _("Please call us, or check your phone and email for a message from us.")),
        "placed": (_("You have a summer job"), _("Congratulations! Check your phone and email for the details.")),
        "withdrawn": (_("Your application was withdrawn"), _("Call us if you want to apply again.")),
    }
    return messages.get(status, messages["received"])


def _lookup(engine, code: str, answer_field: str, answer: str) -> Application | None:
    with session(engine) as db:
        candidates = list(db.exec(select(Application).where(Application.receipt_code == code)))
    found = None
    for candidate in candidates:
        # compare in constant time, and look at every candidate, so timing says nothing
        if hmac.compare_digest(str(candidate.answers.get(answer_field, "")).encode(), answer.encode()):
            found = candidate
    return found


async def status_page(request: Request) -> Response:
    lang = request_language(request)
    renderer = request.app.state.renderer
    context = {"code": "", "answer": "", "result": None, "not_found": False}
    if request.method == "POST":
        try:
            await check_rate(request, "status")
        except Problem as problem:
            response = HTMLResponse(renderer.render("problem.html", lang, title=problem.title, detail=problem.detail),
                                    status_code=429, headers={"Cache-Control": "no-store", **problem.headers})
            return response
        form = await read_form(request, max_fields=10, max_part_size=1024)
        code = normalize_code(str(form.get("code", "")))
        answer = str(form.get("answer", "")).strip()[:40]
        field = request.app.state.program.form.status_check_field
        found = None
        if code and answer:
            found = await run_in_threadpool(_lookup, request.app.state.engine, code, field, answer)
        context.update(code=str(form.get("code", ""))[:20], answer=answer, not_found=found is None)
        if found is not None:
            heading, text = status_message(found.status, lang)
            context["result"] = {"heading": heading, "text": text, "received_at": found.received_at}
    body = renderer.render("status.html", lang, **context)
    response = HTMLResponse(body, headers={"Cache-Control": "no-store"})
    return remember_language(request, response, lang)


routes = [Route("/status", status_page, methods=["GET", "POST"])]
