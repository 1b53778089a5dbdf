"""Rendering staff pages: never cached, always with the CSRF token and the signed-in user."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse


def staff_page(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    app = request.app.state
    staff = getattr(request.state, "staff", None)
    body = app.renderer.render(
        template,
        app.program.default_language,
        staff=staff,
        csrf=app.csrf.token(staff) if staff else "",
        **context,
    )
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def back_to(url: str) -> RedirectResponse:
    """After a change, show the result with a GET (so reloading does not repeat the change)."""
    return RedirectResponse(url, status_code=303)
