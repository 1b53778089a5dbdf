"""Insights, for analysts (and reviewers and admins): counts only, small ones hidden."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..auth import requires
from ..insights import breakdowns
from .pages import staff_page


@requires("insights")
async def show_insights(request: Request) -> Response:
    app = request.app.state
    total, found = await run_in_threadpool(breakdowns, app.engine, app.program)
    return staff_page(request, "staff/insights.html", total=total, breakdowns=found,
                      minimum=app.program.insights_min_count)


routes = [Route("/staff/insights", show_insights, methods=["GET"])]
