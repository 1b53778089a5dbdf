"""Signing staff in for tests, the way a browser does."""

from __future__ import annotations

import re

from server.auth import create_user

PASSWORD = "correct horse battery staple"


def make_user(app, role: str, email: str | None = None):
    return create_user(app.state.engine, email or f"{role}@city.example", role.title(), role, PASSWORD)


def sign_in(client, email: str, password: str = PASSWORD):
    response = client.post("/staff/login", data={"email": email, "password": password}, follow_redirects=False)
    return response


def csrf_token(client, path: str = "/staff/password") -> str:
    html = client.get(path).text
    return re.search(r'name="_csrf" value="([^"]+)"', html)[1]
