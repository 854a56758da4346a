"""`push --sign KEYFILE`: a detached signature of the package statement, made locally with
the team's private key (it never leaves this machine)."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tradewind.cli.bundle import LocalFile
from tradewind.cli.errors import UsageProblem
from tradewind.errors import ValidationFailed
from tradewind.keys.statement import package_statement

if TYPE_CHECKING:
    from tradewind.keys.signing import PrivateKey


def load_signing_key(path: Path) -> PrivateKey:
    from tradewind.keys import signing  # cryptography: only for a signed push

    try:
        pem = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageProblem("unreadable_file", f"--sign {path}: {exc}") from exc
    try:
        return signing.load_private_pem(pem)
    except ValidationFailed as exc:
        raise UsageProblem(exc.code, f"--sign {path}: {exc.message}") from exc


def upload_signature(
    key: PrivateKey,
    org: str,
    app: str,
    index: LocalFile,
    important: Sequence[LocalFile],
    lazy: Sequence[LocalFile],
    properties: dict[str, Any],
) -> dict[str, str]:
    """The `signature` member of a package creation request."""
    from tradewind.keys import signing

    def refs(files: Sequence[LocalFile]) -> list[tuple[str, str]]:
        return [(f.path, f.sha256) for f in files]

    statement = package_statement(
        org, app, refs([index])[0], refs(important), refs(lazy), properties
    )
    return {
        "fingerprint": signing.fingerprint(key.public_key()),
        "signature": base64.b64encode(signing.sign(key, statement)).decode("ascii"),
    }
