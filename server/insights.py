"""Who the program reaches, in counts only: applications by status, channel, language, age,
area, event and the questions the program file lists under ``staff.insights``.

Duplicates (marked as another application's duplicate) are not counted twice. Any count
below the program's ``staff.insights_min_count`` (11 by default, and never less) is hidden, and so are the
next smallest while the hidden ones could be worked out from the total (see ``suppress``);
a total below the minimum is not shown either.
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


@dataclass
class Row:
    label: str
    count: int
    hidden: bool = False


@dataclass
class Breakdown:
    title: str
    rows: list[Row]


def suppress(rows: list[Row], minimum: int) -> list[Row]:
    """Hide counts from 1 to ``minimum - 1``; then, while what is hidden could be worked out
    from the total (one hidden count alone, or hidden counts adding up to less than the
    minimum), hide the next smallest too. Every hidden count reads the same."""
    for row in rows:
        row.hidden = 0 < row.count < minimum
    while True:
        hidden = [row for row in rows if row.hidden]
        if not hidden or (len(hidden) >= 2 and sum(row.count for row in hidden) >= minimum):
            return rows
        shown = sorted((row for row in rows if not row.hidden and row.count > 0), key=lambda row: row.count)
        if not shown:
            return rows
        shown[0].hidden = True


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
        value = Application.answers[name]
        return case((func.jsonb_typeof(value) == "array", func.jsonb_array_length(value) > 0), else_=False)
    return func.coalesce(func.json_array_length(Application.answers, f"$.{name}"), 0) > 0


def _chosen(dialect: str, name: str):
    """A table of the answers chosen in an array question, one row per answer, and the
    condition that the answer is a list (an older form version may have had one value)."""
    if dialect == "postgresql":
        value = Application.answers[name]
        # jsonb_array_elements_text refuses a non-array: give it an empty one instead
        as_array = case((func.jsonb_typeof(value) == "array", value), else_=func.jsonb_build_array())
        return func.jsonb_array_elements_text(as_array).table_valued("value"), true()
    is_array = func.json_type(Application.answers, f"$.{name}") == "array"
    return func.json_each(Application.answers, f"$.{name}").table_valued("value"), is_array


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
            chosen, is_array = _chosen(dialect, name)
            by_question[name].update({str(value): count for value, count in db.exec(
                select(chosen.c.value, func.count()).select_from(Application).join(chosen, true())
                .where(counted, is_array).group_by(chosen.c.value))})
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
