"""The `aws-kms` provider against moto's KMS on loopback (the session's moto server, see
fixtures.s3server): sealing, tampering, rotation between KMS keys, start-up when KMS is
unreachable, and serving on while KMS goes away (through a TCP proxy that can be cut)."""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fixtures.apps import started_app
from fixtures.processes import TcpProxy
from fixtures.s3server import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY
from fixtures.servers import clean_env, free_port, run
from fixtures.serving import DeviceKit, device_kit, running_app
from fixtures.users import UserFactory
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr

from tradewind.keys.errors import KeyringError, SecretUnreadable
from tradewind.keys.keyring import Keyring
from tradewind.keys.rotation import kek_usage, rotate
from tradewind.keys.sealing import unpack
from tradewind.keys.setup import keyring_for
from tradewind.settings import Settings


def create_kms_key(endpoint: str) -> str:
    client = boto3.session.Session().client(
        "kms",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
    )
    return str(client.create_key(Description="tradewind test")["KeyMetadata"]["Arn"])


def kms_settings(settings: Settings, endpoint: str, key_id: str) -> Settings:
    return settings.model_copy(
        update={
            "key_provider": "aws-kms",
            "kms_key_id": key_id,
            "kms_endpoint_url": endpoint,
            "kms_region": REGION,
            "kms_access_key_id": ACCESS_KEY_ID,
            "kms_secret_access_key": SecretStr(SECRET_ACCESS_KEY),
        }
    )


@pytest.fixture
def kms_key(s3_server: str) -> str:
    return create_kms_key(s3_server)


@pytest.mark.once
async def test_seal_open_and_tamper(s3_server: str, kms_key: str, tmp_path: Path) -> None:
    base = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    keyring = keyring_for(kms_settings(base, s3_server, kms_key))
    keyring.open()
    sealed = await keyring.encrypt(b"webhook secret", "webhook")
    assert b"webhook secret" not in sealed
    assert unpack(sealed).kek_id == kms_key
    assert await keyring.decrypt(sealed, "webhook") == b"webhook secret"
    fresh = keyring_for(kms_settings(base, s3_server, kms_key))  # no cached data key
    assert await fresh.decrypt(sealed, "webhook") == b"webhook secret"
    envelope = unpack(sealed)
    wrapped = bytearray(envelope.wrapped_key)
    wrapped[len(wrapped) // 2] ^= 1
    tampered = envelope.with_wrapped_key(envelope.kek_id, bytes(wrapped)).pack()
    with pytest.raises(KeyringError):  # KMS refuses the wrapped key
        await keyring_for(kms_settings(base, s3_server, kms_key)).decrypt(tampered, "webhook")
    body = bytearray(sealed)
    body[-1] ^= 1
    with pytest.raises(SecretUnreadable):
        await fresh.decrypt(bytes(body), "webhook")


@pytest.mark.once
async def test_unreachable_or_unknown_key_is_a_clear_error(tmp_path: Path, s3_server: str) -> None:
    base = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    closed = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(KeyringError, match="unreachable"):
        keyring_for(kms_settings(base, closed, "alias/none")).open()
    with pytest.raises(KeyringError, match="DescribeKey failed"):
        keyring_for(kms_settings(base, s3_server, "alias/does-not-exist")).open()
    with pytest.raises(KeyringError, match="TRADEWIND_KMS_KEY_ID is required"):
        keyring_for(kms_settings(base, s3_server, ""))


@pytest.fixture
async def kms_app(
    settings: Settings, s3_server: str, kms_key: str, test_database: object
) -> AsyncIterator[tuple[DeviceKit, TcpProxy, Settings]]:
    """An app whose KMS traffic goes through a proxy the test can cut."""
    host_port = urlsplit(s3_server)
    proxy = TcpProxy(host_port.hostname or "127.0.0.1", host_port.port or 80)
    await proxy.start()
    proxied = kms_settings(settings, f"http://127.0.0.1:{proxy.port}", kms_key)
    try:
        async with started_app(proxied) as application:
            transport = ASGITransport(app=application, client=("127.0.0.1", 50000))
            async with AsyncClient(transport=transport, base_url="http://testserver") as http:
                kit = await device_kit(application, http, UserFactory(application, http))
                yield kit, proxy, kms_settings(settings, s3_server, kms_key)
    finally:
        await proxy.stop()
        await test_database.truncate_all()  # type: ignore[attr-defined]


def verify(response_headers: dict[str, str], body: bytes, pem: str) -> str:
    match = re.fullmatch(
        r'keyid="([^"]+)",alg="es256",sig="([^"]+)"', response_headers["x-airborne-signature"]
    )
    assert match
    key = serialization.load_pem_public_key(pem.encode())
    assert isinstance(key, ec.EllipticCurvePublicKey)
    key.verify(base64.b64decode(match[2]), body, ec.ECDSA(hashes.SHA256()))
    return match[1]


async def new_key(kit: DeviceKit, key_id: str, client: AsyncClient | None = None) -> str:
    r = await (client or kit.client).post(
        f"{kit.base}/signing-keys",
        json={"algorithm": "es256", "key_id": key_id, "default": True},
        headers=kit.owner.headers,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["public_pem"])


async def test_kms_going_away_keeps_serving_and_refuses_writes_with_503(
    kms_app: tuple[DeviceKit, TcpProxy, Settings],
) -> None:
    kit, proxy, direct = kms_app
    first = await new_key(kit, "k1")
    await kit.live(await kit.package())
    served = await kit.check()
    assert verify(dict(served.headers), served.content, first) == "k1"
    await proxy.stop()  # KMS unreachable for this process from now on
    r = await kit.client.post(
        f"{kit.base}/signing-keys", json={"algorithm": "es256"}, headers=kit.owner.headers
    )
    assert (r.status_code, r.json()["error"]["code"]) == (503, "keyring_unavailable")
    assert (await kit.client.get(f"{kit.base}/signing-keys", headers=kit.owner.headers)).json()[0][
        "key_id"
    ] == "k1"  # nothing half-written
    # Another process (with KMS) adds a new default key: this one cannot open it yet.
    async with running_app(direct) as (_, other):
        second = await new_key(kit, "k2", other)
    await kit.refresh()
    still = await kit.check()
    assert still.status_code == 200
    assert verify(dict(still.headers), still.content, first) == "k1"  # the last snapshot
    await proxy.start()  # KMS is back: the next poll rebuilds and signs with k2
    await kit.refresh()
    now = await kit.check()
    assert verify(dict(now.headers), now.content, second) == "k2"


async def test_rotation_between_kms_keys_with_live_traffic(
    kms_app: tuple[DeviceKit, TcpProxy, Settings], s3_server: str
) -> None:
    kit, _, direct = kms_app
    pem = await new_key(kit, "k1")
    await kit.live(await kit.package())
    old_keyring: Keyring = kit.app.ctx.keyring
    new_kms_key = create_kms_key(s3_server)
    rotated = keyring_for(direct.model_copy(update={"kms_key_id": new_kms_key}))
    before = await kek_usage(kit.app.ctx.db, rotated)
    assert set(before) == {old_keyring.current_kek_id}
    report = await rotate(kit.app.ctx.db, rotated, batch_size=1)
    # The canary, the signing key and the application's two CodePush deployment keys.
    assert report.rewrapped == 4
    assert set(await kek_usage(kit.app.ctx.db, rotated)) == {new_kms_key}
    # The running process (still configured with the old KMS key) reads the re-wrapped key.
    await kit.client.post(f"{kit.base}/signing-keys/k1/disable", headers=kit.owner.headers)
    await kit.client.post(f"{kit.base}/signing-keys/k1/enable", headers=kit.owner.headers)
    old_keyring._data_keys.clear()  # as a process that never unwrapped it
    await kit.refresh()
    answer = await kit.check()
    assert verify(dict(answer.headers), answer.content, pem) == "k1"
    assert (await rotate(kit.app.ctx.db, rotated)).rewrapped == 0


@pytest.mark.once
def test_serve_exits_non_zero_when_kms_is_unreachable(tmp_path: Path) -> None:
    env = clean_env(
        data_dir=str(tmp_path / "data"),
        key_provider="aws-kms",
        kms_key_id="alias/tradewind",
        kms_endpoint_url=f"http://127.0.0.1:{free_port()}",
        kms_access_key_id=ACCESS_KEY_ID,
        kms_secret_access_key=SECRET_ACCESS_KEY,
        port=str(free_port()),
    )
    done = run(["serve"], tmp_path, env)
    assert done.returncode == 1
    assert "AWS KMS unreachable" in done.stderr
