"""Code signing with the application's keys from key management (tradewind.keys): the
certificate downloaded from the API verifies what the manifest route signed."""

from __future__ import annotations

from pathlib import Path

from fixtures.expo import ExpoKit, expo_headers, js_bundle, write_export
from fixtures.expo_client import read_answer, verify_signature
from fixtures.expo_node import node_parse

from tradewind.keys import service as keys_service
from tradewind.keys.service import NewSigningKey
from tradewind.keys.signing import ES256, RSA_SHA256


async def _key(kit: ExpoKit, algorithm: str, key_id: str) -> None:
    async with kit.app.ctx.db.unit_of_work() as session:
        await keys_service.create_signing_key(
            session, kit.app.ctx.keyring, kit.base.app_id, NewSigningKey(algorithm, key_id)
        )


async def test_manifest_signed_with_the_apps_rsa_key(kit: ExpoKit, tmp_path: Path) -> None:
    await kit.published(write_export(tmp_path / "dist", js_bundle(1)))
    await _key(kit, ES256, "ec")  # not usable by expo-updates: never offered
    expect = 'sig, keyid="root", alg="rsa-v1_5-sha256"'
    r = await kit.manifest(expo_headers(expo_expect_signature=expect))
    assert (r.status_code, r.headers["x-tradewind-error"]) == (400, "code_signing_unavailable")
    certificate = await kit.base.client.get(
        f"{kit.base.base}/expo/certificate", headers=kit.base.owner.headers
    )
    assert certificate.status_code == 404
    await _key(kit, RSA_SHA256, "root")  # bumps the revision: snapshots rebuild
    await kit.refresh()
    certificate = await kit.base.client.get(
        f"{kit.base.base}/expo/certificate", headers=kit.base.owner.headers
    )
    assert certificate.status_code == 200, certificate.text
    assert certificate.headers["x-expo-key-id"] == "root"
    pem = certificate.content
    assert pem.startswith(b"-----BEGIN CERTIFICATE-----")
    r = await kit.manifest(expo_headers(expo_expect_signature=expect))
    parsed = read_answer(r)
    assert parsed.manifest_bytes is not None
    verify_signature(parsed.manifest_signature, parsed.manifest_bytes, pem, "root")
    (manifest, _) = sorted(node_parse(r, pem)["parts"], key=lambda p: p["name"] != "manifest")
    assert manifest["verified"] is True
