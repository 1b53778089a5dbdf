"""The real app plus one bare endpoint, in one server, for bench/submissions.py.

``POST /bench/bare`` is a plain Starlette app with one endpoint that returns an empty 201: no
middleware, no body parsing, no database. Every other request, and the lifespan (database
check, form version registration), goes straight to the real app from ``create_app()``
(settings from ``YOUTHJOBS_*``), with nothing in between.

    YOUTHJOBS_DATABASE_URL=... youthjobs serve --app bench.bare_app:app --workers 2
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.app import create_app

inner = create_app()


async def bare(request: Request) -> Response:
    return Response(status_code=201)


bare_app = Starlette(routes=[Route("/bench/bare", bare, methods=["POST"])])


async def app(scope, receive, send):
    """``/bench/bare`` to the bare app; everything else (and the lifespan) to the real one,
    exactly as ``youthjobs serve`` runs it."""
    if scope["type"] == "http" and scope["path"] == "/bench/bare":
        await bare_app(scope, receive, send)
    else:
        await inner(scope, receive, send)
