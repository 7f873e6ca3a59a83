"""The installation's signing identity: a small Evidence CA and the producer's signing certificate.

A PDF reader or ``pdfsig`` can be told to trust a CA, but never shows a bare self-signed leaf as
trusted, so the identity is two certificates: a self-signed "Evidence CA" (CA, path length 0) that
issues one ECDSA P-256 signing certificate for the producer (key usage digital signature and
non-repudiation). Both keys live only inside the encrypted store. The CA's SHA-256 fingerprint is
what a recipient compares, by a second channel, to trust a bundle.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from harmonize_evidence.domain.model import Producer
from harmonize_evidence.signing.names import certificate_name

CA_VALIDITY = timedelta(days=20 * 365)
SIGNER_VALIDITY = timedelta(days=10 * 365)
_SIGNATURE_HASH = hashes.SHA256()


def fingerprint(cert_pem: bytes) -> str:
    """SHA-256 fingerprint of a certificate as colon-separated hex pairs, e.g. ``AB:CD:...``."""
    der = x509.load_pem_x509_certificate(cert_pem).public_bytes(serialization.Encoding.DER)
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


@dataclass(frozen=True)
class NewIdentity:
    """Freshly made certificates and keys, PEM encoded, ready to be stored in the vault."""

    ca_cert_pem: bytes
    ca_key_pem: bytes
    signer_cert_pem: bytes
    signer_key_pem: bytes


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),  # the key lives only inside the encrypted store
    )


def create_identity(producer: Producer, now: datetime) -> NewIdentity:
    """Make the Evidence CA and the producer's signing certificate."""
    not_before = now - timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    # Names as a certificate can carry them (see signing.names); the store keeps them as typed.
    school = certificate_name(producer.school)
    ca_name = x509.Name(
        [
            x509.NameAttribute(
                NameOID.COMMON_NAME, certificate_name(f"Harmonize Evidence CA - {producer.school}")
            ),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, school),
        ]
    )
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, _SIGNATURE_HASH)
    )
    signer_key = ec.generate_private_key(ec.SECP256R1())
    signer_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, certificate_name(producer.name)),
            x509.NameAttribute(NameOID.INITIALS, producer.initials),
            x509.NameAttribute(NameOID.TITLE, producer.role.value),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, school),
        ]
    )
    signer_cert = (
        x509.CertificateBuilder()
        .subject_name(signer_name)
        .issuer_name(ca_name)
        .public_key(signer_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + SIGNER_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(signer_key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, _SIGNATURE_HASH)
    )
    return NewIdentity(
        ca_cert_pem=ca_cert.public_bytes(serialization.Encoding.PEM),
        ca_key_pem=_pem_key(ca_key),
        signer_cert_pem=signer_cert.public_bytes(serialization.Encoding.PEM),
        signer_key_pem=_pem_key(signer_key),
    )


class EntrySigner:
    """Signs custody entries (and manifests) with the producer's key: ECDSA P-256, SHA-256."""

    def __init__(self, signer_key_pem: bytes) -> None:
        key = serialization.load_pem_private_key(signer_key_pem, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise TypeError("the signing key must be an EC key")
        self._key = key

    def sign(self, data: bytes) -> bytes:
        """A DER-encoded ECDSA signature over ``data``."""
        return self._key.sign(data, ec.ECDSA(_SIGNATURE_HASH))


class SignatureChecker:
    """Checks signatures made by one certificate's key."""

    def __init__(self, cert_pem: bytes) -> None:
        public_key = x509.load_pem_x509_certificate(cert_pem).public_key()
        if not isinstance(public_key, ec.EllipticCurvePublicKey):
            raise TypeError("the signing certificate must hold an EC key")
        self._key = public_key

    def __call__(self, signature: bytes, data: bytes) -> bool:
        """True when ``signature`` is valid over ``data``."""
        try:
            self._key.verify(signature, data, ec.ECDSA(_SIGNATURE_HASH))
        except InvalidSignature:
            return False
        return True
