"""The Keys tab of the dashboard over HTTP (in process): create, import, default, disable,
downloads, upload keys and policy, errors next to fields, and roles."""

from __future__ import annotations

import re

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fixtures.dashboard import csrf_of
from fixtures.releases import ReleaseKit
from fixtures.users import DEFAULT_PASSWORD, UserFactory
from httpx import AsyncClient


async def signed_in(client: AsyncClient, email: str) -> str:
    page = await client.get("/dashboard/login")
    data = {"email": email, "password": DEFAULT_PASSWORD, "csrf_token": csrf_of(page.text)}
    r = await client.post("/dashboard/login", data=data)
    assert r.status_code == 303, r.text
    return csrf_of((await client.get("/dashboard/")).text)


PAGE = "/dashboard/orgs/acme/apps/shop/keys"


async def test_admin_manages_keys_in_the_dashboard(kit: ReleaseKit, client: AsyncClient) -> None:
    token = await signed_in(client, kit.owner.email)
    page = await client.get(PAGE)
    assert page.status_code == 200 and "No signing keys" in page.text
    r = await client.post(
        f"{PAGE}/create", data={"algorithm": "es256", "key_id": "air", "csrf_token": token}
    )
    assert r.status_code == 303
    r = await client.post(
        f"{PAGE}/create",
        data={"algorithm": "rsa-v1_5-sha256", "key_id": "main", "csrf_token": token},
    )
    assert r.status_code == 303
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    r = await client.post(
        f"{PAGE}/create",
        data={"algorithm": "es256", "key_id": "imp", "private_pem": pem, "csrf_token": token},
    )
    assert r.status_code == 303
    page = (await client.get(PAGE)).text
    assert all(f"<code>{name}</code>" in page for name in ("air", "main", "imp"))
    assert "-----END PRIVATE KEY" not in page
    public = await client.get(f"{PAGE}/imp/public.pem")
    assert public.headers["content-type"].startswith("application/x-pem-file")
    loaded = serialization.load_pem_public_key(public.content)
    assert isinstance(loaded, ec.EllipticCurvePublicKey)
    assert loaded.public_numbers() == private.public_key().public_numbers()
    certificate = await client.get(f"{PAGE}/main/certificate.pem")
    x509.load_pem_x509_certificate(certificate.content)
    assert (await client.get(f"{PAGE}/air/certificate.pem")).status_code == 404
    assert (await client.post(f"{PAGE}/imp/default", data={"csrf_token": token})).status_code == 303
    assert (await client.post(f"{PAGE}/air/disable", data={"csrf_token": token})).status_code == 303
    keys = await kit.client.get(f"{kit.base}/signing-keys", headers=kit.owner.headers)
    state = {k["key_id"]: (k["is_default"], k["disabled"]) for k in keys.json()}
    assert state == {"air": (False, True), "main": (True, False), "imp": (True, False)}
    r = await client.post(f"{PAGE}/air/explode", data={"csrf_token": token})
    assert r.status_code in (404, 405)


async def test_bad_input_is_shown_next_to_the_field(kit: ReleaseKit, client: AsyncClient) -> None:
    token = await signed_in(client, kit.owner.email)
    secret_looking = "-----BEGIN PRIVATE KEY-----\nnot really\n-----END PRIVATE KEY-----"
    r = await client.post(
        f"{PAGE}/create",
        data={"key_id": "x", "private_pem": secret_looking, "csrf_token": token},
    )
    assert r.status_code == 422
    assert re.search(r'id="private_pem-error"', r.text)
    assert "not really" not in r.text  # a pasted private key is never echoed back
    r = await client.post(f"{PAGE}/create", data={"key_id": "bad id!", "csrf_token": token})
    assert r.status_code == 422 and "key_id-error" in r.text
    r = await client.post(
        f"{PAGE}/uploads/policy", data={"require_signature": "on", "csrf_token": token}
    )
    assert r.status_code == 409 and "register an upload key" in r.text.lower()
    r = await client.post(
        f"{PAGE}/uploads/add",
        data={"upload_key_id": "ci", "public_pem": "nope", "csrf_token": token},
    )
    assert r.status_code == 422 and "public_pem-error" in r.text
    public = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    r = await client.post(
        f"{PAGE}/uploads/add",
        data={"upload_key_id": "ci", "public_pem": public.decode(), "csrf_token": token},
    )
    assert r.status_code == 303
    r = await client.post(
        f"{PAGE}/uploads/policy", data={"require_signature": "on", "csrf_token": token}
    )
    assert r.status_code == 303
    assert ">required<" in (await client.get(PAGE)).text
    r = await client.post(f"{PAGE}/uploads/ci/disable", data={"csrf_token": token})
    assert r.status_code == 409  # the last key while signatures are required


async def test_readers_see_keys_but_no_forms(
    kit: ReleaseKit, client: AsyncClient, users: UserFactory
) -> None:
    await kit.client.post(
        f"{kit.base}/signing-keys", json={"key_id": "air"}, headers=kit.owner.headers
    )
    reader = await kit.member(users, "read")
    token = await signed_in(client, reader.email)
    page = await client.get(PAGE)
    assert page.status_code == 200 and "<code>air</code>" in page.text
    assert "/keys/create" not in page.text
    assert (await client.get(f"{PAGE}/air/public.pem")).status_code == 200
    r = await client.post(f"{PAGE}/create", data={"algorithm": "es256", "csrf_token": token})
    assert r.status_code == 403
    r = await client.post(f"{PAGE}/air/disable", data={"csrf_token": token})
    assert r.status_code == 403
