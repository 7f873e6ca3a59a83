"""Exporting an incident as a signed bundle (the export use case).

:func:`export_bundle` reads each exhibit from the store once, chunk by chunk, and sends the bytes
three ways at the same time: into the bundle (the zip is written in one pass), into a hash that
must match the recorded SHA-256, and into the report's image spool. Nothing holds all the
exhibits at once (the zip's hashing and writing run on a helper thread of the bundle writer;
the store is only ever used from the calling thread). The report is laid out, its images spliced
in, and signed (PAdES); then the manifest and its signature, the certificates and the
instructions complete the zip.

No bundle exists that the chain does not record: the bundle is written under a hidden temporary
name, recorded on the incident's custody chain, and only then given its final name. What stops
or kills an export before then is cleaned up by
:mod:`harmonize_evidence.services.unfinished_exports`.

The bundle of a case received from a member of staff is signed by this store (the lead's) and
also carries the staff chain as received, with their certificates (manifest version 3, see
:mod:`harmonize_evidence.export.bundle`); both chains must verify before anything is written.

Progress is reported as (done, total): one step per exhibit file, then the report, its
signature, and the recording of the export.

Temporary files (the image spool, the report before it goes into the zip) are anonymous files in
the bundle's own folder, where the bundle's plaintext goes anyway; they vanish when closed.

Checking a bundle is :mod:`harmonize_evidence.services.bundle_check`.

Why this module is over 500 lines: the export is one transaction-like sequence (the bundle's
name reserved, the files written and synced, the report laid out and signed, the entry committed
before the name appears, and every way of stopping cleaned up) whose steps must be read together
to see that a killed export leaves no bundle that the chain does not record. The report, the
bundle's format and the signature live in ``export``.
"""

from __future__ import annotations

import gc
import os
import tempfile
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harmonize_evidence import TOOL_NAME, __version__
from harmonize_evidence.domain.chain import CustodyEntry
from harmonize_evidence.domain.clock import local_time
from harmonize_evidence.domain.errors import BadInput, StoreDamaged
from harmonize_evidence.domain.handover import short_fingerprint
from harmonize_evidence.domain.model import Exhibit, ExhibitKind, Incident, Recipient
from harmonize_evidence.domain.text import NAME_MAX, check_text
from harmonize_evidence.domain.urls import validate_url
from harmonize_evidence.domain.wording import counted, recipient_text
from harmonize_evidence.services.evidence import EvidenceStore, Progress
from harmonize_evidence.services.job_title import statement_title
from harmonize_evidence.services.out_paths import target_path
from harmonize_evidence.services.producers import kept_chain
from harmonize_evidence.services.unfinished_exports import (
    UnfinishedExport,
    finish_interrupted_exports,
    write_problem,
)

if TYPE_CHECKING:
    from harmonize_evidence.export.bundle import SenderChain

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
    recipient: Recipient | None = None
    """Who the bundle is for; recorded in the export's custody entry and printed on the cover
    and in VERIFY.txt. None: the exporter did not say."""
    recipient_name: str = ""
    """Who exactly, in the exporter's words (an officer, a force, a role); required for
    :attr:`Recipient.OTHER`."""

    def checked(self) -> ExportOptions:
        """These options, refused (:class:`BadInput`) when who the bundle is for cannot be used."""
        name = " ".join(self.recipient_name.split())
        if self.recipient is Recipient.OTHER and not name:
            raise BadInput(
                "Say who the bundle is for when it is for someone other than a senior manager or "
                "the police."
            )
        if self.recipient_name:
            check_text(self.recipient_name, "name of who the bundle is for", max_length=NAME_MAX)
        if self.timestamp_url:
            validate_url(self.timestamp_url)
        return self

    @property
    def recipient_words(self) -> str:
        """Who the bundle is for, in words; empty when the exporter did not say."""
        return recipient_text(self.recipient, self.recipient_name)


@dataclass(frozen=True)
class ExportResult:
    """What an export produced."""

    incident_id: str
    bundle: Path
    sha256: str
    size: int
    exhibits: int
    signature_level: str
    entry: CustodyEntry | None
    """The export's custody entry; ``None`` when the store is read-only and could not record it."""
    ca_fingerprint: str = ""
    """The SHA-256 fingerprint of the Evidence CA that signed it (the one to read out)."""
    recipient: str = ""
    """Who the bundle is for, in words; empty when the exporter did not say."""


def export_result_text(result: ExportResult) -> str:
    """What the user reads once the bundle is written, in the CLI and the GUI alike: what to
    send, how, the fingerprint to read out and what the recipient does with it."""
    to = result.recipient or "the person it is for"
    size = _size_text(result.size)
    lines = [
        f"Send this file: {result.bundle.name} ({size})",
        f"It is in the folder {result.bundle.parent}.",
        "",
        f"It is not encrypted, so do not attach it to an ordinary email. Give it to {to} by a "
        "secure route: a secure upload link or secure email they give you, or an encrypted USB "
        "stick handed over in person.",
    ]
    if result.ca_fingerprint:
        lines += [
            "",
            "Then telephone them and read out your evidence key's fingerprint:",
            f"    {short_fingerprint(result.ca_fingerprint)}",
            "They check that the fingerprint the bundle gives (in VERIFY.txt, inside it) begins "
            "with these characters. Only then can they trust that it came from you unchanged.",
        ]
    if result.entry is None:
        lines += [
            "",
            f"The evidence store is read-only, so this export is not recorded in the custody "
            f"log of {result.incident_id}; the report and the manifest say so.",
        ]
    return "\n".join(lines)


def export_result_details(result: ExportResult) -> str:
    """The export's technical record, for whoever asks later (the GUI's details, the CLI's tail)."""
    lines = [
        f"Bundle: {result.bundle}",
        f"SHA-256 of the bundle: {result.sha256}",
        f"{counted(result.exhibits, 'exhibit file')}; report signed {result.signature_level}",
    ]
    if result.ca_fingerprint:
        lines.append(f"Evidence CA fingerprint (SHA-256): {result.ca_fingerprint}")
    if result.entry is not None:
        lines.append(f"Recorded as custody entry {result.entry.seq} of {result.incident_id}")
    return "\n".join(lines)


TIMESTAMP_SETTING = "timestamp_url"


def remembered_timestamp_url(store: EvidenceStore) -> str:
    """The time-stamp server last used for an export from the desktop program (empty if none)."""
    return store.vault.setting(TIMESTAMP_SETTING) or ""


def remember_timestamp_url(store: EvidenceStore, url: str) -> None:
    """Keep ``url`` as the time-stamp server to offer at the next export (not on a read-only
    store, which keeps nothing)."""
    if store.read_only or url == remembered_timestamp_url(store):
        return
    with store.atomic():
        store.vault.set_setting(TIMESTAMP_SETTING, url)


def _size_text(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _checked_chain(store: EvidenceStore, incident_id: str) -> list[CustodyEntry]:
    """The incident's chain, refusing to export one that does not verify."""
    entries, problems = store.verified_log(incident_id)
    if problems:
        raise StoreDamaged(
            f"The custody log of {incident_id} does not verify ({problems[0]}), so it was not "
            "exported; run verify and keep the store for investigation."
        )
    return entries


def _checked_received(store: EvidenceStore, incident: Incident) -> list[SenderChain]:
    """The chain a received case's sender signed, refusing to export one that does not verify."""
    from harmonize_evidence.export.bundle import SenderChain

    kept, problems = kept_chain(store.vault, incident)
    if problems:
        raise StoreDamaged(
            f"The custody log that {incident.id} was received with does not verify "
            f"({problems[0]}), so it was not exported; run verify and keep the store for "
            "investigation."
        )
    if kept is None:
        return []
    sender = kept.sender
    return [
        SenderChain(
            producer=sender.producer,
            exhibit_prefix=sender.exhibit_prefix,
            incident_id=kept.sender_id,
            entries=kept.entries,
            ca_cert_pem=sender.ca_cert_pem,
            signer_cert_pem=sender.signer_cert_pem,
        )
    ]


def export_bundle(
    store: EvidenceStore,
    incident_id: str,
    out: str | os.PathLike[str],
    *,
    options: ExportOptions | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    """Write the signed bundle of one incident to ``out``.

    ``out`` is the bundle's own path when it ends in ``.zip``; any other path, or one that ends
    in a separator, is a folder to put it in (made when its parent exists). An existing file is
    never overwritten.

    Raises:
        BadInput: ``out`` cannot be used (an existing file, a missing parent folder, no rights).
        DiskFull: the disk filled up; nothing is left in the folder and nothing was recorded.
        StoreDamaged: the incident's chain or an exhibit's bytes do not verify.
    """
    # Laying out the report makes many small objects, so the garbage collector runs often; the
    # objects that were there before (modules, a window's widgets) are left out of its passes
    # meanwhile instead of being walked again each time. They are given back to it afterwards,
    # unless something had already left objects out for good (the desktop program's long lists,
    # harmonize_evidence.ui.heap): giving back would give those back too.
    left_out_before = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        return _export_bundle(store, incident_id, out, options or ExportOptions(), progress)
    finally:
        if not left_out_before:
            gc.unfreeze()


def _export_bundle(
    store: EvidenceStore,
    incident_id: str,
    out: str | os.PathLike[str],
    options: ExportOptions,
    progress: Progress | None,
) -> ExportResult:
    from harmonize_evidence.export import bundle, instructions, pades, report
    from harmonize_evidence.export.images import ImageFeeder, image_feeder
    from harmonize_evidence.export.text_preview import TEXT_MEDIA_TYPES, TextFeeder
    from harmonize_evidence.services.school import fingerprint_contact  # age: only here
    from harmonize_evidence.signing.identity import fingerprint

    options = options.checked()
    timestamper = options.timestamper
    if timestamper is None and options.timestamp_url:
        timestamper = pades.timestamper_for_url(validate_url(options.timestamp_url))
    incident = store.incident(incident_id)
    exhibits = store.exhibits(incident.id)
    entries = _checked_chain(store, incident.id)
    received = _checked_received(store, incident)
    now = store.clock.now()
    exported = local_time(now, store.clock.zone, store.clock.zone_name)
    target, folder_to_make = target_path(
        out, bundle.bundle_file_name(incident.id, exported.local), what="bundle"
    )
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
        recipient=options.recipient_words,
        contact=fingerprint_contact(store),
        received=tuple(
            instructions.StaffFiles(c.producer.actor, c.exhibit_prefix, c.ca_file, c.signer_file)
            for c in received
        ),
    )
    # A read-only store can be read and exported, but cannot record the export; its notes of
    # unfinished exports go beside the bundle instead, where the next export finds them.
    recorded = not store.read_only
    notes = store.directory if recorded else target.parent
    finish_interrupted_exports(store)
    if not recorded and target.parent.is_dir():
        finish_interrupted_exports(store, target.parent)
    unfinished = UnfinishedExport.begin(notes, target, incident.id, folder_to_make)
    try:
        with (
            os.fdopen(unfinished.descriptor, "wb") as zip_file,
            tempfile.TemporaryFile(dir=target.parent) as spool,
            tempfile.TemporaryFile(dir=target.parent) as pdf,
            bundle.BundleWriter(zip_file, exported.local) as writer,
        ):
            shown: list[report.ReportExhibit] = []
            sums: list[tuple[str, str]] = []
            pending: list[tuple[int, str, ImageFeeder | TextFeeder | None, Future[str]]] = []
            with store.streaming():  # each exhibit is read once: no use caching its pages
                for exhibit in exhibits:
                    if not exhibit.has_bytes:
                        shown.append(report.ReportExhibit(exhibit, None))
                        continue
                    name = bundle.exhibit_file_name(exhibit)
                    feeder: ImageFeeder | TextFeeder | None = None
                    if exhibit.kind in _IMAGE_KINDS or exhibit.media_type.startswith("image/"):
                        feeder = image_feeder(exhibit.media_type, exhibit.size, spool)
                    elif exhibit.media_type in TEXT_MEDIA_TYPES:
                        feeder = TextFeeder(exhibit.size)
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
                if isinstance(feeder, TextFeeder):
                    shown[position] = report.ReportExhibit(exhibit, name, text=feeder.finish())
                elif feeder is not None:
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
                keychain=store.opens_with_keychain,
                export_recorded=recorded,
                received=received,
                recipient=options.recipient_words,
                producer_title=statement_title(store),
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
            sums.append((bundle.VERIFY_NAME, verify_sha))
            for chain in received:  # a received case's staff certificates, also hashed
                sums += [(name, writer.add_bytes(name, data)) for name, data in chain.files()]
            sums_bytes = bundle.sums_text([(bundle.REPORT_NAME, report_sha), *sums])
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
                    recorded=recorded,
                    received=received,
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
    except BaseException as exc:
        unfinished.discard()  # nothing was recorded: no trace of the bundle may stay
        problem = write_problem(exc, target.parent)
        if problem is None:
            raise
        raise problem from exc
    entry: CustodyEntry | None = None
    if recorded:
        entry = unfinished.commit(
            store,
            lambda: store.record_export(
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
                    **_recipient_details(options),
                },
            ),
            bundle_sha,
        )
    else:
        unfinished.finish_unrecorded()
    advance()
    return ExportResult(
        incident.id,
        target,
        bundle_sha,
        bundle_size,
        len(with_bytes),
        level,
        entry,
        store.fingerprint,
        options.recipient_words,
    )


def _recipient_details(options: ExportOptions) -> dict[str, str]:
    """What the export's custody entry records of who the bundle is for (nothing if unsaid)."""
    details = {}
    if options.recipient is not None:
        details["recipient"] = options.recipient.value
    name = " ".join(options.recipient_name.split())
    if name:
        details["recipient_name"] = name
    return details


def _check_bytes(exhibit: Exhibit, sha256: str) -> None:
    if sha256 != exhibit.sha256:
        raise StoreDamaged(
            f"The stored bytes of exhibit {exhibit.ref} no longer match its SHA-256, so the "
            "incident was not exported; run verify, and keep the store for investigation."
        )
