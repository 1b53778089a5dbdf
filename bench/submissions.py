"""Submission throughput: POST /api/applications against a bare endpoint, in one server.

For each database (SQLite, PostgreSQL) and worker count (1, 2), starts one server as
production does (``youthjobs serve``, request logs and rate limiting on) running
bench/bare_app.py on a fresh, migrated database: the real app plus ``POST /bench/bare``, an
empty 201 outside the app; ``POST /bench/http-only``, also outside the app, which reads the
body and answers a receipt-sized JSON with the app's headers (what HTTP alone costs for a
submission); and ``POST /bench/checks-only``, the submission endpoint minus the database
(what storing faster could at best reach). It loads each endpoint in turn at a
fixed concurrency over keep-alive connections: a warm-up, then a measured run. All get the
same requests: each a new, valid application (a fresh uuid4 as id and Idempotency-Key, the
form's first example as answers). Prints requests, errors (non-2xx or exceptions), requests
per second, p50/p95/p99 latency, the share of the bare endpoint's throughput, the server's
CPU time per request (steadier than
req/s on a busy machine), and the CPU used meanwhile (% of one core) by the load generator,
the server's processes, the PostgreSQL backends serving it, and everything else ("other":
other work on the machine, and backends that came and went). Then checks every 201 against
the database: as many rows as 201s, and the same ids.

The load generator is this process, speaking HTTP/1.1 over raw asyncio streams (httpx2
saturated a core at a fifth of the bare endpoint's throughput). A row is flagged if the
load generator used most of a core, since that row's figures are then a floor.

Budget (the submission-throughput issue): our endpoint at least 40% of the bare endpoint's
throughput, zero errors, every request stored exactly once. Exits non-zero otherwise.

    .venv/bin/python bench/submissions.py [--duration 10] [--warmup 2] [--concurrency 32]
                                          [--engines sqlite,postgresql] [--workers 1,2]

PostgreSQL is reached at YOUTHJOBS_BENCH_POSTGRES_URL (a role allowed to create
databases; default: the one the tests use); its scenarios are skipped if unreachable.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "YOUTHJOBS_BENCH_POSTGRES_URL", "postgresql+psycopg://youthjobs:youthjobs@127.0.0.1:5432/postgres"
)
RATIO_GOAL = 0.40
CLIENT_SATURATED = 85  # % of one core: above this the load generator may be the bottleneck
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def processes() -> dict[int, tuple[int, str, float]]:
    """Every process: pid -> (parent pid, command line, CPU seconds used so far)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            found[int(entry.name)] = (int(fields[1]), command, (int(fields[11]) + int(fields[12])) / TICKS)
    return found


def machine_seconds() -> float:
    """CPU seconds the whole machine has been busy, all cores."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / TICKS


class CpuMeter:
    """CPU seconds used between start() and stop() by this process (the load generator), the
    server and its workers, the PostgreSQL backends serving ``database``, and the machine."""

    def __init__(self, server_pid: int, database: str | None):
        self.server_pid, self.database = server_pid, database

    def start(self) -> None:
        self.before = (time.process_time(), machine_seconds(), processes())

    def stop(self) -> dict[str, float]:
        client, machine, before = self.before
        after = processes()
        used = {pid: seconds - (before[pid][2] if pid in before and before[pid][0] == parent else 0.0)
                for pid, (parent, _, seconds) in after.items()}
        server, todo = set(), [self.server_pid]
        while todo:
            server.add(pid := todo.pop())
            todo += [child for child, (parent, _, _) in after.items() if parent == pid]
        db = {pid for pid, (_, command, _) in after.items() if self.database and f" {self.database} " in command}
        return {"client": time.process_time() - client, "server": sum(used[pid] for pid in server if pid in used),
                "db": sum(used[pid] for pid in db), "machine": machine_seconds() - machine}


# -- the load generator -----------------------------------------------------------------

@dataclass
class Load:
    requests: int = 0
    errors: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    created: list[str] = field(default_factory=list)  # ids answered 201
    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds used during the run

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


async def post(reader, writer, path: str, key: str, body: bytes) -> int:
    """One HTTP/1.1 POST on a keep-alive connection; the response's status."""
    writer.write(f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                 f"Idempotency-Key: {key}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
    lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(":", 1) for line in lines[1:] if ":" in line)
    if "content-length" not in headers:
        raise ValueError("response without Content-Length")
    await reader.readexactly(int(headers["content-length"]))
    if headers.get("connection", "").strip() == "close":
        raise ConnectionError("the server closed the connection")
    return int(lines[0].split()[1])


async def connection(port: int, path: str, make_body, until: float, load: Load) -> None:
    reader = writer = None
    while time.perf_counter() < until:
        key, body = make_body()
        started = time.perf_counter()
        load.requests += 1
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            async with asyncio.timeout(60):
                status = await post(reader, writer, path, key, body)
        except (OSError, ValueError, asyncio.IncompleteReadError, TimeoutError) as exc:
            load.errors[type(exc).__name__] += 1
            if writer is not None:
                writer.close()
            reader = writer = None
            continue
        load.latencies.append(time.perf_counter() - started)
        if not 200 <= status < 300:
            load.errors[f"HTTP {status}"] += 1
        elif status == 201:
            load.created.append(key)
    if writer is not None:
        writer.close()


def run_load(port: int, meter: CpuMeter, path: str, make_body, concurrency: int, seconds: float) -> Load:
    """``concurrency`` connections POST to ``path`` back to back for ``seconds``."""
    load = Load()
    meter.start()
    started = time.perf_counter()

    async def main() -> None:
        until = time.perf_counter() + seconds
        await asyncio.gather(*(connection(port, path, make_body, until, load) for _ in range(concurrency)))

    asyncio.run(main())
    load.seconds = time.perf_counter() - started
    load.cpu = meter.stop()
    return load


# -- one scenario: a fresh database, one server, both endpoints -------------------------

def get_json(url: str):
    with urllib.request.urlopen(url) as response:
        return json.load(response)


def wait_until_up(base: str, server: subprocess.Popen) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with status {server.returncode}")
        try:
            urllib.request.urlopen(f"{base}/healthz")
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start within 30 s")


def stored_ids(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as db:
            return [str(row[0]) for row in db.execute(text("SELECT id FROM applications"))]
    finally:
        engine.dispose()


def scenario(database_url: str, workers: int, args, tmp: str) -> dict[str, tuple[Load, Load]]:
    """Serve bench.bare_app on ``database_url``; (warm-up, measured) loads of each endpoint."""
    # rate limiting on, as in production, with an allowance the load cannot reach: every
    # request is counted (all from one address here, so one counter per batch)
    env = {**os.environ, "YOUTHJOBS_DATABASE_URL": database_url, "YOUTHJOBS_RATE_LIMIT": "100000000/second",
           "YOUTHJOBS_ASSETS_DIR": f"{tmp}/assets"}
    subprocess.run([sys.executable, "-m", "server.cli", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    port = free_port()
    # served as in production (``youthjobs serve``), request logs included, to /dev/null
    server = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--app", "bench.bare_app:app",
                               "--port", str(port), "--workers", str(workers)],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        wait_until_up(f"http://127.0.0.1:{port}", server)
        form = get_json(f"http://127.0.0.1:{port}/api/form")

        def application():
            key = str(uuid.uuid4())
            body = {"id": key, "form_version": form["version"], "answers": form["schema"]["examples"][0],
                    "client": {"language": "en"}}
            return key, json.dumps(body).encode()

        meter = CpuMeter(server.pid, make_url(database_url).database if "postgresql" in database_url else None)
        return {name: tuple(run_load(port, meter, path, application, args.concurrency, seconds)
                            for seconds in (args.warmup, args.duration))
                for name, path in (("bare", "/bench/bare"), ("http", "/bench/http-only"),
                                   ("checks", "/bench/checks-only"), ("app", "/api/applications"))}
    finally:
        server.terminate()
        server.wait(timeout=30)


class Postgres:
    """Creates and drops one throwaway database per scenario."""

    def __init__(self, url: str):
        self.url = make_url(url)
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT", pool_size=1)

    def unreachable(self) -> str | None:
        try:
            with self.admin.connect() as db:
                db.execute(text("SELECT 1"))
        except Exception as exc:  # any driver error means "not reachable"
            return f"PostgreSQL unreachable at {self.url.render_as_string()}: {exc.__class__.__name__}: {exc}"
        return None

    def create(self) -> str:
        name = f"yj_bench_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as db:
            db.execute(text(f'CREATE DATABASE "{name}"'))
        return self.url.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        with self.admin.connect() as db:
            db.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))


# -- report -----------------------------------------------------------------------------

def percentiles(latencies: list[float]) -> tuple[float, ...]:
    if len(latencies) < 2:
        return (latencies[0] * 1000,) * 3 if latencies else (0.0,) * 3
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000


HEADER = (f"{'engine':10} {'workers':>7} {'endpoint':23} {'requests':>8} {'errors':>6} {'req/s':>6} "
          f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'of bare':>8} {'server cpu ms/req':>17}  "
          f"cpu% client/server/db/other")


def row(engine: str, workers: int, endpoint: str, load: Load, ratio: str) -> str:
    p50, p95, p99 = percentiles(load.latencies)
    cpu = {name: used / load.seconds * 100 for name, used in load.cpu.items()}
    cpu["other"] = max(0.0, cpu["machine"] - cpu["client"] - cpu["server"] - cpu["db"])
    shares = "/".join(f"{cpu[name]:.0f}" for name in ("client", "server", "db", "other"))
    flag = "  LOAD GENERATOR NEAR SATURATION" if cpu["client"] >= CLIENT_SATURATED else ""
    return (f"{engine:10} {workers:7d} {endpoint:23} {load.requests:8d} {sum(load.errors.values()):6d} "
            f"{load.rate:6.0f} {p50:7.1f} {p95:7.1f} {p99:7.1f} {ratio:>8} "
            f"{load.cpu['server'] / max(load.requests, 1) * 1000:17.2f}  {shares}{flag}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per endpoint (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per endpoint (default 2)")
    parser.add_argument("--concurrency", type=int, default=32, help="keep-alive connections (default 32)")
    parser.add_argument("--engines", default="sqlite,postgresql", help="databases (default sqlite,postgresql)")
    parser.add_argument("--workers", default="1,2", help="server worker counts (default 1,2)")
    args = parser.parse_args()

    postgres = Postgres(POSTGRES_URL)
    lines, checks, client_peak = [], [], 0.0
    for engine in args.engines.split(","):
        if engine == "postgresql" and (reason := postgres.unreachable()):
            print(f"skipping postgresql: {reason}")
            continue
        for workers in map(int, args.workers.split(",")):
            print(f"running {engine} with {workers} worker(s)...", file=sys.stderr)
            with tempfile.TemporaryDirectory() as tmp:
                url = f"sqlite:///{tmp}/bench.db" if engine == "sqlite" else postgres.create()
                try:
                    loads = scenario(url, workers, args, tmp)
                    stored = stored_ids(url)
                finally:
                    if engine == "postgresql":
                        postgres.drop(url)
            (_, bare), (_, http_only), (_, checks_only), (_, app) = (
                loads["bare"], loads["http"], loads["checks"], loads["app"])
            ratio = app.rate / bare.rate
            client_peak = max(client_peak, *(load.cpu["client"] / load.seconds * 100
                                             for load in (bare, http_only, checks_only, app)))
            lines.append(row(engine, workers, "POST /bench/bare", bare, ""))
            lines.append(row(engine, workers, "POST /bench/http-only", http_only, f"{http_only.rate / bare.rate:.0%}"))
            lines.append(row(engine, workers, "POST /bench/checks-only", checks_only,
                             f"{checks_only.rate / bare.rate:.0%}"))
            lines.append(row(engine, workers, "POST /api/applications", app, f"{ratio:.0%}"))
            name = f"{engine}, {workers} worker(s):"
            errors = sum((load.errors for pair in loads.values() for load in pair), Counter())
            created = [key for load in loads["app"] for key in load.created]
            checks.append((ratio >= RATIO_GOAL, f"{name} application throughput {ratio:.0%} of bare "
                                                f"(goal at least {RATIO_GOAL:.0%})"))
            checks.append((not errors, f"{name} {sum(errors.values())} errors, warm-ups included"
                                       + (f" {dict(errors)}" if errors else "")))
            checks.append((len(stored) == len(created) and set(stored) == set(created),
                           f"{name} {len(created)} answered 201, {len(stored)} rows stored, "
                           f"{len(set(created) ^ set(stored))} ids in one but not the other"))
    postgres.admin.dispose()

    print(f"{args.concurrency} connections; {args.duration:g} s measured per endpoint after {args.warmup:g} s "
          f"warm-up; {os.cpu_count()} cores; cpu% is of one core")
    print(HEADER)
    print("\n".join(lines))
    print(f"load generator: at most {client_peak:.0f}% of one core, so "
          + ("it may be the bottleneck: treat req/s as a floor" if client_peak >= CLIENT_SATURATED
             else "it is not the bottleneck"))
    for ok, message in checks:
        print(f"{'PASS' if ok else 'FAIL'} {message}")
    return 0 if checks and all(ok for ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
