"""The ``youthjobs`` command: database, demo content and the server."""

from __future__ import annotations

import socket
import sys
import uuid

import click

from .settings import Settings, SettingsError


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def main() -> None:
    """youthjobs: a city's youth summer jobs program, online and offline."""


@main.group()
def db() -> None:
    """Manage the database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Bring the database to the current schema (safe to run again)."""
    from .db import current_revision, make_engine, upgrade

    engine = make_engine(_settings().database_url)
    upgrade(engine)
    click.echo(f"database is at migration {current_revision(engine)}")


@db.command("current")
def db_current() -> None:
    """Print the database's migration and whether it is up to date."""
    from .db import DatabaseNotReady, check_ready, current_revision, make_engine

    engine = make_engine(_settings().database_url)
    try:
        check_ready(engine)
    except DatabaseNotReady as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"database is at migration {current_revision(engine)} (up to date)")


@main.command()
def demo() -> None:
    """Load demo content: the program file's example applications, and a key pair for
    sealed outreach applications if there is none yet (idempotent)."""
    from .db import make_engine
    from .form_versions import FormVersions
    from .keys import KeyRing
    from .program import load_program
    from .submissions import Submissions

    settings = _settings()
    program = load_program(settings.program_file)
    engine = make_engine(settings.database_url)
    forms = FormVersions(engine, program.form)
    forms.register_current()
    submissions = Submissions(engine, forms, program.identity, program.languages)
    created = 0
    for index, answers in enumerate(program.form.schema.get("examples", [])):
        # a stable id per example, so running this twice stores each one once
        application_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"youthjobs-demo:{program.id}:{index}"))
        payload = {"id": application_id, "form_version": program.form.version, "answers": answers}
        status, receipt = submissions.submit(payload, application_id, program.default_language)
        created += status == 201
        click.echo(f"demo application {receipt.receipt_code} {'stored' if status == 201 else 'already there'}")
    click.echo(f"{created} demo application(s) added")
    ring = KeyRing(settings.key_dir)
    if ring.current_id() is None:
        click.echo(f"key pair {ring.rotate()} for sealed outreach applications made in {ring.directory}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="Server processes.")
@click.option("--app", "app_path", default="server.app:app", hidden=True,
              help="The ASGI app to serve (bench/submissions.py serves one with a bare endpoint added).")
def serve(host: str, port: int, workers: int, app_path: str) -> None:
    """Serve the app (refuses to start on an unmigrated database)."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from .db import DatabaseNotReady, check_ready, make_engine

    from .logs import logging_config

    settings = _settings()
    try:
        check_ready(make_engine(settings.database_url))
    except DatabaseNotReady as exc:
        raise click.ClickException(str(exc)) from None
    settings.secret()  # make the development key now, before several workers race to
    config = uvicorn.Config(app_path, host=host, port=port, workers=workers, proxy_headers=True,
                            forwarded_allow_ips=settings.trusted_proxies or None, server_header=False,
                            access_log=False, log_config=logging_config(settings.log_level.upper()))
    # as uvicorn.run(), but with our own shared socket for several workers (see tcp_socket)
    server = uvicorn.Server(config)
    try:
        if workers > 1:
            Multiprocess(config, sockets=[worker_socket(host, port)]).run()
        else:
            server.run()
    except KeyboardInterrupt:
        pass
    if workers == 1 and not server.started:
        sys.exit(3)  # uvicorn's "failed to start", for systemd and scripts to see


def tcp_socket(host: str, port: int, reuse_port: bool = False) -> socket.socket:
    """A listening socket for the workers. Made here, not by uvicorn, so that it is marked
    as TCP: asyncio turns off Nagle's algorithm (TCP_NODELAY) only on sockets so marked, and
    uvicorn's own shared socket is not. Without it a response written in two parts (headers,
    then body) waits for the client's delayed acknowledgement: 40 ms per request
    (bench/submissions.py measured 48 ms at the median with two workers, 9 with one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


class _OwnSocket:
    """Stands for a listening socket that each worker makes for itself, on the same port
    (SO_REUSEPORT), when it is handed over to the worker: the kernel then shares new
    connections out between the workers' sockets evenly. With one shared socket, the first
    worker to wake takes a whole burst of connections, and a proxy's or load balancer's
    kept-alive connections could all end up on one worker while the others sit idle."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port

    def __reduce__(self):  # unpickled in the worker (uvicorn starts workers by spawning)
        return _bind_in_worker, (self.host, self.port)


def _bind_in_worker(host: str, port: int) -> socket.socket:
    try:
        return tcp_socket(host, port, reuse_port=True)
    except click.ClickException as exc:
        # uvicorn's "failed to start": its supervisor then stops, instead of starting a new
        # worker that fails the same way every half second
        print(f"youthjobs worker: {exc.message}", file=sys.stderr)
        sys.exit(3)


def worker_socket(host: str, port: int):
    """What the workers listen on: each its own socket where the system has SO_REUSEPORT,
    else one shared socket."""
    if not hasattr(socket, "SO_REUSEPORT"):
        return tcp_socket(host, port)
    # the port must be free, even of another server's reusable sockets: a second copy of
    # this server on the same port would otherwise take half the connections, silently
    tcp_socket(host, port).close()
    return _OwnSocket(host, port)


@main.command()
def reindex() -> None:
    """Recompute the search and duplicate keys of every application (after editing staff.identity)."""
    from sqlmodel import select

    from .db import make_engine, session
    from .models import Application
    from .program import load_program

    settings = _settings()
    identity = load_program(settings.program_file).identity
    engine = make_engine(settings.database_url)
    count = 0
    with session(engine) as db:
        for row in db.exec(select(Application).execution_options(yield_per=500)):
            for key, value in identity.keys(row.answers).items():
                setattr(row, key, value)
            db.add(row)
            count += 1
        db.commit()
    click.echo(f"reindexed {count} application(s)")


@main.command()
def check() -> None:
    """Check that this installation is safe for production (exit 1 if not)."""
    from .checks import run_checks

    checks = run_checks(_settings())
    for item in checks:
        click.echo(f"{item.status:5} {item.topic}: {item.message}")
    failures = sum(item.status == "fail" for item in checks)
    if failures:
        raise click.ClickException(f"{failures} problem(s) to fix before going live")
    click.echo("ready for production")


@main.command()
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")
def purge(dry_run: bool) -> None:
    """Delete applications older than the retention period (run it daily)."""
    from .db import make_engine
    from .retention import purge as purge_old

    settings = _settings()
    if settings.retention_years == 0:
        click.echo("YOUTHJOBS_RETENTION_YEARS is 0: nothing is deleted")
        return
    count = purge_old(make_engine(settings.database_url), settings.retention_years, dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    click.echo(f"{verb} {count} application(s) received more than {settings.retention_years} years ago")


@main.command()
@click.argument("path", type=click.Path(dir_okay=False))
def backup(path: str) -> None:
    """Write a backup of the whole database to PATH (gzip JSON lines, mode 0600)."""
    from .backup import BackupError
    from .backup import backup as write_backup
    from .db import make_engine

    try:
        summary = write_backup(make_engine(_settings().database_url), path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    rows = ", ".join(f"{table} {count}" for table, count in summary["tables"].items())
    click.echo(f"backup written to {summary['path']} (migration {summary['migration']}; {rows})")


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def restore(path: str) -> None:
    """Restore a backup into a new, empty database (run `db upgrade` first, `serve` after)."""
    from .backup import BackupError
    from .backup import restore as read_backup
    from .db import make_engine

    try:
        summary = read_backup(make_engine(_settings().database_url), path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    rows = ", ".join(f"{table} {count}" for table, count in summary["tables"].items())
    click.echo(f"restored the backup of {summary['created_at']} ({rows})")


@main.group()
def keys() -> None:
    """Manage the key pairs that sealed (outreach) submissions are encrypted to."""


@keys.command("rotate")
def keys_rotate() -> None:
    """Make a new current key pair; older keys stay valid for records already sealed."""
    from .keys import KeyRing

    ring = KeyRing(_settings().key_dir)
    key_id = ring.rotate()
    click.echo(f"new current key {key_id} in {ring.directory} ({len(ring.ids())} key(s) in all)")


@keys.command("list")
def keys_list() -> None:
    """List key ids; the current one is marked."""
    from .keys import KeyRing

    ring = KeyRing(_settings().key_dir)
    current = ring.current_id()
    for key_id in ring.ids():
        click.echo(f"{key_id}{'  (current)' if key_id == current else ''}")


@main.command("create-user")
@click.option("--email", prompt=True, help="The person's email address (their sign-in name).")
@click.option("--name", prompt=True, help="Their name, as staff will see it.")
@click.option("--role", type=click.Choice(["admin", "reviewer", "analyst", "outreach"]), default="admin",
              show_default=True)
@click.password_option(help="At least 12 characters (asked for, hidden, if not given).")
def create_user_command(email: str, name: str, role: str, password: str) -> None:
    """Create a staff account (the first admin; admins add the rest in the console)."""
    from .auth import create_user
    from .db import make_engine

    try:
        user = create_user(make_engine(_settings().database_url), email, name, role, password)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created {user.role} account for {user.email}")


@main.command("delete-application")
@click.argument("application_id")
@click.option("--reason", default="withdrawn", type=click.Choice(["withdrawn", "deleted"]), show_default=True)
def delete_application(application_id: str, reason: str) -> None:
    """Delete one application's data on request, keeping an anonymous tombstone."""
    from .db import make_engine
    from .submissions import withdraw

    try:
        existed = withdraw(make_engine(_settings().database_url), application_id, reason)
    except ValueError:
        raise click.ClickException("that is not an application id (a UUID)") from None
    click.echo("deleted" if existed else "no such application; a tombstone was recorded anyway")


if __name__ == "__main__":
    sys.exit(main())
