"""``youthjobs check``: is this installation safe to put in front of young people's data?"""

from __future__ import annotations

from dataclasses import dataclass

from .db import DatabaseNotReady, check_ready, make_engine
from .keys import KeyRing
from .program import ProgramError, load_program
from .settings import Settings

WEAK_SECRETS = {"secret", "changeme", "change-me", "password", "youthjobs", "development", "dev"}


@dataclass(frozen=True)
class Check:
    status: str  # "ok", "warn" or "fail"
    topic: str
    message: str


def _secret(settings: Settings) -> Check:
    key = settings.secret_key
    if not key:
        return Check("fail", "secret key", "YOUTHJOBS_SECRET_KEY is not set (a generated development key is in use); "
                     "set it to 32 or more random characters, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`")
    if len(key) < 32 or key.lower() in WEAK_SECRETS or len(set(key)) < 10:
        return Check("fail", "secret key", "YOUTHJOBS_SECRET_KEY is too short or too guessable: use 32 or more random characters")
    return Check("ok", "secret key", f"set, {len(key)} characters")


def _https(settings: Settings) -> list[Check]:
    if not settings.public_url:
        return [Check("fail", "https", "YOUTHJOBS_PUBLIC_URL is not set: set it to the https:// address people use")]
    if not settings.https:
        return [Check("fail", "https", f"{settings.public_url} is not HTTPS: applications carry personal data")]
    checks = [
        Check("ok", "https", f"public address {settings.public_url}"),
        Check("ok", "hsts", "Strict-Transport-Security (2 years, subdomains) is sent on every HTTPS response"),
        Check("ok", "cookies", "cookies are Secure, HttpOnly and SameSite=Lax over HTTPS"),
    ]
    if not settings.trusted_proxies:
        checks.append(Check("warn", "proxy", "YOUTHJOBS_TRUSTED_PROXIES is empty: behind a reverse proxy the app "
                            "will not see HTTPS or the client's address (rate limits would apply to the proxy)"))
    return checks


def _database(settings: Settings) -> list[Check]:
    engine = make_engine(settings.database_url)
    try:
        check_ready(engine)
    except DatabaseNotReady as exc:
        return [Check("fail", "database", str(exc))]
    finally:
        engine.dispose()
    checks = [Check("ok", "database", f"reachable and migrated ({engine.dialect.name})")]
    if settings.is_sqlite:
        checks.append(Check("warn", "database", "SQLite suits trying it out and small programs; "
                            "use PostgreSQL for a city-wide program and several workers"))
    return checks


def run_checks(settings: Settings) -> list[Check]:
    """Every check, in the order an operator would fix them."""
    checks = [_secret(settings), *_https(settings), *_database(settings)]
    try:
        load_program(settings.program_file)
        checks.append(Check("ok", "program", f"{settings.program_file} is valid"))
    except ProgramError as exc:
        checks.append(Check("fail", "program", str(exc)))
    key_problems = KeyRing(settings.key_dir).problems()
    checks += [Check("fail", "keys", problem) for problem in key_problems] or [
        Check("ok", "keys", f"current key pair present in {settings.key_dir}, readable only by this user")]
    if settings.debug:
        checks.append(Check("fail", "debug", "YOUTHJOBS_DEBUG is on: error pages would show internals"))
    if not settings.rate_limit.enabled:
        checks.append(Check("warn", "rate limits", "YOUTHJOBS_RATE_LIMIT is 0: submissions are not rate limited"))
    if settings.retention_years == 0:
        checks.append(Check("warn", "retention", "YOUTHJOBS_RETENTION_YEARS is 0: applications are kept forever"))
    else:
        checks.append(Check("ok", "retention", f"applications are deleted {settings.retention_years} years after "
                            "they were received (run `youthjobs purge` daily)"))
    return checks
