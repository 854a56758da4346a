"""Code signing of Expo documents: the `expo-signature` structured header of a signed part.

Signers come from the key-management layer; a signature is made once per document when a
snapshot is compiled, never per request.
"""

from __future__ import annotations

import base64
from typing import Protocol

ALGORITHM = "rsa-v1_5-sha256"


class Signer(Protocol):
    """An application's signing key (RSA PKCS#1 v1.5 with SHA-256)."""

    @property
    def key_id(self) -> str: ...

    def sign(self, data: bytes) -> bytes: ...


def _sf_string(value: str) -> str:
    """An SFV string item (RFC 8941 §3.3.3): printable ASCII, `"` and `\\` escaped."""
    if not value.isascii() or not value.isprintable():
        raise ValueError(f"not an SFV string: {value!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def signature_header(signer: Signer, body: bytes) -> bytes:
    """`sig="<base64>", keyid="<id>", alg="rsa-v1_5-sha256"` over exactly `body`."""
    sig = base64.b64encode(signer.sign(body)).decode()
    fields = (
        f"sig={_sf_string(sig)}, keyid={_sf_string(signer.key_id)}, alg={_sf_string(ALGORITHM)}"
    )
    return fields.encode()
