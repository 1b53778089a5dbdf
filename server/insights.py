"""Who the program reaches, in counts only: applications by status, channel, language, age,
area, event and the questions the program file lists under ``staff.insights``.

Duplicates (marked as another application's duplicate) are not counted twice. Any count
below the program's ``staff.insights_min_count`` (10 by default) is shown as "fewer than
N", and where a breakdown would otherwise have exactly one hidden count, the next smallest
is hidden too, so no small group can be worked out from the total.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Engine, Integer, case, cast, func, true
from sqlmodel import select

from .db import session
from .models import Application, OutreachEvent
from .program import Program
from .workflow import LABELS

MIN_COUNT = 10


@dataclass
class Row:
    label: str
    count: int
    hidden: str = ""  # "small": below the minimum; "complement": hidden so a small one cannot be worked out


@dataclass
class Breakdown:
    title: str
    rows: list[Row]


def suppress(rows: list[Row], minimum: int) -> list[Row]:
    """Hide counts from 1 to ``minimum - 1``; if that hides exactly one, hide the next smallest too."""
    for row in rows:
        row.hidden = "small" if 0 < row.count < minimum else ""
    if sum(1 for row in rows if row.hidden) == 1:
        shown = sorted((row for row in rows if not row.hidden and row.count > 0), key=lambda row: row.count)
        if shown:
            shown[0].hidden = "complement"
    return rows


def _rows(counts: Counter, labels: dict[str, str], other: str = "Not answered") -> list[Row]:
    """One row per known value (in the program's order), then any value it does not know."""
    rows = [Row(label, counts.get(value, 0)) for value, label in labels.items()]
    unknown = sum(count for value, count in counts.items() if value not in labels)
    if unknown:
        rows.append(Row(other, unknown))
    return rows


def age_in_sql(born, cutoff) -> ColumnElement:
    """Whole years from ``born`` (a YYYY-MM-DD text column, or empty) to ``cutoff``, in SQL:
    the same as ``program.age_on``."""
    year = cast(func.substr(born, 1, 4), Integer)
    before_birthday = case((func.substr(born, 6, 5) > cutoff.strftime("%m-%d"), 1), else_=0)
    return case((born == "", None), else_=cutoff.year - year - before_birthday)


def _answered(dialect: str, name: str) -> ColumnElement:
    """Whether an array question has at least one answer chosen (true, false or null)."""
    if dialect == "postgresql":
        return func.jsonb_array_length(Application.answers[name]) > 0
    return func.json_array_length(Application.answers, f"$.{name}") > 0


def _chosen(dialect: str, name: str):
    """A table of the answers chosen in an array question, one row per answer."""
    if dialect == "postgresql":
        return func.jsonb_array_elements_text(Application.answers[name]).table_valued("value")
    return func.json_each(Application.answers, f"$.{name}").table_valued("value")


def breakdowns(engine: Engine, program: Program) -> tuple[int, list[Breakdown]]:
    """(applications counted, the breakdowns), every count already suppressed where small.
    Two scans of the table, plus one per multiple-choice question."""
    form, lang, dialect = program.form, program.default_language, engine.dialect.name
    counted = Application.duplicate_of.is_(None)
    columns = [Application.status, Application.channel, Application.language, Application.area, Application.event_id,
               age_in_sql(Application.birth_date, form.age_on)]
    scalar = [name for name in program.insights_questions if form.property_schema(name).get("type") != "array"]
    arrays = [name for name in program.insights_questions if name not in scalar]
    by_column = [Counter() for _ in columns]
    by_question = {name: Counter() for name in program.insights_questions}
    answered = {name: 0 for name in arrays}
    with session(engine) as db:
        for *values, count in db.exec(select(*columns, func.count()).where(counted).group_by(*columns)):
            for counter, value in zip(by_column, values, strict=True):
                counter[str(value) if value is not None else ""] += count
        total = sum(by_column[0].values())
        extracted = [Application.answers[name].as_string() for name in scalar]
        extracted += [_answered(dialect, name) for name in arrays]
        if extracted:
            for *values, count in db.exec(select(*extracted, func.count()).where(counted).group_by(*extracted)):
                for name, value in zip(scalar, values, strict=False):
                    by_question[name][value if value is not None else ""] += count
                for name, value in zip(arrays, values[len(scalar):], strict=True):
                    answered[name] += count if value else 0
        for name in arrays:
            chosen = _chosen(dialect, name)
            by_question[name].update({str(value): count for value, count in db.exec(
                select(chosen.c.value, func.count()).select_from(Application).join(chosen, true())
                .where(counted).group_by(chosen.c.value))})
            by_question[name][""] += total - answered[name]
        events = by_column[4]
        events.pop("", None)
        names = {event.id: f"{event.name}, {event.day}" for event in
                 db.exec(select(OutreachEvent).where(OutreachEvent.id.in_(list(events))))} if events else {}

    ages = by_column[5]
    status, channel, language, area_values = by_column[:4]
    found = [
        Breakdown("Status", _rows(status, LABELS)),
        Breakdown("How they applied", _rows(channel, {"self": "On their own", "outreach": "At an outreach event"})),
        Breakdown("Language they applied in", _rows(language, program.languages)),
        Breakdown(f"Age on {form.age_on.isoformat()}",
                  _rows(ages, {str(age): str(age) for age in sorted(int(a) for a in ages if a)})),
    ]
    area = program.identity.fields.get("area")
    if area:
        found.append(Breakdown(form.label(area, lang), _rows(area_values, dict(form.options(area, lang)))))
    if events:
        found.append(Breakdown("Outreach events", _rows(events, names, other="An event no longer on record")))
    for name in program.insights_questions:
        title = form.label(name, lang)
        if name in arrays:
            title += " (each answer chosen; one person may choose several)"
        found.append(Breakdown(title, _rows(by_question[name], dict(form.options(name, lang)))))
    for breakdown in found:
        suppress(breakdown.rows, program.insights_min_count)
    return total, found
