"""Exports of the filtered list as CSV (UTF-8 with BOM, for Excel) and XLSX, streamed so
100,000 rows never sit in memory at once. Columns and headers come from the program file;
every export is audited with its filter and row count."""

from __future__ import annotations

import csv
import io
import tempfile

from openpyxl import Workbook
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from ..audit import record
from ..auth import requires
from ..db import session
from ..i18n import localized
from ..workflow import LABELS
from .queries import Filters

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 500


def neutralize(value: str) -> str:
    """A cell that a spreadsheet would run as a formula is shown as text instead."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _cell(value, options: dict, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(_cell(item, options, lang) for item in value)
    if str(value) in options:
        return localized(options[str(value)], lang)
    return str(value)


class Columns:
    """The export's columns: the application's own facts, then the program's questions."""

    SYSTEM = ("Receipt code", "Status", "Received at", "Channel", "Language", "Form version", "Duplicate of")

    def __init__(self, program):
        self.program = program
        self.lang = program.default_language
        self.fields = program.export_columns

    def headers(self) -> list[str]:
        return [*self.SYSTEM, *(self.program.form.label(name, self.lang) for name in self.fields)]

    def row(self, application) -> list[str]:
        facts = [application.receipt_code, LABELS.get(application.status, application.status),
                 application.received_at.strftime("%Y-%m-%d %H:%M"), application.channel, application.language,
                 application.form_version, application.duplicate_of or ""]
        answers = application.answers
        spec = self.program.form.fields
        values = [_cell(answers.get(name), spec.get(name, {}).get("options", {}), self.lang) for name in self.fields]
        return [neutralize(str(value)) for value in (*facts, *values)]


def _rows(engine, filters: Filters, age_on):
    """Applications matching ``filters``, read a batch at a time (a server-side cursor on PostgreSQL)."""
    with session(engine) as db:
        query = filters.query(age_on).order_by(*filters.order()).execution_options(yield_per=BATCH)
        yield from db.exec(query)


def _audit(request: Request, kind: str, filters: Filters) -> int:
    app = request.app.state
    with session(app.engine) as db:
        count = db.exec(filters.count_query(app.program.form.age_on)).one()
        record(db, request.state.staff.user.id, "export", "", format=kind, filters=filters.audited(app.searches),
               rows=count)
        db.commit()
    return count


def _filename(kind: str) -> dict:
    return {"Content-Disposition": f'attachment; filename="applications.{kind}"', "Cache-Control": "no-store"}


@requires("applications")
async def export_csv(request: Request) -> Response:
    app = request.app.state
    filters = Filters.asked(request)
    await run_in_threadpool(_audit, request, "csv", filters)
    columns = Columns(app.program)

    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")  # the byte order mark tells Excel the file is UTF-8
        writer.writerow(columns.headers())
        for count, application in enumerate(_rows(app.engine, filters, app.program.form.age_on), 1):
            writer.writerow(columns.row(application))
            if count % BATCH == 0:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode()

    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers=_filename("csv"))


@requires("applications")
async def export_xlsx(request: Request) -> Response:
    app = request.app.state
    filters = Filters.asked(request)
    await run_in_threadpool(_audit, request, "xlsx", filters)
    columns = Columns(app.program)

    def build():
        # write-only mode streams rows to disk; the finished file is sent from there
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Applications")
        sheet.append(columns.headers())
        for application in _rows(app.engine, filters, app.program.form.age_on):
            sheet.append(columns.row(application))
        spool = tempfile.TemporaryFile()
        workbook.save(spool)
        spool.seek(0)
        return spool

    spool = await run_in_threadpool(build)

    def chunks():
        while chunk := spool.read(64 * 1024):
            yield chunk

    return StreamingResponse(chunks(), background=BackgroundTask(spool.close),
                             media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                             headers=_filename("xlsx"))


routes = [
    Route("/staff/export/applications.csv", export_csv, methods=["GET"]),
    Route("/staff/export/applications.xlsx", export_xlsx, methods=["GET"]),
]
