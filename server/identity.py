"""Who an application is about, in normalized form: for staff search and for spotting the
same young person applying twice (self and at an event, or at two events).

Which answers hold the name, date of birth, phone, email and area comes from the program
file (``staff.identity``), not from code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

KEYS = ("first_name", "last_name", "birth_date", "phone", "email", "area")


def normalize_name(text) -> str:
    """Lower case, no accents, no punctuation: "José-Luis  O'Neil" → "jose luis o neil"."""
    if not isinstance(text, str):
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())[:100]


def normalize_phone(text) -> str:
    """The last ten digits: "+1 (617) 555-0143" and "617.555.0143" are the same phone."""
    digits = re.sub(r"[^0-9]", "", text) if isinstance(text, str) else ""
    return digits[-10:]


def normalize_email(text) -> str:
    return text.strip().casefold()[:254] if isinstance(text, str) else ""


def parse_date(text) -> date | None:
    """A real date written YYYY-MM-DD in ASCII digits (what the birth date column and the
    SQL reading it expect), else None."""
    if not isinstance(text, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class Identity:
    """The program's mapping from identity roles to its questions."""

    fields: dict[str, str]

    def keys(self, answers: dict) -> dict[str, str]:
        """The normalized columns stored with an application."""
        def get(role: str) -> str:  # an answer held for fixing may be of any type: only text counts
            value = answers.get(self.fields.get(role, ""), "")
            return value if isinstance(value, str) else ""

        birth = get("birth_date")
        return {
            "first_key": normalize_name(get("first_name")),
            "last_key": normalize_name(get("last_name")),
            "birth_date": birth if parse_date(birth) else "",
            "phone_key": normalize_phone(get("phone")),
            "email_key": normalize_email(get("email")),
            "area": get("area")[:100],
        }
