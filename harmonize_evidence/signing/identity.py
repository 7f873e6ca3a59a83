"""The installation's signing identity: a small Evidence CA and the producer's signing certificate.

A PDF reader or ``pdfsig`` can be told to trust a CA, but never shows a bare self-signed leaf as
trusted, so the identity is two certificates: a self-signed "Evidence CA" (CA, path length 0) that
issues one ECDSA P-256 signing certificate for the producer (key usage digital signature and
non-repudiation). Both keys live only inside the encrypted store. The CA's SHA-256 fingerprint is
what a recipient compares, by a second channel, to trust a bundle.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from harmonize_evidence.domain.model import Producer

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec

# The cryptography library is imported where a key or certificate is used, not here: opening the
# store imports this module, and the library's x509 and serialization modules take longer to
# import than the rest of the store's code, which slowed the desktop program's start.

CA_VALIDITY = timedelta(days=20 * 365)
SIGNER_VALIDITY = timedelta(days=10 * 365)
_PEM_CERTIFICATE = re.compile(
    rb"-----BEGIN CERTIFICATE-----\r?\n(.+?)-----END CERTIFICATE-----", re.DOTALL
)


def fingerprint(cert_pem: bytes) -> str:
    """SHA-256 fingerprint of a certificate as colon-separated hex pairs, e.g. ``AB:CD:...``.

    The hash is over the certificate's DER bytes, read from its PEM text (the first certificate
    in it), which the stored and checked certificates always are.

    Raises:
        ValueError: ``cert_pem`` holds no certificate in PEM form.
    """
    found = _PEM_CERTIFICATE.search(cert_pem)
    if found is None:
        raise ValueError("no PEM certificate found")
    try:
        der = base64.b64decode(b"".join(found.group(1).split()), validate=True)
    except binascii.Error as exc:
        raise ValueError("the PEM certificate is not valid base64") from exc
    if not der.startswith(b"\x30"):  # an X.509 certificate is an ASN.1 SEQUENCE
        raise ValueError("the PEM block is not a certificate")
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
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),  # the key lives only inside the encrypted store
    )


def create_identity(producer: Producer, now: datetime) -> NewIdentity:
    """Make the Evidence CA and the producer's signing certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from harmonize_evidence.signing.names import certificate_name

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
        .sign(ca_key, hashes.SHA256())
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
        .sign(ca_key, hashes.SHA256())
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
        # The key is read at the first signature: a store is opened far more often (every worker
        # task opens its own handle) than it signs.
        self._key_pem = signer_key_pem
        self._key: ec.EllipticCurvePrivateKey | None = None

    def sign(self, data: bytes) -> bytes:
        """A DER-encoded ECDSA signature over ``data``."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        if self._key is None:
            from cryptography.hazmat.primitives import serialization

            key = serialization.load_pem_private_key(self._key_pem, password=None)
            if not isinstance(key, ec.EllipticCurvePrivateKey):
                raise TypeError("the signing key must be an EC key")
            self._key = key
        return self._key.sign(data, ec.ECDSA(hashes.SHA256()))


class SignatureChecker:
    """Checks signatures made by one certificate's key."""

    def __init__(self, cert_pem: bytes) -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives.asymmetric import ec

        public_key = x509.load_pem_x509_certificate(cert_pem).public_key()
        if not isinstance(public_key, ec.EllipticCurvePublicKey):
            raise TypeError("the signing certificate must hold an EC key")
        self._key = public_key

    def __call__(self, signature: bytes, data: bytes) -> bool:
        """True when ``signature`` is valid over ``data``."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        try:
            self._key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True
