"""The ``youthjobs`` command: database, demo content and the server."""

from __future__ import annotations

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
    """Load demo content: the program file's example applications (idempotent)."""
    from .db import make_engine
    from .form_versions import FormVersions
    from .program import load_program
    from .submissions import Submissions

    settings = _settings()
    program = load_program(settings.program_file)
    engine = make_engine(settings.database_url)
    forms = FormVersions(engine, program.form)
    forms.register_current()
    submissions = Submissions(engine, forms)
    created = 0
    for index, answers in enumerate(program.form.schema.get("examples", [])):
        # a stable id per example, so running this twice stores each one once
        application_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"youthjobs-demo:{program.id}:{index}"))
        payload = {"id": application_id, "form_version": program.form.version, "answers": answers}
        status, receipt = submissions.submit(payload, application_id, program.default_language)
        created += status == 201
        click.echo(f"demo application {receipt.receipt_code} {'stored' if status == 201 else 'already there'}")
    click.echo(f"{created} demo application(s) added")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="Server processes.")
def serve(host: str, port: int, workers: int) -> None:
    """Serve the app (refuses to start on an unmigrated database)."""
    import uvicorn

    from .db import DatabaseNotReady, check_ready, make_engine

    settings = _settings()
    try:
        check_ready(make_engine(settings.database_url))
    except DatabaseNotReady as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"youthjobs on http://{host}:{port}/apply")
    uvicorn.run("server.app:app", host=host, port=port, workers=workers, proxy_headers=True,
                server_header=False, log_level="info")


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
