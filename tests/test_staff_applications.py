"""What reviewers do with applications: find them, read them (audited), move them through
the workflow, correct an answer, resolve duplicates, and export — and hostile answers stay
inert everywhere."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from server.db import session
from server.models import Application, ApplicationEvent, AuditEvent

from .conftest import post, submission
from .staff_helpers import csrf_token, make_user, sign_in


@pytest.fixture
def reviewer(app, client):
    user = make_user(app, "reviewer")
    sign_in(client, user.email)
    return user


def add(app, client, example, **changes) -> dict:
    return post(client, submission(app, {**example, **changes})).json()


def audit(app, action: str) -> list[AuditEvent]:
    with session(app.state.engine) as db:
        return list(db.exec(select(AuditEvent).where(AuditEvent.action == action)))


def listed(client, **params) -> list[str]:
    """The receipt codes listed after filling in the list's form with ``params`` (posted, as
    the page does: the search text is never put in the address)."""
    html = client.post("/staff/applications", data={"_csrf": csrf_token(client), **params}).text
    return re.findall(r"<td>([2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4})</td>", html)


def test_search_by_name_code_phone_and_email(app, client, example, reviewer):
    ana = add(app, client, example, first_name="Ana María", last_name="Gómez", phone="617-555-0101",
              email="ana@example.org")
    add(app, client, example, first_name="Bob", last_name="Chen", phone="617-555-0102")
    assert listed(client, q="ana") == [ana["receipt_code"]]
    assert listed(client, q="GOMEZ") == [ana["receipt_code"]]  # accents and case do not matter
    assert listed(client, q="ana gom") == [ana["receipt_code"]]
    assert listed(client, q=ana["receipt_code"].lower().replace("-", "")) == [ana["receipt_code"]]
    assert listed(client, q="(617) 555-0101") == [ana["receipt_code"]]
    assert listed(client, q="ANA@example.org") == [ana["receipt_code"]]
    assert listed(client, q="nobody") == []


def test_filters_and_sorting(app, client, example, reviewer):
    older = add(app, client, example, date_of_birth="2003-01-10", neighborhood="dorchester", last_name="Adams")
    younger = add(app, client, example, date_of_birth="2010-06-01", neighborhood="roxbury", last_name="Zimmer",
                  guardian_name="P", guardian_relationship="parent", guardian_phone="617-555-0110",
                  guardian_consent=True, guardian_consent_name="P", guardian_consent_date="2027-03-01")
    with session(app.state.engine) as db:  # received a day apart, so "oldest first" is well defined
        row = db.get(Application, older["id"])
        row.received_at = row.received_at - timedelta(days=1)
        db.add(row)
        db.commit()
    assert listed(client, age="21-24") == [older["receipt_code"]]
    assert listed(client, age="16-17") == [younger["receipt_code"]]
    assert listed(client, area="roxbury") == [younger["receipt_code"]]
    assert listed(client, status="received", sort="name") == [older["receipt_code"], younger["receipt_code"]]
    assert listed(client, status="placed") == []
    assert listed(client, channel="self", language="en", version=app.state.program.form.version,
                  sort="oldest") == [older["receipt_code"], younger["receipt_code"]]
    assert listed(client, **{"from": "2000-01-01", "to": "2000-01-02"}) == []
    assert "2 applications" in client.get("/staff/applications").text.replace("<strong>", "").replace("</strong>", "")


def test_opening_an_application_shows_every_answer_with_its_label_and_is_audited(app, client, example, reviewer):
    receipt = add(app, client, example)
    page = client.get(f"/staff/applications/{receipt['id']}")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    form = app.state.program.form
    for name, value in example.items():
        assert form.label(name, "en").replace("'", "&#39;") in page.text
    assert "Roxbury" in page.text  # an option shown by its label, not its code
    [event] = audit(app, "view_application")
    assert event.target == receipt["id"] and event.actor_id == reviewer.id


def test_the_status_moves_through_the_workflow_with_who_when_and_a_note(app, client, example, reviewer):
    receipt = add(app, client, example)
    url = f"/staff/applications/{receipt['id']}/status"
    token = csrf_token(client)
    client.post(url, data={"_csrf": token, "_status": "eligible", "_note": "Checked ID at the office"})
    refused = client.post(url, data={"_csrf": token, "_status": "received"}, follow_redirects=False)
    assert "message=refused" in refused.headers["location"]
    with session(app.state.engine) as db:
        row = db.get(Application, receipt["id"])
        [event] = db.exec(select(ApplicationEvent).where(ApplicationEvent.application_id == row.id))
    assert row.status == "eligible"
    assert event.actor_id == reviewer.id and event.data == {"from": "received", "to": "eligible",
                                                            "note": "Checked ID at the office"}
    page = client.get(f"/staff/applications/{receipt['id']}").text
    assert "Checked ID at the office" in page and "Received → Eligible" in page
    assert audit(app, "change_status")[0].details == {"from": "received", "to": "eligible"}
    # the young person sees it on the status page
    status = client.post("/status", data={"code": receipt["receipt_code"], "answer": example["date_of_birth"]})
    assert "You are eligible" in status.text


def test_a_correction_keeps_the_original_in_the_history(app, client, example, reviewer):
    receipt = add(app, client, example, phone="617-555-0199")
    url = f"/staff/applications/{receipt['id']}/correction"
    token = csrf_token(client)
    bad = client.post(url, data={"_csrf": token, "_field": "phone", "phone": "12"})
    assert bad.status_code == 400 and "not saved" in bad.text
    client.post(url, data={"_csrf": token, "_field": "phone", "phone": "617-555-0123", "_note": "called her"})
    with session(app.state.engine) as db:
        row = db.get(Application, receipt["id"])
        [event] = db.exec(select(ApplicationEvent).where(ApplicationEvent.kind == "correction"))
    assert row.answers["phone"] == "617-555-0123" and row.phone_key == "6175550123"
    assert event.data == {"field": "phone", "before": "617-555-0199", "after": "617-555-0123", "note": "called her"}
    assert listed(client, q="617 555 0123") == [receipt["receipt_code"]]


def test_the_same_young_person_twice_is_flagged_on_both_and_marked_not_deleted(app, client, example, reviewer):
    first = add(app, client, example, first_name="Jordan", last_name="Rivera", phone="617-555-0143")
    again = add(app, client, example, first_name="JORDAN ", last_name="Rivera", phone="(617) 555-0143",
                street_address="another street")
    other = add(app, client, example, first_name="Casey", last_name="Lee", phone="617-555-0999")
    page_first = client.get(f"/staff/applications/{first['id']}").text
    page_again = client.get(f"/staff/applications/{again['id']}").text
    assert "Possible duplicates" in page_first and again["receipt_code"] in page_first
    assert first["receipt_code"] in page_again and other["receipt_code"] not in page_again
    # each page showed another young person: the audit log says who was shown
    shown = {event.target: event.details for event in audit(app, "view_application")}
    assert shown == {first["id"]: {"duplicates_shown": [again["id"]]}, again["id"]: {"duplicates_shown": [first["id"]]}}
    client.post(f"/staff/applications/{again['id']}/duplicate",
                data={"_csrf": csrf_token(client), "_original": first["id"]})
    with session(app.state.engine) as db:
        assert db.get(Application, again["id"]).duplicate_of == first["id"]
        assert db.get(Application, first["id"]) is not None  # nothing deleted
    assert "duplicate" in client.get("/staff/applications").text


def test_what_a_reviewer_searched_for_is_kept_out_of_addresses_and_the_audit_log(app, client, example, reviewer):
    for index in range(51):  # two pages
        add(app, client, example, first_name="Xanthippe", last_name=f"Quorridge{index}")
    response = client.post("/staff/applications", data={"_csrf": csrf_token(client), "q": "Xanthippe Quorridge",
                                                          "sort": "name"}, follow_redirects=False)
    assert response.status_code == 303
    address = response.headers["location"]
    assert "anthippe" not in address.lower() and "quorridge" not in address.lower() and "sort=name" in address
    page = client.get(address).text
    assert len(re.findall(r"<td>[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}</td>", page)) == 50
    assert 'value="Xanthippe Quorridge"' in page  # the box still shows it, on the page itself
    links = re.findall(r'href="([^"]*(?:page=2|export)[^"]*)"', page)
    assert len(links) == 3 and not any("anthippe" in link.lower() for link in links)
    next_page = client.get("/staff/applications" + links[-1].replace("&amp;", "&")).text
    assert len(re.findall(r"<td>[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}</td>", next_page)) == 1  # the 51st
    exported = read_csv(client.get(links[0].replace("&amp;", "&")))
    assert len(exported) == 52
    searches = app.state.searches
    for event in audit(app, "list_applications") + audit(app, "export"):
        assert "anthippe" not in str(event.details).lower()
        assert event.details["filters"]["search"] == {"kind": "name", "digest": searches.digest("xanthippe  QUORRIDGE")}
    # another member of staff given the address sees no search (and is told so)
    other = make_user(app, "admin")
    client.cookies.clear()
    sign_in(client, other.email)
    assert "That search is no longer available" in client.get(address).text


def read_csv(response) -> list[list[str]]:
    assert response.content.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_csv_export_of_the_filtered_list_is_audited(app, client, example, reviewer):
    add(app, client, example, neighborhood="roxbury", first_name="Zoë")
    add(app, client, example, neighborhood="dorchester")
    response = client.get("/staff/export/applications.csv", params={"area": "roxbury"})
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = read_csv(response)
    form = app.state.program.form
    assert rows[0][:2] == ["Receipt code", "Status"] and form.label("first_name", "en") in rows[0]
    assert len(rows) == 2 and "Zoë" in rows[1] and "Roxbury" in rows[1]
    [event] = audit(app, "export")
    assert event.details == {"format": "csv", "filters": {"area": "roxbury"}, "rows": 1}
    # what the program file does not list is never exported
    assert form.label("race_ethnicity", "en") not in rows[0]


def test_xlsx_export_opens_with_the_same_rows(app, client, example, reviewer):
    for index in range(3):
        add(app, client, example, last_name=f"Rivera{index}")
    response = client.get("/staff/export/applications.xlsx", params={"sort": "name"})
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert len(values) == 4
    column = values[0].index(app.state.program.form.label("last_name", "en"))
    assert [row[column] for row in values[1:]] == ["Rivera0", "Rivera1", "Rivera2"]
    assert audit(app, "export")[0].details["format"] == "xlsx"


HOSTILE = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "\u202eevil\u202c",
    "=HYPERLINK(\"http://evil.example\",\"click\")",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "x" * 100,
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_answers_are_inert_in_list_detail_and_export(app, client, example, reviewer, hostile):
    receipt = add(app, client, example, first_name=hostile[:100], experience=hostile)
    assert receipt.get("id"), receipt
    for page in (client.get("/staff/applications").text, client.get(f"/staff/applications/{receipt['id']}").text):
        assert "<script>alert" not in page and "<img src=x" not in page
        assert 'href="javascript:' not in page
    rows = read_csv(client.get("/staff/export/applications.csv"))
    for cell in rows[1]:
        assert not cell.startswith(("=", "+", "-", "@")), cell
    sheet = load_workbook(io.BytesIO(client.get("/staff/export/applications.xlsx").content)).active
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"  # never a formula


def test_an_application_is_shown_with_the_labels_of_the_form_it_was_filled_under(settings, app, client, example,
                                                                                   reviewer, tmp_path):
    from starlette.testclient import TestClient

    from server.app import create_app

    from .conftest import write_program

    receipt = add(app, client, example)

    def renamed(program):
        program["form"]["fields"]["first_name"]["label"]["en"] = "Given name"

    new_app = create_app(settings.__class__(**{**settings.__dict__, "program_file": write_program(tmp_path, renamed)}))
    with TestClient(new_app) as new_client:
        sign_in(new_client, reviewer.email)
        page = new_client.get(f"/staff/applications/{receipt['id']}").text
        assert "First name" in page and "Given name" not in page  # the words the young person saw
        fresh = post(new_client, submission(new_app, example)).json()
        assert "Given name" in new_client.get(f"/staff/applications/{fresh['id']}").text
    new_app.state.engine.dispose()


def test_a_reviewed_application_can_still_be_deleted_on_request_and_by_retention(app, client, example, reviewer):
    from datetime import timedelta

    from server.models import Tombstone, utcnow
    from server.retention import purge
    from server.submissions import withdraw

    first = add(app, client, example, first_name="Jordan", last_name="Rivera", phone="617-555-0143")
    again = add(app, client, example, first_name="Jordan", last_name="Rivera", phone="617-555-0143")
    old = add(app, client, example, phone="617-555-0188")
    token = csrf_token(client)
    for receipt in (first, old):  # reviewed: a status change and a correction, each kept in the history
        client.post(f"/staff/applications/{receipt['id']}/status", data={"_csrf": token, "_status": "eligible"})
        client.post(f"/staff/applications/{receipt['id']}/correction",
                    data={"_csrf": token, "_field": "phone", "phone": "617-555-0123"})
    client.post(f"/staff/applications/{again['id']}/duplicate", data={"_csrf": token, "_original": first["id"]})
    with session(app.state.engine) as db:
        row = db.get(Application, old["id"])
        row.received_at = utcnow() - timedelta(days=4 * 365)
        db.add(row)
        db.commit()

    assert withdraw(app.state.engine, first["id"])  # the young person asked for their data to be deleted
    assert purge(app.state.engine, years=3) == 1

    with session(app.state.engine) as db:
        assert db.get(Application, first["id"]) is None and db.get(Application, old["id"]) is None
        assert db.get(Tombstone, first["id"]).reason == "withdrawn"
        assert db.get(Tombstone, old["id"]).reason == "retention"
        # nothing of theirs is left in the history, which held the corrected phone numbers
        history = db.exec(select(ApplicationEvent).where(ApplicationEvent.application_id.in_([first["id"], old["id"]])))
        assert list(history) == []
        assert db.get(Application, again["id"]).duplicate_of is None  # kept, no longer marked as a copy
    assert post(client, submission(app, example) | {"id": first["id"]}, key=first["id"]).status_code == 409
