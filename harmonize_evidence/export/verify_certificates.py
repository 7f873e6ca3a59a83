"""The bundle's certificates and the fingerprints it prints, for ``verify-bundle``.

``ca.pem`` and ``signer.pem`` each hold exactly one certificate, ca.pem's is a CA certificate
and signer.pem's was issued by it; every fingerprint the bundle prints or records is the real
one, computed from the certificates themselves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import Encoding

from harmonize_evidence.export import bundle as names
from harmonize_evidence.export.verify_findings import Findings
from harmonize_evidence.signing.identity import SignatureChecker, fingerprint

# A fingerprint as the bundle prints it: hex pairs joined by colons, perhaps broken across lines
# after a colon (the report's cover). Longer runs are caught whole, and then match nothing.
_PRINTED_FINGERPRINT = re.compile(r"(?:[0-9A-Fa-f]{2}:\s*){31,}[0-9A-Fa-f]{2}")


@dataclass(frozen=True)
class Certificates:
    """What the bundle's two certificates are, once read."""

    ca_fingerprint: str
    signer_fingerprint: str
    ca_pem: bytes
    """The one certificate of ca.pem, alone: the only trust root for the report's signature."""
    signer_der: bytes
    school: str | None
    ca_name: str | None
    signer: str | None
    signer_school: str | None


def check_certificates(
    small: Mapping[str, bytes], found: Findings
) -> tuple[SignatureChecker | None, Certificates | None]:
    signer_pem, ca_pem = small.get(names.SIGNER_NAME), small.get(names.CA_NAME)
    if signer_pem is None or ca_pem is None:
        return None, None
    return check_certificate_pair(names.CA_NAME, ca_pem, names.SIGNER_NAME, signer_pem, found)


def check_certificate_pair(
    ca_name: str, ca_pem: bytes, signer_name: str, signer_pem: bytes, found: Findings
) -> tuple[SignatureChecker | None, Certificates | None]:
    """An Evidence CA certificate and the signing certificate it issued, each file holding one.

    Used for the bundle's own pair (ca.pem, signer.pem) and for each staff member's pair that a
    lead's bundle carries; every problem names the file.
    """
    signer_cert = _one_certificate(signer_name, signer_pem, found)
    ca_cert = _one_certificate(ca_name, ca_pem, found)
    if signer_cert is None or ca_cert is None:
        return None, None
    signer_only = signer_cert.public_bytes(Encoding.PEM)
    ca_only = ca_cert.public_bytes(Encoding.PEM)
    try:
        checker = SignatureChecker(signer_only)
    except (ValueError, TypeError):
        found.add(signer_name, "its key is not one this program signs with")
        checker = None
    try:
        signer_cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        found.add(signer_name, f"it was not issued by the Evidence CA in {ca_name}")
    if not _may_issue_certificates(ca_cert):
        found.add(
            ca_name,
            "it is not a CA certificate (its basic constraints or key usage do not let it "
            f"issue certificates), so it cannot vouch for {signer_name}",
        )
    return checker, Certificates(
        ca_fingerprint=fingerprint(ca_only),
        signer_fingerprint=fingerprint(signer_only),
        ca_pem=ca_only,
        signer_der=signer_cert.public_bytes(Encoding.DER),
        school=subject_part(ca_cert, x509.NameOID.ORGANIZATION_NAME),
        ca_name=subject_part(ca_cert, x509.NameOID.COMMON_NAME),
        signer=subject_part(signer_cert, x509.NameOID.COMMON_NAME),
        signer_school=subject_part(signer_cert, x509.NameOID.ORGANIZATION_NAME),
    )


def _one_certificate(name: str, data: bytes, found: Findings) -> x509.Certificate | None:
    """The certificate in a PEM file that must hold exactly one (the first, if it holds more)."""
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError:
        found.add(name, "it cannot be read as a certificate")
        return None
    if len(certificates) != 1:
        found.add(name, f"it holds {len(certificates)} certificates where exactly one belongs")
    elif data.count(b"-----BEGIN ") != 1:
        found.add(name, "it holds something besides its one certificate")
    return certificates[0]


def _may_issue_certificates(cert: x509.Certificate) -> bool:
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return False
    if not constraints.ca:
        return False
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return bool(usage.key_cert_sign)


def subject_part(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str | None:
    values = cert.subject.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def canonical_fingerprint(value: object) -> str | None:
    """``AB:CD:...`` for a SHA-256 fingerprint however it is spaced, cased or joined; else None."""
    if not isinstance(value, str):
        return None
    digits = "".join(value.split()).replace(":", "").upper()
    if not re.fullmatch(r"[0-9A-F]{64}", digits):
        return None
    return ":".join(digits[i : i + 2] for i in range(0, 64, 2))


def _printed_fingerprints(text: str) -> list[str]:
    """Every fingerprint printed in ``text``, as printed but on one line, each once."""
    found: dict[str, None] = {}
    for match in _PRINTED_FINGERPRINT.finditer(text):
        found["".join(match.group(0).split()).upper()] = None
    return list(found)


def check_printed_fingerprints(
    subject: str,
    where: str,
    text: str,
    allowed: Sequence[str],
    found: Findings,
    *,
    required: str | None = None,
) -> None:
    """Each fingerprint printed in ``text`` must be one of ``allowed``; ``required`` must be."""
    printed = _printed_fingerprints(text)
    wrong = [value for value in printed if value not in allowed]
    whose = "ca.pem" if len(allowed) == 1 else "ca.pem or signer.pem"
    for value in wrong:
        found.add(subject, f"{where} gives the fingerprint {value[:200]}, not that of {whose}")
    if required is not None and not wrong and required not in printed:
        found.add(subject, f"{where} does not give the fingerprint of ca.pem")


def check_manifest_fingerprints(
    manifest: Mapping[str, Any] | None, certificates: Certificates | None, found: Findings
) -> None:
    if manifest is None or certificates is None:
        return
    recorded = manifest.get("certificates")
    if not isinstance(recorded, Mapping):
        found.add(names.MANIFEST_NAME, "it does not record the certificates' fingerprints")
        return
    for key, label, actual, source in (
        ("ca_fingerprint_sha256", "Evidence CA", certificates.ca_fingerprint, names.CA_NAME),
        (
            "signer_fingerprint_sha256",
            "signing certificate",
            certificates.signer_fingerprint,
            names.SIGNER_NAME,
        ),
    ):
        value = recorded.get(key)
        if canonical_fingerprint(value) != actual:
            found.add(
                names.MANIFEST_NAME,
                f"the {label} fingerprint it records ({str(value)[:120]}) is not that of {source}",
            )
