"""The server's key pairs for sealed submissions (RSA-OAEP-SHA-256 key wrapping).

Private keys live only in files under the key directory (mode 0600), never in the
database or the logs. Several keys stay valid at once: a device may hold records sealed to
an older key for days, so rotating adds a new current key and keeps the old ones.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
import threading
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_SIZE = 3072


class KeyFileError(Exception):
    """A key is missing, unreadable or unsafe; the message says which and why."""


def key_id_for(public_key) -> str:
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()[:16]


class KeyRing:
    """The key pairs in one directory; ``current`` names the one devices seal to."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        # Loading a 3072-bit private key checks it, which takes tens of milliseconds: keep
        # each loaded key. A key id names its key's contents, so a kept key cannot go stale;
        # one whose file was removed (retired) is dropped.
        self._loaded: dict[str, object] = {}
        self._lock = threading.Lock()

    def ids(self) -> list[str]:
        return sorted(path.stem for path in self.directory.glob("*.pem"))

    def current_id(self) -> str | None:
        try:
            return (self.directory / "current").read_text().strip() or None
        except FileNotFoundError:
            return None

    def rotate(self) -> str:
        """Make a new key pair and make it current; older keys stay valid for decryption."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
        key_id = key_id_for(private_key.public_key())
        pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
        descriptor = os.open(self.directory / f"{key_id}.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
        staged = self.directory / "current.tmp"
        staged.write_text(key_id + "\n")
        os.replace(staged, self.directory / "current")
        return key_id

    def private_key(self, key_id: str):
        path = self.directory / f"{key_id}.pem"
        if not key_id.isalnum() or not path.exists():
            self._loaded.pop(key_id, None)
            raise KeyFileError(f"no private key with id {key_id!r} in {self.directory}")
        with self._lock:
            if key_id not in self._loaded:
                self._loaded[key_id] = serialization.load_pem_private_key(path.read_bytes(), password=None)
            return self._loaded[key_id]

    def public_key_spki(self, key_id: str) -> str:
        """The public key as base64 SubjectPublicKeyInfo, which WebCrypto's importKey("spki") takes."""
        der = self.private_key(key_id).public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return base64.b64encode(der).decode()

    def problems(self) -> list[str]:
        """What is wrong with the key directory for a production server (empty when all is well)."""
        if not self.directory.exists():
            return [f"no key directory at {self.directory}: run `youthjobs keys rotate`"]
        found = []
        current = self.current_id()
        if current is None:
            found.append("no current key: run `youthjobs keys rotate`")
        elif current not in self.ids():
            found.append(f"the current key {current} has no private key file")
        for path in self.directory.glob("*.pem"):
            info = path.stat()
            if stat.S_IMODE(info.st_mode) & 0o077:
                found.append(f"{path} can be read by other users: chmod 600 {path}")
            if info.st_uid != os.getuid():
                found.append(f"{path} is not owned by the server's user")
        return found
