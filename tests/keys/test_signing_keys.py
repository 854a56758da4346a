"""Signing keys through the service: generated and imported keys, defaults per algorithm,
disable, what snapshot builders load, and signatures checked with `cryptography`."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID
from fixtures.releases import ReleaseKit
from sqlalchemy import select

from tradewind.errors import Conflict, NotFound, ValidationFailed
from tradewind.keys import service
from tradewind.keys.loading import loaded_signing_keys
from tradewind.keys.service import NewSigningKey
from tradewind.keys.signing import ES256, RSA_SHA256, LoadedSigningKey
from tradewind.models import Application
from tradewind.models.keys import SigningKey

BROKEN_PEM = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"


async def create(kit: ReleaseKit, **spec: object) -> SigningKey:
    async with kit.app.ctx.db.unit_of_work() as session:
        return await service.create_signing_key(
            session,
            kit.app.ctx.keyring,
            kit.app_id,
            NewSigningKey(**spec),  # type: ignore[arg-type]
        )


async def loaded(kit: ReleaseKit) -> dict[str, LoadedSigningKey]:
    async with kit.app.ctx.db.unit_of_work() as session:
        keys = await loaded_signing_keys(session, kit.app.ctx.keyring, kit.app_id)
    return {k.key_id: k for k in keys}


async def revision(kit: ReleaseKit) -> int:
    async with kit.app.ctx.db.unit_of_work() as session:
        found = await session.scalar(
            select(Application.revision).where(Application.id == kit.app_id)
        )
    return int(found or 0)


async def test_es256_key_signs_what_a_device_verifies(kit: ReleaseKit) -> None:
    before = await revision(kit)
    row = await create(kit, algorithm=ES256, key_id="airborne-1")
    assert row.is_default and row.certificate_pem is None
    assert await revision(kit) == before + 1  # snapshots are rebuilt (and re-signed)
    key = (await loaded(kit))["airborne-1"]
    assert (key.algorithm, key.is_default) == (ES256, True)
    body = b'{"version":"2"}'
    public = serialization.load_pem_public_key(key.public_pem.encode())
    assert isinstance(public, ec.EllipticCurvePublicKey)
    assert isinstance(public.curve, ec.SECP256R1)
    public.verify(key.sign(body), body, ec.ECDSA(hashes.SHA256()))  # DER signature
    with pytest.raises(InvalidSignature):
        public.verify(key.sign(body), body + b" ", ec.ECDSA(hashes.SHA256()))


async def test_rsa_key_comes_with_a_code_signing_certificate(kit: ReleaseKit) -> None:
    await create(kit, algorithm=RSA_SHA256, key_id="main", common_name="Acme Shop")
    key = (await loaded(kit))["main"]
    assert key.certificate_pem is not None
    certificate = x509.load_pem_x509_certificate(key.certificate_pem.encode())
    public = certificate.public_key()
    assert isinstance(public, rsa.RSAPublicKey) and public.key_size >= 2048
    assert certificate.issuer == certificate.subject  # self-signed
    certificate.verify_directly_issued_by(certificate)
    assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.key_cert_sign
    extended = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CODE_SIGNING in list(extended)
    body = b'{"id":"x"}'
    public.verify(key.sign(body), body, padding.PKCS1v15(), hashes.SHA256())
    spki = serialization.load_pem_public_key(key.public_pem.encode())
    assert spki.public_numbers() == public.public_numbers()  # type: ignore[union-attr]


async def test_imported_pem_keeps_its_key(kit: ReleaseKit) -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    row = await create(kit, private_pem=pem, key_id="imported")
    assert row.imported and row.algorithm == ES256
    key = (await loaded(kit))["imported"]
    private.public_key().verify(key.sign(b"x"), b"x", ec.ECDSA(hashes.SHA256()))


@pytest.mark.parametrize(
    ("spec", "code"),
    [
        ({"algorithm": "hs256"}, "unknown_algorithm"),
        ({"algorithm": ES256, "key_id": "bad id"}, "invalid_key_id"),
        ({"algorithm": ES256, "key_id": "x" * 65}, "invalid_key_id"),
        (
            {"private_pem": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"},
            "invalid_key_pem",
        ),
        ({"private_pem": "small-rsa"}, "unsupported_key"),
        ({"private_pem": "p384"}, "unsupported_key"),
        ({"private_pem": "rsa", "algorithm": ES256}, "algorithm_mismatch"),
    ],
)
async def test_bad_keys_are_refused_and_nothing_is_written(
    kit: ReleaseKit, spec: dict[str, str], code: str
) -> None:
    made = {
        "small-rsa": lambda: rsa.generate_private_key(public_exponent=65537, key_size=1024),  # noqa: S505 (refused)
        "p384": lambda: ec.generate_private_key(ec.SECP384R1()),
        "rsa": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    }
    if spec.get("private_pem") in made:
        key = made[spec["private_pem"]]()
        spec = dict(
            spec,
            private_pem=key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ).decode(),
        )
    before = await revision(kit)
    with pytest.raises(ValidationFailed) as caught:
        await create(kit, **spec)
    assert caught.value.code == code
    assert await loaded(kit) == {}
    assert await revision(kit) == before


async def test_defaults_are_per_algorithm_and_disable_removes_a_key(kit: ReleaseKit) -> None:
    await create(kit, algorithm=ES256, key_id="a")
    await create(kit, algorithm=ES256, key_id="b")
    await create(kit, algorithm=RSA_SHA256, key_id="main")
    keys = await loaded(kit)
    assert {k: v.is_default for k, v in keys.items()} == {"a": True, "b": False, "main": True}
    async with kit.app.ctx.db.unit_of_work() as session:
        await service.make_default(session, kit.app_id, "b")
    keys = await loaded(kit)
    assert {k: v.is_default for k, v in keys.items()} == {"a": False, "b": True, "main": True}
    async with kit.app.ctx.db.unit_of_work() as session:
        await service.set_disabled(session, kit.app_id, "b", True)
    keys = await loaded(kit)
    assert {k: v.is_default for k, v in keys.items()} == {"a": False, "main": True}
    async with kit.app.ctx.db.unit_of_work() as session:
        with pytest.raises(Conflict):
            await service.make_default(session, kit.app_id, "b")
        with pytest.raises(NotFound):
            await service.set_disabled(session, kit.app_id, "nope", True)
        await service.set_disabled(session, kit.app_id, "b", False)  # no es256 default: b is
    keys = await loaded(kit)
    assert {k: v.is_default for k, v in keys.items()} == {"a": False, "b": True, "main": True}


async def test_duplicate_key_id_is_a_conflict(kit: ReleaseKit) -> None:
    await create(kit, algorithm=ES256, key_id="main")
    with pytest.raises(Conflict) as caught:
        await create(kit, algorithm=RSA_SHA256, key_id="main")
    assert caught.value.code == "key_id_taken"


async def test_private_keys_are_sealed_and_bound_to_their_row(kit: ReleaseKit) -> None:
    await create(kit, algorithm=ES256, key_id="one")
    await create(kit, algorithm=ES256, key_id="two")
    async with kit.app.ctx.db.unit_of_work() as session:
        rows = {r.key_id: r for r in (await session.scalars(select(SigningKey))).all()}
        rows["one"].private_sealed, rows["two"].private_sealed = (
            rows["two"].private_sealed,
            rows["one"].private_sealed,
        )
    from tradewind.keys.errors import SecretUnreadable

    with pytest.raises(SecretUnreadable):
        await loaded(kit)
