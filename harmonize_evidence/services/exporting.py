"""Exporting an incident as a signed bundle, and checking a bundle (the export use cases).

:func:`export_bundle` reads each exhibit from the store once, chunk by chunk, and sends the bytes
three ways at the same time: into the bundle (the zip is written in one pass), into a hash that
must match the recorded SHA-256, and into the report's image spool. Nothing holds all the
exhibits at once (the zip's hashing and writing run on a helper thread of the bundle writer;
the store is only ever used from the calling thread). The report is laid out, its images spliced
in, and signed (PAdES); then the manifest and its signature, the certificates and the
instructions complete the zip. The bundle is written beside its final name, flushed to disk and
renamed only when whole, and only then is the export recorded on the incident's custody chain
with the bundle's SHA-256; if that fails, the bundle is removed.

Progress is reported as (done, total): one step per exhibit file, then the report, its
signature, and the recording of the export.

Temporary files (the image spool, the report before it goes into the zip) are anonymous files in
the bundle's own folder, where the bundle's plaintext goes anyway; they vanish when closed.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import tempfile
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harmonize_evidence import TOOL_NAME, __version__
from harmonize_evidence.domain.chain import CustodyEntry, Problem, StoredEntry, verify_chain
from harmonize_evidence.domain.clock import local_time
from harmonize_evidence.domain.errors import BadInput, StoreDamaged
from harmonize_evidence.domain.model import Exhibit, ExhibitKind
from harmonize_evidence.domain.urls import validate_url
from harmonize_evidence.services.evidence import EvidenceStore, Progress

log = logging.getLogger(__name__)

_IMAGE_KINDS = {ExhibitKind.SCREENSHOT, ExhibitKind.IMAGE}
# What signing may add to the report (the signature revision): only for the zip's ZIP64 choice.
_SIGNATURE_ROOM = 16 * 1024 * 1024
# The report is flushed to disk in parts of this size as it goes into the bundle.
_SYNC_EVERY = 32 * 1024 * 1024


@dataclass(frozen=True)
class ExportOptions:
    """How to export."""

    timestamp_url: str | None = None
    """An RFC 3161 timestamp authority's URL: the report is then signed at PAdES B-T."""
    timestamper: Any = None
    """A pyHanko ``TimeStamper`` to use instead of ``timestamp_url`` (a local one in tests)."""


@dataclass(frozen=True)
class ExportResult:
    """What an export produced."""

    bundle: Path
    sha256: str
    size: int
    exhibits: int
    signature_level: str
    entry: CustodyEntry


def _target_path(out: Path, default_name: str) -> Path:
    """The bundle's path: ``out`` itself, or a free name in the folder ``out``."""
    if out.is_dir():
        stem, suffix = default_name.rsplit(".", 1)
        for number in range(1, 1000):
            name = default_name if number == 1 else f"{stem}_{number}.{suffix}"
            if not (out / name).exists():
                return out / name
    target = out
    if target.exists():
        raise BadInput(f"{target} already exists; choose a new file name.")
    if not target.parent.is_dir():
        raise BadInput(f"The folder {target.parent} does not exist.")
    return target


def _checked_chain(store: EvidenceStore, incident_id: str) -> list[CustodyEntry]:
    """The incident's chain, refusing to export one that does not verify."""
    from harmonize_evidence.export.identity import SignatureChecker

    entries = store.log(incident_id)
    rows = [
        StoredEntry(e.seq, e.hash, e.body, e.signature, e.action, e.evidence_sha256)
        for e in entries
    ]
    _, problems = verify_chain(incident_id, rows, SignatureChecker(store.identity.signer_cert_pem))
    if problems:
        raise StoreDamaged(
            f"The custody log of {incident_id} does not verify ({problems[0]}), so it was not "
            "exported; run verify and keep the store for investigation."
        )
    return entries


def export_bundle(
    store: EvidenceStore,
    incident_id: str,
    out: Path,
    *,
    options: ExportOptions | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    """Write the signed bundle of one incident to ``out`` (a file, or a folder to put it in)."""
    # Laying out the report makes many small objects, so the garbage collector runs often; the
    # objects that were there before (modules, a window's widgets) are left out of its passes
    # meanwhile instead of being walked again each time.
    gc.freeze()
    try:
        return _export_bundle(store, incident_id, out, options or ExportOptions(), progress)
    finally:
        gc.unfreeze()


def _export_bundle(
    store: EvidenceStore,
    incident_id: str,
    out: Path,
    options: ExportOptions,
    progress: Progress | None,
) -> ExportResult:
    from harmonize_evidence.export import bundle, instructions, pades, report
    from harmonize_evidence.export.identity import fingerprint
    from harmonize_evidence.export.images import ImageFeeder, image_feeder

    timestamper = options.timestamper
    if timestamper is None and options.timestamp_url:
        timestamper = pades.timestamper_for_url(validate_url(options.timestamp_url))
    incident = store.incident(incident_id)
    exhibits = store.exhibits(incident.id)
    entries = _checked_chain(store, incident.id)
    now = store.clock.now()
    exported = local_time(now, store.clock.zone, store.clock.zone_name)
    target = _target_path(out, bundle.bundle_file_name(incident.id, exported.local))
    identity = store.identity
    producer = store.producer
    with_bytes = [exhibit for exhibit in exhibits if exhibit.has_bytes]
    total = len(with_bytes) + 3
    done = 0

    def advance() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total)

    if progress:
        progress(0, total)
    head = (entries[-1].seq, entries[-1].hash)
    level = pades.LEVEL_B_T if timestamper is not None else pades.LEVEL_B_B
    facts = instructions.BundleFacts(
        incident_id=incident.id,
        exported=f"{exported.utc.strftime('%Y-%m-%d %H:%M')} UTC",
        producer=producer.actor,
        school=producer.school,
        ca_fingerprint=store.fingerprint,
        chain_head_seq=head[0],
        chain_head_hash=head[1],
        bundle_name=target.name,
    )
    try:
        fd, temp_name = tempfile.mkstemp(prefix=".export-", suffix=".partial", dir=target.parent)
    except OSError as exc:
        raise BadInput(f"Cannot write in {target.parent} ({exc.strerror}).") from exc
    try:
        with (
            os.fdopen(fd, "wb") as zip_file,
            tempfile.TemporaryFile(dir=target.parent) as spool,
            tempfile.TemporaryFile(dir=target.parent) as pdf,
            bundle.BundleWriter(zip_file, exported.local) as writer,
        ):
            shown: list[report.ReportExhibit] = []
            sums: list[tuple[str, str]] = []
            pending: list[tuple[int, str, ImageFeeder | None, Future[str]]] = []
            with store.streaming():  # each exhibit is read once: no use caching its pages
                for exhibit in exhibits:
                    if not exhibit.has_bytes:
                        shown.append(report.ReportExhibit(exhibit, None))
                        continue
                    name = bundle.exhibit_file_name(exhibit)
                    feeder = (
                        image_feeder(exhibit.media_type, exhibit.size, spool)
                        if exhibit.kind in _IMAGE_KINDS or exhibit.media_type.startswith("image/")
                        else None
                    )
                    written = writer.add_stream(
                        name,
                        store.read_listed_exhibit(exhibit),
                        exhibit.size,
                        tap=feeder.feed if feeder else None,
                    )
                    pending.append((len(shown), name, feeder, written))
                    shown.append(report.ReportExhibit(exhibit, name))
                    advance()
            for position, name, feeder, written in pending:
                exhibit = shown[position].exhibit
                sha256 = written.result()  # the writer's thread has also fed the image its bytes
                _check_bytes(exhibit, sha256)
                if feeder is not None:
                    shown[position] = report.ReportExhibit(exhibit, name, feeder.finish())
                sums.append((name, sha256))
            # Exhibits are on their way to the disk while the report is laid out.
            flush = getattr(os, "fdatasync", os.fsync)  # macOS and Windows have only fsync
            on_disk = writer.sync(lambda: flush(zip_file.fileno()))

            content = report.ReportContent(
                incident=incident,
                producer=producer,
                exhibits=shown,
                entries=entries,
                exported=exported,
                ca_fingerprint=store.fingerprint,
                signer_fingerprint=fingerprint(identity.signer_cert_pem),
                chain_head=head,
                tool=f"{TOOL_NAME} {__version__}",
                signature_level=level,
                verify_steps=instructions.verification_steps(facts),
            )
            report.build_report(content, spool, pdf)
            spool.close()
            pdf.flush()
            unsigned_size = pdf.tell()
            advance()
            # Signing appends a revision and never changes the bytes before it, so those go
            # into the zip, and to the disk, while the signature is made.
            report_entry = writer.start_file(bundle.REPORT_NAME, unsigned_size + _SIGNATURE_ROOM)
            syncs = [on_disk]
            for start in range(0, unsigned_size, _SYNC_EVERY):
                report_entry.copy(pdf.fileno(), start, min(_SYNC_EVERY, unsigned_size - start))
                syncs.append(writer.sync(lambda: flush(zip_file.fileno())))
            signing = pades.SigningIdentity(
                identity.signer_key_pem, identity.signer_cert_pem, identity.ca_cert_pem
            )
            level = pades.sign_pdf(
                pdf,
                signing,
                pades.SignatureOptions(
                    name=producer.name,
                    reason=f"Evidence report for {incident.id}, exported with its original files",
                    location=producer.school,
                    timestamper=timestamper,
                ),
            )
            pdf.flush()
            pdf_size = os.fstat(pdf.fileno()).st_size
            report_entry.copy(pdf.fileno(), unsigned_size, pdf_size - unsigned_size)
            report_sha = report_entry.finish().result()
            advance()

            # VERIFY.txt first: SHA256SUMS and the signed manifest cover it (see export.bundle).
            verify_sha = writer.add_bytes(
                bundle.VERIFY_NAME, instructions.verify_text(facts).encode("utf-8")
            )
            sums_bytes = bundle.sums_text(
                [(bundle.REPORT_NAME, report_sha), *sums, (bundle.VERIFY_NAME, verify_sha)]
            )
            sums_sha = writer.add_bytes(bundle.SUMS_NAME, sums_bytes)
            manifest = bundle.manifest_bytes(
                bundle.ManifestContent(
                    tool=content.tool,
                    exported=exported,
                    producer=producer,
                    incident=incident,
                    exhibits=exhibits,
                    entries=entries,
                    ca_fingerprint=store.fingerprint,
                    signer_fingerprint=content.signer_fingerprint,
                    report=bundle.ReportFile(report_sha, pdf_size, level),
                    sums_sha256=sums_sha,
                    instructions_sha256=verify_sha,
                )
            )
            manifest_sha = writer.add_bytes(bundle.MANIFEST_NAME, manifest)
            writer.add_bytes(bundle.SIGNATURE_NAME, store.sign(manifest), compress=False)
            writer.add_bytes(bundle.SIGNER_NAME, identity.signer_cert_pem)
            writer.add_bytes(bundle.CA_NAME, identity.ca_cert_pem)
            bundle_sha, bundle_size = writer.close()
            for sync in syncs:
                sync.result()
            zip_file.flush()
            os.fsync(zip_file.fileno())
        try:
            os.link(temp_name, target)
        except FileExistsError as exc:
            raise BadInput(f"{target} already exists; choose a new file name.") from exc
        except OSError as exc:
            if not hasattr(os, "link") or exc.errno in (1, 38, 95):  # no hard links here
                os.replace(temp_name, target)
            else:
                raise BadInput(f"Cannot write {target} ({exc.strerror}).") from exc
    except OSError as exc:
        raise BadInput(f"Cannot write {target} ({exc.strerror or exc}).") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
    try:
        entry = store.record_export(
            incident.id,
            bundle_sha,
            {
                "bundle": target.name,
                "size": bundle_size,
                "exhibits": len(with_bytes),
                "report_sha256": report_sha,
                "manifest_sha256": manifest_sha,
                "signature": level,
                "chain_head": {"seq": head[0], "hash": head[1]},
            },
        )
    except BaseException:
        # An export that is not on the chain must not exist.
        with contextlib.suppress(OSError):
            target.unlink()
        raise
    advance()
    return ExportResult(target, bundle_sha, bundle_size, len(with_bytes), level, entry)


def _check_bytes(exhibit: Exhibit, sha256: str) -> None:
    if sha256 != exhibit.sha256:
        raise StoreDamaged(
            f"The stored bytes of exhibit {exhibit.ref} no longer match its SHA-256, so the "
            "incident was not exported; run verify, and keep the store for investigation."
        )


@dataclass(frozen=True)
class BundleCheck:
    """The result of checking a bundle (see :mod:`harmonize_evidence.export.verifier`)."""

    ok: bool
    problems: tuple[Problem, ...]
    ca_fingerprint: str | None
    """The SHA-256 fingerprint of the bundle's Evidence CA (ca.pem), to compare with the school's
    (the command line prints it as ``signer_fingerprint``)."""
    signer: str | None
    """The person signer.pem names."""
    incident_id: str | None
    exhibits_checked: int
    entries_checked: int
    chain_head: tuple[int, str] | None
    report_signature: str | None
    timestamp: str | None
    refused: bool = False
    """True when the archive was refused unread (not a zip, or built to harm its reader)."""
    school: str | None = None
    """The school (organisation) the Evidence CA certificate names."""
    ca_name: str | None = None
    """The Evidence CA certificate's own name."""
    signer_school: str | None = None
    """The school (organisation) signer.pem names."""
    signing_certificate_fingerprint: str | None = None
    """The SHA-256 fingerprint of signer.pem."""
    expected_fingerprint: str | None = None
    """The Evidence CA fingerprint the recipient said to expect (``AB:CD:...``), if any."""
    fingerprint_matches: bool | None = None
    """Whether ca.pem's fingerprint is the expected one; None when none was given."""


def expected_fingerprint(text: str) -> str:
    """A fingerprint as someone typed it, as ``AB:CD:...``: colons and spaces optional, any case.

    Raises :class:`BadInput` when it is not a SHA-256 fingerprint (64 hexadecimal digits).
    """
    digits = "".join(text.split()).replace(":", "")
    if len(digits) != 64 or any(char not in "0123456789abcdefABCDEF" for char in digits):
        raise BadInput(
            "The expected fingerprint must be the SHA-256 fingerprint of the school's Evidence CA: "
            "64 hexadecimal digits, in pairs with or without colons, as the school's copy of the "
            "program prints it."
        )
    digits = digits.upper()
    return ":".join(digits[i : i + 2] for i in range(0, 64, 2))


def verify_bundle(
    path: Path, progress: Progress | None = None, *, expect_fingerprint: str | None = None
) -> BundleCheck:
    """Check a bundle on its own: no store, nothing unpacked to disk.

    ``expect_fingerprint`` is the Evidence CA fingerprint the school gave by a second channel,
    as typed (see :func:`expected_fingerprint`); a bundle of another CA then fails.
    """
    from harmonize_evidence.export.verifier import verify_bundle as check

    expected = None if expect_fingerprint is None else expected_fingerprint(expect_fingerprint)
    if not path.is_file():
        raise BadInput(f"There is no file {path}.")
    result = check(path, progress, expected)
    return BundleCheck(
        ok=result.ok,
        problems=result.problems,
        ca_fingerprint=result.ca_fingerprint,
        signer=result.signer,
        incident_id=result.incident_id,
        exhibits_checked=result.exhibits_checked,
        entries_checked=result.entries_checked,
        chain_head=result.chain_head,
        report_signature=result.report_signature,
        timestamp=result.timestamp,
        refused=result.refused,
        school=result.school,
        ca_name=result.ca_name,
        signer_school=result.signer_school,
        signing_certificate_fingerprint=result.signer_fingerprint,
        expected_fingerprint=result.expected_fingerprint,
        fingerprint_matches=result.fingerprint_matches,
    )


def bundle_check_text(check: BundleCheck, *, fingerprint_lines: int = 1) -> str:
    """What the command line and the desktop application say of a bundle check.

    The verdict (or each problem, named by its file), then who the certificates name and the
    Evidence CA fingerprint, which the recipient compares with the school's. With
    ``fingerprint_lines=2`` the fingerprint is split into two lines of 16 pairs, as on the
    report's cover, so a dialog shows it whole.
    """
    if check.ok:
        lines = [
            f"The bundle is intact: {check.exhibits_checked} exhibit file(s), the signed report "
            f"({check.report_signature}) and {check.entries_checked} custody entries of "
            f"{check.incident_id} all check out."
        ]
    else:
        problems = [str(problem) for problem in check.problems]
        lines = [f"The bundle failed {len(problems)} check(s):", *(f"  - {p}" for p in problems)]
    fingerprint = check.ca_fingerprint
    if fingerprint is None:
        return "\n".join(lines)
    if fingerprint_lines == 2:
        pairs = fingerprint.split(":")
        shown = [":".join(pairs[:16]) + ":", ":".join(pairs[16:])]
    else:
        shown = [fingerprint]
    signed_by = ", ".join(part for part in (check.signer, check.signer_school) if part)
    lines += [
        f"School (named by its Evidence CA): {check.school or 'not named'}",
        f"Signed by: {signed_by or 'not named'}",
        "Evidence CA fingerprint (SHA-256):",
        *(f"  {line}" for line in shown),
    ]
    if check.fingerprint_matches:
        lines.append("This fingerprint matches the one you expected.")
    elif check.ok:
        lines.append(
            "Compare this fingerprint with the one the school gives you by telephone or from a "
            "known school email address; a school's name in a certificate proves nothing."
        )
    return "\n".join(lines)
