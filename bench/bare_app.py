"""The real app plus one bare endpoint, in one server, for bench/submissions.py.

``POST /bench/bare`` is a plain Starlette app with one endpoint that returns an empty 201: no
middleware, no body parsing, no database. ``POST /bench/http-only``, in the same plain app,
reads the body and answers a receipt-sized JSON 201 with the app's response headers:
what HTTP alone costs for a submission's shape, with nothing checked or stored. Every other request, and the lifespan (database
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

import uuid

from server.api import prepare_submission
from server.app import create_app
from server.security import HEADERS

inner = create_app()


async def bare(request: Request) -> Response:
    return Response(status_code=201)


async def http_only(request: Request) -> Response:
    await request.body()
    receipt = {"id": str(uuid.uuid4()), "receipt_code": "ABCD-EFGH", "received_at": "2026-12-04T10:00:00Z"}
    return JSONResponse(receipt, status_code=201,
                        headers={**HEADERS, "Cache-Control": "no-store", "X-Request-ID": uuid.uuid4().hex})


bare_app = Starlette(routes=[Route("/bench/bare", bare, methods=["POST"]),
                             Route("/bench/http-only", http_only, methods=["POST"])])


async def checks_only(request: Request) -> Response:
    """POST /api/applications without the database: every check, then the receipt it would
    send, through the app's own middleware. Its throughput is the ceiling that storing
    faster could reach."""
    prepared = await prepare_submission(request)
    return JSONResponse(prepared.receipt().to_json(), status_code=201, headers={"Cache-Control": "no-store"})


inner.router.routes.insert(0, Route("/bench/checks-only", checks_only, methods=["POST"]))


async def app(scope, receive, send):
    """``/bench/bare`` and ``/bench/http-only`` to the bare app; everything else (and the
    lifespan) to the real one, exactly as ``youthjobs serve`` runs it."""
    if scope["type"] == "http" and scope["path"] in ("/bench/bare", "/bench/http-only"):
        await bare_app(scope, receive, send)
    else:
        await inner(scope, receive, send)
