"""Front-end assets: bundled and minified with webassets, named by content hash.

The JavaScript sources in ``pwa/js`` are small ES modules, one export per file. Browsers
get one bundle: ``esm-concat`` drops the ``import`` lines and ``export`` keywords, and
the files are concatenated in dependency order (so names must be unique across files).
The service worker is built the same way from ``service-worker/`` plus the modules it
shares with the page.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path

from webassets import Bundle, Environment
from webassets.filter import Filter, register_filter

from .settings import ROOT

# dependency order: a module comes after everything it imports
SHARED_MODULES = ["idb.js", "ids.js", "drafts.js", "outbox.js", "sendOutbox.js"]
PAGE_MODULES = SHARED_MODULES + [
    "syncScheduler.js",
    "validateAnswers.js",
    "conditions.js",
    "formAnswers.js",
    "errorMessages.js",
    "errorSummary.js",
    "stepper.js",
    "review.js",
    "statusPanel.js",
    "updateNotice.js",
    "receiptCode.js",
    "seal.js",
    "sealedQueue.js",
    "syncSealed.js",
    "outreachMode.js",
    "queuePage.js",
    "enrollPage.js",
    "main.js",
]
WORKER_MODULES = ["precache.js", "sw.js"]
ICONS = ["icon.svg", "icon-192.png", "icon-512.png", "maskable-512.png"]

_IMPORT = re.compile(r"^import\s[^;]*?\sfrom\s*[\"'][^\"']+[\"'];?[ \t]*$", re.MULTILINE | re.DOTALL)
_EXPORT = re.compile(r"^export\s+(?=(?:async\s+)?function\b|class\b|const\b|let\b)", re.MULTILINE)


class EsmConcat(Filter):
    """Turn one ES module into a fragment of a single-scope bundle."""

    name = "esm-concat"

    def input(self, _in, out, **kw):
        source = _IMPORT.sub("", _in.read())
        source = _EXPORT.sub("", source)
        leftover = re.search(r"^\s*(export|import)\b.*$", source, re.MULTILINE)
        if leftover:
            raise ValueError(f"{kw.get('source_path')}: unsupported module syntax: {leftover[0].strip()}")
        out.write(source)


register_filter(EsmConcat)

_TOP_LEVEL_NAME = re.compile(r"^(?:export\s+)?(?:async\s+)?(?:function\*?|class|const|let)\s+([A-Za-z_$][\w$]*)", re.MULTILINE)


def check_unique_names(paths: list[Path]) -> None:
    """The bundle shares one scope: refuse two files declaring the same top-level name."""
    seen: dict[str, Path] = {}
    for path in paths:
        for name in _TOP_LEVEL_NAME.findall(path.read_text(encoding="utf-8")):
            if name in seen and seen[name] != path:
                raise ValueError(f"{path.name} and {seen[name].name} both declare {name!r} at the top level")
            seen[name] = path


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes
    content_type: str
    etag: str


def _asset(body: bytes, name: str) -> Asset:
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type.endswith(("javascript", "json", "svg+xml")):
        content_type += "; charset=utf-8"
    digest = hashlib.sha256(body).hexdigest()[:16]
    return Asset(body, gzip.compress(body, compresslevel=9, mtime=0), content_type, f'"{digest}"')


def _sources_fingerprint(theme_css: str) -> str:
    sha = hashlib.sha256(theme_css.encode())
    for folder in ("pwa", "service-worker"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file():
                sha.update(f"{path}:{path.stat().st_mtime_ns}".encode())
    return sha.hexdigest()


_built: dict[tuple[str, str], tuple] = {}  # one build per process for the same sources


class Assets:
    """Built, content-hashed files served under ``/assets/`` and kept in memory."""

    def __init__(self, out_dir: Path, theme_css: str):
        self.out_dir = Path(out_dir)
        self.files: dict[str, Asset] = {}
        self.urls: dict[str, str] = {}
        self.worker_source = ""
        key = (str(self.out_dir), _sources_fingerprint(theme_css))
        if key not in _built:
            self._build(theme_css)
            _built[key] = (self.files, self.urls, self.worker_source)
        self.files, self.urls, self.worker_source = _built[key]

    def url(self, name: str) -> str:
        return self.urls[name]

    def _build(self, theme_css: str) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        # several server processes may start at once: one builds, the others wait
        with open(self.out_dir / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            (self.out_dir / "theme.css").write_text(theme_css, encoding="utf-8")
            env = Environment(directory=str(self.out_dir), url="/assets")
            env.versions = "hash"
            env.manifest = f"json:{self.out_dir / 'manifest.json'}"
            env.cache = False
            env.auto_build = False
            env.load_path = [str(ROOT), str(self.out_dir)]
            bundles = {
                "app.js": Bundle(*[f"pwa/js/{m}" for m in PAGE_MODULES],
                                 filters=("esm-concat", "rjsmin"), output="app.%(version)s.js"),
                "app.css": Bundle("theme.css", "pwa/css/app.css", filters="rcssmin", output="app.%(version)s.css"),
                # the staff console's extra rules, kept out of the young person's first load
                "staff.css": Bundle("pwa/css/staff.css", filters="rcssmin", output="staff.%(version)s.css"),
                "sw.js": Bundle(*[f"pwa/js/{m}" for m in SHARED_MODULES],
                                *[f"service-worker/{m}" for m in WORKER_MODULES],
                                filters=("esm-concat", "rjsmin"), output="sw.%(version)s.js"),
            }
            check_unique_names([ROOT / "pwa" / "js" / m for m in PAGE_MODULES])
            check_unique_names([ROOT / "pwa" / "js" / m for m in SHARED_MODULES]
                               + [ROOT / "service-worker" / m for m in WORKER_MODULES])
            for name, bundle in bundles.items():
                env.register(name, bundle)
                bundle.build(force=True)
                path = Path(bundle.resolve_output())
                if name == "sw.js":
                    self.worker_source = path.read_text(encoding="utf-8")
                    continue
                self._add(path.name, path.read_bytes(), name)
        for icon in ICONS:
            source = ROOT / "pwa" / "icons" / icon
            body = source.read_bytes()
            stem, dot, suffix = icon.rpartition(".")
            self._add(f"{stem}.{hashlib.sha256(body).hexdigest()[:8]}.{suffix}", body, icon)

    def _add(self, filename: str, body: bytes, logical_name: str) -> None:
        self.files[filename] = _asset(body, filename)
        self.urls[logical_name] = f"/assets/{filename}"

