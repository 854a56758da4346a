"""`tradewind keys rotate` / `retire` (local key file) while the server answers update checks
and creates secrets: every check is answered and signed throughout, and new secrets follow the
new key-encryption key."""

from __future__ import annotations

import asyncio
import base64
import re

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fixtures.servers import clean_env, run
from fixtures.serving import DeviceKit

from tradewind.keys.local import parse_keys
from tradewind.keys.rotation import kek_usage

pytestmark = pytest.mark.xdist_group("keys-rotation")


def verify(kit: DeviceKit, headers: dict[str, str], body: bytes, pem: str) -> None:
    match = re.fullmatch(r'keyid="k1",alg="es256",sig="([^"]+)"', headers["x-airborne-signature"])
    assert match, headers
    key = serialization.load_pem_public_key(pem.encode())
    assert isinstance(key, ec.EllipticCurvePublicKey)
    key.verify(base64.b64decode(match[1]), body, ec.ECDSA(hashes.SHA256()))


async def test_rotate_and_retire_without_downtime(key_file_kit: DeviceKit) -> None:
    kit = key_file_kit
    h = kit.owner.headers
    r = await kit.client.post(f"{kit.base}/signing-keys", json={"key_id": "k1"}, headers=h)
    pem = r.json()["public_pem"]
    await kit.live(await kit.package())
    settings = kit.app.ctx.settings
    env = clean_env(
        data_dir=str(settings.data_dir), database_url=settings.database_url, master_key=""
    )
    old_kek = kit.app.ctx.keyring.current_kek_id
    stop = asyncio.Event()
    answers: list[tuple[int, dict[str, str], bytes]] = []
    created: list[int] = []

    async def traffic() -> None:
        n = 0
        while not stop.is_set():
            response = await kit.check()
            answers.append((response.status_code, dict(response.headers), response.content))
            if n % 10 == 0:  # secrets keep being written and re-read meanwhile
                made = await kit.client.post(f"{kit.base}/signing-keys", json={}, headers=h)
                created.append(made.status_code)
                await kit.refresh()
            n += 1
            await asyncio.sleep(0)

    load = asyncio.create_task(traffic())
    rotated = await asyncio.to_thread(run, ["keys", "rotate"], settings.data_dir, env)
    stop.set()
    await load
    assert rotated.returncode == 0, rotated.stdout + rotated.stderr
    assert "re-wrapped" in rotated.stdout
    assert len(answers) > 10 and set(created) == {201}
    for status, headers, body in answers:
        assert status == 200
        verify(kit, headers, body, pem)
    keys = parse_keys(settings.resolved_key_file.read_text(), "key file")
    assert len(keys) == 2
    new_kek = kit.app.ctx.keyring.current_kek_id  # this process followed the key file
    assert new_kek != old_kek
    # Secrets made during the rotation may still be under the old key: rotate again, retire.
    again = await asyncio.to_thread(run, ["keys", "rotate", "--no-new-key"], settings.data_dir, env)
    assert again.returncode == 0, again.stderr
    assert set(await kek_usage(kit.app.ctx.db, kit.app.ctx.keyring)) == {new_kek}
    retired = await asyncio.to_thread(run, ["keys", "retire"], settings.data_dir, env)
    assert retired.returncode == 0 and old_kek in retired.stdout, retired.stdout
    assert len(parse_keys(settings.resolved_key_file.read_text(), "key file")) == 1
    status = await asyncio.to_thread(run, ["keys", "status"], settings.data_dir, env)
    assert new_kek in status.stdout and old_kek not in status.stdout
    r = await kit.client.post(f"{kit.base}/signing-keys/k1/disable", headers=h)
    r = await kit.client.post(f"{kit.base}/signing-keys/k1/enable", headers=h)
    await kit.refresh()
    final = await kit.check()
    verify(kit, dict(final.headers), final.content, pem)
