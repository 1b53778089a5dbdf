"""Settings, read once from ``YOUTHJOBS_*`` environment variables and passed down.

Every field here is documented in docs/configuration.md; a test keeps the two in step.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "YOUTHJOBS_"


class SettingsError(ValueError):
    """A setting has a value the server cannot use; the message names it."""


@dataclass(frozen=True)
class RateLimit:
    """``count`` requests per ``seconds`` per client; ``count == 0`` means no limit."""

    count: int
    seconds: int

    @property
    def enabled(self) -> bool:
        return self.count > 0

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        text = text.strip().lower()
        if text in ("0", "off", "none", ""):
            return cls(0, 60)
        match = re.fullmatch(r"(\d+)\s*/\s*(second|minute|hour|day)", text)
        if not match:
            raise SettingsError(f"rate limit {text!r} should look like '60/minute' or '0' for none")
        per = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}[match[2]]
        return cls(int(match[1]), per)


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise SettingsError(f"{text!r} is not a yes/no value (use true or false)")


@dataclass(frozen=True)
class Settings:
    """The server's configuration. Field names map to ``YOUTHJOBS_<NAME>``."""

    database_url: str = field(default_factory=lambda: f"sqlite:///{ROOT / 'var' / 'youthjobs.db'}")
    program_file: Path = ROOT / "programs" / "default.json"
    assets_dir: Path = ROOT / "var" / "assets"
    rate_limit: RateLimit = RateLimit(60, 60)
    max_body_bytes: int = 256 * 1024
    secret_key: str = ""
    public_url: str = ""
    trusted_proxies: str = "127.0.0.1"
    key_dir: Path = ROOT / "var" / "keys"
    retention_years: int = 3
    device_credential_days: int = 14
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    log_level: str = "info"
    debug: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        """Build settings from the environment (``os.environ`` by default), then overrides."""
        environ = os.environ if environ is None else environ
        values: dict = {}
        for f in fields(cls):
            raw = environ.get(PREFIX + f.name.upper())
            if raw is None:
                continue
            try:
                values[f.name] = _convert(f.name, raw)
            except (ValueError, SettingsError) as exc:
                raise SettingsError(f"{PREFIX}{f.name.upper()}: {exc}") from None
        values.update(overrides)
        return cls(**values)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def https(self) -> bool:
        return self.public_url.startswith("https://")

    def secret(self) -> str:
        """The secret key; without YOUTHJOBS_SECRET_KEY, one generated once in var/ (for trying it out)."""
        if self.secret_key:
            return self.secret_key
        path = ROOT / "var" / "secret_key"
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48))
        return path.read_text().strip()


def _convert(name: str, raw: str):
    if name in ("program_file", "assets_dir", "key_dir"):
        return Path(raw).expanduser().resolve()
    if name in ("session_idle_minutes", "session_max_hours", "device_credential_days"):
        value = int(raw)
        if value < 1:
            raise SettingsError("must be at least 1")
        return value
    if name == "retention_years":
        value = int(raw)
        if value < 0:
            raise SettingsError("must be 0 (keep forever) or a number of years")
        return value
    if name == "log_level":
        if raw.lower() not in ("debug", "info", "warning", "error"):
            raise SettingsError("must be debug, info, warning or error")
        return raw.lower()
    if name == "public_url":
        if raw and not re.match(r"^https?://[^/\s]+/?$", raw):
            raise SettingsError("must look like https://jobs.example.org (no path)")
        return raw.rstrip("/")
    if name == "rate_limit":
        return RateLimit.parse(raw)
    if name == "max_body_bytes":
        value = int(raw)
        if value < 1024:
            raise SettingsError("must be at least 1024 bytes")
        return value
    if name == "debug":
        return _bool(raw)
    return raw
