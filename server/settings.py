"""Settings, read once from ``YOUTHJOBS_*`` environment variables and passed down.

Every field here is documented in docs/configuration.md; a test keeps the two in step.
"""

from __future__ import annotations

import os
import re
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


def _convert(name: str, raw: str):
    if name in ("program_file", "assets_dir"):
        return Path(raw).expanduser().resolve()
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
