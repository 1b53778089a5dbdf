"""A shared outreach device: enrolled by a worker, then syncing sealed applications in
batches with the same exactly-once rules; its credential, not its address, is what counts."""

from __future__ import annotations

import base64
import copy
import time
import uuid
from unittest.mock import patch

import pytest
from cryptography.hazmat.primitives.serialization import load_der_public_key
from sqlmodel import select
from starlette.testclient import TestClient

from server.app import create_app
from server.db import session
from server.keys import KeyRing
from server.models import Application, AuditEvent, Device, utcnow
from server.sealing import seal
from server.settings import RateLimit

from .staff_helpers import csrf_token, make_user, sign_in


@pytest.fixture
def outreach_app(settings, tmp_path):
    KeyRing(tmp_path / "keys").rotate()
    app = create_app(settings.__class__(**{**settings.__dict__, "key_dir": tmp_path / "keys"}))
    yield app
    app.state.engine.dispose()


@pytest.fixture
def device(outreach_app):
    """A worker signs in and enrolls this device for an event."""
    with TestClient(outreach_app) as browser:
        worker = make_user(outreach_app, "outreach")
        sign_in(browser, worker.email)
        response = browser.post("/outreach/enroll", headers={"Accept": "application/json"},
                                data={"_csrf": csrf_token(browser), "name": "Roxbury Youth Fair",
                                      "place": "Madison Park", "day": "2027-04-12"})
    assert response.status_code == 200
    enrolled = response.json()
    enrolled["worker"] = worker
    enrolled["public_key"] = load_der_public_key(base64.b64decode(enrolled["key"]["spki"]))
    return enrolled


def sealed_item(app, device, answers, application_id=None) -> dict:
    application_id = application_id or str(uuid.uuid4())
    version = app.state.program.form.version
    content = {"answers": answers, "client": {"filled_at": "2027-04-12T15:04:00Z", "language": "es"}}
    return {"id": application_id, "form_version": version,
            "sealed": seal(device["public_key"], device["key"]["id"], application_id, version, device["device"], content)}


def sync(client, device, items, token=None):
    return client.post("/api/outreach/sync", json={"items": items},
                       headers={"Authorization": f"Bearer {token or device['credential']}"})


@pytest.fixture
def examples(outreach_app):
    return copy.deepcopy(outreach_app.state.program.form.schema["examples"])


def test_a_batch_is_stored_once_with_its_event_and_worker(outreach_app, device, examples):
    items = [sealed_item(outreach_app, device, examples[i % 2]) for i in range(3)]
    with TestClient(outreach_app) as client:
        first = sync(client, device, items)
        again = sync(client, device, items)  # the response was lost; the device sends it all again
    assert [r["status"] for r in first.json()["results"]] == [201, 201, 201]
    assert [r["status"] for r in again.json()["results"]] == [200, 200, 200]
    assert [r["receipt_code"] for r in first.json()["results"]] == [r["receipt_code"] for r in again.json()["results"]]
    with session(outreach_app.state.engine) as db:
        rows = list(db.exec(select(Application)))
    assert len(rows) == 3
    assert {(r.channel, r.event_id, r.worker_id, r.language) for r in rows} == {
        ("outreach", device["event"]["id"], device["worker"].id, "es")}  # the language chosen on the device
    assert all(r.filled_at is not None for r in rows)


def test_each_item_gets_its_own_outcome(outreach_app, device, examples):
    invalid = {**examples[0], "zip": "99999x"}  # not in the program's area: nothing is kept
    fixable = {**examples[0], "email": "not an email"}
    tampered = sealed_item(outreach_app, device, examples[0])
    tampered["sealed"]["device"] = "another-device"
    moved = sealed_item(outreach_app, device, examples[0])
    moved["id"] = str(uuid.uuid4())  # a sealed record copied onto another application id
    items = [sealed_item(outreach_app, device, examples[0]), sealed_item(outreach_app, device, invalid), tampered,
             moved, {"id": str(uuid.uuid4()), "form_version": "x", "answers": examples[0]},
             sealed_item(outreach_app, device, fixable)]
    with TestClient(outreach_app) as client:
        results = sync(client, device, items).json()["results"]
    assert [r["status"] for r in results] == [201, 400, 400, 400, 400, 201]
    assert "needs_attention" not in results[0]
    assert results[1]["problem"]["errors"][0]["field"] == "zip"
    assert "another device" in results[2]["problem"]["title"]
    assert "was changed" in results[3]["problem"]["detail"]
    assert results[4]["problem"]["type"].endswith("sealed-required")
    assert results[5]["needs_attention"] is True  # kept for staff; which answer is not the device's business
    with session(outreach_app.state.engine) as db:
        assert {row.id: row.status for row in db.exec(select(Application))} == {
            results[0]["id"]: "received", results[5]["id"]: "needs_information"}


def test_answers_the_device_cannot_fix_are_held_for_staff_to_follow_up(outreach_app, device, examples):
    """A sealed application cannot be opened on the device again, so one the server finds
    wrong is kept, marked as needing information, and fixed by staff with the young person."""
    invalid = {**examples[0], "phone": "call me", "email": "not an email"}
    item = sealed_item(outreach_app, device, invalid)
    with TestClient(outreach_app) as client:
        first = sync(client, device, [item]).json()["results"][0]
        again = sync(client, device, [item]).json()["results"][0]  # the first answer was lost
        assert first["status"] == 201 and again["status"] == 200
        assert first["needs_attention"] is again["needs_attention"] is True
        confirmed = client.post("/api/outreach/confirm", json={"ids": [item["id"]]},
                                headers={"Authorization": f"Bearer {device['credential']}"}).json()
        assert confirmed["received"] == [item["id"]]  # it counts as received at the event

        sign_in(client, make_user(outreach_app, "reviewer").email)
        page = client.get(f"/staff/applications/{item['id']}").text
        assert "Answers that need fixing" in page and "arrived from an outreach device with 2 answers" in page
        token = csrf_token(client, f"/staff/applications/{item['id']}")
        early = client.post(f"/staff/applications/{item['id']}/status", follow_redirects=False,
                            data={"_csrf": token, "_status": "eligible"})
        assert early.headers["location"].endswith("message=fix-answers-first")
        fixed = client.post(f"/staff/applications/{item['id']}/correction", follow_redirects=False,
                            data={"_csrf": token, "_field": "phone", "phone": "617-555-0123", "_note": "by phone"})
        assert fixed.status_code == 303  # one answer at a time, though another is still wrong
        still_wrong = client.post(f"/staff/applications/{item['id']}/correction",
                                  data={"_csrf": token, "_field": "email", "email": "still not one"})
        assert still_wrong.status_code == 400
        client.post(f"/staff/applications/{item['id']}/correction",
                    data={"_csrf": token, "_field": "email", "email": "zeph@example.org"})
        assert "Answers that need fixing" not in client.get(f"/staff/applications/{item['id']}").text
        client.post(f"/staff/applications/{item['id']}/status", data={"_csrf": token, "_status": "eligible"})
    with session(outreach_app.state.engine) as db:
        row = db.get(Application, item["id"])
        assert (row.answers["phone"], row.answers["email"], row.status) == ("617-555-0123", "zeph@example.org", "eligible")


@pytest.mark.parametrize("change", [
    {"interests": 5}, {"shoe_size": "9"},                   # the wrong kind; no such question
    {"neighborhood": []}, {"interests": [{"a": 1}]},        # a shape its question cannot hold
    {"agree_terms": False}, {"right_to_work": "no"},        # no consent; cannot apply
    {"date_of_birth": "2007-01-01\n"},
])
def test_answers_that_must_not_be_kept_are_refused_even_from_a_device(outreach_app, device, examples, change):
    with TestClient(outreach_app) as client:
        result = sync(client, device, [sealed_item(outreach_app, device, {**examples[0], **change})]).json()["results"][0]
    assert result["status"] == 400 and result["problem"]["type"].endswith("invalid-answers")
    with session(outreach_app.state.engine) as db:
        assert db.exec(select(Application)).all() == []


def test_the_reconciliation_count_comes_from_the_server(outreach_app, device, examples):
    items = [sealed_item(outreach_app, device, examples[0]) for _ in range(4)]
    never_sent = str(uuid.uuid4())
    with TestClient(outreach_app) as client:
        sync(client, device, items[:3])
        confirmed = client.post("/api/outreach/confirm", json={"ids": [i["id"] for i in items] + [never_sent]},
                                headers={"Authorization": f"Bearer {device['credential']}"}).json()["received"]
    assert confirmed == sorted(i["id"] for i in items[:3])


@pytest.mark.parametrize("credential", [None, "forged.credential.value"])
def test_without_a_valid_credential_the_batch_is_refused_and_nothing_stored(outreach_app, device, examples, credential):
    with TestClient(outreach_app) as client:
        headers = {"Authorization": f"Bearer {credential}"} if credential else {}
        response = client.post("/api/outreach/sync", json={"items": [sealed_item(outreach_app, device, examples[0])]},
                               headers=headers)
    assert response.status_code == 401
    assert response.json()["reason"] in ("missing", "invalid")
    assert "Nothing was lost" in response.json()["detail"]


@pytest.mark.parametrize("bad", ["abc\x00", "not-an-id", str(uuid.uuid4()).upper(), 7])
def test_confirm_takes_application_ids_only(outreach_app, device, examples, bad):
    item = sealed_item(outreach_app, device, examples[0])
    headers = {"Authorization": f"Bearer {device['credential']}"}
    with TestClient(outreach_app) as client:
        assert sync(client, device, [item]).status_code == 200
        refused = client.post("/api/outreach/confirm", json={"ids": [item["id"], bad]}, headers=headers)
        assert refused.status_code == 400 and "UUIDs" in refused.json()["title"]
        confirmed = client.post("/api/outreach/confirm", json={"ids": [item["id"]]}, headers=headers)
    assert confirmed.json()["received"] == [item["id"]]


def test_an_expired_or_revoked_credential_asks_for_a_worker_again(outreach_app, device, examples):
    with patch("itsdangerous.timed.time.time", return_value=time.time() - 15 * 86400):
        _event, _device, old = outreach_app.state.devices.enroll(device["worker"].id, "Old fair", "Park", "2027-03-01")
    with TestClient(outreach_app) as client:
        expired = sync(client, device, [sealed_item(outreach_app, device, examples[0])], token=old)
        assert expired.status_code == 401 and expired.json()["reason"] == "expired"
        with session(outreach_app.state.engine) as db:
            row = db.get(Device, device["device"])
            row.revoked_at = utcnow()
            db.add(row)
            db.commit()
        revoked = sync(client, device, [sealed_item(outreach_app, device, examples[0])])
        assert revoked.status_code == 401 and revoked.json()["reason"] == "revoked"
        # a lost device's old sign-in says so too: renewing it would be refused
        with session(outreach_app.state.engine) as db:
            row = db.get(Device, _device.id)
            row.revoked_at = utcnow()
            db.add(row)
            db.commit()
        lost = sync(client, device, [sealed_item(outreach_app, device, examples[0])], token=old)
        assert lost.status_code == 401 and lost.json()["reason"] == "revoked"


def test_devices_are_rate_limited_per_credential_not_per_address(settings, tmp_path, examples):
    KeyRing(tmp_path / "keys").rotate()
    app = create_app(settings.__class__(**{**settings.__dict__, "key_dir": tmp_path / "keys",
                                           "rate_limit": RateLimit(2, 86400)}))
    with TestClient(app) as client:
        worker = make_user(app, "outreach")
        sign_in(client, worker.email)
        devices = []
        for name in ("Tablet A", "Tablet B"):
            enrolled = client.post("/outreach/enroll", headers={"Accept": "application/json"},
                                   data={"_csrf": csrf_token(client), "name": name, "place": "Gym", "day": "2027-04-12"}).json()
            enrolled["public_key"] = load_der_public_key(base64.b64decode(enrolled["key"]["spki"]))
            devices.append(enrolled)
        a, b = devices
        statuses_a = [sync(client, a, [sealed_item(app, a, examples[0])]).status_code for _ in range(3)]
        # the second tablet at the same event, same address, is not held back by the first
        statuses_b = [sync(client, b, [sealed_item(app, b, examples[0])]).status_code for _ in range(2)]
    app.state.engine.dispose()
    assert statuses_a == [200, 200, 429] and statuses_b == [200, 200]


def test_a_batch_has_at_most_a_hundred(outreach_app, device, examples):
    with TestClient(outreach_app) as client:
        too_many = sync(client, device, [{"id": str(uuid.uuid4())}] * 101)
        empty = sync(client, device, [])
    assert too_many.status_code == empty.status_code == 400


def test_the_public_key_is_published_for_devices(outreach_app):
    with TestClient(outreach_app) as client:
        key = client.get("/api/outreach/key").json()
    assert key["key_id"] == outreach_app.state.keys.current_id()
    assert load_der_public_key(base64.b64decode(key["spki"])).key_size == 3072


def test_staff_see_and_filter_by_the_event_and_worker(outreach_app, device, examples):
    with TestClient(outreach_app) as client:
        receipt = sync(client, device, [sealed_item(outreach_app, device, examples[0])]).json()["results"][0]
        client.post("/api/applications", json={"id": (own := str(uuid.uuid4())),
                    "form_version": outreach_app.state.program.form.version, "answers": examples[1]},
                    headers={"Idempotency-Key": own})
        reviewer = make_user(outreach_app, "reviewer")
        sign_in(client, reviewer.email)
        listed = client.get("/staff/applications", params={"event": device["event"]["id"]}).text
        assert receipt["receipt_code"] in listed and "Roxbury Youth Fair" in listed
        assert listed.count("<tr>") == 2  # the header and the one application from the event
        detail = client.get(f"/staff/applications/{receipt['id']}").text
        assert "Roxbury Youth Fair, Madison Park, 2027-04-12" in detail and "Outreach" in detail


def test_workers_see_their_own_events_counts_and_admins_see_all(outreach_app, device, examples):
    other = make_user(outreach_app, "outreach", "other.worker@city.example")
    outreach_app.state.devices.enroll(other.id, "Dorchester Day", "Town Field", "2027-05-01")
    with TestClient(outreach_app) as client:
        sync(client, device, [sealed_item(outreach_app, device, examples[i % 2]) for i in range(2)])
        sign_in(client, device["worker"].email)
        own = client.get("/staff/events")
        assert own.status_code == 200 and own.headers["cache-control"] == "no-store"
        assert "Roxbury Youth Fair" in own.text and "Dorchester Day" not in own.text
        assert f'<strong id="received-{device["event"]["id"]}">2</strong>' in own.text
        assert examples[0]["first_name"] not in own.text  # counts, never applicants
        admin = make_user(outreach_app, "admin")
        sign_in(client, admin.email)
        every = client.get("/staff/events").text
        assert "Roxbury Youth Fair" in every and "Dorchester Day" in every


def test_a_lost_device_is_revoked_by_its_worker_and_can_no_longer_sync(outreach_app, device, examples):
    with TestClient(outreach_app) as client:
        other = make_user(outreach_app, "outreach", "other.worker@city.example")
        sign_in(client, other.email)
        refused = client.post(f"/staff/devices/{device['device']}/revoke", data={"_csrf": csrf_token(client)})
        assert refused.status_code == 404  # not theirs
        assert sync(client, device, [sealed_item(outreach_app, device, examples[0])]).status_code == 200

        sign_in(client, device["worker"].email)
        revoked = client.post(f"/staff/devices/{device['device']}/revoke", data={"_csrf": csrf_token(client)},
                              follow_redirects=False)
        assert revoked.status_code == 303
        assert "Revoked" in client.get("/staff/events").text
        answer = sync(client, device, [sealed_item(outreach_app, device, examples[1])])
        assert answer.status_code == 401 and answer.json()["reason"] == "revoked"
        assert "Nothing was lost" in answer.json()["detail"]
    with session(outreach_app.state.engine) as db:
        assert len(list(db.exec(select(Application)))) == 1
        audit = list(db.exec(select(AuditEvent).where(AuditEvent.action == "revoke_device")))
    assert [(entry.actor_id, entry.target) for entry in audit] == [(device["worker"].id, device["device"])]


def test_a_revoked_device_found_again_is_restored_by_an_admin_and_its_queue_arrives(outreach_app, device, examples):
    queued = [sealed_item(outreach_app, device, example) for example in examples[:2]]  # taken before it was lost
    with patch("itsdangerous.timed.time.time", return_value=time.time() - 60):  # its sign-in, from before
        old = outreach_app.state.devices.serializer.dumps({"device": device["device"]})
    with TestClient(outreach_app) as client:
        sign_in(client, device["worker"].email)
        client.post(f"/staff/devices/{device['device']}/revoke", data={"_csrf": csrf_token(client)})
        assert sync(client, device, queued, token=old).json()["reason"] == "revoked"
        refused = client.post("/outreach/renew", headers={"Accept": "application/json"},
                              data={"_csrf": csrf_token(client), "device": device["device"]})
        assert refused.status_code == 400 and "An admin can restore it" in refused.text
        # its worker cannot undo a revocation on their own say-so
        refused = client.post(f"/staff/devices/{device['device']}/restore", data={"_csrf": csrf_token(client)})
        assert refused.status_code == 403
        assert "Restore (found again)" not in client.get("/staff/events").text

        admin = make_user(outreach_app, "admin")
        sign_in(client, admin.email)
        assert "Restore (found again)" in client.get("/staff/events").text
        restored = client.post(f"/staff/devices/{device['device']}/restore", data={"_csrf": csrf_token(client)},
                               follow_redirects=False)
        assert restored.status_code == 303 and restored.headers["location"].endswith("message=restored")
        # a sign-in from before it was lost stays refused (it may have been copied meanwhile):
        # a worker renews it on the device
        assert sync(client, device, queued, token=old).json()["reason"] == "restored"
        sign_in(client, device["worker"].email)
        renewed = client.post("/outreach/renew", headers={"Accept": "application/json"},
                              data={"_csrf": csrf_token(client), "device": device["device"]}).json()
        answer = sync(client, device, queued, token=renewed["credential"])
        assert answer.status_code == 200 and [r["status"] for r in answer.json()["results"]] == [201, 201]
    with session(outreach_app.state.engine) as db:
        assert len(list(db.exec(select(Application)))) == 2
        audit = list(db.exec(select(AuditEvent).where(AuditEvent.action == "restore_device")))
    assert [(entry.actor_id, entry.target) for entry in audit] == [(admin.id, device["device"])]


def test_a_colleague_can_renew_a_device_and_the_audit_log_says_who(outreach_app, device, examples):
    colleague = make_user(outreach_app, "outreach", "colleague@city.example")
    with TestClient(outreach_app) as client:
        sign_in(client, colleague.email)
        renewed = client.post("/outreach/renew", headers={"Accept": "application/json"},
                              data={"_csrf": csrf_token(client), "device": device["device"]})
        assert renewed.status_code == 200 and renewed.json()["device"] == device["device"]
        item = sealed_item(outreach_app, device, examples[0])
        assert sync(client, device, [item], token=renewed.json()["credential"]).json()["results"][0]["status"] == 201
    with session(outreach_app.state.engine) as db:
        entries = [(entry.action, entry.actor_id, entry.target) for entry in db.exec(
            select(AuditEvent).where(AuditEvent.action.in_(["enroll_device", "renew_device"])).order_by(AuditEvent.at))]
    assert entries == [("enroll_device", device["worker"].id, device["device"]),
                       ("renew_device", colleague.id, device["device"])]


def test_without_a_server_key_no_device_is_set_up_or_renewed_and_the_worker_is_told_why(settings, tmp_path):
    app = create_app(settings.__class__(**{**settings.__dict__, "key_dir": tmp_path / "no-keys"}))
    with TestClient(app) as client:
        worker = make_user(app, "outreach")
        _event, existing, _credential = app.state.devices.enroll(worker.id, "Old fair", "Park", "2027-03-01")
        sign_in(client, worker.email)
        form = {"_csrf": csrf_token(client), "name": "Roxbury Youth Fair", "place": "Madison Park", "day": "2027-04-12"}
        enrolled = client.post("/outreach/enroll", headers={"Accept": "application/json"}, data=form)
        renewed = client.post("/outreach/renew", headers={"Accept": "application/json"},
                              data={"_csrf": form["_csrf"], "device": existing.id})
    with session(app.state.engine) as db:
        devices = list(db.exec(select(Device.id)))
    app.state.engine.dispose()
    for response in (enrolled, renewed):
        assert response.status_code == 503
        assert "no key for sealed applications" in response.text and "youthjobs keys rotate" in response.text
        assert "device-enrollment" not in response.text  # nothing for the browser to keep
    assert devices == [existing.id]
