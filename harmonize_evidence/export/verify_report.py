"""The signed report (``report.pdf``), for ``verify-bundle``.

Its PAdES signature (intact, valid, trusted to ca.pem, made by signer.pem, covering the whole
file), its embedded index and printed pages (the manifest's exhibit hashes and chain head), and
the fingerprints its cover and closing section print.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from typing import Any, BinaryIO

from cryptography import x509

from harmonize_evidence.export import bundle as names
from harmonize_evidence.export.verify_archive import UnsafeArchive, entry_stream, hash_stream
from harmonize_evidence.export.verify_certificates import (
    Certificates,
    check_printed_fingerprints,
    subject_part,
)
from harmonize_evidence.export.verify_findings import Findings
from harmonize_evidence.export.verify_manifest import manifest_head, manifest_items

# The report's closing section, which repeats the CA fingerprint (see export.report); it starts
# on one of the last pages, after the continuity statement.
_HOW_TO_VERIFY = "How to verify this bundle"
_CLOSING_PAGES = 3


def check_report(
    archive: zipfile.ZipFile,
    raw: BinaryIO,
    by_name: Mapping[str, zipfile.ZipInfo],
    *,
    manifest: Mapping[str, Any] | None,
    small: Mapping[str, bytes],
    certificates: Certificates | None,
    found: Findings,
) -> tuple[str | None, str | None]:
    from harmonize_evidence.export.pades import check_pdf_signature

    info = by_name.get(names.REPORT_NAME)
    if info is None:
        return None, None
    subject = names.REPORT_NAME
    try:
        stream = entry_stream(archive, raw, info)
    except (zipfile.BadZipFile, OSError, EOFError, UnsafeArchive) as exc:
        found.add(subject, f"it cannot be read ({exc})")
        return None, None
    report = manifest.get("report") if manifest else None
    if isinstance(report, Mapping) and hash_stream(stream) != report.get("sha256"):
        found.add(subject, "its SHA-256 does not match the manifest: it was changed")
    ca_pem = certificates.ca_pem if certificates is not None else small.get(names.CA_NAME)
    level = str(report.get("signature")) if isinstance(report, Mapping) else None
    timestamp = None
    if ca_pem is not None:
        stream.seek(0)
        check = check_pdf_signature(stream, ca_pem)
        if not check.found:
            found.add(subject, f"it has no usable signature ({check.detail})")
        elif not (check.intact and check.valid):
            found.add(subject, "its signature is not valid: the PDF was changed after signing")
        elif not check.trusted:
            found.add(subject, "its signature is not by a certificate of the Evidence CA in ca.pem")
        elif not check.whole_file:
            found.add(subject, "its signature does not cover the whole file: something was added")
        if check.timestamp_valid is False:
            found.add(subject, "its timestamp is not valid")
        if check.timestamp is not None:
            timestamp = check.timestamp.isoformat()
        if check.found and certificates is not None:
            signed_by = check.signer_der
            if signed_by is not None and signed_by != certificates.signer_der:
                found.add(
                    subject,
                    f"it is signed by a certificate other than signer.pem ({_who(signed_by)})",
                )
    if manifest is not None:
        printed = _check_report_index(stream, manifest, found)
        if printed is not None and certificates is not None:
            cover, closing = printed
            ca = certificates.ca_fingerprint
            check_printed_fingerprints(
                subject,
                "its cover",
                cover,
                (ca, certificates.signer_fingerprint),
                found,
                required=ca,
            )
            check_printed_fingerprints(
                subject, f"its section {_HOW_TO_VERIFY}", closing, (ca,), found
            )
    return level, timestamp


def _who(der: bytes) -> str:
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return "a certificate that cannot be read"
    parts = [
        subject_part(cert, x509.NameOID.COMMON_NAME),
        subject_part(cert, x509.NameOID.ORGANIZATION_NAME),
    ]
    return ", ".join(part[:120] for part in parts if part) or "unnamed"


def _check_report_index(
    stream: BinaryIO, manifest: Mapping[str, Any], found: Findings
) -> tuple[str, str] | None:
    """The report's embedded index and printed text must give the manifest's hashes and head.

    Returns the text of the cover and of the closing pages (for the fingerprints they print),
    or None when the report's text cannot be read.
    """
    from harmonize_evidence.export.report_index import INDEX_KEY, ReportIndex

    subject = names.REPORT_NAME
    try:
        import pypdf

        stream.seek(0)
        reader = pypdf.PdfReader(stream, strict=False)
        info = reader.trailer.get("/Info")
        raw_index = info.get_object().get("/" + INDEX_KEY) if info is not None else None
        if raw_index is None:
            found.add(subject, "it has no index of the exhibits it shows")
            return None
        index = ReportIndex.from_json(str(raw_index))
        count = len(reader.pages)
        read: dict[int, str] = {}

        def page_text(number: int) -> str:
            if number not in read:
                read[number] = reader.pages[number - 1].extract_text() or ""
            return read[number]

        pages = {*index.cover_pages, *index.list_pages}
        text = " ".join(page_text(number) for number in sorted(pages) if 1 <= number <= count)
        cover = "\n".join(page_text(number) for number in index.cover_pages if 1 <= number <= count)
        closing: list[str] = []
        for number in range(count, max(count - _CLOSING_PAGES, 0), -1):
            if number in pages:
                break
            closing.append(page_text(number))
            if _HOW_TO_VERIFY in closing[-1]:
                break
    except Exception as exc:
        found.add(subject, f"its printed hashes cannot be read ({type(exc).__name__})")
        return None
    printed = set(re.findall(r"[0-9a-f]{64}", text))
    incident = manifest.get("incident")
    if isinstance(incident, Mapping) and index.incident_id != incident.get("id"):
        found.add(subject, "it is the report of another incident")
    head = manifest_head(manifest)
    if head is not None and index.chain_head != head:
        found.add(subject, "the chain head it gives differs from the manifest's")
    if head is not None and head[1] not in printed:
        found.add(subject, "the chain head printed on its cover differs from the manifest's")
    expected = [(str(item.get("exhibit")), item.get("sha256")) for item in manifest_items(manifest)]
    if list(index.exhibits) != expected:
        found.add(subject, "the exhibits and hashes it lists differ from the manifest's")
    for ref, sha in expected:
        if sha and sha not in printed:
            found.add(subject, f"the SHA-256 of exhibit {ref} is not printed in its exhibit list")
    return cover, "\n".join(reversed(closing))
