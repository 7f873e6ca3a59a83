"""``verify-bundle``: checking an exported bundle on its own, with no store and nothing written.

The archive is inspected before any content is read: entries outside the bundle's root,
absolute paths, symbolic links, encrypted or unusually compressed entries, overlapping entries,
too many entries, too many bytes, or a compression ratio only a zip bomb has, and nothing more
is read. Otherwise the checks are, each problem named by the file it concerns:

- ``ca.pem`` and ``signer.pem`` each hold exactly one certificate; ``ca.pem``'s is a CA
  certificate (basic constraints, and key usage if given, let it issue certificates) and
  ``signer.pem``'s was issued by it (issuer name and signature);
- ``manifest.sig`` is a valid signature of ``manifest.json`` by ``signer.pem``;
- exactly the files the manifest lists are there, and each hashes to its recorded SHA-256;
- ``report.pdf``'s PAdES signature is intact, valid, trusted to the one certificate of
  ``ca.pem``, made by the certificate in ``signer.pem`` and no other, and covers the whole file;
- the report's embedded index, and the text printed on its cover and exhibit-list pages, give
  the same exhibit hashes and chain head as the manifest;
- every fingerprint the bundle prints is the real one, computed from ``ca.pem`` (and, where the
  signing certificate's is meant, from ``signer.pem``): the manifest's ``certificates``, the
  report's cover (which must give ca.pem's) and its closing section "How to verify this
  bundle", and VERIFY.txt (which must give it). A fingerprint here is 32 hex pairs joined by
  colons, as the bundle prints them;
- VERIFY.txt hashes to the SHA-256 the manifest records for it, and SHA256SUMS lists exactly
  the report, the exhibit files and VERIFY.txt with the manifest's hashes (what ``sha256sum
  -c`` then confirms). A bundle of manifest version 1 has no hash of VERIFY.txt: that is
  reported as a problem of VERIFY.txt, and every other check is made as usual;
- the custody log in the manifest: every entry's hash, link, sequence number and signature, its
  head, and that each item is the one its custody entry recorded;
- with an expected fingerprint (``verify-bundle --expect-fingerprint``), that ca.pem's is it.

Trust: every check is against the certificates inside the bundle. What ties the bundle to the
school is the Evidence CA fingerprint, which the recipient compares by a second channel (or
gives as the expected fingerprint); the school and person named in the certificates are
reported so that a bundle of another school is visibly one, but a name proves nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import itertools
import json
import re
import stat
import struct
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import Encoding

from harmonize_evidence.domain.chain import (
    Problem,
    StoredEntry,
    metadata_digest,
    verify_chain,
)
from harmonize_evidence.domain.model import EVIDENCE_ADDED
from harmonize_evidence.export import bundle as names
from harmonize_evidence.signing.identity import SignatureChecker, fingerprint

MAX_ENTRIES = 20_000
MAX_TOTAL_BYTES = 64 * 1024**3
MAX_SMALL_FILE = 64 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed; deflate of real files stays far below
_RATIO_FLOOR = 1024 * 1024  # small entries may compress well without being bombs
MAX_IN_MEMORY_PDF = 1024 * 1024 * 1024
_READ = 1 << 20
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
# A fingerprint as the bundle prints it: hex pairs joined by colons, perhaps broken across lines
# after a colon (the report's cover). Longer runs are caught whole, and then match nothing.
_PRINTED_FINGERPRINT = re.compile(r"(?:[0-9A-Fa-f]{2}:\s*){31,}[0-9A-Fa-f]{2}")
_SUMS_LINE = re.compile(r"^([0-9a-f]{64})  (\S.*)$")
# The report's closing section, which repeats the CA fingerprint (see export.report); it starts
# on one of the last pages, after the continuity statement.
_HOW_TO_VERIFY = "How to verify this bundle"
_CLOSING_PAGES = 3

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BundleVerification:
    """What ``verify-bundle`` found."""

    problems: tuple[Problem, ...]
    ca_fingerprint: str | None = None
    """The SHA-256 fingerprint of the certificate in ca.pem (``AB:CD:...``)."""
    signer: str | None = None
    """The person signer.pem names (its subject's common name)."""
    incident_id: str | None = None
    exhibits_checked: int = 0
    entries_checked: int = 0
    chain_head: tuple[int, str] | None = None
    report_signature: str | None = None
    timestamp: str | None = None
    refused: bool = False
    school: str | None = None
    """The organisation ca.pem names: the school whose Evidence CA it is."""
    ca_name: str | None = None
    """The Evidence CA's own name (its subject's common name)."""
    signer_school: str | None = None
    """The organisation signer.pem names."""
    signer_fingerprint: str | None = None
    """The SHA-256 fingerprint of the certificate in signer.pem."""
    expected_fingerprint: str | None = None
    """The CA fingerprint the recipient expected, if they gave one."""

    @property
    def ok(self) -> bool:
        """True when nothing was found wrong."""
        return not self.problems

    @property
    def fingerprint_matches(self) -> bool | None:
        """Whether ca.pem's fingerprint is the expected one; None when none was expected."""
        if self.expected_fingerprint is None:
            return None
        return self.ca_fingerprint == self.expected_fingerprint


@dataclass(frozen=True)
class _Certificates:
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


class UnsafeArchive(Exception):
    """The archive must not be read (it is not a zip, or it is crafted to harm the reader)."""


# -- the archive ---------------------------------------------------------------------------------


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return info.create_system == 3 and stat.S_ISLNK(mode)


def check_archive(archive: zipfile.ZipFile, raw: BinaryIO) -> list[zipfile.ZipInfo]:
    """Refuse an unsafe archive before reading any entry's content; returns its entries."""
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise UnsafeArchive(f"it has {len(infos):,} entries, more than a bundle ever has")
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        shown = name.encode("unicode_escape").decode("ascii")[:120]
        if "\x00" in name or "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
            raise UnsafeArchive(f"the entry {shown} has an absolute or unsafe path")
        parts = name.split("/")
        if any(part in ("", ".", "..") for part in parts[:-1]) or parts[-1] in (".", ".."):
            raise UnsafeArchive(f"the entry {shown} points outside the bundle")
        if _is_symlink(info):
            raise UnsafeArchive(f"the entry {shown} is a symbolic link")
        if info.flag_bits & 0x1:
            raise UnsafeArchive(f"the entry {shown} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnsafeArchive(f"the entry {shown} uses an unexpected compression method")
        if name in seen:
            raise UnsafeArchive(f"the entry {shown} appears twice")
        seen.add(name)
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise UnsafeArchive("its files would unpack to more bytes than a bundle ever has")
        if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise UnsafeArchive(
                f"the entry {shown} is compressed {info.file_size // max(info.compress_size, 1):,}"
                " to 1, which only a zip bomb is"
            )
    _check_overlaps(infos, raw)
    return infos


def _check_overlaps(infos: Sequence[zipfile.ZipInfo], raw: BinaryIO) -> None:
    """Entries whose data overlap (a bomb that reuses one compressed stream) are refused."""
    spans = []
    for info in infos:
        raw.seek(info.header_offset)
        header = raw.read(30)
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise UnsafeArchive(f"the entry {info.filename[:120]!r} has no valid local header")
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        start = info.header_offset
        end = start + 30 + name_length + extra_length + info.compress_size
        spans.append((start, end))
    spans.sort()
    for (_, end), (next_start, _) in itertools.pairwise(spans):
        if next_start < end:
            raise UnsafeArchive("two of its entries overlap, as in a zip bomb")


class _Window(io.RawIOBase):
    """A read-only, seekable view of a run of bytes inside a file (an uncompressed entry)."""

    def __init__(self, raw: BinaryIO, start: int, length: int) -> None:
        self._raw, self._start, self._length, self._position = raw, start, length, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._length}[whence]
        self._position = max(0, min(self._length, base + offset))
        return self._position

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        want = min(len(view), self._length - self._position)
        if want <= 0:
            return 0
        self._raw.seek(self._start + self._position)
        got = self._raw.readinto(view[:want])  # type: ignore[attr-defined]
        got = got or 0
        self._position += got
        return int(got)


def _entry_stream(archive: zipfile.ZipFile, raw: BinaryIO, info: zipfile.ZipInfo) -> BinaryIO:
    """A seekable stream of an entry's content, read in place when it is stored uncompressed."""
    if info.compress_type == zipfile.ZIP_STORED:
        raw.seek(info.header_offset)
        header = raw.read(30)
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        start = info.header_offset + 30 + name_length + extra_length
        return io.BufferedReader(_Window(raw, start, info.file_size), buffer_size=_READ)
    if info.file_size > MAX_IN_MEMORY_PDF:
        raise UnsafeArchive(f"{info.filename} is compressed and too large to check in memory")
    with archive.open(info) as entry:
        return io.BytesIO(entry.read())


def _read_small(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > MAX_SMALL_FILE:
        raise UnsafeArchive(f"{info.filename} is far larger than such a file ever is")
    with archive.open(info) as entry:
        return entry.read(MAX_SMALL_FILE + 1)


def _hash_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    digest = hashlib.sha256()
    with archive.open(info) as entry:
        while piece := entry.read(_READ):
            digest.update(piece)
    return digest.hexdigest()


def _hash_stream(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    stream.seek(0)
    while piece := stream.read(_READ):
        digest.update(piece)
    return digest.hexdigest()


# -- the checks ----------------------------------------------------------------------------------


@dataclass
class _Findings:
    problems: list[Problem] = field(default_factory=list)

    def add(self, subject: str, message: str) -> None:
        self.problems.append(Problem(subject, message))


def verify_bundle(
    path: Path, progress: Progress | None = None, expected_fingerprint: str | None = None
) -> BundleVerification:
    """Check a bundle; every problem names the file it concerns. Nothing is written to disk.

    ``expected_fingerprint`` (``AB:CD:...``, upper case) is the Evidence CA fingerprint the
    recipient was given by a second channel: a ca.pem with another one is a problem.
    """
    try:
        raw = path.open("rb")
    except OSError as exc:
        return BundleVerification(
            (Problem(path.name, f"it cannot be opened ({exc.strerror})"),),
            refused=True,
            expected_fingerprint=expected_fingerprint,
        )
    with raw:
        try:
            archive = zipfile.ZipFile(raw)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return BundleVerification(
                (Problem(path.name, "it is not a zip archive, or it is damaged"),),
                refused=True,
                expected_fingerprint=expected_fingerprint,
            )
        with archive:
            try:
                infos = check_archive(archive, raw)
            except UnsafeArchive as exc:
                return BundleVerification(
                    (Problem(path.name, f"refused without unpacking: {exc}"),),
                    refused=True,
                    expected_fingerprint=expected_fingerprint,
                )
            return _verify_contents(archive, raw, infos, progress, expected_fingerprint)


def _verify_contents(
    archive: zipfile.ZipFile,
    raw: BinaryIO,
    infos: Sequence[zipfile.ZipInfo],
    progress: Progress | None,
    expected_fingerprint: str | None = None,
) -> BundleVerification:
    found = _Findings()
    by_name = {info.filename: info for info in infos if not info.is_dir()}
    small: dict[str, bytes] = {}
    for name in (
        names.MANIFEST_NAME,
        names.SIGNATURE_NAME,
        names.SIGNER_NAME,
        names.CA_NAME,
        names.SUMS_NAME,
    ):
        info = by_name.get(name)
        if info is None:
            found.add(name, "it is missing from the bundle")
            continue
        try:
            small[name] = _read_small(archive, info)
        except (zipfile.BadZipFile, OSError, EOFError, UnsafeArchive) as exc:
            found.add(name, f"it cannot be read ({exc})")

    checker, certificates = _check_certificates(small, found)
    manifest = _check_manifest(small, checker, found)
    _check_manifest_fingerprints(manifest, certificates, found)
    exhibits = [item for item in _items(manifest) if item.get("file")]
    total = len(exhibits) + 3
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(min(done, total), total)

    _check_file_list(manifest, by_name, found)
    for item in exhibits:
        _check_exhibit(archive, by_name, item, found)
        step()
    report_check = _check_report(
        archive,
        raw,
        by_name,
        manifest=manifest,
        small=small,
        certificates=certificates,
        found=found,
    )
    step()
    entries_checked, head = _check_custody(manifest, checker, found)
    _check_sums(manifest, small, found)
    _check_instructions(archive, by_name, manifest, certificates, found)
    step()
    ca_fingerprint = certificates.ca_fingerprint if certificates else None
    if expected_fingerprint is not None and ca_fingerprint not in (None, expected_fingerprint):
        found.add(
            names.CA_NAME,
            f"its fingerprint is not the one you expected ({expected_fingerprint}): this bundle "
            "was not signed by the Evidence CA you were told of",
        )
    incident = manifest.get("incident") if manifest else None
    return BundleVerification(
        problems=tuple(found.problems),
        ca_fingerprint=ca_fingerprint,
        signer=certificates.signer if certificates else None,
        incident_id=str(incident.get("id")) if isinstance(incident, Mapping) else None,
        exhibits_checked=len(exhibits),
        entries_checked=entries_checked,
        chain_head=head,
        report_signature=report_check[0],
        timestamp=report_check[1],
        school=certificates.school if certificates else None,
        ca_name=certificates.ca_name if certificates else None,
        signer_school=certificates.signer_school if certificates else None,
        signer_fingerprint=certificates.signer_fingerprint if certificates else None,
        expected_fingerprint=expected_fingerprint,
    )


def _check_certificates(
    small: Mapping[str, bytes], found: _Findings
) -> tuple[SignatureChecker | None, _Certificates | None]:
    signer_pem, ca_pem = small.get(names.SIGNER_NAME), small.get(names.CA_NAME)
    if signer_pem is None or ca_pem is None:
        return None, None
    signer_cert = _one_certificate(names.SIGNER_NAME, signer_pem, found)
    ca_cert = _one_certificate(names.CA_NAME, ca_pem, found)
    if signer_cert is None or ca_cert is None:
        return None, None
    signer_only = signer_cert.public_bytes(Encoding.PEM)
    ca_only = ca_cert.public_bytes(Encoding.PEM)
    try:
        checker = SignatureChecker(signer_only)
    except (ValueError, TypeError):
        found.add(names.SIGNER_NAME, "its key is not one this program signs with")
        checker = None
    try:
        signer_cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        found.add(names.SIGNER_NAME, "it was not issued by the Evidence CA in ca.pem")
    if not _may_issue_certificates(ca_cert):
        found.add(
            names.CA_NAME,
            "it is not a CA certificate (its basic constraints or key usage do not let it "
            "issue certificates), so it cannot vouch for signer.pem",
        )
    return checker, _Certificates(
        ca_fingerprint=fingerprint(ca_only),
        signer_fingerprint=fingerprint(signer_only),
        ca_pem=ca_only,
        signer_der=signer_cert.public_bytes(Encoding.DER),
        school=_subject_part(ca_cert, x509.NameOID.ORGANIZATION_NAME),
        ca_name=_subject_part(ca_cert, x509.NameOID.COMMON_NAME),
        signer=_subject_part(signer_cert, x509.NameOID.COMMON_NAME),
        signer_school=_subject_part(signer_cert, x509.NameOID.ORGANIZATION_NAME),
    )


def _one_certificate(name: str, data: bytes, found: _Findings) -> x509.Certificate | None:
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


def _subject_part(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str | None:
    values = cert.subject.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def _canonical_fingerprint(value: object) -> str | None:
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


def _check_printed_fingerprints(
    subject: str,
    where: str,
    text: str,
    allowed: Sequence[str],
    found: _Findings,
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


def _check_manifest_fingerprints(
    manifest: Mapping[str, Any] | None, certificates: _Certificates | None, found: _Findings
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
        if _canonical_fingerprint(value) != actual:
            found.add(
                names.MANIFEST_NAME,
                f"the {label} fingerprint it records ({str(value)[:120]}) is not that of {source}",
            )


def _check_manifest(
    small: Mapping[str, bytes], checker: SignatureChecker | None, found: _Findings
) -> Mapping[str, Any] | None:
    data = small.get(names.MANIFEST_NAME)
    signature = small.get(names.SIGNATURE_NAME)
    if data is None:
        return None
    if checker is not None and signature is not None and not checker(signature, data):
        found.add(
            names.MANIFEST_NAME,
            "its signature (manifest.sig) does not match: it was changed after it was signed, "
            "or not signed by signer.pem",
        )
    try:
        return names.parse_manifest(data)
    except (ValueError, UnicodeDecodeError) as exc:
        found.add(names.MANIFEST_NAME, f"it cannot be read ({exc})")
        return None


def _items(manifest: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    if not manifest or not isinstance(manifest.get("items"), list):
        return []
    return [item for item in manifest["items"] if isinstance(item, Mapping)]


def _check_file_list(
    manifest: Mapping[str, Any] | None, by_name: Mapping[str, zipfile.ZipInfo], found: _Findings
) -> None:
    if manifest is None:
        return
    listed = {str(item["file"]) for item in _items(manifest) if item.get("file")}
    for name in sorted(listed):
        if not name.startswith(names.EXHIBITS_DIR) or not _SAFE_NAME.match(
            name[len(names.EXHIBITS_DIR) :]
        ):
            found.add(
                names.MANIFEST_NAME, f"it lists an exhibit file with an unsafe name ({name[:80]})"
            )
    for name in sorted(set(by_name) - listed - names.FIXED_NAMES):
        found.add(name, "it is in the bundle but not listed in the manifest")
    if names.VERIFY_NAME not in by_name:
        found.add(names.VERIFY_NAME, "it is missing from the bundle")
    if names.REPORT_NAME not in by_name:
        found.add(names.REPORT_NAME, "it is missing from the bundle")


def _check_exhibit(
    archive: zipfile.ZipFile,
    by_name: Mapping[str, zipfile.ZipInfo],
    item: Mapping[str, Any],
    found: _Findings,
) -> None:
    name = str(item["file"])
    info = by_name.get(name)
    if info is None:
        found.add(name, f"exhibit {item.get('exhibit')} is listed in the manifest but missing")
        return
    try:
        actual = _hash_entry(archive, info)
    except (zipfile.BadZipFile, OSError, EOFError):
        found.add(name, "it is damaged or was changed (its zip checksum fails)")
        return
    if actual != item.get("sha256"):
        found.add(name, "its SHA-256 does not match the manifest: it was changed")
    elif info.file_size != item.get("size"):
        found.add(name, "its size does not match the manifest")


def _check_report(
    archive: zipfile.ZipFile,
    raw: BinaryIO,
    by_name: Mapping[str, zipfile.ZipInfo],
    *,
    manifest: Mapping[str, Any] | None,
    small: Mapping[str, bytes],
    certificates: _Certificates | None,
    found: _Findings,
) -> tuple[str | None, str | None]:
    from harmonize_evidence.export.pades import check_pdf_signature

    info = by_name.get(names.REPORT_NAME)
    if info is None:
        return None, None
    subject = names.REPORT_NAME
    try:
        stream = _entry_stream(archive, raw, info)
    except (zipfile.BadZipFile, OSError, EOFError, UnsafeArchive) as exc:
        found.add(subject, f"it cannot be read ({exc})")
        return None, None
    report = manifest.get("report") if manifest else None
    if isinstance(report, Mapping) and _hash_stream(stream) != report.get("sha256"):
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
            signed_by = _pdf_signing_certificate(stream)
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
            _check_printed_fingerprints(
                subject,
                "its cover",
                cover,
                (ca, certificates.signer_fingerprint),
                found,
                required=ca,
            )
            _check_printed_fingerprints(
                subject, f"its section {_HOW_TO_VERIFY}", closing, (ca,), found
            )
    return level, timestamp


def _pdf_signing_certificate(stream: BinaryIO) -> bytes | None:
    """The DER of the certificate that made the PDF's one signature, if it can be read."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        stream.seek(0)
        signatures = PdfFileReader(stream, strict=False).embedded_signatures
        if len(signatures) != 1:
            return None
        return bytes(signatures[0].signer_cert.dump())
    except Exception:  # a signature this broken is already reported by the validator
        return None


def _who(der: bytes) -> str:
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return "a certificate that cannot be read"
    parts = [
        _subject_part(cert, x509.NameOID.COMMON_NAME),
        _subject_part(cert, x509.NameOID.ORGANIZATION_NAME),
    ]
    return ", ".join(part[:120] for part in parts if part) or "unnamed"


def _check_report_index(
    stream: BinaryIO, manifest: Mapping[str, Any], found: _Findings
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

        pages = {index.cover_page, *index.list_pages}
        text = " ".join(page_text(number) for number in sorted(pages) if 1 <= number <= count)
        cover = page_text(index.cover_page) if 1 <= index.cover_page <= count else ""
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
    head = _head(manifest)
    if head is not None and index.chain_head != head:
        found.add(subject, "the chain head it gives differs from the manifest's")
    if head is not None and head[1] not in printed:
        found.add(subject, "the chain head printed on its cover differs from the manifest's")
    expected = [(str(item.get("exhibit")), item.get("sha256")) for item in _items(manifest)]
    if list(index.exhibits) != expected:
        found.add(subject, "the exhibits and hashes it lists differ from the manifest's")
    for ref, sha in expected:
        if sha and sha not in printed:
            found.add(subject, f"the SHA-256 of exhibit {ref} is not printed in its exhibit list")
    return cover, "\n".join(reversed(closing))


def _head(manifest: Mapping[str, Any]) -> tuple[int, str] | None:
    custody = manifest.get("custody")
    if not isinstance(custody, Mapping) or not isinstance(custody.get("head"), Mapping):
        return None
    try:
        return int(custody["head"]["seq"]), str(custody["head"]["hash"])
    except (KeyError, TypeError, ValueError):
        return None


def _check_custody(
    manifest: Mapping[str, Any] | None, checker: SignatureChecker | None, found: _Findings
) -> tuple[int, tuple[int, str] | None]:
    if manifest is None:
        return 0, None
    subject = names.MANIFEST_NAME
    custody = manifest.get("custody")
    incident = manifest.get("incident")
    if not isinstance(custody, Mapping) or not isinstance(incident, Mapping):
        found.add(subject, "it has no custody log")
        return 0, None
    rows: list[StoredEntry] = []
    for raw_entry in custody.get("entries") or []:
        try:
            body = str(raw_entry["body"]).encode("utf-8")
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None  # verify_chain names the entry that cannot be read
            rows.append(
                StoredEntry(
                    seq=int(raw_entry["seq"]),
                    hash=str(raw_entry["hash"]),
                    body=body,
                    signature=base64.b64decode(str(raw_entry["signature"]), validate=True),
                    evidence_sha256=parsed.get("evidence_sha256")
                    if isinstance(parsed, dict)
                    else None,
                )
            )
        except (KeyError, TypeError, ValueError, binascii.Error):
            found.add(subject, "a custody entry in it cannot be read")
    if checker is None:
        return 0, _head(manifest)

    entries, problems = verify_chain(str(incident.get("id")), rows, checker)
    for problem in problems:
        found.add(f"{subject} {problem.subject}", problem.message)
    head = _head(manifest)
    if not rows:
        found.add(subject, "its custody log is empty")
    elif head is None or head != (rows[-1].seq, rows[-1].hash):
        found.add(subject, "its custody log does not end at the chain head it records")
    added = {
        str(entry.details.get("exhibit")): entry
        for entry in entries
        if entry.action in EVIDENCE_ADDED
    }
    items = _items(manifest)
    refs = {str(item.get("exhibit")) for item in items}
    for ref, adding in added.items():
        if ref not in refs:
            found.add(
                f"{subject} custody entry {adding.seq}",
                f"it records exhibit {ref}, which is missing from the manifest",
            )
    for item in items:
        ref = str(item.get("exhibit"))
        entry = added.get(ref)
        if entry is None:
            found.add(subject, f"exhibit {ref} is not recorded in the custody log")
            continue
        if entry.evidence_sha256 != item.get("sha256"):
            found.add(subject, f"exhibit {ref} has a SHA-256 other than its custody entry's")
        metadata = item.get("metadata")
        if not isinstance(metadata, Mapping) or entry.details.get(
            "metadata_sha256"
        ) != metadata_digest(metadata):
            found.add(subject, f"exhibit {ref} has metadata other than its custody entry recorded")
        sha = item.get("sha256")
        if sha is not None and not _HEX64.match(str(sha)):
            found.add(subject, f"exhibit {ref} has a malformed SHA-256")
    return len(entries), head


def _check_sums(
    manifest: Mapping[str, Any] | None, small: Mapping[str, bytes], found: _Findings
) -> None:
    """SHA256SUMS is the one the manifest records, and lists what the manifest hashes."""
    subject = names.SUMS_NAME
    data = small.get(subject)
    if manifest is None or data is None:
        return
    checksums = manifest.get("checksums")
    if not isinstance(checksums, Mapping) or hashlib.sha256(data).hexdigest() != checksums.get(
        "sha256"
    ):
        found.add(subject, "its SHA-256 does not match the manifest: it was changed")
    expected = _hashed_by_manifest(manifest)
    listed: dict[str, str] = {}
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
        match = _SUMS_LINE.match(line)
        if match is None:
            found.add(subject, f"its line {number} cannot be read")
            continue
        listed[match.group(2)] = match.group(1)
    for name, sha in expected.items():
        if name not in listed:
            found.add(subject, f"it does not list {name}")
        elif listed[name] != sha:
            found.add(subject, f"it gives {name} a SHA-256 other than the manifest's")
    for name in listed.keys() - expected.keys():
        found.add(subject, f"it lists {name[:120]}, which the manifest does not hash")


def _hashed_by_manifest(manifest: Mapping[str, Any]) -> dict[str, str]:
    """Every file that SHA256SUMS must list, with the SHA-256 the manifest records for it."""
    hashed: dict[str, str] = {}
    report = manifest.get("report")
    if isinstance(report, Mapping):
        hashed[names.REPORT_NAME] = str(report.get("sha256"))
    for item in _items(manifest):
        if item.get("file"):
            hashed[str(item["file"])] = str(item.get("sha256"))
    if manifest.get("version") != 1:  # version 1 left VERIFY.txt out
        instructions = manifest.get("instructions")
        recorded = instructions.get("sha256") if isinstance(instructions, Mapping) else None
        hashed[names.VERIFY_NAME] = str(recorded)
    return hashed


def _check_instructions(
    archive: zipfile.ZipFile,
    by_name: Mapping[str, zipfile.ZipInfo],
    manifest: Mapping[str, Any] | None,
    certificates: _Certificates | None,
    found: _Findings,
) -> None:
    """VERIFY.txt is the one the manifest hashes, and gives ca.pem's fingerprint and no other."""
    subject = names.VERIFY_NAME
    info = by_name.get(subject)
    if info is None:
        return  # already named as missing
    try:
        data = _read_small(archive, info)
    except (zipfile.BadZipFile, OSError, EOFError, UnsafeArchive) as exc:
        found.add(subject, f"it cannot be read ({exc})")
        return
    if manifest is not None:
        recorded = manifest.get("instructions")
        if manifest.get("version") == 1:
            found.add(
                subject,
                "no hash covers it: the bundle was made before VERIFY.txt was hashed (manifest "
                "version 1), so it may have been rewritten; follow the steps printed in the "
                "signed report instead",
            )
        elif not isinstance(recorded, Mapping) or recorded.get("file") != subject:
            found.add(names.MANIFEST_NAME, "it does not record the SHA-256 of VERIFY.txt")
        elif hashlib.sha256(data).hexdigest() != recorded.get("sha256"):
            found.add(subject, "its SHA-256 does not match the manifest: it was changed")
    if certificates is not None:
        ca = certificates.ca_fingerprint
        _check_printed_fingerprints(
            subject, "it", data.decode("utf-8", "replace"), (ca,), found, required=ca
        )
