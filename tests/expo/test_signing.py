"""Code signing: signed manifest and directive parts, verified as expo-updates verifies them.

The signer here is an RSA key made by the test and handed to the Expo store the way the key
management layer hands over an application's keys (`ExpoStore.signing_keys`).
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Sequence
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from fixtures.database import counted_statements
from fixtures.expo import ExpoKit, expo_headers, js_bundle, write_export
from fixtures.expo_client import ClientRejects, read_answer, verify_signature
from fixtures.expo_node import node_parse
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.expo.signing import Signer


class TestSigner:
    __test__ = False

    def __init__(self, key_id: str) -> None:
        self.key_id = key_id
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.calls = 0
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tradewind test")])
        now = datetime.datetime.now(datetime.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.private_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .sign(self.private_key, hashes.SHA256())
        )
        self.certificate_pem = certificate.public_bytes(serialization.Encoding.PEM)

    def sign(self, data: bytes) -> bytes:
        self.calls += 1
        return self.private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())


@pytest.fixture
def signer(kit: ExpoKit) -> TestSigner:
    main = TestSigner("main")

    async def keys(session: AsyncSession, app_id: int) -> Sequence[Signer]:
        return [main] if app_id == kit.base.app_id else []

    kit.app.ctx.expo.store.signing_keys = keys
    return main


EXPECT = 'sig, keyid="main", alg="rsa-v1_5-sha256"'


async def test_signed_manifest_verifies_with_the_certificate(
    kit: ExpoKit, signer: TestSigner, tmp_path: Path
) -> None:
    await kit.published(write_export(tmp_path / "dist", js_bundle(1)))
    parsed = read_answer(await kit.manifest(expo_headers(expo_expect_signature=EXPECT)))
    assert parsed.manifest_bytes is not None
    verify_signature(
        parsed.manifest_signature, parsed.manifest_bytes, signer.certificate_pem, "main"
    )
    assert 'alg="rsa-v1_5-sha256"' in (parsed.manifest_signature or "")
    # A tampered body fails the same check.
    with pytest.raises(ClientRejects):
        verify_signature(
            parsed.manifest_signature, parsed.manifest_bytes + b" ", signer.certificate_pem, "main"
        )
    # JSON answers carry it as a response header.
    r = await kit.manifest(
        expo_headers(expo_expect_signature=EXPECT, accept="application/expo+json")
    )
    verify_signature(r.headers["expo-signature"], r.content, signer.certificate_pem, "main")
    # Unsigned requests get unsigned answers.
    assert read_answer(await kit.manifest()).manifest_signature is None


async def test_directives_are_signed_too(kit: ExpoKit, signer: TestSigner, tmp_path: Path) -> None:
    await kit.published(write_export(tmp_path / "dist", js_bundle(1)))
    served = read_answer(await kit.manifest()).manifest
    assert served is not None
    headers = expo_headers(expo_expect_signature=EXPECT, expo_current_update_id=served["id"])
    parsed = read_answer(await kit.manifest(headers))
    assert parsed.directive == {"type": "noUpdateAvailable"} and parsed.directive_bytes
    verify_signature(
        parsed.directive_signature, parsed.directive_bytes, signer.certificate_pem, "main"
    )
    r = await kit.post("/expo/embedded-rollbacks", {"runtime_version": "1.0.0"})
    assert r.status_code == 201, r.text
    await kit.refresh()
    parsed = read_answer(await kit.manifest(expo_headers(expo_expect_signature=EXPECT)))
    assert parsed.directive is not None and parsed.directive["type"] == "rollBackToEmbedded"
    assert parsed.directive_bytes is not None
    verify_signature(
        parsed.directive_signature, parsed.directive_bytes, signer.certificate_pem, "main"
    )


async def test_signatures_are_made_when_the_snapshot_is_built_never_per_request(
    kit: ExpoKit, signer: TestSigner, tmp_path: Path
) -> None:
    await kit.published(write_export(tmp_path / "dist", js_bundle(1)))
    made = signer.calls
    assert made > 0
    with counted_statements(kit.app.ctx.db) as statements:
        for n in range(20):
            headers = expo_headers(
                expo_expect_signature=EXPECT, eas_client_id=str(uuid.UUID(int=n + 1))
            )
            assert (await kit.manifest(headers)).status_code == 200
    assert signer.calls == made and statements == []


async def test_an_unknown_keyid_is_refused(
    kit: ExpoKit, signer: TestSigner, tmp_path: Path
) -> None:
    await kit.published(write_export(tmp_path / "dist", js_bundle(1)))
    headers = expo_headers(expo_expect_signature='sig, keyid="other"')
    r = await kit.manifest(headers)
    assert (r.status_code, r.headers["x-tradewind-error"]) == (400, "unknown_signing_key")
    # Without a keyid the client expects "root"... expo-updates always sends its keyid; a
    # bare `sig` gets the application's key.
    parsed = read_answer(await kit.manifest(expo_headers(expo_expect_signature="sig")))
    assert parsed.manifest_bytes is not None
    verify_signature(
        parsed.manifest_signature, parsed.manifest_bytes, signer.certificate_pem, "main"
    )


async def test_expo_npm_parsers_read_and_verify_the_answers(
    kit: ExpoKit, signer: TestSigner, tmp_path: Path
) -> None:
    """The same answers through @expo/multipart-body-parser and structured-headers (Node)."""
    await kit.published(write_export(tmp_path / "dist", js_bundle(1)))
    r = await kit.manifest(expo_headers(expo_expect_signature=EXPECT))
    parts = {p["name"]: p for p in node_parse(r, signer.certificate_pem)["parts"]}
    assert set(parts) == {"manifest", "extensions"}
    manifest = parts["manifest"]
    assert manifest["signature"]["keyid"] == "main"
    assert manifest["signature"]["alg"] == "rsa-v1_5-sha256"
    assert manifest["verified"] is True
    assert json.loads(manifest["body"])["id"] == read_answer(r).manifest["id"]  # type: ignore[index]
    json_answer = await kit.manifest(
        expo_headers(expo_expect_signature=EXPECT, accept="application/expo+json")
    )
    assert node_parse(json_answer, signer.certificate_pem)["parts"][0]["verified"] is True
    served = json.loads(manifest["body"])["id"]
    directive = await kit.manifest(
        expo_headers(expo_expect_signature=EXPECT, expo_current_update_id=served)
    )
    (part,) = node_parse(directive, signer.certificate_pem)["parts"]
    assert part["name"] == "directive" and part["verified"] is True
