"""What a person does on the application page, in words the tests can read."""

from __future__ import annotations

from sqlmodel import select

from server.db import session
from server.models import Application

VALID = {
    "first_name": "Amara",
    "last_name": "Okafor-Test",
    "date_of_birth": "2008-09-14",
    "phone": "617 555 0177",
    "zip": "02121",
}


def wait_for_service_worker(page) -> None:
    """The worker is active and controls this page, so going offline is safe."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def fill_application(page, answers: dict = VALID, interests=("Computers and technology",)) -> None:
    for name, value in answers.items():
        page.fill(f"#input-{name}", value)
    for label in interests:
        page.get_by_label(label).check()


def rows(server) -> list[Application]:
    with session(server.engine) as db:
        return list(db.exec(select(Application)))
