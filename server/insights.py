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

from sqlalchemy import Engine, func
from sqlmodel import select

from .db import session
from .models import Application, OutreachEvent
from .program import Program, age_on
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


def breakdowns(engine: Engine, program: Program) -> tuple[int, list[Breakdown]]:
    """(applications counted, the breakdowns), every count already suppressed where small."""
    form, lang = program.form, program.default_language
    minimum = program.insights_min_count
    counted = Application.duplicate_of.is_(None)

    def grouped(db, column) -> Counter:
        return Counter({value if value is not None else "": count for value, count in
                        db.exec(select(column, func.count()).where(counted).group_by(column))})

    found: list[Breakdown] = []
    with session(engine) as db:
        total = db.exec(select(func.count()).select_from(Application).where(counted)).one()
        found.append(Breakdown("Status", _rows(grouped(db, Application.status), LABELS)))
        found.append(Breakdown("How they applied", _rows(grouped(db, Application.channel),
                                                         {"self": "On their own", "outreach": "At an outreach event"})))
        found.append(Breakdown("Language they applied in", _rows(grouped(db, Application.language), program.languages)))
        ages = Counter()
        for born, count in grouped(db, Application.birth_date).items():
            ages[str(age_on(born, form.age_on))] += count
        known_ages = sorted(int(age) for age in ages if age != "None")
        found.append(Breakdown(f"Age on {form.age_on.isoformat()}",
                               _rows(ages, {str(age): str(age) for age in known_ages})))
        area = program.identity.fields.get("area")
        if area:
            found.append(Breakdown(form.label(area, lang), _rows(grouped(db, Application.area),
                                                                 dict(form.options(area, lang)))))
        events = grouped(db, Application.event_id)
        events.pop("", None)
        if events:
            names = {event.id: f"{event.name}, {event.day}" for event in
                     db.exec(select(OutreachEvent).where(OutreachEvent.id.in_(list(events))))}
            found.append(Breakdown("Outreach events", _rows(events, names, other="An event no longer on record")))
        for name in program.insights_questions:
            if form.property_schema(name).get("type") == "array":
                counts = Counter()
                for chosen in db.exec(select(Application.answers[name]).where(counted)):
                    for value in chosen if isinstance(chosen, list) else [chosen or ""]:
                        counts[str(value)] += 1
                title = f"{form.label(name, lang)} (each answer chosen; one person may choose several)"
            else:
                counts = grouped(db, Application.answers[name].as_string())
                title = form.label(name, lang)
            found.append(Breakdown(title, _rows(counts, dict(form.options(name, lang)))))
    for breakdown in found:
        suppress(breakdown.rows, minimum)
    return total, found
