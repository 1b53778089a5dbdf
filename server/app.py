"""The application factory: ``create_app(settings)``; ``server.app:app`` for ASGI servers."""

from __future__ import annotations

import logging
from datetime import timedelta
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from . import api, offline, outreach, pages, staff, status_page
from .assets import Assets
from .auth import Csrf, Sessions
from .db import DatabaseNotReady, check_ready, make_engine, refresh_statistics
from .devices import DeviceCredentials
from .form_versions import FormVersions
from .group_commit import GroupCommit
from .keys import KeyRing
from .logs import RequestLog
from .pages import Renderer, make_templates
from .problems import Problem, problem_handler
from .program import load_program
from .ratelimit import RateLimiter
from .security import SecurityHeaders
from .settings import RateLimit, Settings
from .staff.searches import SearchSealer
from .submissions import Submissions

log = logging.getLogger("youthjobs")


def theme_css(program) -> str:
    return f":root{{--brand:{program.theme_color};--background:{program.background_color}}}\n"


async def healthz(request: Request) -> Response:
    """The process is up (for a supervisor or load balancer's liveness check)."""
    return PlainTextResponse("ok", headers={"Cache-Control": "no-store"})


async def readyz(request: Request) -> Response:
    """The database answers and is at the current migration (for a load balancer's readiness check)."""
    try:
        await run_in_threadpool(check_ready, request.app.state.engine)
    except DatabaseNotReady as exc:
        log.warning("not ready: %s", exc)
        body = {"type": "about:blank", "title": "Not ready: the database is unreachable or not migrated", "status": 503}
        return JSONResponse(body, status_code=503, media_type="application/problem+json",
                            headers={"Cache-Control": "no-store", "Retry-After": "5"})
    return PlainTextResponse("ready", headers={"Cache-Control": "no-store"})


async def http_error(request: Request, exc: HTTPException) -> Response:
    body = {"type": "about:blank", "title": exc.detail, "status": exc.status_code}
    return JSONResponse(body, status_code=exc.status_code, media_type="application/problem+json",
                        headers=getattr(exc, "headers", None))


async def server_error(request: Request, exc: Exception) -> Response:
    body = {"type": "about:blank", "title": "Something went wrong on the server. Nothing you sent was lost: try again.",
            "status": 500}
    return JSONResponse(body, status_code=500, media_type="application/problem+json")


class Compression:
    """gzip (Starlette's GZipMiddleware) for pages, assets and the form, but not for the
    answers to the API's POSTs: a receipt, a problem or a batch's results are a few hundred
    bytes of JSON, and routing every submission through the compressor costs more than
    it could save."""

    def __init__(self, app, minimum_size: int = 600):
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
        else:
            await self.gzip(scope, receive, send)


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the app: load the program file, build assets, wire routes and middleware."""
    settings = settings or Settings.from_env()
    program = load_program(settings.program_file)
    engine = make_engine(settings.database_url)
    assets = Assets(settings.assets_dir, theme_css(program))
    renderer = Renderer(make_templates(), program, assets.url)
    forms = FormVersions(engine, program.form)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        try:
            check_ready(engine)
        except DatabaseNotReady as exc:
            log.error("youthjobs cannot start: %s", exc)
            raise
        forms.register_current()
        if engine.dialect.name == "sqlite":
            await run_in_threadpool(refresh_statistics, engine)
        yield
        engine.dispose()

    app = Starlette(
        debug=settings.debug,
        # the submission endpoint first: routes are matched in order, and it is the busiest
        routes=[*api.routes, Route("/healthz", healthz), Route("/readyz", readyz), *pages.routes, *status_page.routes, *staff.routes, *outreach.routes, *offline.routes],
        middleware=[Middleware(RequestLog), Middleware(SecurityHeaders), Middleware(Compression, minimum_size=600)],
        exception_handlers={Problem: problem_handler, HTTPException: http_error, 500: server_error},
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.program = program
    app.state.engine = engine
    app.state.assets = assets
    app.state.renderer = renderer
    app.state.forms = forms
    app.state.submissions = Submissions(engine, forms, program.identity, program.languages)
    app.state.store_submission = GroupCommit(app.state.submissions.store)
    app.state.rate_limiter = RateLimiter(engine, settings.rate_limit)
    app.state.rate_hits = GroupCommit(app.state.rate_limiter.hit_many)
    app.state.offline = offline.OfflineShell(
        program, assets, renderer.apply_page, lambda: renderer.render("outreach/queue.html", program.default_language))
    app.state.sessions = Sessions(engine, timedelta(minutes=settings.session_idle_minutes),
                                  timedelta(hours=settings.session_max_hours))
    app.state.csrf = Csrf(settings.secret())
    # a search is good for as long as the session it was made in can last
    app.state.searches = SearchSealer(settings.secret(), settings.session_max_hours * 3600)
    app.state.keys = KeyRing(settings.key_dir)
    app.state.devices = DeviceCredentials(engine, settings.secret(), settings.device_credential_days)
    # an event's devices share one public address: they are limited per credential instead
    app.state.device_limiter = RateLimiter(engine, settings.rate_limit)
    # sign-in throttles: always on, whatever YOUTHJOBS_RATE_LIMIT says
    app.state.login_limits = (RateLimiter(engine, RateLimit(5, 900)), RateLimiter(engine, RateLimit(30, 900)))
    return app


def __getattr__(name: str):
    # ``server.app:app`` is built on first access, from the environment, so importing
    # this module (as the tests do) has no side effects
    if name == "app":
        global app
        app = create_app()
        return app
    raise AttributeError(name)
