"""Finding applications: search and filters, the same for the list and for exports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from sqlalchemy import and_, func, or_
from sqlmodel import select

from ..identity import normalize_email, normalize_name, normalize_phone
from ..models import Application
from ..status_page import normalize_code
from .searches import SearchSealer

PAGE_SIZE = 50
SORTS = {
    "newest": (Application.received_at.desc(), Application.id),
    "oldest": (Application.received_at.asc(), Application.id),
    "name": (Application.last_key.asc(), Application.first_key.asc(), Application.id),
    "status": (Application.status.asc(), Application.received_at.desc(), Application.id),
}
FILTERS = ("q", "status", "age", "area", "channel", "event", "language", "from", "to", "version", "sort")


def _prefix(column, text: str):
    """``column`` starts with ``text``, as a range an ordinary index can answer."""
    return and_(column >= text, column < text + "\uffff")


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass
class Filters:
    """What a reviewer asked for, read from the query string (unknown values are ignored).
    The search text arrives sealed, as ``s`` (searches.py), never as itself."""

    values: dict[str, str] = field(default_factory=dict)
    page: int = 1
    sealed: str = ""  # the search text as the links carry it
    expired: bool = False  # a sealed search that can no longer be read (too old, or another's)

    @classmethod
    def parse(cls, params, searches: SearchSealer | None = None, user_id: str = "") -> Filters:
        values = _clean(params)
        values.pop("q", None)
        try:
            page = max(1, min(10_000, int(params.get("page", "1"))))
        except ValueError:
            page = 1
        sealed = str(params.get("s", ""))[:2000]
        text = searches.open(sealed, user_id) if sealed and searches else None
        if text:
            values["q"] = text
        return cls(values=values, page=page, sealed=sealed if text else "", expired=bool(sealed) and not text)

    @classmethod
    def asked(cls, request) -> Filters:
        """The filters in a staff request's query string, its search opened for this member of staff."""
        return cls.parse(request.query_params, request.app.state.searches, request.state.staff.user.id)

    @classmethod
    def posted(cls, form, searches: SearchSealer, user_id: str) -> str:
        """The list's query string for the filters posted from its form, the text sealed."""
        values = _clean(form)
        text = values.pop("q", "")
        if text:
            values["s"] = searches.seal(text, user_id)
        return urlencode(values)

    def audited(self, searches: SearchSealer) -> dict:
        """The filters as the audit log keeps them: the search's kind and digest, not its text."""
        found = {name: value for name, value in self.values.items() if name != "q"}
        if "q" in self.values:
            found["search"] = {"kind": search_kind(self.values["q"]), "digest": searches.digest(self.values["q"])}
        return found

    def conditions(self, age_on: date) -> list:
        found = []
        text = self.values.get("q", "")
        if text:
            found.append(search(text))
        if "status" in self.values:
            found.append(Application.status == self.values["status"])
        if "area" in self.values:
            found.append(Application.area == self.values["area"])
        if "channel" in self.values:
            found.append(Application.channel == self.values["channel"])
        if "event" in self.values:
            found.append(Application.event_id == self.values["event"])
        if "language" in self.values:
            found.append(Application.language == self.values["language"])
        if "version" in self.values:
            found.append(Application.form_version == self.values["version"])
        for name, op in (("from", "ge"), ("to", "lt")):
            if name in self.values:
                try:
                    day = date.fromisoformat(self.values[name])
                except ValueError:
                    continue
                if op == "lt":
                    day = date.fromordinal(day.toordinal() + 1)
                found.append(Application.received_at >= day if op == "ge" else Application.received_at < day)
        band = self.values.get("age", "")
        if "-" in band:
            try:
                low, high = (int(part) for part in band.split("-", 1))
            except ValueError:
                low = high = None
            if low is not None:
                # aged low..high on the cut-off date: born after (cut-off - high - 1 years)
                born_after = _years_before(age_on, high + 1).isoformat()
                born_by = _years_before(age_on, low).isoformat()
                found.append(and_(Application.birth_date > born_after, Application.birth_date <= born_by))
        return found

    def query(self, age_on: date):
        return select(Application).where(*self.conditions(age_on))

    def id_query(self, age_on: date):
        return select(Application.id).where(*self.conditions(age_on))

    def count_query(self, age_on: date):
        return select(func.count()).select_from(Application).where(*self.conditions(age_on))

    def order(self):
        return SORTS.get(self.values.get("sort", "newest"), SORTS["newest"])

    def as_query_string(self, **changes) -> str:
        merged = {**{k: v for k, v in self.values.items() if k != "q"}, "s": self.sealed,
                  **{k: v for k, v in changes.items() if v is not None}}
        return urlencode({k: v for k, v in merged.items() if v})


def _clean(params) -> dict[str, str]:
    return {name: str(params.get(name, "")).strip()[:100] for name in FILTERS if params.get(name)}


def search_kind(text: str) -> str:
    """What the search box takes ``text`` for: a receipt code, an email, a phone or a name."""
    if normalize_code(text):
        return "receipt_code"
    if "@" in text:
        return "email"
    digits = normalize_phone(text)
    if len(digits) >= 7 and len(digits) >= len(text.replace(" ", "")) * 0.6:
        return "phone"
    return "name"


def search(text: str):
    """One search box for a receipt code, an email, a phone number or a name."""
    kind = search_kind(text)
    if kind == "receipt_code":
        return Application.receipt_code == normalize_code(text)
    if kind == "email":
        return Application.email_key == normalize_email(text)
    if kind == "phone":
        digits = normalize_phone(text)
        return Application.phone_key.endswith(digits) if len(digits) < 10 else Application.phone_key == digits
    words = normalize_name(text).split()
    if not words:
        return Application.id == ""
    return and_(*(or_(_prefix(Application.first_key, word), _prefix(Application.last_key, word)) for word in words))
