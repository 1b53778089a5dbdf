"""Sealed applications: encrypted on a shared outreach device, opened only on the server.

The device seals each application with a fresh AES-256-GCM key and a random 96-bit IV;
the additional data binds the application's id, form version and device, so a sealed
record cannot be moved to another id, version or device. The AES key is wrapped with
RSA-OAEP-SHA-256 to the server's public key named by ``key_id`` (server/keys.py). This is
the format pwa/js/seal.js (WebCrypto) produces:

    {"key_id": "…", "device": "…", "iv": b64(12 bytes), "wrapped_key": b64(RSA-OAEP(key)),
     "ciphertext": b64(AES-GCM(JSON {"answers": {...}, "client": {...}}) with its tag)}
"""

from __future__ import annotations

import base64
import binascii
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from . import strict_json
from .keys import KeyFileError, KeyRing
from .problems import Problem

OAEP = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
MAX_SEALED = 512 * 1024


def additional_data(application_id: str, form_version: str, device: str) -> bytes:
    """What a sealed record is bound to, byte for byte the same as the browser builds it."""
    return json.dumps({"device": device, "form_version": form_version, "id": application_id},
                      separators=(",", ":"), sort_keys=True).encode()


def _b64(text, name: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise _unreadable(f"{name} is not base64") from None


def _unreadable(detail: str) -> Problem:
    return Problem(400, "sealed-unreadable", "This sealed application could not be opened", detail)


def open_sealed(ring: KeyRing, application_id: str, form_version: str, sealed: dict) -> dict:
    """The plaintext ``{"answers": ..., "client": ...}``; a 400 problem if anything was changed."""
    if not isinstance(sealed, dict):
        raise _unreadable("sealed must be an object")
    for name in ("key_id", "device", "iv", "wrapped_key", "ciphertext"):
        if not isinstance(sealed.get(name), str) or not sealed[name]:
            raise _unreadable(f"sealed.{name} is missing")
    if len(sealed["ciphertext"]) > MAX_SEALED:
        raise Problem(413, "too-large", "The submission is too large")
    iv = _b64(sealed["iv"], "iv")
    if len(iv) != 12:
        raise _unreadable("the IV must be 96 bits")
    try:
        private_key = ring.private_key(sealed["key_id"])
    except KeyFileError:
        raise _unreadable(f"unknown key {sealed['key_id']!r}") from None
    try:
        key = private_key.decrypt(_b64(sealed["wrapped_key"], "wrapped_key"), OAEP)
    except ValueError:
        raise _unreadable("the wrapped key does not open with the server's key") from None
    if len(key) != 32:
        raise _unreadable("the key must be AES-256")
    aad = additional_data(application_id, form_version, sealed["device"])
    try:
        plaintext = AESGCM(key).decrypt(iv, _b64(sealed["ciphertext"], "ciphertext"), aad)
    except InvalidTag:
        raise _unreadable("the record or what it is bound to (id, form version, device) was changed") from None
    try:
        opened = strict_json.loads(plaintext)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or not storable (strict_json.py)
        raise _unreadable("the sealed content is not JSON") from None
    if not isinstance(opened, dict) or not isinstance(opened.get("answers"), dict):
        raise _unreadable("the sealed content has no answers")
    return opened


def seal(public_key, key_id: str, application_id: str, form_version: str, device: str, content: dict) -> dict:
    """Seal like a device does (for tests, tools and benchmarks; devices use WebCrypto)."""
    key, iv = AESGCM.generate_key(bit_length=256), os.urandom(12)
    ciphertext = AESGCM(key).encrypt(iv, json.dumps(content).encode(),
                                     additional_data(application_id, form_version, device))
    encode = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    return {"key_id": key_id, "device": device, "iv": encode(iv), "wrapped_key": encode(public_key.encrypt(key, OAEP)),
            "ciphertext": encode(ciphertext)}
