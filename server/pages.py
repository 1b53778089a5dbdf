"""HTML pages: the application form (works without JavaScript) and its receipt."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qsl

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from .api import check_rate, read_body, remember_language, request_language
from .client_messages import client_messages
from .i18n import gettext_for, localized, text_direction
from .problems import N_, Problem
from .program import FormDefinition, Program, canonical_json
from .settings import ROOT
from .validation import FieldError

def make_templates() -> Environment:
    env = Environment(loader=FileSystemLoader(str(ROOT / "templates")), autoescape=select_autoescape(default=True))
    # |tojson must keep the program file's order: it decides which error a field shows first
    env.policies["json.dumps_kwargs"] = {"sort_keys": False, "ensure_ascii": False}
    return env


class Renderer:
    """Renders templates with the program, language and asset URLs filled in."""

    def __init__(self, templates: Environment, program: Program, asset_url):
        self.templates = templates
        self.program = program
        self.asset_url = asset_url

    def render(self, name: str, lang: str, **context) -> str:
        gettext = gettext_for(lang)

        def _(text: str, **values) -> str:
            translated = gettext(text)
            # the text is escaped, then values are put in: escaped unless they are Markup
            return Markup(escape(translated)) % values if values else translated

        return self.templates.get_template(name).render(
            program=self.program,
            lang=lang,
            text_direction=text_direction(lang),
            t=lambda text: localized(text, lang, self.program.default_language),
            _=_,
            asset=self.asset_url,
            **context,
        )

    def apply_page(self, lang: str, answers=None, errors=None, mode: str = "self") -> str:
        form = self.program.form
        errors = errors or []
        return self.render(
            "apply.html",
            lang,
            mode=mode,
            idle_seconds=self.program.idle_seconds,
            form=form,
            answers=answers or {},
            errors={e.field: e.message for e in errors},
            error_list=errors,
            client_messages=client_messages(lang),
        )


_NO_SCRIPT = uuid.uuid5(uuid.NAMESPACE_URL, "youthjobs:no-script-submission")


def no_script_id(form_version: str, answers: dict) -> str:
    """A form posted without JavaScript has no client-made id: derive one from its content,
    so posting the same page twice (back button, double click) is a replay, not a duplicate."""
    return str(uuid.uuid5(_NO_SCRIPT, canonical_json({"form_version": form_version, "answers": answers}).decode()))


def answers_from_form(form: FormDefinition, data) -> dict:
    """Read a plain HTML form post into an answers object, by the schema's types."""
    answers: dict = {}
    for name in data.keys():
        if name.startswith("_"):
            continue
        kind = form.property_schema(name).get("type", "string")
        values = [v.strip() for v in data.getlist(name) if isinstance(v, str) and v.strip()]
        if kind == "array":
            if values:
                answers[name] = values
        elif values:
            answers[name] = _coerce(values[-1], kind)
    return answers


def _coerce(text: str, kind: str):
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
    except ValueError:
        return text  # left as typed, so validation explains what is wrong
    if kind == "boolean":
        return text in ("true", "on", "yes")
    return text


def _html(body: str, status: int = 200, cache: str = "no-cache") -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": cache})


async def home(request: Request) -> Response:
    return RedirectResponse("/apply", status_code=302)


async def apply_form(request: Request) -> Response:
    lang = request_language(request)
    response = _html(request.app.state.renderer.apply_page(lang))
    response.headers["Vary"] = "Accept-Language, Cookie"
    response.headers["Content-Language"] = lang
    return remember_language(request, response, lang)


async def apply_submit(request: Request) -> Response:
    """The no-JavaScript path: a plain form post, answered with the receipt or the errors."""
    state = request.app.state
    renderer: Renderer = state.renderer
    lang = request_language(request)
    form = state.program.form
    try:
        await check_rate(request, "submit")
        data = await _read_form(request, state.settings.max_body_bytes)
        answers = answers_from_form(form, data)
        form_version = data.get("_form_version", "")
        payload = {"id": no_script_id(form_version, answers), "form_version": form_version, "answers": answers}
        _status, receipt = await run_in_threadpool(state.submissions.submit, payload, payload["id"], lang)
    except Problem as problem:
        if problem.slug == "invalid-answers":
            # the errors the server found, each beside its question (a NUL is not a schema error)
            errors = [FieldError(**error) for error in problem.extra["errors"]]
            # the page shows the answers again: never stored by the browser or a proxy (a shared computer)
            return _html(renderer.apply_page(lang, answers=answers, errors=errors), 400, cache="no-store")
        response = _html(renderer.render("problem.html", lang, title=problem.title, detail=problem.detail),
                         problem.status, cache="no-store")
        response.headers.update(problem.headers)
        return response
    page = renderer.render("received.html", lang, receipt=receipt)
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


async def _read_form(request: Request, limit: int) -> FormData:
    """A URL-encoded form post, size-limited like the JSON API."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        raise Problem(415, "unsupported-media-type", N_("This form can only be sent from the application page"))
    body = await read_body(request, limit)
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=500, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        raise Problem(400, "malformed-form", N_("The form could not be read")) from None
    return FormData(pairs)


async def outreach_form(request: Request) -> Response:
    """The application in event mode, for a shared device (no personal data: cacheable)."""
    lang = request_language(request)
    response = _html(request.app.state.renderer.apply_page(lang, mode="outreach"))
    response.headers["Vary"] = "Accept-Language, Cookie"
    response.headers["Content-Language"] = lang
    return remember_language(request, response, lang)


async def outreach_queue(request: Request) -> Response:
    """The worker's queue screen: a shell the device fills from its own storage, offline."""
    return _html(request.app.state.renderer.render("outreach/queue.html", request.app.state.program.default_language))


routes = [
    Route("/", home, methods=["GET"]),
    Route("/outreach/apply", outreach_form, methods=["GET"]),
    Route("/outreach/queue", outreach_queue, methods=["GET"]),
    Route("/apply", apply_form, methods=["GET"]),
    Route("/apply", apply_submit, methods=["POST"]),
]
