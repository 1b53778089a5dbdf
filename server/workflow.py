"""An application's status, and which changes are allowed.

received → eligible / ineligible / needs information → (matching and offers) → placed;
withdrawn from anywhere. Each change records who, when, from, to and a note.
"""

from __future__ import annotations

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "received": ("eligible", "ineligible", "needs_information", "withdrawn"),
    "needs_information": ("eligible", "ineligible", "withdrawn"),
    "eligible": ("placed", "ineligible", "withdrawn"),
    "ineligible": ("eligible", "withdrawn"),
    "placed": ("withdrawn",),
    "withdrawn": (),
}
LABELS = {
    "received": "Received",
    "eligible": "Eligible",
    "ineligible": "Ineligible",
    "needs_information": "Needs information",
    "placed": "Placed",
    "withdrawn": "Withdrawn",
}


# what an application can only become once every answer meets the form (one held from an
# outreach device may arrive with answers to fix)
READY = ("eligible", "placed")


def allowed(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, ())
