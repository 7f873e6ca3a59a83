"""Other producers' certificates, as a store that keeps their signed work receives them.

A safeguarding lead's store keeps the chains its staff hand over, each signed by its producer's
own key. Before the store holds a producer, their certificates are checked to belong together,
as :func:`~harmonize_evidence.signing.identity.create_identity` makes them: one Evidence CA
certificate that issued one signing certificate with an EC key. Whether that CA is the one the
producer's school confirmed (its fingerprint, by a second channel) is settled by the caller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harmonize_evidence.domain.errors import BadInput

if TYPE_CHECKING:
    # Imported where certificates are checked: opening the store imports this module, and
    # cryptography's x509 module is slow to import (see signing.identity).
    from cryptography import x509


def _one_certificate(pem: bytes, what: str) -> x509.Certificate:
    from cryptography import x509

    try:
        certificates = x509.load_pem_x509_certificates(pem)
    except ValueError as exc:
        raise BadInput(f"The {what} cannot be read as a certificate.") from exc
    if len(certificates) != 1:
        raise BadInput(f"The {what} must be exactly one certificate.")
    return certificates[0]


def checked_certificates(ca_cert_pem: bytes, signer_cert_pem: bytes) -> tuple[bytes, bytes]:
    """A producer's Evidence CA and signing certificates, once shown to belong together.

    Returns both re-encoded as PEM, so that one certificate is always kept as the same bytes.

    Raises:
        BadInput: a certificate cannot be read, the CA certificate is not a CA's, it did not
            issue the signing certificate (names and signature), or that holds no EC key.
    """
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    ca = _one_certificate(ca_cert_pem, "Evidence CA certificate")
    signer = _one_certificate(signer_cert_pem, "signing certificate")
    try:
        constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        constraints = None
    if constraints is None or not constraints.ca:
        raise BadInput("The Evidence CA certificate is not a CA certificate.")
    try:
        signer.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature) as exc:
        raise BadInput("The signing certificate was not issued by this Evidence CA.") from exc
    if not isinstance(signer.public_key(), ec.EllipticCurvePublicKey):
        raise BadInput("The signing certificate must hold an EC key.")
    pem = serialization.Encoding.PEM
    return ca.public_bytes(pem), signer.public_bytes(pem)
