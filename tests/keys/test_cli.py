"""The `tradewind keys …` client commands and `push --sign` against a real server process:
upload-side integrity end to end, and a signed update check verified with the public key the
CLI prints."""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fixtures.cli import Cli, server_on_test_database
from fixtures.servers import Server

# One worker for the module's server. `once`: the CLI is an HTTP client; what the server
# does on each database is covered by the in-process tests, which run on both.
pytestmark = [pytest.mark.xdist_group("keys-cli"), pytest.mark.once]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with server_on_test_database(tmp_path_factory.mktemp("server")) as process:
        yield process


@pytest.fixture
def admin(tmp_path: Path, server: Server) -> Cli:
    cli = Cli(tmp_path / "config")
    cli.login_admin(server)
    return cli


def write_pem(path: Path, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> Path:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


def write_public(path: Path, key: ec.EllipticCurvePrivateKey) -> Path:
    path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


def bundle(root: Path, version: str) -> Path:
    root.mkdir()
    (root / "index.android.bundle").write_text(f"var v = {version};\n")
    (root / "logo.png").write_bytes(b"png" + version.encode())
    return root


def test_signed_uploads_are_required_once_the_policy_says_so(admin: Cli, tmp_path: Path) -> None:
    admin.ok("org", "create", "sig-up")
    admin.ok("app", "create", "shop", "--org", "sig-up")
    where = ("--org", "sig-up", "--app", "shop")
    team = ec.generate_private_key(ec.SECP256R1())
    stranger = ec.generate_private_key(ec.SECP256R1())
    team_pem = write_pem(tmp_path / "team.pem", team)
    stranger_pem = write_pem(tmp_path / "stranger.pem", stranger)
    push = ("push", "--index", "index.android.bundle", *where)
    # No upload key yet: the policy cannot be turned on.
    refused = admin.fails(1, "keys", "upload-policy", "--require", *where)
    assert "no_upload_key" in refused.stderr
    admin.ok("keys", "upload-add", "ci", str(write_public(tmp_path / "team.pub", team)), *where)
    admin.ok("keys", "upload-policy", "--require", *where)
    assert admin.json("keys", "upload-policy", *where) == {"require_signature": True}
    unsigned = admin.fails(1, *push[:1], str(bundle(tmp_path / "b1", "1")), *push[1:])
    assert "signature_required" in unsigned.stderr
    wrong = admin.fails(1, *push[:1], str(tmp_path / "b1"), *push[1:], "--sign", str(stranger_pem))
    assert "unknown_upload_key" in wrong.stderr
    made = admin.json(*push[:1], str(tmp_path / "b1"), *push[1:], "--sign", str(team_pem))
    assert made["version"] == 1
    assert admin.fails(2, *push[:1], str(tmp_path / "b1"), *push[1:], "--sign", "/nonexistent")
    # Only the last key cannot be disabled while signatures are required.
    last = admin.fails(1, "keys", "upload-disable", "ci", *where)
    assert "last_upload_key" in last.stderr
    admin.ok("keys", "upload-policy", "--no-require", *where)
    admin.ok("keys", "upload-disable", "ci", *where)
    plain = admin.json(*push[:1], str(bundle(tmp_path / "b2", "2")), *push[1:])
    assert plain["version"] == 2


def test_key_commands_and_a_signed_check_verified_with_the_printed_key(
    admin: Cli, server: Server, tmp_path: Path
) -> None:
    admin.ok("org", "create", "sig-keys")
    admin.ok("app", "create", "shop", "--org", "sig-keys")
    where = ("--org", "sig-keys", "--app", "shop")
    created = admin.json("keys", "create", "--key-id", "air", *where)
    assert created["algorithm"] == "es256" and created["is_default"] is True
    expo = admin.json(
        "keys", "create", "--algorithm", "rsa-v1_5-sha256", "--key-id", "main", *where
    )
    assert expo["certificate_pem"].startswith("-----BEGIN CERTIFICATE-----")
    imported = write_pem(tmp_path / "imported.pem", ec.generate_private_key(ec.SECP256R1()))
    admin.ok("keys", "import", str(imported), "--key-id", "imp", *where)
    listed = admin.json("keys", "list", *where)
    assert [k["key_id"] for k in listed] == ["air", "main", "imp"]
    certificate = admin.ok("keys", "public", "main", "--certificate", *where).stdout
    assert certificate.startswith("-----BEGIN CERTIFICATE-----")
    assert admin.fails(2, "keys", "public", "air", "--certificate", *where)
    public_pem = admin.ok("keys", "public", "air", *where).stdout
    public = serialization.load_pem_public_key(public_pem.encode())
    assert isinstance(public, ec.EllipticCurvePublicKey)
    assert admin.fails(1, "keys", "disable", "nope", *where)
    admin.json("push", str(bundle(tmp_path / "b", "1")), "--index", "index.android.bundle", *where)
    admin.ok("release", "create", "1", *where)
    answer = _first_document(server, "sig-keys/shop")
    header = answer.headers["x-airborne-signature"]
    match = re.fullmatch(r'keyid="air",alg="es256",sig="([^"]+)"', header)
    assert match, header
    public.verify(base64.b64decode(match[1]), answer.content, ec.ECDSA(hashes.SHA256()))


def _first_document(server: Server, path: str) -> httpx.Response:
    """The update check, once the server's snapshot has the release (polled every 0.1 s)."""
    deadline = time.monotonic() + 30
    while True:
        answer = httpx.get(f"{server.url}/release/{path}", headers={"x-dimension": ""})
        if answer.status_code == 200 or time.monotonic() > deadline:
            assert answer.status_code == 200, answer.text
            return answer
        time.sleep(0.1)
