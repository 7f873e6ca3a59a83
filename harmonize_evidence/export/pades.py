"""The report's PAdES signature (pyHanko): signing with the store's identity, and checking it.

Signing appends one incremental revision holding a PAdES signature (ETSI.CAdES.detached) by the
producer's ECDSA P-256 certificate, with the Evidence CA certificate embedded so a reader can
build the chain. Without a timestamp authority the level is PAdES B-B; with one (an RFC 3161
URL, or any pyHanko ``TimeStamper``) the signature carries a timestamp token: PAdES B-T.

Checking uses pyHanko's validator with the Evidence CA as the only trust root and no network:
the signature must be intact, valid, trusted to that CA, and cover the whole file.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

from harmonize_evidence.domain.errors import EnvironmentProblem

LEVEL_B_B = "PAdES B-B"
LEVEL_B_T = "PAdES B-T"
FIELD_NAME = "EvidenceSignature"
# Bytes of a B-B signature's CMS besides its certificates: about 520 in practice (1374 bytes in
# all with this program's two certificates), reserved three times over. Every byte reserved is
# written as two hexadecimal digits that each reader of the signature parses one by one.
_CMS_OVERHEAD = 1536
_CHUNK = 256 * 1024  # pyHanko's reads while hashing the document
_XMP_MODULE = "pyhanko.pdf_utils.metadata.xmp_xml"


@dataclass(frozen=True)
class SigningIdentity:
    """The PEM-encoded key and certificates that sign a report."""

    signer_key_pem: bytes
    signer_cert_pem: bytes
    ca_cert_pem: bytes


@dataclass(frozen=True)
class SignatureOptions:
    """How to sign."""

    name: str
    """The signer's name, shown by readers."""
    reason: str
    """Why the document is signed, shown by readers."""
    location: str
    """Where (the school)."""
    timestamper: Any = None
    """A pyHanko ``TimeStamper`` for PAdES B-T, or None for B-B."""


def timestamper_for_url(url: str) -> Any:
    """A pyHanko RFC 3161 client for a timestamp authority's URL."""
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(url, timeout=20)


def sign_pdf(pdf: BinaryIO, identity: SigningIdentity, options: SignatureOptions) -> str:
    """Sign the PDF in ``pdf`` (readable, writable, seekable) in place; returns the PAdES level."""
    from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = load_private_key_from_pemder_data(identity.signer_key_pem, passphrase=None)
    (cert,) = load_certs_from_pemder_data(identity.signer_cert_pem)
    ca_certs = list(load_certs_from_pemder_data(identity.ca_cert_pem))
    signer = signers.SimpleSigner(
        signing_cert=cert,
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs(ca_certs),  # type: ignore[no-untyped-call]
    )
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        name=options.name,
        reason=options.reason,
        location=options.location,
    )
    reserved = None
    if options.timestamper is None:
        # A B-B signature holds the two certificates, a few signed attributes and one ECDSA
        # signature: room for that with a wide margin, instead of a trial signature to measure
        # it (counted in hexadecimal digits, two per byte).
        certificates = len(cert.dump()) + sum(len(ca.dump()) for ca in ca_certs)
        reserved = 2 * (certificates + _CMS_OVERHEAD)
    pdf.seek(0)
    writer = IncrementalPdfFileWriter(pdf, strict=False)
    pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=options.timestamper)
    needs_xmp = "/Metadata" in writer.root or writer.output_version >= (2, 0)
    try:
        with contextlib.nullcontext() if needs_xmp else _xmp_support_left_out():
            pdf_signer.sign_pdf(writer, bytes_reserved=reserved, in_place=True, chunk_size=_CHUNK)
    except TimestampRequestError as exc:
        raise EnvironmentProblem(
            "The timestamp authority did not answer, so the report was not signed; check the "
            "network connection or export without a timestamp."
        ) from exc
    return LEVEL_B_T if options.timestamper is not None else LEVEL_B_B


@contextlib.contextmanager
def _xmp_support_left_out() -> Iterator[None]:
    """Sign without pyHanko loading its XMP support (lxml: about 5 MB and 25 ms).

    pyHanko imports it on every signature only to ask whether the document's XMP metadata must
    be updated; the answer is no for a PDF before 2.0 with no ``/Metadata``, which is what the
    report is, and pyHanko treats the module as optional (ImportError: no XMP). So the output is
    the same. Marking the module missing is undone afterwards; meanwhile another thread's
    pyHanko would read XMP metadata streams as plain streams, which it also allows.
    """
    if _XMP_MODULE in sys.modules:  # loaded already: nothing to save
        yield
        return
    sys.modules[_XMP_MODULE] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if _XMP_MODULE in sys.modules and sys.modules[_XMP_MODULE] is None:
            del sys.modules[_XMP_MODULE]


@dataclass(frozen=True)
class PdfSignatureCheck:
    """What the validator said about a PDF's signature."""

    found: bool
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    whole_file: bool = False
    signer: str = ""
    signing_time: datetime | None = None
    timestamp: datetime | None = None
    timestamp_valid: bool | None = None
    detail: str = ""
    signer_der: bytes | None = None
    """The DER of the certificate that made the one signature, when it can be read (also when
    the signature does not validate)."""

    @property
    def ok(self) -> bool:
        """True when the signature is intact, valid, trusted and covers the whole file."""
        return self.found and self.intact and self.valid and self.trusted and self.whole_file


def check_pdf_signature(pdf: BinaryIO, ca_cert_pem: bytes) -> PdfSignatureCheck:
    """Validate the one signature of a PDF against the Evidence CA, offline."""
    from pyhanko.keys import load_certs_from_pemder_data
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        roots = list(load_certs_from_pemder_data(ca_cert_pem))
    except ValueError:
        return PdfSignatureCheck(found=False, detail="the CA certificate cannot be read")
    try:
        reader = PdfFileReader(pdf, strict=False)
        signatures = reader.embedded_signatures
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        return PdfSignatureCheck(found=False, detail=f"the file cannot be read as a PDF ({exc})")
    if len(signatures) != 1:
        return PdfSignatureCheck(
            found=bool(signatures),
            detail=f"it has {len(signatures)} signatures where one was expected",
        )
    try:
        signer_der: bytes | None = bytes(signatures[0].signer_cert.dump())
    except Exception:  # a signature this broken is reported by the validator
        signer_der = None
    context = ValidationContext(
        trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"
    )
    try:
        status = asyncio.run(
            async_validate_pdf_signature(signatures[0], signer_validation_context=context)
        )
    except (SignatureValidationError, PdfReadError, ValueError, KeyError, TypeError) as exc:
        return PdfSignatureCheck(
            found=True, detail=f"the signature cannot be checked ({exc})", signer_der=signer_der
        )
    timestamp_validity = status.timestamp_validity
    return PdfSignatureCheck(
        found=True,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer=str(status.signing_cert.subject.human_friendly),
        signing_time=status.signer_reported_dt,
        timestamp=timestamp_validity.timestamp if timestamp_validity is not None else None,
        timestamp_valid=(
            None
            if timestamp_validity is None
            else bool(timestamp_validity.intact and timestamp_validity.valid)
        ),
        detail=status.summary(),
        signer_der=signer_der,
    )
