"""Who may do what in the staff console: one table of every staff route, and a test that
fails when a route is added without an entry."""

from __future__ import annotations

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from .conftest import post, submission
from .staff_helpers import csrf_token, make_user, sign_in

ROLES = ["admin", "reviewer", "analyst", "outreach"]
STAFF_ONLY = {"admin", "reviewer", "analyst", "outreach"}
# (method, path) → the roles that may use it; everyone else gets 401 (no session) or 403
ACCESS = {
    ("GET", "/staff"): STAFF_ONLY,
    ("POST", "/staff/logout"): STAFF_ONLY,
    ("GET", "/staff/password"): STAFF_ONLY,
    ("POST", "/staff/password"): STAFF_ONLY,
    ("GET", "/staff/applications"): {"admin", "reviewer"},
    ("POST", "/staff/applications"): {"admin", "reviewer"},
    ("GET", "/staff/applications/{application_id}"): {"admin", "reviewer"},
    ("POST", "/staff/applications/{application_id}/status"): {"admin", "reviewer"},
    ("POST", "/staff/applications/{application_id}/correction"): {"admin", "reviewer"},
    ("POST", "/staff/applications/{application_id}/duplicate"): {"admin", "reviewer"},
    ("GET", "/staff/export/applications.csv"): {"admin", "reviewer"},
    ("GET", "/staff/export/applications.xlsx"): {"admin", "reviewer"},
    ("GET", "/staff/accounts"): {"admin"},
    ("POST", "/staff/accounts"): {"admin"},
    ("POST", "/staff/accounts/{user_id}"): {"admin"},
    ("GET", "/staff/audit"): {"admin"},
    ("GET", "/outreach/enroll"): {"admin", "outreach"},
    ("POST", "/outreach/enroll"): {"admin", "outreach"},
    ("POST", "/outreach/renew"): {"admin", "outreach"},
    ("GET", "/staff/events"): {"admin", "outreach"},
    ("GET", "/staff/insights"): {"admin", "reviewer", "analyst"},
    ("POST", "/staff/devices/{device_id}/revoke"): {"admin", "outreach"},
    ("POST", "/staff/devices/{device_id}/restore"): {"admin"},
}
PUBLIC = {("GET", "/staff/login"), ("POST", "/staff/login")}


def staff_routes(app) -> set[tuple[str, str]]:
    """Every route behind a staff sign-in (its endpoint names a permission), and the sign-in page."""
    found = set()
    for route in app.routes:
        if isinstance(route, Route) and (hasattr(route.endpoint, "permission") or route.path.startswith("/staff")):
            for method in route.methods - {"HEAD"}:
                found.add((method, route.path))
    return found


def test_every_staff_route_has_an_entry_in_the_access_table(app):
    assert staff_routes(app) == set(ACCESS) | PUBLIC


@pytest.fixture
def world(app, client, example):
    """An application with a planted name, and a staff account of every role."""
    planted = {**example, "first_name": "Xanthippe", "last_name": "Quorridge"}
    application_id = post(client, submission(app, planted)).json()["id"]
    users = {role: make_user(app, role) for role in ROLES}
    return {"application_id": application_id, "users": users}


@pytest.mark.parametrize("who", ["anonymous", *ROLES])
def test_access_matrix(app, world, who):
    refused = []
    with TestClient(app) as browser:
        data = {}
        if who != "anonymous":
            assert sign_in(browser, world["users"][who].email).status_code == 303
            data["_csrf"] = csrf_token(browser)
        # signing out ends the session, so it is tried last
        for method, path in sorted(ACCESS, key=lambda route: route == ("POST", "/staff/logout")):
            target = path.replace("{application_id}", world["application_id"]).replace(
                "{user_id}", world["users"]["outreach"].id).replace("{device_id}", "no-such-device")
            form = {**data, "_status": "eligible"} if path.endswith("/status") else data
            response = browser.request(method, target, data=form if method == "POST" else None,
                                       follow_redirects=False)
            allowed = who in ACCESS[(method, path)]
            if allowed and response.status_code in (401, 403):
                refused.append(f"{method} {path}: refused with {response.status_code}")
            if not allowed:
                if response.status_code != (401 if who == "anonymous" else 403):
                    refused.append(f"{method} {path}: answered {response.status_code}")
                if "Xanthippe" in response.text or "Quorridge" in response.text:
                    refused.append(f"{method} {path}: personal data in a refusal")
                if response.headers.get("cache-control") != "no-store":
                    refused.append(f"{method} {path}: refusal may be cached")
    assert refused == []
