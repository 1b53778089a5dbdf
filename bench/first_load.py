"""First load of the application page: bytes on the wire, compressed, against the budget.

Starts a real server, fetches the application page the way a phone's browser would (gzip
accepted), then everything the page and its manifest reference, and prints the breakdown;
then the same for every language the program offers (each page carries only its own
language's texts). Budget: at most 60 KB compressed in total, JavaScript at most 30 KB,
in every language.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOTAL_BUDGET = 60 * 1024
JS_BUDGET = 30 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[bytes, str, bytes]:
    """(bytes on the wire, content type, decoded body)."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip", "Accept-Language": "en"})
    with urllib.request.urlopen(request) as response:
        wire = response.read()
        kind = response.headers.get("Content-Type", "").split(";")[0]
        encoding = response.headers.get("Content-Encoding")
    import gzip

    return wire, kind, gzip.decompress(wire) if encoding == "gzip" else wire


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "YOUTHJOBS_DATABASE_URL": f"sqlite:///{tmp}/bench.db",
               "YOUTHJOBS_ASSETS_DIR": f"{tmp}/assets"}
        subprocess.run([sys.executable, "-m", "server.cli", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "uvicorn", "server.app:app", "--port", str(port),
                                   "--no-access-log", "--log-level", "warning"], cwd=ROOT, env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/healthz")
                    break
                except OSError:
                    time.sleep(0.1)
            languages = list(json.loads((ROOT / "programs" / "default.json").read_text())["languages"])
            per_language = {}
            for lang in languages:
                rows = []
                wire, kind, html = fetch(f"{base}/apply?lang={lang}")
                rows.append((f"/apply?lang={lang}", kind, len(html), len(wire)))
                text = html.decode()
                urls = re.findall(r'(?:href|src)="(/(?:assets/[^"]+|manifest\.webmanifest))"', text)
                for url in dict.fromkeys(urls):
                    wire, kind, body = fetch(base + url)
                    rows.append((url, kind, len(body), len(wire)))
                    if url == "/manifest.webmanifest":
                        for icon in json.loads(body)["icons"]:
                            if icon["src"] not in urls:
                                urls.append(icon["src"])
                                wire, kind, body = fetch(base + icon["src"])
                                rows.append((icon["src"], kind, len(body), len(wire)))
                per_language[lang] = rows
        finally:
            server.terminate()
            server.wait()

    rows = per_language[languages[0]]
    print(f"first load in {languages[0]}:")
    print(f"{'resource':44} {'type':24} {'bytes':>8} {'on wire':>8}")
    for url, kind, size, wire in rows:
        print(f"{url:44} {kind:24} {size:8d} {wire:8d}")
    print()
    print(f"{'language':10} {'page on wire':>12} {'total':>8} {'javascript':>10}")
    worst_total = worst_js = 0
    for lang, rows in per_language.items():
        total = sum(row[3] for row in rows)
        js = sum(row[3] for row in rows if "javascript" in row[1])
        worst_total, worst_js = max(worst_total, total), max(worst_js, js)
        print(f"{lang:10} {rows[0][3]:12d} {total:8d} {js:10d}")
    print(f"largest first load {worst_total} bytes: budget {TOTAL_BUDGET} ({worst_total / TOTAL_BUDGET:.0%} used)")
    print(f"largest javascript {worst_js} bytes: budget {JS_BUDGET} ({worst_js / JS_BUDGET:.0%} used)")
    within = worst_total <= TOTAL_BUDGET and worst_js <= JS_BUDGET
    print("within budget" if within else "OVER BUDGET")
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
