"""Staff console at 100,000 applications: list and search latency, and CSV export memory.

For each database (SQLite, then PostgreSQL if it is reachable), creates a fresh database,
migrates it (``youthjobs db upgrade``), adds a reviewer (``server.auth.create_user``) and
bulk-inserts generated applications straight into the ``applications`` table (SQLAlchemy
Core executemany, 5,000 rows a batch). The applications are varied and valid under the
program's form: the form's examples with a few hundred first and last names (some with
accents), dates of birth for ages 14-24 on the form's cut-off date (a guardian for minors),
every neighborhood, phones in several spellings, emails for most, statuses, channels and
languages mixed, received over 60 days; their search keys, receipt codes and content
hashes are computed by the server's own functions. On PostgreSQL the table is then
VACUUM ANALYZEd, as autovacuum would shortly do after such a load; SQLite is left as the
app leaves it (nothing in the app runs ANALYZE).

Then runs the real server (``youthjobs serve``, one worker) and, signed in as the
reviewer over one keep-alive connection:

- times the list and search pages one request at a time: a warm-up, then ``--requests``
  timed requests per page; prints p50, p95 and max (ms, as the client sees them);
- times the analysts' Insights page (counts over every application) the same way, with a
  tenth of the requests and its own budget (2 s at the 95th percentile: it counts every
  application afresh, for an analyst now and then, not a page a reviewer pages through);
- exports the whole list as CSV (``/staff/export/applications.csv``), streamed, counting
  bytes and rows (header included, it must be N + 1), while a thread samples the server
  process's resident memory (VmRSS in /proc/<pid>/status) every 20 ms; the kernel's own
  high-water mark (VmHWM, reset before the export through /proc/<pid>/clear_refs) is
  shown beside it. The export runs in a freshly started server (warmed by a list page, a
  search and a one-row export) at --small-rows applications and again at --rows, so the
  two memory increases can be compared.

Budget (the staff console issue): with 100,000 applications in SQLite and in PostgreSQL,
every list and search page under 100 ms at the 95th percentile on this machine, and the
full CSV export's peak memory independent of the row count (here: the increase at --rows
at most 1.5x the increase at --small-rows plus 20 MB), and the export complete. Exits
non-zero otherwise.

    .venv/bin/python bench/staff_console.py [--rows 100000] [--small-rows 10000]
                                            [--requests 50] [--engines sqlite,postgresql]

PostgreSQL is reached at YOUTHJOBS_BENCH_POSTGRES_URL (a role allowed to create
databases; default: the one the tests use); it is skipped, with the reason, if unreachable.
Each run uses throwaway databases and temporary files, removed at the end.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx2
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.auth import create_user  # noqa: E402
from server.db import make_engine  # noqa: E402
from server.models import Application, FormVersion  # noqa: E402
from server.program import age_on, load_program  # noqa: E402
from server.receipts import receipt_code  # noqa: E402
from server.submissions import content_hash  # noqa: E402

POSTGRES_URL = os.environ.get(
    "YOUTHJOBS_BENCH_POSTGRES_URL", "postgresql+psycopg://youthjobs:youthjobs@127.0.0.1:5432/postgres"
)
PROGRAM_FILE = ROOT / "programs" / "default.json"
P95_BUDGET_MS = 100.0
INSIGHTS_BUDGET_MS = 2000.0  # counts every application afresh (no cache), for an analyst now and then
MEMORY_FACTOR, MEMORY_SLACK_MB = 1.5, 20.0
INSERT_BATCH = 5_000
WARMUP_REQUESTS = 5
RSS_INTERVAL = 0.02
REVIEWER = ("reviewer@bench.example", "bench reviewer password 1")


# -- generated applications -------------------------------------------------------------

FIRST_NAMES = """
Jordan Linh Aaliyah Abdi Adriana Ahmed Aisha Alejandro Alex Alexis Ali Alicia Amani Amir Ana
Andre Andrés Angel Angélica Anthony Ariana Ashley Ayanna Bao Brandon Brianna Camila Carlos
Carmen Chloe Christian Christopher Cristina Daniel Daniela Darius David Destiny Diego Dylan
Elijah Emily Emmanuel Erika Esperanza Evelyn Fatima Fernanda Francisco Gabriel Gabriela
Grace Guadalupe Hana Hannah Hector Hoa Hung Ibrahim Imani Isabel Isabella Isaiah Jacob Jada
Jamal Jasmine Jayden Jean Jennifer Jesús Jocelyn Joël Jonathan José Joseph Joshua Juan Julia
Julian Justin Kayla Keisha Kevin Khadija Kiara Lamar Laura Layla Leila Leticia Liam Lucas
Lucía Luis Madison Malik Marcus Maria María Mariana Marisol Mark Marlon Mateo Maya Mei
Michael Michelle Miguel Minh Mohamed Nadia Naomi Natalia Nathan Nia Nicole Noah Olivia Omar
Oscar Pablo Patrick Paula Quan Rafael Raúl Ricardo Roberto Rosa Ryan Samantha Samuel Sara
Sebastián Sofia Stephanie Tanisha Thanh Thiago Tiffany Trinh Tuan Valentina Valeria Vanessa
Victor Wei William Xavier Yasmin Yusuf Zainab Zoe Ikram Fadumo Wilson Kenson Widline Fabiola
Jeff Ricardina Djeneba Edmilson Nilton Kátia Keila Yuki
""".split()

# the first ones are the commonest (weights fall off as 1/sqrt(rank))
LAST_NAMES = """
Rodriguez Nguyen Smith Johnson Williams Rivera Brown García Jones Pierre Jean-Baptiste
Martinez Lopez Gonzalez Hernandez Perez Tran Davis Jackson Thomas Díaz Sánchez Ramírez Torres
Flores Cruz Reyes Morales Ortiz Gutiérrez Chavez Ramos Ruiz Alvarez Mendoza Castillo Jiménez
Moreno Romero Herrera Medina Aguilar Vargas Castro Guzman Fernández Le Pham Hoang Phan Vu Vo
Dang Bui Do Ho Ngo Duong Ly Chen Wang Li Zhang Liu Huang Wu Zhou Lin Chan Wong Lee Kim Park
Joseph Charles Louis Jean Etienne Baptiste Celestin Dorsainvil Fils-Aimé Toussaint Desir
Silva Santos Oliveira Souza Pereira Costa Carvalho Almeida Gomes Barbosa Fonseca Monteiro
Tavares Andrade Lopes Semedo Fernandes Varela Mendes Rocha Cabral Brito Veiga Gonçalves
Mohamed Ali Hassan Ahmed Abdullahi Farah Osman Warsame Yusuf Omar Ibrahim Abdi Haji Nur
O'Brien O'Connor Murphy Sullivan Kelly McCarthy Walsh Ryan Fitzgerald Doherty Lynch Burke
Miller Wilson Anderson Taylor Moore Martin White Harris Clark Lewis Robinson Walker Young
Allen King Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell Roberts Carter
Phillips Evans Turner Parker Collins Edwards Stewart Morris Murray Cooper Richardson Cox
Howard Ward Peterson Gray James Watson Brooks Bennett Wood Barnes Ross Henderson Coleman
Jenkins Perry Powell Long Patterson Hughes Washington Butler Simmons Foster Bryant Alexander
Russell Griffin Hayes Myers Ford Hamilton Graham Sullivan-Reyes
""".split() + ["De la Cruz", "St. Fleur", "Van Buren"]
GUARDIAN_NAMES = ["Maria", "Carmen", "Rosa", "Marie", "Mai", "Lan", "Fatima", "Sandra", "Michelle", "Angela",
                  "James", "Robert", "José", "Jean", "Carlos", "Ahmed", "Hung", "Paulo", "Denise", "Yolanda"]
STREETS = ["Warren Street", "Adams Street", "Blue Hill Avenue", "Washington Street", "Dudley Street",
           "Columbia Road", "Centre Street", "Hyde Park Avenue", "Bennington Street", "Dorchester Avenue",
           "Tremont Street", "Massachusetts Avenue", "Geneva Avenue", "River Street", "Cummins Highway"]
SCHOOLS = ["Boston Latin Academy", "Madison Park Technical Vocational High School", "English High School",
           "Brighton High School", "East Boston High School", "Charlestown High School",
           "Jeremiah E. Burke High School", "Boston Community Leadership Academy", "TechBoston Academy",
           "Excel High School"]
STATUSES = {"received": 50, "eligible": 20, "needs_information": 8, "ineligible": 7, "placed": 10, "withdrawn": 5}
LANGUAGES = {"en": 55, "es": 20, "ht": 7, "pt": 5, "vi": 5, "zh-Hans": 3, "kea": 3, "ar": 2}
SPOKEN = {"en": "english", "es": "spanish", "ht": "haitian_creole", "pt": "portuguese", "vi": "vietnamese",
          "zh-Hans": "chinese", "kea": "cape_verdean_creole", "ar": "arabic"}
GRADE_BY_AGE = {14: "9", 15: "10", 16: "11", 17: "12"}
RECEIVED_DAYS = 60
SEARCHED_LAST_NAME = "Garcia"  # typed without the accent the rows have ("García", the 8th commonest)
SEARCHED_PREFIX = "Mar"  # Maria, Marcus, Mariana, Martinez, Martin, Mark, Marlon, Marisol...


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class Applications:
    """Rows for the ``applications`` table, deterministic for a given seed."""

    def __init__(self, program, seed: int = 20270701):
        self.program = program
        self.form = program.form
        self.rng = random.Random(seed)
        adult, minor = self.form.schema["examples"][:2]
        self.templates = {"adult": adult, "minor": minor}
        properties = self.form.schema["properties"]
        self.enums = {name: properties[name].get("enum") or properties[name].get("items", {}).get("enum")
                      for name in ("neighborhood", "zip", "interests", "weeks_available", "hours_per_week",
                                   "travel_minutes", "transit_pass", "gender")}
        self.last_weights = [1 / (rank + 1) ** 0.5 for rank in range(len(LAST_NAMES))]
        self.end = datetime.combine(self.form.age_on - timedelta(days=62), datetime.min.time(), UTC)
        self.made = 0

    def phone(self) -> str:
        area = self.rng.choice(["617", "857", "781", "339"])
        exchange, line = self.rng.randint(200, 999), self.rng.randint(0, 9999)
        spelling = self.rng.choice(["{a}-{e}-{l:04d}", "({a}) {e}-{l:04d}", "{a}{e}{l:04d}", "{a}.{e}.{l:04d}",
                                    "+1 {a} {e} {l:04d}"])
        return spelling.format(a=area, e=exchange, l=line)

    def answers(self, received: datetime, language: str) -> dict:
        rng, enums = self.rng, self.enums
        age = rng.randint(14, 24)
        latest, earliest = years_before(self.form.age_on, age), years_before(self.form.age_on, age + 1)
        born = earliest + timedelta(days=rng.randint(1, (latest - earliest).days))
        minor = age < 18
        answers = {key: (list(value) if isinstance(value, list) else value)
                   for key, value in self.templates["minor" if minor else "adult"].items()}
        first, last = rng.choice(FIRST_NAMES), rng.choices(LAST_NAMES, self.last_weights)[0]
        answers.update(
            first_name=first, last_name=last, date_of_birth=born.isoformat(),
            zip=rng.choice(enums["zip"]), neighborhood=rng.choice(enums["neighborhood"]),
            street_address=f"{rng.randint(1, 400)} {rng.choice(STREETS)}",
            interests=rng.sample(enums["interests"], rng.randint(1, 3)),
            weeks_available=sorted(rng.sample(enums["weeks_available"], rng.randint(1, 6))),
            hours_per_week=rng.choice(enums["hours_per_week"]), travel_minutes=rng.choice(enums["travel_minutes"]),
            transit_pass=rng.choice(enums["transit_pass"]),
        )
        for key in ("phone", "email", "preferred_name", "pronouns", "unit", "gender"):
            answers.pop(key, None)
        if rng.random() < 0.85:
            answers["phone"] = self.phone()
        if rng.random() < 0.7 or "phone" not in answers:
            plain = re.sub(r"[^a-z]", "", first.lower().encode("ascii", "ignore").decode())
            surname = re.sub(r"[^a-z]", "", last.lower().encode("ascii", "ignore").decode())
            answers["email"] = f"{plain}.{surname}{rng.randint(1, 999)}@example.{rng.choice(['org', 'com', 'net'])}"
        if rng.random() < 0.5:
            answers["gender"] = rng.choice(enums["gender"])
        if minor:
            guardian = f"{rng.choice(GUARDIAN_NAMES)} {last}"
            answers.update(guardian_name=guardian, guardian_consent_name=guardian, guardian_phone=self.phone(),
                           guardian_consent_date=(received - timedelta(days=rng.randint(0, 5))).date().isoformat(),
                           school_name=rng.choice(SCHOOLS), grade=GRADE_BY_AGE[age])
        elif age <= 19 and rng.random() < 0.4:
            answers.update(school_status="in_school", school_name=rng.choice(SCHOOLS),
                           grade=rng.choice(["12", "college"]))
        answers["languages_spoken"] = list(dict.fromkeys([SPOKEN[language], "english"]))
        return answers

    def rows(self, count: int):
        """``count`` more rows, as dicts of column values."""
        rng = self.rng
        for _ in range(count):
            application_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            received = self.end - timedelta(seconds=rng.randint(0, RECEIVED_DAYS * 86_400))
            language = rng.choices(list(LANGUAGES), list(LANGUAGES.values()))[0]
            answers = self.answers(received, language)
            if self.made < 300:  # the generator must make applications the form accepts
                problems = self.form.validate(answers, "en")
                if problems or age_on(answers["date_of_birth"], self.form.age_on) not in range(14, 25):
                    raise RuntimeError(f"generated answers are not valid: {problems[:1]} in {answers}")
            self.made += 1
            filled = received - timedelta(minutes=rng.randint(1, 3 * 24 * 60))
            yield {
                "id": application_id, "receipt_code": receipt_code(application_id),
                "form_version": self.form.version, "answers": answers,
                "content_hash": content_hash(self.form.version, answers),
                "channel": "outreach" if rng.random() < 0.15 else "self", "language": language,
                "client": {"language": language, "filled_at": filled.isoformat()},
                "filled_at": filled, "received_at": received,
                "status": rng.choices(list(STATUSES), list(STATUSES.values()))[0], "duplicate_of": None,
                **self.program.identity.keys(answers),
            }


# -- databases --------------------------------------------------------------------------

class Postgres:
    """Creates and drops one throwaway database per run."""

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


def server_env(database_url: str, tmp: str) -> dict[str, str]:
    return {**os.environ, "YOUTHJOBS_DATABASE_URL": database_url, "YOUTHJOBS_RATE_LIMIT": "0",
            "YOUTHJOBS_ASSETS_DIR": f"{tmp}/assets", "YOUTHJOBS_KEY_DIR": f"{tmp}/keys",
            "YOUTHJOBS_SECRET_KEY": secrets.token_urlsafe(48), "YOUTHJOBS_LOG_LEVEL": "warning"}


def prepare(engine, database_url: str, program, tmp: str) -> None:
    """Migrate, register the current form version, add the reviewer."""
    subprocess.run([sys.executable, "-m", "server.cli", "db", "upgrade"], cwd=ROOT,
                   env=server_env(database_url, tmp), check=True, stdout=subprocess.DEVNULL)
    form = program.form
    with engine.begin() as db:
        db.execute(insert(FormVersion.__table__), [{"version": form.version, "program_id": form.program_id,
                                                    "definition": form.definition,
                                                    "created_at": datetime.now(UTC)}])
    create_user(engine, REVIEWER[0], "Bench Reviewer", "reviewer", REVIEWER[1])


def bulk_insert(engine, generator: Applications, count: int) -> float:
    """Insert ``count`` generated applications; the seconds it took."""
    started, left = time.perf_counter(), count
    statement = insert(Application.__table__)
    while left:
        batch = list(generator.rows(min(INSERT_BATCH, left)))
        with engine.begin() as db:
            db.execute(statement, batch)
        left -= len(batch)
    if engine.dialect.name == "postgresql":  # what autovacuum does soon after a bulk load
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
            db.execute(text("VACUUM ANALYZE applications"))
    return time.perf_counter() - started


def probe(engine) -> dict:
    """One stored application with a phone and an email, to search for."""
    with engine.connect() as db:
        total = db.execute(text("SELECT count(*) FROM applications")).scalar_one()
        row = db.execute(text("SELECT receipt_code, first_key, last_key, phone_key, email_key FROM applications "
                              "WHERE phone_key <> '' AND email_key <> '' ORDER BY id LIMIT 1 OFFSET :skip"),
                         {"skip": total // 3}).one()
    return dict(row._mapping)


# -- the server -------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``youthjobs serve`` with one worker: uvicorn then runs the app in that process, whose memory is watched."""

    def __init__(self, database_url: str, tmp: str):
        self.env = server_env(database_url, tmp)
        self.log = Path(tmp) / "server.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
                 "--workers", "1"], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/readyz", timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the server did not start: {self.log.read_text()[-2000:]}")

    def __exit__(self, *_exc) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @property
    def pid(self) -> int:
        return self.process.pid

    def sign_in(self) -> httpx2.Client:
        client = httpx2.Client(base_url=self.url, follow_redirects=True, timeout=120)
        response = client.post("/staff/login", data={"email": REVIEWER[0], "password": REVIEWER[1]})
        if response.status_code != 200 or response.url.path == "/staff/login":
            raise RuntimeError(f"could not sign in: HTTP {response.status_code} at {response.url}")
        return client


# -- list and search pages --------------------------------------------------------------

def pages(found: dict) -> list[tuple[str, dict]]:
    """(what, query) for each list page a reviewer uses."""
    phone = found["phone_key"]
    return [
        ("list, newest first", {}),
        ("list, page 50", {"page": "50"}),
        ("list, sorted by name", {"sort": "name"}),
        (f"search last name {SEARCHED_LAST_NAME!r}", {"q": SEARCHED_LAST_NAME}),
        (f"search name prefix {SEARCHED_PREFIX!r}", {"q": SEARCHED_PREFIX}),
        ("search first and last name", {"q": f"{found['first_key']} {found['last_key']}".title()}),
        ("search receipt code", {"q": found["receipt_code"].lower().replace("-", " ")}),
        ("search phone", {"q": f"({phone[:3]}) {phone[3:6]}-{phone[6:]}"}),
        ("search email", {"q": found["email_key"]}),
        ("filter area=dorchester", {"area": "dorchester"}),
        ("filter status=received", {"status": "received"}),
        ("filter status=received, page 50", {"status": "received", "page": "50"}),
        ("filter age=16-17", {"age": "16-17"}),
        ("filter age=16-17, page 50", {"age": "16-17", "page": "50"}),
        ("area+status, sort=name", {"area": "roxbury", "status": "received", "sort": "name"}),
    ]


@dataclass
class Timing:
    page: str
    matches: int
    latencies: list[float] = field(default_factory=list)
    budget_ms: float = 0.0

    def cut(self, percent: int) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[percent - 1] * 1000

    @property
    def ok(self) -> bool:
        return self.cut(95) < (self.budget_ms or P95_BUDGET_MS)


_SEALED: dict[tuple, dict] = {}


def sealed(client: httpx2.Client, query: dict) -> dict:
    """``query`` as the list's links carry it: a search is posted once, as the page's form does,
    and its text comes back sealed (server/staff/searches.py); the page is then timed as a GET."""
    if "q" not in query:
        return query
    key = (id(client), *sorted(query.items()))
    if key not in _SEALED:
        token = re.search(r'name="_csrf" value="([^"]+)"', client.get("/staff/applications").text)[1]
        response = client.post("/staff/applications", data={"_csrf": token, **query}, follow_redirects=False)
        _SEALED[key] = dict(parse_qsl(urlsplit(response.headers["location"]).query))
    return _SEALED[key]


def get_page(client: httpx2.Client, query: dict, path: str = "/staff/applications") -> tuple[float, int]:
    """(seconds, the match count the page shows)."""
    query = sealed(client, query)
    started = time.perf_counter()
    response = client.get(path, params=query)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{path}?{query}: HTTP {response.status_code}")
    shown = re.search(r"<strong>(\d+)</strong> application", response.text) or re.search(
        r'id="insights-total">(\d+)<', response.text)
    return elapsed, int(shown[1]) if shown else -1


def time_insights(client: httpx2.Client, requests: int) -> Timing:
    """The analysts' page counts over every application: timed apart, with its own budget."""
    _, matches = get_page(client, {}, "/staff/insights")
    timing = Timing("insights (every application)", matches, budget_ms=INSIGHTS_BUDGET_MS)
    for _ in range(requests):
        timing.latencies.append(get_page(client, {}, "/staff/insights")[0])
    return timing


def time_pages(client: httpx2.Client, found: dict, requests: int) -> list[Timing]:
    timings = []
    for what, query in pages(found):
        for _ in range(WARMUP_REQUESTS):
            _, matches = get_page(client, query)
        timing = Timing(what, matches)
        for _ in range(requests):
            timing.latencies.append(get_page(client, query)[0])
        timings.append(timing)
    return timings


# -- CSV export memory ------------------------------------------------------------------

def memory_kb(pid: int, name: str) -> int:
    """A line of /proc/<pid>/status in kB: VmRSS (now) or VmHWM (peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise KeyError(name)


class RssSampler(threading.Thread):
    """Samples a process's VmRSS every 20 ms until stopped; keeps the largest."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak = pid, memory_kb(pid, "VmRSS")
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(RSS_INTERVAL):
            self.peak = max(self.peak, memory_kb(self.pid, "VmRSS"))

    def stop(self) -> int:
        self.done.set()
        self.join()
        return max(self.peak, memory_kb(self.pid, "VmRSS"))


def reset_peak(pid: int) -> bool:
    """Reset the kernel's VmHWM for ``pid`` (Linux 4.0+); False if not possible."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


@dataclass
class Export:
    stored: int  # applications in the database
    rows: int  # CSV records received, header included
    columns_ok: bool
    bytes: int
    seconds: float
    rss_before_kb: int
    rss_peak_kb: int
    hwm_kb: int | None  # the kernel's peak since just before the export

    @property
    def increase_mb(self) -> float:
        return (self.rss_peak_kb - self.rss_before_kb) / 1024

    @property
    def hwm_increase_mb(self) -> float | None:
        return None if self.hwm_kb is None else (self.hwm_kb - self.rss_before_kb) / 1024


def measure_export(database_url: str, tmp: str, stored: int, found: dict) -> Export:
    """A fresh server warmed by a list page, a search and a one-row export, then the full CSV
    export while its memory is watched."""
    with Server(database_url, tmp) as server, closing(server.sign_in()) as client:
        get_page(client, {})
        get_page(client, {"q": found["receipt_code"]})
        with client.stream("GET", "/staff/export/applications.csv",
                           params=sealed(client, {"q": found["receipt_code"]})) as small:
            small.read()
        time.sleep(0.5)
        hwm = reset_peak(server.pid)
        sampler = RssSampler(server.pid)
        before = sampler.peak
        sampler.start()
        started = time.perf_counter()
        counted = {"bytes": 0}

        with client.stream("GET", "/staff/export/applications.csv") as response:
            if response.status_code != 200:
                raise RuntimeError(f"export: HTTP {response.status_code}")

            def chunks():
                for chunk in response.iter_bytes():
                    counted["bytes"] += len(chunk)
                    yield chunk

            records, width, columns_ok = 0, None, True
            reader = csv.reader(decoded_lines(chunks()))
            for record in reader:
                records += 1
                width = width or len(record)
                columns_ok = columns_ok and len(record) == width
        seconds = time.perf_counter() - started
        peak = sampler.stop()
        return Export(stored, records, columns_ok, counted["bytes"], seconds, before, peak,
                      memory_kb(server.pid, "VmHWM") if hwm else None)


def decoded_lines(chunks):
    """Decoded lines, ends kept (so quoted line breaks survive), from a stream of bytes."""
    decoder, pending = codecs.getincrementaldecoder("utf-8-sig")(), ""
    for chunk in chunks:
        pending += decoder.decode(chunk)
        *complete, pending = pending.split("\n")
        for line in complete:
            yield line + "\n"
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending


# -- one engine -------------------------------------------------------------------------

@dataclass
class Result:
    engine: str
    rows: int
    load_seconds: float
    timings: list[Timing]
    exports: list[Export]


def run_engine(engine_name: str, database_url: str, args, program, tmp: str) -> Result:
    engine = make_engine(database_url)
    try:
        prepare(engine, database_url, program, tmp)
        generator = Applications(program)
        exports, load_seconds = [], 0.0
        for target in (args.small_rows, args.rows):
            log(f"{engine_name}: inserting applications up to {target:,}...")
            load_seconds += bulk_insert(engine, generator, target - generator.made)
            found = probe(engine)
            if target == args.rows:
                log(f"{engine_name}: timing list and search pages at {target:,}...")
                with Server(database_url, tmp) as server, closing(server.sign_in()) as client:
                    timings = time_pages(client, found, args.requests)
                    timings.append(time_insights(client, max(2, args.requests // 10)))
            log(f"{engine_name}: CSV export at {target:,}...")
            exports.append(measure_export(database_url, tmp, target, found))
        return Result(engine_name, args.rows, load_seconds, timings, exports)
    finally:
        engine.dispose()


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- report -----------------------------------------------------------------------------

def report(results: list[Result], args) -> list[tuple[bool, str]]:
    checks = []
    print(f"{os.cpu_count()} cores; list pages: {WARMUP_REQUESTS} warm-up then {args.requests} timed requests each, "
          f"one at a time, one keep-alive connection; budget p95 < {P95_BUDGET_MS:.0f} ms")
    print()
    print(f"{'engine':10} {'rows':>7}  {'page':36} {'matches':>7} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}  budget")
    for result in results:
        for timing in result.timings:
            print(f"{result.engine:10} {result.rows:7d}  {timing.page:36} {timing.matches:7d} {timing.cut(50):7.1f} "
                  f"{timing.cut(95):7.1f} {max(timing.latencies) * 1000:7.1f}  {'PASS' if timing.ok else 'FAIL'}")
            checks.append((timing.ok, f"{result.engine}, {result.rows:,} rows: {timing.page} p95 "
                                      f"{timing.cut(95):.1f} ms (budget < {timing.budget_ms or P95_BUDGET_MS:.0f} ms)"))
    print()
    print("CSV export of every application, in a freshly started server (RSS of the server process):")
    print(f"{'engine':10} {'stored':>7} {'csv rows':>8} {'MB sent':>7} {'seconds':>7} {'rows/s':>7}  "
          f"{'RSS before':>10} {'sampled peak':>12} {'increase':>8} {'VmHWM incr.':>11}")
    for result in results:
        for export in result.exports:
            hwm = "n/a" if export.hwm_increase_mb is None else f"{export.hwm_increase_mb:.1f} MB"
            print(f"{result.engine:10} {export.stored:7d} {export.rows:8d} {export.bytes / 1e6:7.1f} "
                  f"{export.seconds:7.2f} {export.stored / export.seconds:7.0f}  {export.rss_before_kb / 1024:7.1f} MB "
                  f"{export.rss_peak_kb / 1024:9.1f} MB {export.increase_mb:5.1f} MB {hwm:>11}")
            checks.append((export.rows == export.stored + 1 and export.columns_ok,
                           f"{result.engine}: export at {export.stored:,} has {export.rows:,} CSV records "
                           f"(expected {export.stored + 1:,}, header included)"
                           + ("" if export.columns_ok else "; rows of unequal width")))
        small, large = result.exports
        limit = MEMORY_FACTOR * max(small.increase_mb, 0) + MEMORY_SLACK_MB
        checks.append((large.increase_mb <= limit,
                       f"{result.engine}: export peak memory increase {large.increase_mb:.1f} MB at {large.stored:,} "
                       f"vs {small.increase_mb:.1f} MB at {small.stored:,} (limit {limit:.1f} MB = "
                       f"{MEMORY_FACTOR}x + {MEMORY_SLACK_MB:.0f} MB)"))
    print()
    print("data load (not part of the budget): "
          + ", ".join(f"{r.engine} {r.rows:,} rows in {r.load_seconds:.0f} s" for r in results))
    return checks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="applications (default 100000)")
    parser.add_argument("--small-rows", type=int, default=10_000,
                        help="applications for the export memory comparison (default 10000)")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page (default 50)")
    parser.add_argument("--engines", default="sqlite,postgresql", help="databases (default sqlite,postgresql)")
    args = parser.parse_args()
    if not 0 < args.small_rows < args.rows or args.requests < 2:
        parser.error("need 0 < --small-rows < --rows and --requests >= 2")

    program = load_program(PROGRAM_FILE)
    postgres = Postgres(POSTGRES_URL)
    results = []
    try:
        for engine in args.engines.split(","):
            if engine == "postgresql" and (reason := postgres.unreachable()):
                print(f"skipping postgresql: {reason}")
                continue
            with tempfile.TemporaryDirectory(prefix="yj_bench_") as tmp:
                url = f"sqlite:///{tmp}/bench.db" if engine == "sqlite" else postgres.create()
                try:
                    results.append(run_engine(engine, url, args, program, tmp))
                finally:
                    if engine == "postgresql":
                        postgres.drop(url)
    finally:
        postgres.admin.dispose()

    checks = report(results, args)
    for ok, message in checks:
        print(f"{'PASS' if ok else 'FAIL'} {message}")
    return 0 if checks and all(ok for ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
