"""Server-side commands: serve, db upgrade/current, user create (these use the database)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from tradewind.errors import TradewindError
from tradewind.settings import Settings

console = Console(stderr=True)
db_app = typer.Typer(help="Database schema commands.", no_args_is_help=True)
user_app = typer.Typer(help="Manage user accounts directly in the database.", no_args_is_help=True)


def _settings(**overrides: object) -> Settings:
    """Settings from the environment, with command-line flags exported so workers see them."""
    for name, value in overrides.items():
        if value is not None:
            os.environ[f"TRADEWIND_{name.upper()}"] = str(value)
    try:
        return Settings()
    except ValueError as exc:
        console.print(f"[red]invalid settings:[/red] {exc}")
        raise typer.Exit(2) from exc


async def prepare(
    settings: Settings, email: str | None, password: str | None
) -> tuple[str, str] | None:
    """Migrate the database and create the first administrator when it has no users."""
    # Imported here (also below): client commands start faster without the database stack.
    from tradewind.accounts import service as accounts
    from tradewind.db import Database, startup_lock, upgrade_database

    settings.resolved_secret_key()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url)
    try:
        async with startup_lock(db):
            await upgrade_database(db)
            async with db.unit_of_work() as session:
                return await accounts.bootstrap_admin(session, settings, email, password)
    finally:
        await db.dispose()


def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on [default: 127.0.0.1].")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on [default: 8000].")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes [default: 1].")] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="Data directory [default: ./tradewind-data].")
    ] = None,
    admin_email: Annotated[str | None, typer.Option(help="First administrator's email.")] = None,
    admin_password: Annotated[
        str | None, typer.Option(help="First administrator's password.")
    ] = None,
) -> None:
    """Apply migrations, create the first admin on an empty database, and serve HTTP."""
    from granian import Granian
    from granian.constants import Interfaces

    settings = _settings(host=host, port=port, workers=workers, data_dir=data_dir)
    email = admin_email or settings.admin_email
    password = admin_password or (
        settings.admin_password.get_secret_value() if settings.admin_password else None
    )
    try:
        created = asyncio.run(prepare(settings, email, password))
    except TradewindError as exc:
        console.print(f"[red]cannot start:[/red] {exc.message}")
        raise typer.Exit(1) from exc
    if created:
        console.print(f"[bold]Created administrator[/bold] {created[0]}")
        if not password:
            console.print(f"  password (shown once): [bold]{created[1]}[/bold]")
    console.print(f"Tradewind listening on http://{settings.host}:{settings.port}")
    Granian(
        "tradewind.app:create_app",
        factory=True,
        address=settings.host,
        port=settings.port,
        workers=settings.workers,
        interface=Interfaces.ASGI,
        log_level=settings.log_level,  # type: ignore[arg-type]
    ).serve()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all pending migrations."""
    from tradewind.db import Database, current_revision, upgrade_database

    settings = _settings()

    async def run() -> str | None:
        db = Database(settings.resolved_database_url)
        try:
            await upgrade_database(db)
            return await current_revision(db)
        finally:
            await db.dispose()

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    typer.echo(f"database at revision {asyncio.run(run())}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's current migration revision."""
    from tradewind.db import Database, current_revision

    settings = _settings()

    async def run() -> str | None:
        db = Database(settings.resolved_database_url)
        try:
            return await current_revision(db)
        finally:
            await db.dispose()

    settings.data_dir.mkdir(parents=True, exist_ok=True)  # SQLite cannot open a missing dir
    typer.echo(asyncio.run(run()) or "empty (no migrations applied)")


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Argument(help="Email address (sign-in name).")],
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="Password.")
    ],
    display_name: Annotated[str, typer.Option(help="Display name.")] = "",
    site_admin: Annotated[
        bool, typer.Option("--site-admin", help="Make a site administrator.")
    ] = False,
) -> None:
    """Create a user with a password (the database must be migrated)."""
    from tradewind.accounts import service as accounts
    from tradewind.db import Database

    settings = _settings()

    async def run() -> int:
        db = Database(settings.resolved_database_url)
        try:
            async with db.unit_of_work() as session:
                user = await accounts.create_user(
                    session,
                    settings,
                    email=email,
                    display_name=display_name,
                    password=password,
                    is_site_admin=site_admin,
                )
                return user.id
        finally:
            await db.dispose()

    try:
        user_id = asyncio.run(run())
    except TradewindError as exc:
        console.print(f"[red]{exc.code}:[/red] {exc.message}")
        raise typer.Exit(1) from exc
    typer.echo(f"created user {user_id} <{email.strip().lower()}>")


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.add_typer(db_app, name="db")
    app.add_typer(user_app, name="user")
