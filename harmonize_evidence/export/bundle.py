"""The export bundle: a zip a senior manager or the police can check without this program.

Contents
========

``INC-2026-0007_2026-11-21.zip`` holds::

    report.pdf         the signed PDF report (PAdES, see export.pades)
    exhibits/ZL-1.png  the original bytes of every exhibit that has a file, named by reference
    manifest.json      what is in the bundle (format below), UTF-8
    manifest.sig       detached ECDSA P-256 / SHA-256 signature (DER) of manifest.json's bytes
                       by signer.pem: openssl dgst -sha256 -verify KEY -signature manifest.sig
    signer.pem         the producer's signing certificate
    ca.pem             the installation's Evidence CA certificate, which issued signer.pem
                       (exactly one certificate)
    staff/ZL2-ca.pem   for an incident received from a member of staff: their Evidence CA and
    staff/ZL2-signer.pem  signing certificates, named by their exhibit prefix in this bundle
    SHA256SUMS         "HASH  NAME" lines for report.pdf, every exhibit, VERIFY.txt and the
                       staff certificates (sha256sum -c)
    VERIFY.txt         how to check all of this by hand

Exhibits and the report are stored uncompressed (they are compressed already); the small text
files are deflated. The zip is written in one pass (entries carry data descriptors), so the
bundle's SHA-256 is known the moment it is finished; the export's custody entry records it.

Every file but the manifest, its signature and the two certificates is covered by a hash that
the signed manifest holds: the report, VERIFY.txt and the staff certificates directly and through
SHA256SUMS, each exhibit directly and through SHA256SUMS, SHA256SUMS itself directly. So
VERIFY.txt and the staff certificates are written first, then SHA256SUMS, then the manifest;
VERIFY.txt never quotes a hash of the files written after it. The certificates are tied to the
rest by what they are: ca.pem's fingerprint is the one printed in the report, the manifest and
VERIFY.txt; signer.pem, issued by ca.pem, signed the report and the manifest.

Manifest format, version 2
==========================

``manifest.json`` is one JSON object (key order and spacing carry no meaning; the signature is
over the exact bytes)::

    {
      "format": "harmonize-evidence/bundle-manifest",
      "version": 2,
      "tool": "Harmonize Evidence 0.1.0",
      "exported": {"utc": "2026-11-21T21:40:05.000000Z", "local_time": "...",
                   "time_zone": "Europe/London", "utc_offset": "+00:00",
                   "recorded_in_custody_log": true},
      "producer": {"name": "Zoë Lane", "initials": "ZL", "role": "staff", "school": "..."},
      "incident": {"id": "INC-2026-0007", "title": ..., "category": ..., "platforms": [...],
                   "people": ..., "reported_by": ..., "status": ..., "urgent": false,
                   "created_utc": ...},
      "certificates": {"signer": "signer.pem", "ca": "ca.pem",
                       "ca_fingerprint_sha256": "AB:CD:...",
                       "signer_fingerprint_sha256": "12:34:..."},
      "report": {"file": "report.pdf", "sha256": ..., "size": ..., "signature": "PAdES B-B"},
      "checksums": {"file": "SHA256SUMS", "sha256": ...},
      "instructions": {"file": "VERIFY.txt", "sha256": ...},
      "items": [{"exhibit": "ZL/1", "kind": "screenshot", "media_type": "image/png",
                 "size": 123, "sha256": "<hex>" | null, "file": "exhibits/ZL-1.png" | null,
                 "created_utc": ..., "metadata": {...}, "metadata_sha256": "<hex>",
                 "parent_sha256": null, "purged": false}, ...],
      "custody": {"entry_format": "harmonize-evidence/custody-entry", "entry_version": 1,
                  "head": {"seq": 9, "hash": "<hex>"},
                  "entries": [{"seq": 1, "hash": "<hex>", "signature": "<base64 DER>",
                               "body": "<the entry's canonical JSON, as a string>"}, ...]}
    }

Each custody entry's ``body`` is the exact text that was hashed and signed (see
``domain/chain.py``): its UTF-8 bytes hash to ``hash`` and ``signature`` verifies over them with
signer.pem, so ``jq -j '.custody.entries[0].body' manifest.json | sha256sum`` prints the hash.
``metadata_sha256`` is the SHA-256 of the item's metadata as RFC 8785 canonical JSON, the value
its custody entry records. ``head`` is the last entry when the bundle was made; the export itself
is recorded afterwards as the next entry, with this bundle's SHA-256. A store that can only be
read (its folder is read-only: a backup on a locked USB stick, say) can still export, but cannot
record the export: ``exported.recorded_in_custody_log`` is then ``false`` and the report says so.

``certificates.ca_fingerprint_sha256`` and ``signer_fingerprint_sha256`` are the SHA-256
fingerprints of ca.pem and signer.pem, upper-case hex pairs separated by colons.

Version 3: received chains
==========================

A safeguarding lead's store keeps incidents handed over by staff (see
``services/receiving.py``): the case has the lead's own chain (which records ``received``, with
the package's SHA-256 and the staff chain's head) and the member of staff's chain exactly as
received, signed by *their* key. The bundle of such a case is signed by the lead, as any other,
and also carries each staff chain with its signatures and the certificates that check them, so
that the police check one fingerprint (the school's, ca.pem) and still see every step from the
staff member's capture on. Version 3 is version 2 with::

      "items": [{..., "exhibit": "ZL2/1", "sender_ref": "ZL/1" | null}, ...],
      "received_chains": [
        {"producer": {"name": "Zoë Lane", "initials": "ZL", "role": "staff",
                      "school": "...", "exhibit_prefix": "ZL2"},
         "incident": "INC-2026-0003",
         "certificates": {
           "ca": {"file": "staff/ZL2-ca.pem", "sha256": "<hex of the file>",
                  "fingerprint_sha256": "AB:CD:..."},
           "signer": {"file": "staff/ZL2-signer.pem", "sha256": ..., "fingerprint_sha256": ...}},
         "custody": {"entry_format": ..., "entry_version": 1, "head": {"seq": 4, "hash": ...},
                     "entries": [...]}}
      ]

An item's ``exhibit`` is always the reference of this bundle (unique in it: the producer's exhibit
prefix in the lead's store, then the number); ``sender_ref`` is the reference the member of
staff gave it, which their chain names, and its prefix in ``exhibit`` is the ``exhibit_prefix``
of the received chain it came with. Such an item is recorded by that chain (the entry that added
``sender_ref``), not by the lead's ``custody``; items without ``sender_ref`` are the lead's own.
``incident`` is the staff member's id for the case, which their entries name. Each staff entry
is checked with that chain's signer certificate, which its ca certificate issued; the lead's
``received`` entries name the staff fingerprint and the head received, which the chain carried
must end at. The staff certificates are vouched for by the lead's signature over the manifest,
so the one fingerprint to compare stays ca.pem's.

A bundle that carries no received chain is written as version 2, byte for byte as before, so
an earlier ``verify-bundle`` still reads every bundle a member of staff exports.

Version 1 (bundles exported before VERIFY.txt was hashed) is the same without ``instructions``,
and its SHA256SUMS does not list VERIFY.txt. ``verify-bundle`` still reads it and makes every
other check, but reports VERIFY.txt as a problem, since nothing in such a bundle shows that it
is the text the school wrote; a recipient follows the steps printed in the signed report instead.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import queue
import threading
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, BinaryIO, cast

from harmonize_evidence.domain.chain import ENTRY_FORMAT, ENTRY_VERSION, CustodyEntry
from harmonize_evidence.domain.clock import LocalTime, format_utc
from harmonize_evidence.domain.model import Exhibit, Incident, Producer

MANIFEST_FORMAT = "harmonize-evidence/bundle-manifest"
MANIFEST_VERSION = 2
RECEIVED_CHAINS_VERSION = 3
"""The version of a manifest that carries received chains (see the module docstring)."""
READABLE_VERSIONS = (1, 2, 3)
"""Manifest versions that ``verify-bundle`` reads (see the module docstring for version 1)."""

REPORT_NAME = "report.pdf"
MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.sig"
SIGNER_NAME = "signer.pem"
CA_NAME = "ca.pem"
SUMS_NAME = "SHA256SUMS"
VERIFY_NAME = "VERIFY.txt"
EXHIBITS_DIR = "exhibits/"
STAFF_DIR = "staff/"
FIXED_NAMES = frozenset(
    {REPORT_NAME, MANIFEST_NAME, SIGNATURE_NAME, SIGNER_NAME, CA_NAME, SUMS_NAME, VERIFY_NAME}
)
_COPY_BUFFER = 256 * 1024
_QUEUED_CHUNKS = 2


def bundle_file_name(incident_id: str, exported: datetime) -> str:
    """``INC-2026-0007_2026-11-21.zip``."""
    return f"{incident_id}_{exported.strftime('%Y-%m-%d')}.zip"


def exhibit_file_name(exhibit: Exhibit) -> str:
    """Where an exhibit's bytes go in the bundle: ``exhibits/ZL-3.png``."""
    return EXHIBITS_DIR + exhibit.file_name


@dataclass(frozen=True)
class SenderChain:
    """A chain received from another producer's store, as the bundle carries it."""

    producer: Producer
    """The producer who signed it, as their own store records them."""
    exhibit_prefix: str
    """Their exhibit prefix in the exporting store (``ZL2``): their exhibits' references here."""
    incident_id: str
    """Their id for the incident, which their entries name."""
    entries: Sequence[CustodyEntry]
    ca_cert_pem: bytes
    signer_cert_pem: bytes

    @property
    def ca_file(self) -> str:
        """``staff/ZL2-ca.pem``."""
        return f"{STAFF_DIR}{self.exhibit_prefix}-ca.pem"

    @property
    def signer_file(self) -> str:
        """``staff/ZL2-signer.pem``."""
        return f"{STAFF_DIR}{self.exhibit_prefix}-signer.pem"

    def files(self) -> list[tuple[str, bytes]]:
        """The certificate files it adds to the bundle, with their bytes."""
        return [(self.ca_file, self.ca_cert_pem), (self.signer_file, self.signer_cert_pem)]


@dataclass(frozen=True)
class ReportFile:
    """The signed report as the manifest records it."""

    sha256: str
    size: int
    signature_level: str


@dataclass(frozen=True)
class ManifestContent:
    """Everything the manifest records."""

    tool: str
    exported: LocalTime
    producer: Producer
    incident: Incident
    exhibits: Sequence[Exhibit]
    entries: Sequence[CustodyEntry]
    ca_fingerprint: str
    signer_fingerprint: str
    report: ReportFile
    sums_sha256: str
    instructions_sha256: str
    """The SHA-256 of VERIFY.txt."""
    recorded: bool = True
    """Whether the export will be recorded on the incident's chain (not from a read-only store)."""
    received: Sequence[SenderChain] = ()
    """The chains received from other producers' stores (a manifest of version 3 if any)."""


def _item(exhibit: Exhibit, with_sender_ref: bool) -> dict[str, Any]:
    from harmonize_evidence.domain.chain import metadata_digest

    sender = {"sender_ref": exhibit.sender_ref} if with_sender_ref else {}
    return {
        "exhibit": exhibit.ref,
        "kind": exhibit.kind.value,
        "media_type": exhibit.media_type,
        "size": exhibit.size,
        "sha256": exhibit.sha256,
        "file": exhibit_file_name(exhibit) if exhibit.has_bytes else None,
        "created_utc": format_utc(exhibit.created_utc),
        "metadata": exhibit.metadata,
        "metadata_sha256": metadata_digest(exhibit.metadata),
        "parent_sha256": exhibit.parent_sha256,
        "purged": exhibit.purged,
        **sender,
    }


def _custody(entries: Sequence[CustodyEntry]) -> dict[str, Any]:
    head = entries[-1] if entries else None
    return {
        "entry_format": ENTRY_FORMAT,
        "entry_version": ENTRY_VERSION,
        "head": None if head is None else {"seq": head.seq, "hash": head.hash},
        "entries": [
            {
                "seq": entry.seq,
                "hash": entry.hash,
                "signature": base64.b64encode(entry.signature).decode("ascii"),
                "body": entry.body.decode("utf-8"),
            }
            for entry in entries
        ],
    }


def _certificate_file(name: str, pem: bytes) -> dict[str, str]:
    from harmonize_evidence.signing.identity import fingerprint

    return {
        "file": name,
        "sha256": hashlib.sha256(pem).hexdigest(),
        "fingerprint_sha256": fingerprint(pem),
    }


def _received_chain(chain: SenderChain) -> dict[str, Any]:
    return {
        "producer": {
            "name": chain.producer.name,
            "initials": chain.producer.initials,
            "role": chain.producer.role.value,
            "school": chain.producer.school,
            "exhibit_prefix": chain.exhibit_prefix,
        },
        "incident": chain.incident_id,
        "certificates": {
            "ca": _certificate_file(chain.ca_file, chain.ca_cert_pem),
            "signer": _certificate_file(chain.signer_file, chain.signer_cert_pem),
        },
        "custody": _custody(chain.entries),
    }


def manifest_bytes(content: ManifestContent) -> bytes:
    """``manifest.json``, UTF-8: version 3 when it carries received chains, else version 2."""
    incident = content.incident
    exported = content.exported
    received = bool(content.received)
    document: dict[str, Any] = {
        "format": MANIFEST_FORMAT,
        "version": RECEIVED_CHAINS_VERSION if received else MANIFEST_VERSION,
        "tool": content.tool,
        "exported": {
            "utc": exported.utc_iso,
            "local_time": exported.local_iso,
            "time_zone": exported.zone_name,
            "utc_offset": exported.utc_offset,
            "recorded_in_custody_log": content.recorded,
        },
        "producer": {
            "name": content.producer.name,
            "initials": content.producer.initials,
            "role": content.producer.role.value,
            "school": content.producer.school,
        },
        "incident": incident.as_json(),
        "certificates": {
            "signer": SIGNER_NAME,
            "ca": CA_NAME,
            "ca_fingerprint_sha256": content.ca_fingerprint,
            "signer_fingerprint_sha256": content.signer_fingerprint,
        },
        "report": {
            "file": REPORT_NAME,
            "sha256": content.report.sha256,
            "size": content.report.size,
            "signature": content.report.signature_level,
        },
        "checksums": {"file": SUMS_NAME, "sha256": content.sums_sha256},
        "instructions": {"file": VERIFY_NAME, "sha256": content.instructions_sha256},
        "items": [_item(exhibit, received) for exhibit in content.exhibits],
        "custody": _custody(content.entries),
    }
    if received:
        document["received_chains"] = [_received_chain(chain) for chain in content.received]
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def sums_text(files: Iterable[tuple[str, str]]) -> bytes:
    """``SHA256SUMS``: one ``HASH  NAME`` line per (name, sha256)."""
    return "".join(f"{sha256}  {name}\n" for name, sha256 in files).encode("utf-8")


class _HashingWriter:
    """A write-only, non-seekable file that hashes everything written through it.

    zipfile writes data descriptors instead of seeking back when it cannot seek, so the zip
    comes out in one pass and its SHA-256 is ready when it is closed. The hashing runs on a
    thread of its own, beside the writing thread's own work (each entry's SHA-256 and CRC-32).
    """

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._digest = hashlib.sha256()
        self._position = 0
        self._pending: queue.Queue[bytes | None] = queue.Queue(maxsize=2 * _QUEUED_CHUNKS)
        self._hasher: threading.Thread | None = threading.Thread(
            target=self._hash, name="bundle-hash", daemon=True
        )
        self._hasher.start()

    def _hash(self) -> None:
        while (data := self._pending.get()) is not None:
            self._digest.update(data)

    def write(self, data: bytes) -> int:
        if not isinstance(data, bytes):  # hashed later: keep a copy that cannot change
            data = bytes(data)
        self._out.write(data)
        self._pending.put(data)
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def seek(self, *_args: object) -> int:
        raise OSError("the bundle is written in one pass")

    def seekable(self) -> bool:
        return False

    def flush(self) -> None:
        self._out.flush()

    def stop(self) -> None:
        """Finish hashing what was written; nothing more may be written."""
        if self._hasher is not None:
            self._pending.put(None)
            self._hasher.join()
            self._hasher = None

    @property
    def sha256(self) -> str:
        self.stop()
        return self._digest.hexdigest()

    @property
    def size(self) -> int:
        return self._position


class BundleWriter:
    """Writes the bundle zip in one pass, entry by entry, never holding an exhibit twice.

    The hashing, checksumming and writing happen on a helper thread (they release the GIL), so
    they overlap with the caller reading the next exhibit from the store or laying out the
    report. The caller hands over chunks through a short queue and gets each entry's SHA-256 as a
    future. Every zip operation happens on the helper thread, in the order it was asked for.

    Use it only as a context manager: the helper thread starts when the ``with`` enters it, and
    that thread makes the zip and closes it whatever happens. Nothing that needs closing exists
    before the ``with`` holds the writer, so an exception that arrives in between (a SIGTERM
    while the command line exports) leaves no zip to its finaliser, which would finish it into a
    file closed by then and print a traceback, and no thread waiting for work.
    """

    def __init__(self, out: BinaryIO, stamp: datetime) -> None:
        self._out = out
        self._stamp = stamp.timetuple()[:6]
        self._names: set[str] = set()
        self._queue: queue.Queue[tuple[Any, ...]] = queue.Queue()
        # At most this many chunks of data wait in the queue (other operations are small).
        self._data_slots = threading.Semaphore(_QUEUED_CHUNKS)
        self._error: BaseException | None = None
        self._closed = False
        self._finished = False  # the zip was closed whole
        self._entry: Any = None  # the entry being written, if any
        self._syncs: list[threading.Thread] = []
        self._thread = threading.Thread(target=self._work, name="bundle-writer", daemon=True)

    def _info(self, name: str, size: int, compress: bool) -> zipfile.ZipInfo:
        if name in self._names:
            raise ValueError(f"{name} is already in the bundle")
        self._names.add(name)
        info = zipfile.ZipInfo(name, date_time=self._stamp)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o100644 << 16
        info.create_system = 3
        info.file_size = size
        return info

    def _put(self, *operation: Any) -> None:
        if self._error is not None:
            raise self._error
        if operation[0] == "data":
            self._data_slots.acquire()
        self._queue.put(operation)

    def _work(self) -> None:
        writer = _HashingWriter(self._out)
        archive: zipfile.ZipFile | None = None
        try:
            archive = zipfile.ZipFile(cast("IO[bytes]", writer), "w", allowZip64=True)
        except BaseException as exc:  # handed to the caller through the next future or put
            self._error = exc
        try:
            self._run_operations(archive, writer)
        finally:
            if archive is not None and not self._finished:
                # Whatever stopped it (an abort, a full disk, a failed entry), the zip and its
                # open entry are closed here, or the zip's finaliser would try to finish it later
                # and print a traceback.
                _discard(archive, self._entry)
            writer.stop()

    def _run_operations(self, archive: zipfile.ZipFile | None, writer: _HashingWriter) -> None:
        tap: Callable[[bytes], None] | None = None
        digest = hashlib.sha256()
        while True:
            operation = self._queue.get()
            kind = operation[0]
            if kind == "data":
                self._data_slots.release()
            future = operation[1] if kind in ("close", "sync", "finish") else None
            if self._error is not None:
                if isinstance(future, Future):
                    future.set_exception(self._error)
                if kind in ("finish", "abort"):
                    return
                continue
            try:
                if kind == "open":
                    info, tap = operation[1], operation[2]
                    assert archive is not None  # else the error was handed on above
                    self._entry = archive.open(info, "w", force_zip64=info.file_size > 0x7FFF0000)
                    digest = hashlib.sha256()
                elif kind == "data":
                    self._entry.write(operation[1])
                    digest.update(operation[1])
                    if tap is not None:
                        tap(operation[1])
                elif kind == "copy":
                    _, descriptor, offset, length = operation
                    while length > 0:
                        piece = os.pread(descriptor, min(_COPY_BUFFER, length), offset)
                        if not piece:
                            raise OSError("a file being copied into the bundle ended early")
                        self._entry.write(piece)
                        digest.update(piece)
                        offset += len(piece)
                        length -= len(piece)
                elif kind == "close":
                    entry, self._entry = self._entry, None
                    entry.close()
                    operation[1].set_result(digest.hexdigest())
                elif kind == "sync":
                    writer.flush()
                    # The disk works while this thread carries on writing.
                    syncing = threading.Thread(
                        target=_complete, args=(operation[1], operation[2]), name="bundle-sync"
                    )
                    syncing.start()
                    self._syncs.append(syncing)
                elif kind == "finish":
                    assert archive is not None  # else the error was handed on above
                    archive.close()
                    self._finished = True
                    writer.flush()
                    operation[1].set_result((writer.sha256, writer.size))
                    return
                elif kind == "abort":
                    return
            except BaseException as exc:  # handed to the caller through the next future or put
                self._error = exc
                if isinstance(future, Future) and not future.done():
                    future.set_exception(exc)
                if kind in ("finish", "abort"):
                    return

    def add_stream(
        self,
        name: str,
        chunks: Iterable[bytes],
        size: int,
        *,
        compress: bool = False,
        tap: Callable[[bytes], None] | None = None,
    ) -> Future[str]:
        """Add an entry from an iterable of byte chunks; the future gives its SHA-256.

        ``tap``, if given, also receives every chunk, on the helper thread (where an exhibit's
        image is parsed while the caller reads the next exhibit).
        """
        info = self._info(name, size, compress)
        future: Future[str] = Future()
        self._put("open", info, tap)
        for chunk in chunks:
            self._put("data", chunk)
        self._put("close", future)
        return future

    def add_bytes(self, name: str, data: bytes, *, compress: bool = True) -> str:
        """Add a small entry; returns its SHA-256."""
        return self.add_stream(name, [data], len(data), compress=compress).result()

    def add_file(self, name: str, source: BinaryIO, size: int) -> str:
        """Add an entry copied from an open file (read from its start); returns its SHA-256."""
        source.flush()
        entry = self.start_file(name, size)
        entry.copy(source.fileno(), 0, size)
        return entry.finish().result()

    def start_file(self, name: str, size_at_most: int) -> FileEntry:
        """Start an entry whose bytes the helper thread copies from files, part by part.

        The caller carries on while the copy runs (e.g. signing the end of the same file);
        ``size_at_most`` only decides whether the entry needs ZIP64 fields.
        """
        self._put("open", self._info(name, size_at_most, False), None)
        return FileEntry(self)

    def sync(self, flush_to_disk: Callable[[], None]) -> Future[None]:
        """Once everything queued so far is written, call ``flush_to_disk`` (e.g. fdatasync).

        It runs on a thread of its own, while the writing goes on.
        """
        future: Future[None] = Future()
        self._put("sync", future, flush_to_disk)
        return future

    def close(self) -> tuple[str, int]:
        """Finish the zip; returns its SHA-256 and size."""
        future: Future[tuple[str, int]] = Future()
        self._put("finish", future)
        self._closed = True
        try:
            return future.result()
        finally:
            self._thread.join()  # done with the file, even when the zip could not be finished

    def _join_syncs(self) -> None:
        for syncing in self._syncs:
            syncing.join()

    def __enter__(self) -> BundleWriter:
        try:
            self._thread.start()
        except BaseException:
            self._stop()  # the ``with`` will not call __exit__
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        # On failure the helper stops; the caller deletes the partial file.
        self._stop()

    def _stop(self) -> None:
        if not self._closed:
            self._closed = True
            self._queue.put(("abort",))
        # Not started (an exception came first): there is nothing to wait for, and should it
        # start after all, the abort ends it at once.
        with contextlib.suppress(RuntimeError):
            self._thread.join()
        self._join_syncs()  # none may touch the file once the caller closes it


def _complete(future: Future[None], work: Callable[[], None]) -> None:
    try:
        work()
    except BaseException as exc:  # handed to whoever waits for the future
        future.set_exception(exc)
    else:
        future.set_result(None)


class FileEntry:
    """An entry of the bundle being copied from files by the :class:`BundleWriter`'s thread."""

    def __init__(self, writer: BundleWriter) -> None:
        self._writer = writer

    def copy(self, descriptor: int, offset: int, length: int) -> None:
        """Append ``length`` bytes of the open file ``descriptor`` from ``offset``.

        The bytes are read later, on the helper thread, with ``pread``: they must not change
        until the entry is finished.
        """
        self._writer._put("copy", descriptor, offset, length)

    def finish(self) -> Future[str]:
        """End the entry; the future gives its SHA-256."""
        future: Future[str] = Future()
        self._writer._put("close", future)
        return future


def _discard(archive: zipfile.ZipFile, entry: Any) -> None:
    """Close an abandoned zip quietly (its file is deleted by the caller)."""
    with contextlib.suppress(Exception):
        if entry is not None:
            entry.close()
    with contextlib.suppress(Exception):
        archive.close()


def parse_manifest(data: bytes) -> Mapping[str, Any]:
    """Read ``manifest.json``; ``ValueError`` if it is not a manifest of a known version."""
    document = json.loads(data.decode("utf-8"))
    if not isinstance(document, dict) or document.get("format") != MANIFEST_FORMAT:
        raise ValueError("it is not a Harmonize Evidence manifest")
    if document.get("version") not in READABLE_VERSIONS:
        raise ValueError(f"its version {document.get('version')!r} is not one this program reads")
    return document
