"""The public JSON API: the form definition and the submission endpoint."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import strict_json
from .i18n import pick_language
from .problems import N_, Problem


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, or a 413 problem as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    too_large = Problem(413, "too-large", N_("The submission is too large"),
                        N_("It is larger than the program accepts. Shorten the longest answers and send it again."),
                        limit_bytes=limit)
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


async def check_rate(request: Request, scope: str) -> None:
    """429 with Retry-After once this client has used up its allowance for ``scope``."""
    limiter = request.app.state.rate_limiter
    if not limiter.limit.enabled:
        return
    # counted together with the other requests arriving at the same moment (one transaction)
    wait = await request.app.state.rate_hits(f"{scope}:{client_address(request)}")
    if wait is not None:
        problem = Problem(429, "rate-limited", N_("Too many tries from this connection"),
                          N_("Wait a minute, then try again. Nothing was lost."), retry_after=wait)
        problem.headers["Retry-After"] = str(wait)
        raise problem


LANGUAGE_COOKIE = "lang"


def request_language(request: Request, requested: str | None = None) -> str:
    """The language asked for, else the one chosen before (cookie), else the browser's preference."""
    program = request.app.state.program
    available = program.languages
    if isinstance(requested, str) and requested in available:  # the usual case for a submission: the page's language, in the body
        return requested
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if candidate in available:
            return candidate
    return pick_language(request.headers.get("accept-language"), list(available), program.default_language)


def remember_language(request: Request, response: Response, lang: str) -> Response:
    """Keep a language chosen with ?lang= for the next visits (a preference, not personal data)."""
    if request.query_params.get("lang") == lang and request.cookies.get(LANGUAGE_COOKIE) != lang:
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 86400, samesite="lax",
                            secure=request.url.scheme == "https", httponly=True)
    return response


async def get_form(request: Request) -> Response:
    form = request.app.state.program.form
    etag = f'"{form.version}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return JSONResponse(form.to_json(), headers=headers)


def parse_json(body: bytes):
    """Strict, storable JSON (strict_json.py), or a 400."""
    try:
        return strict_json.loads(body)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise Problem(400, "malformed-json", N_("The submission is not valid JSON")) from None


async def prepare_submission(request: Request):
    """Every check of one submission (not the rate limit), ready to store; or a Problem."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise Problem(415, "unsupported-media-type", N_("Send the application as JSON"),
                      N_("Use Content-Type: application/json."))
    payload = parse_json(await read_body(request, request.app.state.settings.max_body_bytes))
    client = payload.get("client") if isinstance(payload, dict) else None
    lang = request_language(request, client.get("language") if isinstance(client, dict) else None)
    state = request.app.state
    key = request.headers.get("idempotency-key")
    version = payload.get("form_version") if isinstance(payload, dict) else None
    if isinstance(version, str) and state.forms.cached(version) is None:
        # an older form version (or an unknown one) is looked up in the database, off the event loop
        return await run_in_threadpool(state.submissions.prepare, payload, key, lang)
    # the checks are a few dozen microseconds of CPU: cheaper here than a trip to a thread
    return state.submissions.prepare(payload, key, lang)


async def post_application(request: Request) -> Response:
    await check_rate(request, "submit")
    prepared = await prepare_submission(request)
    status, receipt = await request.app.state.store_submission(prepared)
    return JSONResponse(receipt.to_json(), status_code=status, headers={"Cache-Control": "no-store"})


routes = [
    Route("/api/form", get_form, methods=["GET"]),
    Route("/api/applications", post_application, methods=["POST"]),
]
