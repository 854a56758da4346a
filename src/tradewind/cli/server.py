"""Server-side commands: serve, db upgrade/current, user create (these use the database)."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

import typer
from rich.console import Console
from rich.text import Text

from tradewind.errors import TradewindError

if TYPE_CHECKING:
    from tradewind.settings import Settings

console = Console(stderr=True)
db_app = typer.Typer(help="Database schema commands.", no_args_is_help=True)
user_app = typer.Typer(help="Manage user accounts directly in the database.", no_args_is_help=True)


def _settings(**overrides: object) -> Settings:
    """Settings from the environment, with command-line flags exported so workers see them."""
    from tradewind.settings import Settings  # pydantic-settings: only for server commands

    for name, value in overrides.items():
        if value is not None:
            os.environ[f"TRADEWIND_{name.upper()}"] = str(value)
    try:
        return Settings()
    except ValueError as exc:
        raise fail("invalid_settings", f"invalid settings: {exc}", 2) from exc


async def prepare(
    settings: Settings, email: str | None, password: str | None
) -> tuple[str, str] | None:
    """Migrate the database and create the first administrator when it has no users."""
    # Imported here (also below): client commands start faster without the database stack.
    from tradewind.db import Database, has_users, startup_lock, upgrade_database
    from tradewind.keys.setup import check_keyring, keyring_for, reveal_settings

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    keyring = keyring_for(settings)
    settings = reveal_settings(settings, keyring)
    settings.resolved_secret_key()
    db = Database.for_settings(settings)
    try:
        async with startup_lock(db):
            await upgrade_database(db)
            await check_keyring(keyring, db)
            if await has_users(db):
                return None
            from tradewind.accounts import service as accounts  # only for a first start

            async with db.unit_of_work() as session:
                return await accounts.bootstrap_admin(session, settings, email, password)
    finally:
        await db.dispose()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _is_unspecified(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return False


def device_url_notes(settings: Settings) -> list[str]:
    """What start-up says about the URLs devices are given, and a warning when a phone could
    not reach them (a loopback base URL while listening on other interfaces)."""
    if settings.storage_backend == "s3":
        where = settings.s3_public_base_url or "presigned S3 URLs"
        return [f"Devices download files from {where}"]
    base = settings.base_url()
    notes = [
        f"Devices download files from {base}/assets/… "
        "(set TRADEWIND_PUBLIC_BASE_URL to the address phones reach this server at)"
    ]
    base_host = urlsplit(base).hostname or ""
    unreachable = _is_loopback(base_host) or _is_unspecified(base_host)
    if unreachable and not _is_loopback(settings.host):
        notes.append(
            f"[yellow]warning:[/yellow] phones and emulators cannot download from {base_host}, "
            f"although the server listens on {settings.host}. "
            f"Set TRADEWIND_PUBLIC_BASE_URL=http://<this host's address>:{settings.port}"
        )
    return notes


def listening_line(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"Tradewind listening on http://{shown}:{port}"


def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on \\[default: 127.0.0.1].")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on \\[default: 8000].")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes \\[default: 1].")] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="Data directory \\[default: ./tradewind-data].")
    ] = None,
    admin_email: Annotated[str | None, typer.Option(help="First administrator's email.")] = None,
    admin_password: Annotated[
        str | None, typer.Option(help="First administrator's password.")
    ] = None,
) -> None:
    """Apply migrations, create the first admin on an empty database, and serve HTTP."""
    from tradewind.logs.setup import configure
    from tradewind.runtime import rundir

    settings = _settings(host=host, port=port, workers=workers, data_dir=data_dir)
    # Before anything imports prometheus-client: every worker then shares one metrics directory.
    run_dir = rundir.create()
    configure(settings.log_format, settings.log_level)
    try:
        _prepare_and_serve(settings, admin_email, admin_password, run_dir)
    finally:
        rundir.remove(run_dir)


def _announcer(settings: Settings) -> Callable[[str], None]:
    """Start-up messages: on the terminal, or as log lines when the logs are JSON (so that a
    collector reads every line of the output)."""
    if settings.log_format == "text":
        return console.print
    log = logging.getLogger("tradewind.serve")
    return lambda markup: log.info(Text.from_markup(markup).plain.strip())


def _prepare_and_serve(
    settings: Settings, admin_email: str | None, admin_password: str | None, run_dir: Path
) -> None:
    from granian.constants import Interfaces

    from tradewind.keys.setup import keyring_for, reveal_settings
    from tradewind.logs.setup import dict_config
    from tradewind.runtime.rundir import draining_flag
    from tradewind.runtime.server import DrainingGranian

    say = _announcer(settings)
    try:
        settings = reveal_settings(settings, keyring_for(settings))  # `enc:` secrets
        email = admin_email or settings.admin_email
        password = admin_password or (
            settings.admin_password.get_secret_value() if settings.admin_password else None
        )
        created = asyncio.run(prepare(settings, email, password))
    except TradewindError as exc:
        raise fail(exc.code, f"cannot start: {exc.message}") from exc
    if created:
        say(f"[bold]Created administrator[/bold] {created[0]}")
        if not password:
            say(f"  password (shown once): [bold]{created[1]}[/bold]")
    for line in device_url_notes(settings):
        say(line)
    DrainingGranian(
        # Answers /health/live at once and builds the application in the background.
        "tradewind.front:create_app",
        factory=True,
        address=settings.host,
        port=settings.port,
        workers=settings.workers,
        interface=Interfaces.ASGI,
        log_level=settings.log_level,
        log_dictconfig=dict_config(settings.log_format, settings.log_level),
        drain_flag=draining_flag(run_dir),
        drain_seconds=settings.shutdown_drain_seconds,
        workers_kill_timeout=settings.shutdown_timeout_seconds,
        on_listening=lambda: say(listening_line(settings.host, settings.port)),
    ).serve()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all pending migrations."""
    from tradewind.db import Database, current_revision, upgrade_database

    settings = _settings()

    async def run() -> str | None:
        db = Database.for_settings(settings)
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
        db = Database.for_settings(settings)
        try:
            return await current_revision(db)
        finally:
            await db.dispose()

    settings.data_dir.mkdir(parents=True, exist_ok=True)  # SQLite cannot open a missing dir
    typer.echo(asyncio.run(run()) or "empty (no migrations applied)")


def fail(code: str, message: str, exit_code: int = 1) -> typer.Exit:
    """Print `error: code: message` (the form every command uses) and return the exit."""
    sys.stderr.write(f"error: {code}: {message}\n")
    return typer.Exit(exit_code)


def read_new_password(from_stdin: bool) -> str:
    """A new password from stdin's first line, else prompted twice (never an argument)."""
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise fail("password_required", "stdin gave no password", 2)
        return line
    if not sys.stdin.isatty():
        raise fail(
            "password_required", "no terminal to ask for the password: pass --password-stdin", 2
        )
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


def _check_database_exists(settings: Settings) -> None:
    """An embedded database must already be there: a command run from the wrong directory
    must not quietly create a new, empty one."""
    if not settings.is_sqlite or settings.database_url:
        return
    path = (settings.data_dir / "tradewind.db").resolve()
    if not path.exists():
        raise fail(
            "database_not_found",
            f"no Tradewind database at {path}: pass --data-dir (the directory `tradewind serve` "
            "uses) or set TRADEWIND_DATABASE_URL",
            2,
        )


DataDirOpt = Annotated[
    Path | None,
    typer.Option(
        help="The server's data directory (embedded SQLite) \\[default: $TRADEWIND_DATA_DIR, "
        "else ./tradewind-data].",
        show_default=False,
    ),
]


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Argument(help="Email address (sign-in name).")],
    display_name: Annotated[
        str, typer.Option(help="Display name \\[default: the email's name].")
    ] = "",
    site_admin: Annotated[
        bool, typer.Option("--site-admin", help="Make a site administrator.")
    ] = False,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin", help="Read the password from stdin's first line instead of asking."
        ),
    ] = False,
    data_dir: DataDirOpt = None,
) -> None:
    """Create a user with a password, directly in the server's database (run it where the
    server's settings are: TRADEWIND_DATABASE_URL, or --data-dir for the embedded database).

    The password is asked for twice, or read from stdin with --password-stdin; it is never an
    argument (arguments end up in shell history and process lists). Pending migrations are
    applied first.
    """
    from tradewind.accounts import service as accounts
    from tradewind.db import Database, upgrade_database

    settings = _settings(data_dir=data_dir)
    _check_database_exists(settings)
    password = read_new_password(password_stdin)

    async def run() -> int:
        db = Database.for_settings(settings)
        try:
            await upgrade_database(db)
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
        raise fail(exc.code, exc.message) from exc
    typer.echo(f"created user {user_id} <{email.strip().lower()}>")


def doctor() -> None:
    """Check settings, database, storage, single sign-on discovery and the public URL, and
    print what is wrong (exit code 1 when any check fails). Reads the same TRADEWIND_*
    settings as `serve`; writes and deletes one small probe object in storage."""
    from tradewind.doctor.checks import diagnose

    settings = _settings()
    findings = asyncio.run(diagnose(settings))
    style = {"ok": "green", "warn": "yellow", "fail": "red"}
    for finding in findings:
        mark = f"[{style[finding.status]}]{finding.status:4}[/{style[finding.status]}]"
        console.print(f"{mark} {finding.check}: {finding.detail}", highlight=False, soft_wrap=True)
    failed = [f for f in findings if f.status == "fail"]
    console.print(f"{len(findings)} checks, {len(failed)} failed")
    if failed:
        raise typer.Exit(1)


COMMANDS = ("serve", "doctor", "db", "user", "keys")


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(doctor)
    app.add_typer(db_app, name="db")
    app.add_typer(user_app, name="user")
    from tradewind.cli.keys import keys_app

    app.add_typer(keys_app, name="keys")
