"""What makes the app work offline: the web app manifest, the service worker script
with its precache list, and the content-hashed assets it precaches."""

from __future__ import annotations

import hashlib
import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .assets import ICONS, Assets
from .i18n import localized
from .program import Program

# what the application page needs offline (the staff console's stylesheet is not kept)
OFFLINE_ASSETS = ("app.js", "app.css", *ICONS)
# navigations to these paths get that page in the language last used
NAVIGATION_PAGES = {"/": "/apply", "/apply": "/apply", "/outreach/apply": "/outreach/apply"}


def page_url(lang: str, page: str = "/apply") -> str:
    return f"{page}?lang={lang}"


def _digest(*parts: str | bytes) -> str:
    sha = hashlib.sha256()
    for part in parts:
        sha.update(part.encode() if isinstance(part, str) else part)
    return sha.hexdigest()[:16]


def web_app_manifest(program: Program, assets: Assets) -> dict:
    lang = program.default_language
    return {
        "id": "/apply",
        "name": localized(program.raw["name"], lang),
        "short_name": localized(program.raw.get("short_name") or program.raw["name"], lang),
        "description": localized(program.raw.get("description"), lang),
        "lang": lang,
        "start_url": "/apply",
        "scope": "/",
        "display": "standalone",
        "theme_color": program.theme_color,
        "background_color": program.background_color,
        "icons": [
            {"src": assets.url("icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": assets.url("icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": assets.url("maskable-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
            {"src": assets.url("icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }


class OfflineShell:
    """The manifest and service worker for one build of the app."""

    def __init__(self, program: Program, assets: Assets, render_page, render_queue):
        self.assets = assets
        self.manifest = json.dumps(web_app_manifest(program, assets), ensure_ascii=False).encode()
        # one page per language; only the default one is fetched at install, the others
        # when first used (a phone pays for the languages it uses, not for all of them)
        pages = [
            {"url": page_url(lang), "revision": _digest(render_page(lang)),
             **({} if lang == program.default_language else {"lazy": True})}
            for lang in program.languages
        ]
        # event mode: only devices set up for an outreach event ever fetch these
        outreach = [
            *({"url": page_url(lang, "/outreach/apply"), "revision": _digest(render_page(lang, mode="outreach")),
               "lazy": True} for lang in program.languages),
            {"url": "/outreach/queue", "revision": _digest(render_queue()), "lazy": True},
        ]
        self.precache = [
            *pages,
            *outreach,
            {"url": "/manifest.webmanifest", "revision": _digest(self.manifest)},
            *({"url": assets.url(name), "revision": None} for name in OFFLINE_ASSETS),
        ]
        self.default_page = page_url(program.default_language)
        self.worker = (
            f"const PRECACHE={json.dumps(self.precache)};\n"
            f"const NAVIGATION_PAGES={json.dumps(NAVIGATION_PAGES)};\n"
            f"const DEFAULT_PAGE={json.dumps(self.default_page)};\n"
            + assets.worker_source
        ).encode()


async def service_worker(request: Request) -> Response:
    shell: OfflineShell = request.app.state.offline
    return Response(shell.worker, media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"})


async def manifest(request: Request) -> Response:
    shell: OfflineShell = request.app.state.offline
    return Response(shell.manifest, media_type="application/manifest+json", headers={"Cache-Control": "no-cache"})


async def asset(request: Request) -> Response:
    """A content-hashed file: cached forever, sent pre-compressed when the browser allows."""
    found = request.app.state.assets.files.get(request.path_params["name"])
    if found is None:
        return JSONResponse({"title": "Not found", "status": 404}, status_code=404,
                            media_type="application/problem+json")
    headers = {"Cache-Control": "public, max-age=31536000, immutable", "ETag": found.etag, "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == found.etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(found.gzipped, media_type=found.content_type, headers={**headers, "Content-Encoding": "gzip"})
    return Response(found.body, media_type=found.content_type, headers=headers)


routes = [
    Route("/sw.js", service_worker, methods=["GET"]),
    Route("/manifest.webmanifest", manifest, methods=["GET"]),
    Route("/assets/{name:str}", asset, methods=["GET"]),
]
