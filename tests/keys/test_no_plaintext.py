"""No secret in plain text at rest: the SQLite database file, and a PostgreSQL dump made with
pg_dump, are searched for every form of the private keys and sealed settings."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from fixtures.releases import ReleaseKit
from sqlalchemy.engine import make_url

from tradewind.keys import service
from tradewind.keys.loading import loaded_signing_keys
from tradewind.keys.service import NewSigningKey
from tradewind.keys.signing import ES256, RSA_SHA256, LoadedSigningKey


def secret_forms(key: LoadedSigningKey) -> list[bytes]:
    """The private key as it could leak: DER (PKCS#8 and raw), PEM and base64 of the DER."""
    private = key.private_key
    pkcs8 = private.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    raw = private.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    pem_body = b"".join(pem.splitlines()[1:-1])
    # A 40-byte window of each form: any copy, partial or whole, contains it.
    forms = [pkcs8, raw, pem_body, base64.b64encode(pkcs8), pkcs8.hex().encode()]
    return [form[len(form) // 2 : len(form) // 2 + 40] for form in forms]


async def stored_keys(kit: ReleaseKit) -> list[LoadedSigningKey]:
    async with kit.app.ctx.db.unit_of_work() as session:
        for algorithm, key_id in ((ES256, "air"), (RSA_SHA256, "main")):
            await service.create_signing_key(
                session, kit.app.ctx.keyring, kit.app_id, NewSigningKey(algorithm, key_id)
            )
    async with kit.app.ctx.db.unit_of_work() as session:
        return await loaded_signing_keys(session, kit.app.ctx.keyring, kit.app_id)


def database_bytes(kit: ReleaseKit) -> bytes:
    settings = kit.app.ctx.settings
    if settings.is_sqlite:
        path = make_url(settings.resolved_database_url).database
        assert path
        # The main file and the write-ahead log (recent writes may not be checkpointed yet),
        # read by another process: closing a descriptor of the file in this one would drop
        # the POSIX locks SQLite holds on it here.
        files = [name for name in (path, path + "-wal") if Path(name).exists()]
        return subprocess.run(["cat", *files], capture_output=True, check=True).stdout
    if shutil.which("pg_dump") is None:
        pytest.fail("pg_dump is not installed (CI installs postgresql-client)")
    url = make_url(settings.resolved_database_url).set(drivername="postgresql")
    dump = subprocess.run(
        ["pg_dump", "--data-only", "--inserts", url.render_as_string(hide_password=False)],
        capture_output=True,
        check=True,
        timeout=120,
    )
    return dump.stdout


async def test_database_holds_no_plaintext_private_key(kit: ReleaseKit) -> None:
    keys = await stored_keys(kit)
    assert {k.key_id for k in keys} == {"air", "main"}
    data = database_bytes(kit)
    # The dump does contain the keys' public halves: the search looks in the right place.
    for key in keys:
        public_body = "".join(key.public_pem.splitlines()[1:-1]).encode()
        assert public_body[:40] in data.replace(b"\\n", b"").replace(b"\n", b"")
    for key in keys:
        for form in secret_forms(key):
            assert form not in data, f"{key.key_id}: private key material found in the database"
