"""Staff sign-in and sessions: Argon2id, no account enumeration, throttling, fixation,
time-outs, revocation; and CSRF on every state-changing request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from server.db import session
from server.models import StaffSession, StaffUser, utcnow

from .staff_helpers import PASSWORD, csrf_token, make_user, sign_in
from .test_staff_access import ACCESS


def cookie(client) -> str | None:
    return client.cookies.get("yj_staff")


def test_passwords_are_stored_as_argon2id(app):
    user = make_user(app, "reviewer")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(app, client):
    make_user(app, "reviewer")
    wrong = sign_in(client, "reviewer@city.example", "not the password at all")
    unknown = sign_in(client, "nobody@city.example", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    assert "The email address or the password is not right." in wrong.text
    assert wrong.text.replace("reviewer@city.example", "X") == unknown.text.replace("nobody@city.example", "X")
    assert cookie(client) is None


def test_repeated_failures_lock_the_account_for_a_while(app, client):
    make_user(app, "reviewer")
    for _ in range(5):
        assert sign_in(client, "reviewer@city.example", "guess guess guess").status_code == 401
    blocked = sign_in(client, "reviewer@city.example", PASSWORD)  # even the right password
    assert blocked.status_code == 429
    assert "Too many attempts to sign in" in blocked.text
    # another account from the same address is not locked by that
    make_user(app, "admin")
    assert sign_in(client, "admin@city.example", PASSWORD).status_code == 303


def test_the_session_id_is_new_at_every_sign_in_and_only_its_hash_is_stored(app, client):
    make_user(app, "reviewer")
    sign_in(client, "reviewer@city.example")
    first = cookie(client)
    sign_in(client, "reviewer@city.example")
    second = cookie(client)
    assert first and second and first != second
    assert len(first) >= 43  # 32 random bytes, base64
    with session(app.state.engine) as db:
        stored = [row.token_hash for row in db.exec(select(StaffSession))]
    assert first not in stored and second not in stored


def test_the_cookie_is_httponly_and_samesite(app, client):
    make_user(app, "reviewer")
    response = sign_in(client, "reviewer@city.example")
    header = response.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=lax" in header and "path=/" in header


def test_over_https_the_cookie_is_secure_and_host_prefixed(app):
    make_user(app, "reviewer")
    with TestClient(app, base_url="https://jobs.example.org") as client:
        header = sign_in(client, "reviewer@city.example").headers["set-cookie"]
    assert header.startswith("__Host-yj_staff=") and "Secure" in header


def _age_sessions(app, **changes) -> None:
    with session(app.state.engine) as db:
        for row in db.exec(select(StaffSession)):
            for name, delta in changes.items():
                setattr(row, name, getattr(row, name) - delta)
            db.add(row)
        db.commit()


@pytest.mark.parametrize(("change", "expected"), [
    ({"last_seen_at": timedelta(minutes=29)}, 200),
    ({"last_seen_at": timedelta(minutes=31)}, 401),
    ({"created_at": timedelta(hours=13)}, 401),
])
def test_sessions_time_out_when_idle_and_after_twelve_hours(app, client, change, expected):
    make_user(app, "reviewer")
    sign_in(client, "reviewer@city.example")
    _age_sessions(app, **change)
    assert client.get("/staff/applications").status_code == expected


def test_signing_out_ends_the_session_and_the_old_cookie_stops_working(app, client):
    make_user(app, "reviewer")
    sign_in(client, "reviewer@city.example")
    old = cookie(client)
    client.post("/staff/logout", data={"_csrf": csrf_token(client)})
    with TestClient(app) as other:
        other.cookies.set("yj_staff", old)
        assert other.get("/staff/applications").status_code == 401


@pytest.mark.parametrize("action", ["disable", "role", "reset"])
def test_disabling_changing_role_or_resetting_password_ends_the_sessions(app, client, action):
    make_user(app, "admin")
    target = make_user(app, "reviewer")
    with TestClient(app) as theirs:
        sign_in(theirs, target.email)
        assert theirs.get("/staff/applications").status_code == 200
        sign_in(client, "admin@city.example")
        client.post(f"/staff/accounts/{target.id}", data={"_csrf": csrf_token(client), "_action": action,
                                                            "role": "analyst"})
        assert theirs.get("/staff/applications").status_code in (401, 403)
        assert theirs.get("/staff").status_code == 401


def test_changing_one_s_password_signs_out_every_other_browser(app, client):
    user = make_user(app, "reviewer")
    with TestClient(app) as phone:
        sign_in(phone, user.email)
        sign_in(client, user.email)
        response = client.post("/staff/password", data={"_csrf": csrf_token(client), "current": PASSWORD,
                                                        "new": "a brand new passphrase"},
                               follow_redirects=False)
        assert response.status_code == 303
        assert client.get("/staff/applications").status_code == 200  # this browser stays in
        assert phone.get("/staff/applications").status_code == 401
    assert sign_in(client, user.email, "a brand new passphrase").status_code == 303


def test_a_disabled_account_cannot_sign_in(app, client):
    user = make_user(app, "reviewer")
    with session(app.state.engine) as db:
        row = db.get(StaffUser, user.id)
        row.disabled = True
        db.add(row)
        db.commit()
    assert sign_in(client, user.email).status_code == 401


POSTS = sorted(path for method, path in ACCESS if method == "POST")


@pytest.mark.parametrize("path", POSTS)
def test_every_state_changing_request_needs_the_csrf_token(app, client, example, path):
    from .conftest import post, submission

    application_id = post(client, submission(app, example)).json()["id"]
    admin = make_user(app, "admin")
    sign_in(client, admin.email)
    target = path.replace("{application_id}", application_id).replace("{user_id}", admin.id)
    data = {"_status": "eligible", "_action": "enable"}
    assert client.post(target, data=data, follow_redirects=False).status_code == 403
    assert client.post(target, data={**data, "_csrf": "forged"}, follow_redirects=False).status_code == 403
    # a token from another session is no good either
    with TestClient(app) as other:
        sign_in(other, admin.email)
        foreign = csrf_token(other)
    assert client.post(target, data={**data, "_csrf": foreign}, follow_redirects=False).status_code == 403
    # and a request from another site is refused even with a token
    own = csrf_token(client)
    assert client.post(target, data={**data, "_csrf": own}, headers={"Origin": "https://evil.example"},
                       follow_redirects=False).status_code == 403


def test_create_user_from_the_command_line(database_url):
    import os
    import subprocess
    import sys

    from server.settings import ROOT

    result = subprocess.run(
        [sys.executable, "-m", "server.cli", "create-user", "--email", "First.Admin@City.example", "--name", "Ana",
         "--role", "admin"],
        input=f"{PASSWORD}\n{PASSWORD}\n", capture_output=True, text=True, cwd=ROOT, timeout=60,
        env={**os.environ, "YOUTHJOBS_DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    assert "created admin account for first.admin@city.example" in result.stdout
    short = subprocess.run(
        [sys.executable, "-m", "server.cli", "create-user", "--email", "b@city.example", "--name", "B",
         "--password", "short"], capture_output=True, text=True, cwd=ROOT, timeout=60,
        env={**os.environ, "YOUTHJOBS_DATABASE_URL": database_url})
    assert short.returncode == 1 and "at least 12 characters" in short.stderr


def test_sessions_are_in_the_database_not_in_process_memory(app, client):
    """A second app (another worker) on the same database accepts the same cookie."""
    make_user(app, "reviewer")
    sign_in(client, "reviewer@city.example")
    from server.app import create_app

    other_worker = create_app(app.state.settings)
    with TestClient(other_worker) as other:
        other.cookies.set("yj_staff", cookie(client))
        assert other.get("/staff/applications").status_code == 200
    other_worker.state.engine.dispose()
    assert utcnow()


def test_many_failures_from_one_address_are_throttled_across_accounts(app, client):
    for index in range(30):
        sign_in(client, f"guess{index}@city.example", "not the password at all")
    make_user(app, "reviewer")
    blocked = sign_in(client, "reviewer@city.example")
    assert blocked.status_code == 429 and "Too many attempts to sign in" in blocked.text


def _multipart(fields: dict[str, bytes], charset: str) -> tuple[bytes, str]:
    """A form post whose parts declare ``charset`` (Starlette decodes each part with it)."""
    parts = b"".join(b'--XyZ\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (name.encode(), value)
                     for name, value in fields.items())
    return parts + b"--XyZ--\r\n", f"multipart/form-data; boundary=XyZ; charset={charset}"


@pytest.mark.parametrize("email, password", [
    (b"reviewer@city.example\\ud800", b"guess guess guess"),  # a lone surrogate, by unicode_escape
    (b"reviewer@city.example", b"guess\\ud800guess"),
    (b"reviewer@city.example\\x00", b"guess guess guess"),  # NUL: no text column on PostgreSQL takes it
], ids=["surrogate in email", "surrogate in password", "NUL in email"])
def test_sign_in_with_characters_no_browser_sends_is_a_wrong_password_not_a_server_error(app, client, email, password):
    make_user(app, "reviewer")
    body, content_type = _multipart({"email": email, "password": password}, "unicode_escape")
    response = client.post("/staff/login", content=body, headers={"Content-Type": content_type},
                           follow_redirects=False)
    assert response.status_code == 401
    assert "The email address or the password is not right." in response.text
    url_encoded = client.post("/staff/login", content=b"email=reviewer%00%40city.example&password=x",
                              headers={"Content-Type": "application/x-www-form-urlencoded"}, follow_redirects=False)
    assert url_encoded.status_code == 401


def test_attempts_sent_at_the_same_moment_cannot_get_past_the_limit(app, client):
    from concurrent.futures import ThreadPoolExecutor

    make_user(app, "reviewer")
    passwords = ["guess guess guess"] * 24
    passwords[12] = PASSWORD  # the right one, among the guesses
    with ThreadPoolExecutor(12) as pool:
        statuses = list(pool.map(lambda password: sign_in(client, "reviewer@city.example", password).status_code,
                                 passwords))
    assert statuses.count(401) + statuses.count(303) <= 5  # the account's allowance, however they arrive
    assert statuses.count(429) >= 19
    assert sign_in(client, "reviewer@city.example").status_code == 429


def test_signing_in_rightly_does_not_use_up_the_allowance(app, client):
    make_user(app, "reviewer")
    for _ in range(8):  # more than the five failures an account is allowed
        assert sign_in(client, "reviewer@city.example").status_code == 303
        client.cookies.clear()
    for _ in range(5):
        assert sign_in(client, "reviewer@city.example", "guess guess guess").status_code == 401
    assert sign_in(client, "reviewer@city.example").status_code == 429
