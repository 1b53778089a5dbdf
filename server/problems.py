"""RFC 9457 problem details: every API error is JSON a client can act on and a person can read."""

from __future__ import annotations

from starlette.responses import JSONResponse

PROBLEM_TYPE = "urn:youthjobs:problem:"


def N_(message: str) -> str:
    """Mark a message for translation without translating it yet: API answers stay in
    English, and a page shows it in the reader's language (``_(problem.title)``)."""
    return message


class Problem(Exception):
    """Raise to answer with ``application/problem+json``."""

    def __init__(self, status: int, slug: str, title: str, detail: str | None = None, **extra):
        super().__init__(title)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.extra = extra
        self.headers: dict[str, str] = {}

    def to_json(self) -> dict:
        body = {"type": PROBLEM_TYPE + self.slug, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        body.update(self.extra)
        return body

    def response(self) -> JSONResponse:
        return JSONResponse(
            self.to_json(),
            status_code=self.status,
            headers={"Cache-Control": "no-store", **self.headers},
            media_type="application/problem+json",
        )


async def problem_handler(request, exc: Problem) -> JSONResponse:
    return exc.response()
