"""`tradewind keys …` on the server side: these read the key settings and the database
directly (run them where the server runs, with its environment)."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console

from tradewind.errors import TradewindError

if TYPE_CHECKING:
    from tradewind.db import Database
    from tradewind.keys.keyring import Keyring
    from tradewind.settings import Settings

console = Console(stderr=True)
keys_app = typer.Typer(
    help="Key management: the key-encryption key (check, rotate, retire, generate, "
    "encrypt-setting: server side, using the database and key settings) and the signing keys "
    "of applications (list, create, import, default, disable, enable, public: client side, "
    "through the API).",
    no_args_is_help=True,
)
T = TypeVar("T")


def _settings() -> Settings:
    from tradewind.settings import Settings  # not for `tradewind --help`

    try:
        return Settings()
    except ValueError as exc:
        console.print(f"[red]invalid settings:[/red] {exc}")
        raise typer.Exit(2) from exc


def _with_database(work: Callable[[Settings, Keyring, Database], Awaitable[T]]) -> T:
    """Run `work(settings, keyring, db)` after the same keyring check as the server's start."""
    from tradewind.db import Database
    from tradewind.keys.setup import check_keyring, keyring_for

    settings = _settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    async def run() -> T:
        keyring = keyring_for(settings)
        db = Database.for_settings(settings)
        try:
            await check_keyring(keyring, db)
            return await work(settings, keyring, db)
        finally:
            await db.dispose()

    try:
        return asyncio.run(run())
    except TradewindError as exc:
        console.print(f"[red]{exc.code}:[/red] {exc.message}")
        raise typer.Exit(1) from exc


@keys_app.command("check")
def check() -> None:
    """Check that the configured key-encryption key opens this database's secrets (on a new
    database: create the key and seal the check value). Exit 1 if it does not."""

    async def work(settings: Settings, keyring: Keyring, db: Database) -> None:
        return None

    _with_database(work)
    typer.echo("ok: the key-encryption key opens this database's secrets")


@keys_app.command("status")
def status() -> None:
    """Show the key provider, the current key-encryption key and how many stored secrets each
    key-encryption key wraps."""
    from tradewind.keys.rotation import kek_usage

    async def work(settings: Settings, keyring: Keyring, db: Database) -> None:

        typer.echo(f"provider: {keyring.provider_name} ({keyring.provider.source})")
        typer.echo(f"current key-encryption key: {keyring.current_kek_id}")
        for kek_id, count in sorted((await kek_usage(db, keyring)).items()):
            typer.echo(f"  {kek_id}: {count} secret(s)")

    _with_database(work)


@keys_app.command("rotate")
def rotate(
    new_key: Annotated[
        bool,
        typer.Option(
            "--new-key/--no-new-key",
            help="local provider with a key file: first add a new key at the top of the key "
            "file. Without it (or with TRADEWIND_MASTER_KEY / AWS KMS) the secrets are "
            "re-wrapped under the key already configured as current.",
        ),
    ] = True,
) -> None:
    """Re-wrap every stored secret under the current (or a new) key-encryption key, batch by
    batch, while servers keep running. Old keys stay usable until `keys retire`."""
    from tradewind.keys.rotation import rotate as rotate_all

    async def work(settings: Settings, keyring: Keyring, db: Database) -> None:
        from tradewind.keys.local import LocalKeks

        provider = keyring.provider
        if new_key and isinstance(provider, LocalKeks) and not provider.env_keys:
            typer.echo(f"added key-encryption key {provider.add_key()} to {provider.key_file}")
        report = await rotate_all(db, keyring)
        typer.echo(
            f"re-wrapped {report.rewrapped} secret(s) under {keyring.current_kek_id}; "
            f"{report.already_current} already were"
        )

    _with_database(work)


@keys_app.command("retire")
def retire() -> None:
    """local provider with a key file: remove the old keys that no stored secret uses any more
    (after `keys rotate`; values given as `enc:` settings must be re-encrypted first)."""
    from tradewind.keys.rotation import kek_usage

    async def work(settings: Settings, keyring: Keyring, db: Database) -> None:
        from tradewind.keys.local import LocalKeks

        provider = keyring.provider
        if not isinstance(provider, LocalKeks):
            typer.echo("AWS KMS: disable or schedule the deletion of old keys in KMS itself")
            return
        dropped = provider.retire(set(await kek_usage(db, keyring)))
        typer.echo(f"retired {len(dropped)} key(s): {', '.join(dropped) or '-'}")

    _with_database(work)


@keys_app.command("generate")
def generate() -> None:
    """Print a new random key-encryption key (base64, 32 bytes) for TRADEWIND_MASTER_KEY."""
    from tradewind.keys.local import KEY_SIZE, encode_key

    typer.echo(encode_key(os.urandom(KEY_SIZE)))


@keys_app.command("encrypt-setting")
def encrypt_setting() -> None:
    """Read a secret value on standard input and print its `enc:` form, to put in a secret
    setting (e.g. TRADEWIND_S3_SECRET_ACCESS_KEY) instead of the plain value. Uses the
    configured key provider (the key file must exist: start the server once first)."""
    from tradewind.keys.setup import encrypt_setting as seal_setting
    from tradewind.keys.setup import keyring_for

    value = sys.stdin.read().rstrip("\r\n")
    if not value:
        console.print("[red]empty value:[/red] give the secret on standard input")
        raise typer.Exit(2)
    try:
        typer.echo(seal_setting(keyring_for(_settings()), value))
    except TradewindError as exc:
        console.print(f"[red]{exc.code}:[/red] {exc.message}")
        raise typer.Exit(1) from exc
