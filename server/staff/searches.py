"""A reviewer's search text (a name, a phone number, an email, a receipt code) never goes
into a URL or the audit log as it was typed.

The search box is posted; the list's links (pages, sorting, exports) then carry the text
encrypted with a key derived from the server's secret, bound to the member of staff who
searched and good for one session's length, so browser history, bookmarks and proxy logs
hold nothing readable. The audit log records what kind of search it was and a keyed
digest of the text: an admin who is asked "did anyone look this person up?" can compute
the digest of the name (``digest``) and look for it, but the log itself names nobody.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from cryptography.fernet import Fernet, InvalidToken


def _key(secret: str, purpose: bytes) -> bytes:
    return hashlib.sha256(b"youthjobs " + purpose + b"\0" + secret.encode()).digest()


class SearchSealer:
    """Seals and opens the search text the list's links carry."""

    def __init__(self, secret: str, max_age_seconds: int):
        self._fernet = Fernet(base64.urlsafe_b64encode(_key(secret, b"staff search")))
        self._digest_key = _key(secret, b"staff search digest")
        self._max_age = max_age_seconds

    def seal(self, text: str, user_id: str) -> str:
        return self._fernet.encrypt(json.dumps([user_id, text]).encode()).decode("ascii")

    def open(self, token: str, user_id: str) -> str | None:
        """The text sealed for ``user_id``; None if the token is not one, is another's, or is too old."""
        try:
            owner, text = json.loads(self._fernet.decrypt(token.encode("ascii"), ttl=self._max_age))
        except (InvalidToken, ValueError, TypeError, UnicodeEncodeError):
            return None
        return text if owner == user_id and isinstance(text, str) else None

    def digest(self, text: str) -> str:
        """A keyed digest of the text, as the search reads it (case and spacing aside)."""
        normalized = " ".join(text.casefold().split())
        return hmac.new(self._digest_key, normalized.encode(), hashlib.sha256).hexdigest()[:32]
