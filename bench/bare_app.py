"""The real app plus one bare endpoint, in one server, for bench/submissions.py.

``POST /bench/bare`` is a plain Starlette endpoint that returns an empty 201: no middleware,
no body parsing, no database. Everything else is the real app from ``create_app()``
(settings from ``YOUTHJOBS_*``), mounted at ``/``, with its lifespan (database check, form
version registration) run by this app's lifespan.

    YOUTHJOBS_DATABASE_URL=... python -m uvicorn bench.bare_app:app --workers 2
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from server.app import create_app

inner = create_app()


async def bare(request: Request) -> Response:
    return Response(status_code=201)


@asynccontextmanager
async def lifespan(app: Starlette):
    async with inner.router.lifespan_context(inner):
        yield


app = Starlette(routes=[Route("/bench/bare", bare, methods=["POST"]), Mount("/", app=inner)], lifespan=lifespan)
