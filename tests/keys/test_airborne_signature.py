"""Signed Airborne release config: the key API, then update checks verified as a device would
(ECDSA P-256 over the exact body bytes, with the public key from the API)."""

from __future__ import annotations

import base64
import re

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fixtures.serving import DeviceKit, device_kit
from fixtures.users import UserFactory
from httpx import AsyncClient, Response

from tradewind.app import TradewindApp

SIGNATURE = re.compile(r'^keyid="([^"]+)",alg="es256",sig="([A-Za-z0-9+/=]+)"$')


@pytest.fixture
async def kit(app: TradewindApp, client: AsyncClient, users: UserFactory) -> DeviceKit:
    return await device_kit(app, client, users)


async def new_key(kit: DeviceKit, **body: object) -> dict[str, object]:
    r = await kit.client.post(f"{kit.base}/signing-keys", json=body, headers=kit.owner.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def public_key(kit: DeviceKit, key_id: str) -> ec.EllipticCurvePublicKey:
    r = await kit.client.get(
        f"{kit.base}/signing-keys/{key_id}/public-key", headers=kit.owner.headers
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-pem")
    key = serialization.load_pem_public_key(r.content)
    assert isinstance(key, ec.EllipticCurvePublicKey)
    return key


def verify(response: Response, key: ec.EllipticCurvePublicKey) -> str:
    """What the iOS SDK does with a pinned key: parse the header, verify over the raw body."""
    match = SIGNATURE.fullmatch(response.headers["x-airborne-signature"])
    assert match, response.headers["x-airborne-signature"]
    key.verify(base64.b64decode(match[2]), response.content, ec.ECDSA(hashes.SHA256()))
    return match[1]


async def test_unsigned_until_a_key_exists_then_signed_by_the_default(kit: DeviceKit) -> None:
    await kit.live(await kit.package())
    unsigned = await kit.check()
    assert unsigned.status_code == 200 and "x-airborne-signature" not in unsigned.headers
    await new_key(kit, algorithm="es256", key_id="k1")
    await kit.refresh()
    signed = await kit.check()
    assert signed.content == unsigned.content  # the document itself is unchanged
    assert verify(signed, await public_key(kit, "k1")) == "k1"
    assert "x-signing-key-id" in signed.headers["vary"]
    head = await kit.check(method="HEAD")
    assert head.headers["x-airborne-signature"] == signed.headers["x-airborne-signature"]


async def test_device_picks_a_key_and_unknown_or_disabled_is_400(kit: DeviceKit) -> None:
    await new_key(kit, algorithm="es256", key_id="old")
    await new_key(kit, algorithm="es256", key_id="new")
    await new_key(kit, algorithm="rsa-v1_5-sha256", key_id="expo")
    await kit.live(await kit.package())
    default = await kit.check()
    assert verify(default, await public_key(kit, "old")) == "old"
    picked = await kit.check(headers={"x-signing-key-id": "new"})
    assert verify(picked, await public_key(kit, "new")) == "new"
    with pytest.raises(InvalidSignature):
        verify(picked, await public_key(kit, "old"))
    assert (await kit.check(headers={"x-signing-key-id": ""})).headers[
        "x-airborne-signature"
    ] == default.headers["x-airborne-signature"]
    for name in ("nope", "expo"):  # unknown, and a key not for this protocol
        refused = await kit.check(headers={"x-signing-key-id": name})
        assert refused.status_code == 400
        assert refused.headers["x-tradewind-error"] == "unknown_signing_key"
        assert not refused.text.lstrip().startswith("{")  # never JSON on the device path
    r = await kit.client.post(f"{kit.base}/signing-keys/new/disable", headers=kit.owner.headers)
    assert r.status_code == 200 and r.json()["disabled"] is True
    await kit.refresh()
    assert (await kit.check(headers={"x-signing-key-id": "new"})).status_code == 400
    r = await kit.client.post(f"{kit.base}/signing-keys/new/enable", headers=kit.owner.headers)
    r = await kit.client.post(f"{kit.base}/signing-keys/new/default", headers=kit.owner.headers)
    assert r.status_code == 200 and r.json()["is_default"] is True
    await kit.refresh()
    assert verify(await kit.check(), await public_key(kit, "new")) == "new"


async def test_signature_is_made_when_the_snapshot_is_built(kit: DeviceKit) -> None:
    await new_key(kit, algorithm="es256", key_id="k")
    await kit.live(await kit.package())
    first = await kit.check()
    again = await kit.check()
    # ECDSA signatures are randomised: equal headers mean one signature, prebuilt, reused.
    assert first.headers["x-airborne-signature"] == again.headers["x-airborne-signature"]
    etag = first.headers["etag"]
    not_modified = await kit.check(headers={"if-none-match": etag})
    assert not_modified.status_code == 304


async def test_key_api_refuses_bad_input(kit: DeviceKit) -> None:
    h = kit.owner.headers
    cases = [
        ({"algorithm": "hs256"}, 422, "validation_failed"),
        ({"algorithm": "es256", "key_id": "has space"}, 422, "validation_failed"),
        ({"private_pem": "garbage"}, 422, "invalid_key_pem"),
        ({"algorithm": "es256", "private_pem": _rsa_pem()}, 422, "algorithm_mismatch"),
        ({"algorithm": "es256", "surprise": 1}, 422, "validation_failed"),
    ]
    for body, status, code in cases:
        r = await kit.client.post(f"{kit.base}/signing-keys", json=body, headers=h)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), body
    assert (await kit.client.get(f"{kit.base}/signing-keys", headers=h)).json() == []
    made = await new_key(kit)  # neither algorithm nor PEM: an es256 key
    assert made["algorithm"] == "es256" and made["certificate_pem"] is None
    r = await kit.client.post(
        f"{kit.base}/signing-keys", json={"key_id": made["key_id"]}, headers=h
    )
    assert (r.status_code, r.json()["error"]["code"]) == (409, "key_id_taken")
    r = await kit.client.get(f"{kit.base}/signing-keys/{made['key_id']}/certificate", headers=h)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "certificate_not_found")
    r = await kit.client.get(f"{kit.base}/signing-keys/missing", headers=h)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "signing_key_not_found")
    r = await kit.client.post(f"{kit.base}/signing-keys/{made['key_id']}/disable", headers=h)
    r = await kit.client.post(f"{kit.base}/signing-keys/{made['key_id']}/default", headers=h)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "signing_key_disabled")


async def test_rsa_key_api_serves_its_certificate(kit: DeviceKit) -> None:
    made = await new_key(kit, algorithm="rsa-v1_5-sha256", key_id="main")
    r = await kit.client.get(f"{kit.base}/signing-keys/main/certificate", headers=kit.owner.headers)
    assert r.status_code == 200 and r.text == made["certificate_pem"]
    assert "PRIVATE" not in str(made)


async def test_key_writes_need_admin_and_are_audited(kit: DeviceKit, users: UserFactory) -> None:
    writer = await kit.member(users, "write")
    r = await kit.client.post(
        f"{kit.base}/signing-keys", json={"algorithm": "es256"}, headers=writer.headers
    )
    assert (r.status_code, r.json()["error"]["code"]) == (403, "insufficient_role")
    await new_key(kit, key_id="audited")
    r = await kit.client.get(f"{kit.base}/audit", headers=kit.owner.headers)
    actions = [e["action"] for e in r.json()["events"]]
    assert "signing_key.create" in actions


def _rsa_pem() -> str:
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
