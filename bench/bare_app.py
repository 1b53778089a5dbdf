"""The real app plus one bare endpoint, in one server, for bench/submissions.py.

``POST /bench/bare`` is a plain Starlette app with one endpoint that returns an empty 201: no
middleware, no body parsing, no database. Every other request, and the lifespan (database
check, form version registration), goes straight to the real app from ``create_app()``
(settings from ``YOUTHJOBS_*``), with nothing in between. The real app gets one more route,
``POST /bench/checks-only``: the submission endpoint minus the database (see checks_only).

    YOUTHJOBS_DATABASE_URL=... youthjobs serve --app bench.bare_app:app --workers 2
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.api import prepare_submission
from server.app import create_app

inner = create_app()


async def bare(request: Request) -> Response:
    return Response(status_code=201)


bare_app = Starlette(routes=[Route("/bench/bare", bare, methods=["POST"])])


async def checks_only(request: Request) -> Response:
    """POST /api/applications without the database: every check, then the receipt it would
    send, through the app's own middleware. Its throughput is the ceiling that storing
    faster could reach."""
    prepared = await prepare_submission(request)
    return JSONResponse(prepared.receipt().to_json(), status_code=201, headers={"Cache-Control": "no-store"})


inner.router.routes.insert(0, Route("/bench/checks-only", checks_only, methods=["POST"]))


async def app(scope, receive, send):
    """``/bench/bare`` to the bare app; everything else (and the lifespan) to the real one,
    exactly as ``youthjobs serve`` runs it."""
    if scope["type"] == "http" and scope["path"] == "/bench/bare":
        await bare_app(scope, receive, send)
    else:
        await inner(scope, receive, send)
