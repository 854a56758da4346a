"""Signing-key material: generation, PEM import, self-signed certificates, signing.

Algorithms (the names devices see in `alg`):
- `es256`: ECDSA P-256 with SHA-256, DER signature (Airborne `x-airborne-signature`);
- `rsa-v1_5-sha256`: RSA (2048 bits or more) PKCS#1 v1.5 with SHA-256 (Expo `expo-signature`),
  with a self-signed X.509 code-signing certificate for expo-updates' `codeSigningCertificate`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tradewind.errors import ValidationFailed

ES256 = "es256"
RSA_SHA256 = "rsa-v1_5-sha256"
ALGORITHMS = (ES256, RSA_SHA256)
RSA_BITS = 2048
MIN_RSA_BITS = 2048
PRIVATE_PURPOSE = "signing-key"

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey


@dataclass(frozen=True)
class LoadedSigningKey:
    """An enabled signing key, decrypted in memory, as snapshot builders use it."""

    key_id: str
    algorithm: str  # "es256" | "rsa-v1_5-sha256"
    is_default: bool
    public_pem: str
    certificate_pem: str | None
    private_key: PrivateKey = field(repr=False, compare=False)

    def sign(self, data: bytes) -> bytes:
        """DER ECDSA signature (es256) or PKCS#1 v1.5 SHA-256 signature (RSA)."""
        return sign(self.private_key, data)


def sign(private_key: PrivateKey, data: bytes) -> bytes:
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return private_key.sign(data, ec.ECDSA(hashes.SHA256()))
    return private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def verify(public_key: PublicKey, signature: bytes, data: bytes) -> None:
    """Raises cryptography's InvalidSignature when the signature does not match."""
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    else:
        public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())


def generate(algorithm: str) -> PrivateKey:
    if algorithm == ES256:
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == RSA_SHA256:
        return rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    raise ValidationFailed(f"unknown algorithm {algorithm!r}", code="unknown_algorithm")


def algorithm_of(key: PrivateKey | PublicKey) -> str:
    """The algorithm a key is for; refuses curves other than P-256 and RSA under 2048 bits."""
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise ValidationFailed(
                f"EC keys must use the P-256 curve, not {key.curve.name}", code="unsupported_key"
            )
        return ES256
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise ValidationFailed(
                f"RSA keys must have at least {MIN_RSA_BITS} bits, not {key.key_size}",
                code="unsupported_key",
            )
        return RSA_SHA256
    raise _unsupported()


def _unsupported() -> ValidationFailed:
    return ValidationFailed("only ECDSA P-256 and RSA keys are supported", code="unsupported_key")


def load_private_pem(pem: str) -> PrivateKey:
    """An unencrypted PEM private key (PKCS#8 or traditional); bad input is a 422."""
    try:
        key = serialization.load_pem_private_key(pem.encode("utf-8"), password=None)
    except (ValueError, TypeError) as exc:
        raise ValidationFailed(
            "not an unencrypted PEM private key", code="invalid_key_pem"
        ) from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise ValidationFailed(
            "only ECDSA P-256 and RSA keys are supported", code="unsupported_key"
        )
    algorithm_of(key)
    return key


def load_public_pem(pem: str) -> PublicKey:
    try:
        key = serialization.load_pem_public_key(pem.encode("utf-8"))
    except (ValueError, TypeError) as exc:
        raise ValidationFailed("not a PEM public key (SPKI)", code="invalid_key_pem") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        raise ValidationFailed(
            "only ECDSA P-256 and RSA keys are supported", code="unsupported_key"
        )
    algorithm_of(key)
    return key


def private_der(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_private_der(der: bytes) -> PrivateKey:
    key = serialization.load_der_private_key(der, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey)
    return key


def public_pem(key: PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def fingerprint(key: PublicKey) -> str:
    """SHA-256 hex of the SubjectPublicKeyInfo DER."""
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def self_signed_certificate(key: rsa.RSAPrivateKey, common_name: str, days: int) -> str:
    """A self-signed code-signing certificate, as expo-updates expects in
    `codeSigningCertificate`: a CA certificate (it is its own root) whose key usage includes
    digitalSignature and keyCertSign and whose extended key usage is codeSigning."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64] or "tradewind")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
