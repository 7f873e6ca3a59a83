"""Exporting an incident as a signed bundle, and checking a bundle (the export use cases).

:func:`export_bundle` reads each exhibit from the store once, chunk by chunk, and sends the bytes
three ways at the same time: into the bundle (the zip is written in one pass), into a hash that
must match the recorded SHA-256, and into the report's image spool. Nothing holds all the
exhibits at once (the zip's hashing and writing run on a helper thread of the bundle writer;
the store is only ever used from the calling thread). The report is laid out, its images spliced
in, and signed (PAdES); then the manifest and its signature, the certificates and the
instructions complete the zip.

No bundle exists that the chain does not record. The bundle is written in its folder under a
hidden temporary name that is never taken for a bundle (``.harmonize-export-<random>.partial``),
flushed to disk, recorded on the incident's custody chain (an ``exported`` entry with its
SHA-256), and only then given its final name. Whatever stops an export before the entry is
committed (an error, a full disk, Cancel, SIGINT, SIGTERM or SIGHUP through the faces' handlers)
removes the temporary file. A process killed outright cannot clean up, so while an export runs a
note in the store's folder (``.unfinished-export-<random>.json``, beside a lock that dies with
the process) names its temporary file: the next start of the program (:func:`open_with_key
<harmonize_evidence.services.store.open_with_key>` calls :func:`finish_interrupted_exports`) and
the next export finish what it left. A temporary file whose SHA-256 the chain records (killed
between the commit and the rename) is given its final name; any other is deleted.
:func:`abandon_unfinished_exports` is for a signal handler whose exports run on other threads.

Progress is reported as (done, total): one step per exhibit file, then the report, its
signature, and the recording of the export.

Temporary files (the image spool, the report before it goes into the zip) are anonymous files in
the bundle's own folder, where the bundle's plaintext goes anyway; they vanish when closed.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import hashlib
import json
import logging
import os
import re
import secrets
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harmonize_evidence import TOOL_NAME, __version__
from harmonize_evidence.domain.chain import CustodyEntry, Problem
from harmonize_evidence.domain.clock import local_time
from harmonize_evidence.domain.errors import (
    BadInput,
    DiskFull,
    EnvironmentProblem,
    HarmonizeError,
    StoreDamaged,
    StoreReadOnly,
)
from harmonize_evidence.domain.model import Exhibit, ExhibitKind
from harmonize_evidence.domain.urls import validate_url
from harmonize_evidence.services.evidence import EvidenceStore, Progress
from harmonize_evidence.vault.files import (
    ExclusiveLock,
    name_without_overwriting,
    write_private_file,
)

log = logging.getLogger(__name__)

_IMAGE_KINDS = {ExhibitKind.SCREENSHOT, ExhibitKind.IMAGE}
# What signing may add to the report (the signature revision): only for the zip's ZIP64 choice.
_SIGNATURE_ROOM = 16 * 1024 * 1024
# The report is flushed to disk in parts of this size as it goes into the bundle.
_SYNC_EVERY = 32 * 1024 * 1024
# A bundle being written: hidden, and not a .zip, so no one takes it for a bundle.
PARTIAL_PREFIX = ".harmonize-export-"
PARTIAL_SUFFIX = ".partial"
_PARTIAL_NAME = re.compile(re.escape(PARTIAL_PREFIX) + "[0-9a-f]{16}" + re.escape(PARTIAL_SUFFIX))
# In the store's folder, while an export runs: its note (.json) and lock (.lock).
_NOTE_PREFIX = ".unfinished-export-"
_DISK_FULL = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})
_READ_ONLY = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})


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

    incident_id: str
    bundle: Path
    sha256: str
    size: int
    exhibits: int
    signature_level: str
    entry: CustodyEntry | None
    """The export's custody entry; ``None`` when the store is read-only and could not record it."""


def export_result_text(result: ExportResult) -> str:
    """What the user reads once the bundle is written, in the CLI and the GUI alike."""
    written = (
        f"Wrote {result.bundle} ({result.exhibits} exhibit file(s), report signed "
        f"{result.signature_level}).\nSHA-256 {result.sha256}\n"
    )
    if result.entry is None:
        return written + (
            f"The evidence store is read-only, so this export is not recorded in the custody log "
            f"of {result.incident_id}; the report and the manifest say so."
        )
    return written + f"The export is custody entry {result.entry.seq} of {result.incident_id}."


def _target_path(out: str | os.PathLike[str], default_name: str) -> tuple[Path, Path | None]:
    """The bundle's path, and the folder to make for it (None when there is nothing to make).

    ``out`` names the bundle itself only when it ends in ``.zip`` (any case) and is not an
    existing folder. Any other path, and any path ending in a separator, is a folder: the bundle
    gets a free name in it, and the folder is made when its parent exists.
    """
    text = os.fspath(out)
    separators = tuple(sep for sep in (os.sep, os.altsep) if sep)
    path = Path(text)
    if path.is_dir():
        return _free_name(path, default_name), None
    if text.endswith(separators) or not path.name.lower().endswith(".zip"):
        if path.exists() or path.is_symlink():
            raise BadInput(
                f"{path} is a file, not a folder; give a folder to put the bundle in, or a "
                "new file name ending in .zip."
            )
        if not path.parent.is_dir():
            raise BadInput(
                f"The folder {path.parent} does not exist, so the folder {path.name} cannot be "
                "made in it; choose a folder that exists."
            )
        return path / default_name, path
    if path.exists() or path.is_symlink():
        raise BadInput(f"{path} already exists; choose a new file name.")
    if not path.parent.is_dir():
        raise BadInput(f"The folder {path.parent} does not exist; choose a folder that exists.")
    return path, None


def _free_name(folder: Path, default_name: str) -> Path:
    stem, suffix = default_name.rsplit(".", 1)
    for number in range(1, 1000):
        name = default_name if number == 1 else f"{stem}_{number}.{suffix}"
        if not (folder / name).exists():
            return folder / name
    raise BadInput(
        f"{folder} already holds 999 bundles named like {default_name}; choose another folder."
    )


def _checked_chain(store: EvidenceStore, incident_id: str) -> list[CustodyEntry]:
    """The incident's chain, refusing to export one that does not verify."""
    entries, problems = store.verified_log(incident_id)
    if problems:
        raise StoreDamaged(
            f"The custody log of {incident_id} does not verify ({problems[0]}), so it was not "
            "exported; run verify and keep the store for investigation."
        )
    return entries


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
    # meanwhile instead of being walked again each time.
    gc.freeze()
    try:
        return _export_bundle(store, incident_id, out, options or ExportOptions(), progress)
    finally:
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
    from harmonize_evidence.signing.identity import fingerprint

    timestamper = options.timestamper
    if timestamper is None and options.timestamp_url:
        timestamper = pades.timestamper_for_url(validate_url(options.timestamp_url))
    incident = store.incident(incident_id)
    exhibits = store.exhibits(incident.id)
    entries = _checked_chain(store, incident.id)
    now = store.clock.now()
    exported = local_time(now, store.clock.zone, store.clock.zone_name)
    target, folder_to_make = _target_path(out, bundle.bundle_file_name(incident.id, exported.local))
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
    # A read-only store can be read and exported, but cannot record the export; its notes of
    # unfinished exports go beside the bundle instead, where the next export finds them.
    recorded = not store.read_only
    notes = store.directory if recorded else target.parent
    finish_interrupted_exports(store)
    if not recorded and target.parent.is_dir():
        finish_interrupted_exports(store, target.parent)
    unfinished = _Unfinished.begin(notes, target, incident.id, folder_to_make)
    try:
        with (
            os.fdopen(unfinished.descriptor, "wb") as zip_file,
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
                keychain=store.opens_with_keychain,
                export_recorded=recorded,
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
                    recorded=recorded,
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
        problem = _write_problem(exc, target.parent)
        if problem is None:
            raise
        raise problem from exc
    if not recorded:
        unfinished.finish_unrecorded()
        advance()
        return ExportResult(
            incident.id, target, bundle_sha, bundle_size, len(with_bytes), level, None
        )
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
            },
        ),
        bundle_sha,
    )
    advance()
    return ExportResult(incident.id, target, bundle_sha, bundle_size, len(with_bytes), level, entry)


def _write_problem(exc: BaseException, folder: Path) -> HarmonizeError | None:
    """What to tell the user about an export that failed while writing; None: raise it as is."""
    if not isinstance(exc, Exception) or isinstance(exc, HarmonizeError):
        return None
    if _disk_full(exc):
        return _disk_full_error(folder)
    if isinstance(exc, OSError):
        return _folder_problem(exc, folder)
    return None


def _folder_problem(exc: OSError, folder: Path) -> HarmonizeError:
    """The sentence for an operating system error while writing in the bundle's folder."""
    if exc.errno in _DISK_FULL:
        return _disk_full_error(folder)
    return BadInput(f"Cannot write the bundle in {folder} ({exc.strerror or exc}).")


def _disk_full(exc: BaseException) -> bool:
    """Whether ``exc``, or an error that led to it (pyHanko and reportlab wrap them), is ENOSPC."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _DISK_FULL:
            return True
        current = current.__cause__ or current.__context__
    return False


def _disk_full_error(folder: Path) -> DiskFull:
    return DiskFull(
        f"The disk is full: there is no room for the bundle in {folder}, so nothing was exported "
        "or recorded; free some space or export to another folder."
    )


# -- exports that do not finish -------------------------------------------------------------------


@dataclass(eq=False)
class _Unfinished:
    """One export from the creation of its temporary file to its end (see the module docstring).

    Its state changes under ``_unfinished_lock``, so a signal handler on another thread either
    removes the temporary file before the commit starts (the export then stops at the commit) or
    waits for a commit already under way to settle.
    """

    partial: Path
    target: Path
    incident_id: str
    note: Path
    lock: ExclusiveLock
    made_folder: Path | None
    thread: int = field(default_factory=threading.get_ident)
    descriptor: int = -1
    committing: bool = False
    abandoned: bool = False
    ended: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def begin(
        cls, store_directory: Path, target: Path, incident_id: str, folder_to_make: Path | None
    ) -> _Unfinished:
        """Make the folder if needed, note the export in the store's folder, create the file."""
        if folder_to_make is not None:
            try:
                folder_to_make.mkdir()
            except OSError as exc:
                raise _folder_problem(exc, folder_to_make) from exc
        token = secrets.token_hex(8)
        note = store_directory / f"{_NOTE_PREFIX}{token}.json"
        unfinished = cls(
            partial=target.parent / f"{PARTIAL_PREFIX}{token}{PARTIAL_SUFFIX}",
            target=target,
            incident_id=incident_id,
            note=note,
            lock=ExclusiveLock(note.with_suffix(".lock")),
            made_folder=folder_to_make,
        )
        try:
            try:
                # The lock first: a note is only ever seen with its lock held, or abandoned.
                if not unfinished.lock.acquire():
                    raise FileExistsError(errno.EEXIST, "a note of that name is in use", str(note))
                write_private_file(
                    note,
                    json.dumps(
                        {
                            "incident": incident_id,
                            "partial": str(unfinished.partial),
                            "bundle": str(target),
                        }
                    ).encode("utf-8"),
                )
            except OSError as exc:
                raise _store_write_problem(exc, store_directory) from exc
            with _unfinished_lock:
                _unfinished.append(unfinished)
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
                try:
                    unfinished.descriptor = os.open(
                        unfinished.partial, flags | getattr(os, "O_BINARY", 0), 0o600
                    )
                except OSError as exc:
                    raise _folder_problem(exc, target.parent) from exc
        except BaseException:
            unfinished.discard()
            raise
        return unfinished

    def discard(self) -> None:
        """The export failed or was stopped before its commit: remove every trace of it."""
        with _unfinished_lock:
            self.abandoned = True
            with contextlib.suppress(OSError):
                os.unlink(self.partial)
            self._end()

    def commit(
        self, store: EvidenceStore, record: Callable[[], CustodyEntry], sha256: str
    ) -> CustodyEntry:
        """Record the export with ``record()``, then give the bundle its final name."""
        with _unfinished_lock:
            if self.abandoned:
                self._end()
                raise EnvironmentProblem(
                    "The export was stopped because the program is closing; no bundle was "
                    "written and nothing was recorded."
                )
            self.committing = True
        try:
            try:
                entry = record()
            except BaseException:
                # Interrupted, it may still have committed: the chain says which.
                _settle(store, self.partial, self.target, self.incident_id, sha256)
                raise
            try:
                _give_final_name(self.partial, self.target)
            except BaseException as exc:
                if not isinstance(exc, Exception):  # interrupted: finish what was recorded
                    with contextlib.suppress(Exception):
                        _give_final_name(self.partial, self.target)
                with contextlib.suppress(OSError):
                    os.unlink(self.partial)
                if isinstance(exc, OSError):
                    raise _unnamed_problem(exc, self.target, entry) from exc
                raise
            return entry
        finally:
            with _unfinished_lock:
                self._end()

    def finish_unrecorded(self) -> None:
        """Give the bundle of a read-only store (which cannot record it) its final name."""
        with _unfinished_lock:
            if self.abandoned:
                self._end()
                raise EnvironmentProblem(
                    "The export was stopped because the program is closing; no bundle was written."
                )
            self.committing = True
        try:
            try:
                _give_final_name(self.partial, self.target)
            except OSError as exc:
                with contextlib.suppress(OSError):
                    os.unlink(self.partial)
                problem = _write_problem(exc, self.target.parent)
                raise (problem or BadInput(f"Cannot write {self.target}.")) from exc
        finally:
            with _unfinished_lock:
                self._end()

    def _end(self) -> None:
        """Forget the export: its note and lock go, and waiting signal handlers carry on."""
        if self.ended.is_set():
            return
        with contextlib.suppress(OSError):
            self.note.unlink()
        with contextlib.suppress(OSError):
            self.lock.release()
        if self.abandoned and self.made_folder is not None:
            with contextlib.suppress(OSError):
                self.made_folder.rmdir()  # only if empty: never anyone else's files
        with contextlib.suppress(ValueError):
            _unfinished.remove(self)
        self.ended.set()


_unfinished_lock = threading.RLock()
_unfinished: list[_Unfinished] = []


def abandon_unfinished_exports(wait: float = 10.0) -> None:
    """Stop every export of this process now, for a SIGTERM or SIGHUP handler.

    Temporary bundle files not yet recorded are removed at once (their exports stop at the
    commit); an export whose commit is under way on another thread is waited for (at most
    ``wait`` seconds) so that its bundle gets its final name. Safe from any thread: the command
    line's exports run on the main thread, where the handler's exception unwinds them instead.
    """
    with _unfinished_lock:
        running = list(_unfinished)
        for unfinished in running:
            if not unfinished.committing:
                unfinished.discard()
    me = threading.get_ident()
    for unfinished in running:
        if unfinished.committing and unfinished.thread != me:
            unfinished.ended.wait(wait)


def finish_interrupted_exports(store: EvidenceStore, notes: Path | None = None) -> None:
    """Finish what exports of this store left when their process was killed.

    A temporary bundle that the chain records is given its final name; any other is deleted.
    Exports still running (their lock is held) are left alone. The notes are in the store's
    folder, or (``notes``) in the folder a read-only store exported into. Never raises: a start
    of the program must not fail over this; problems are logged.
    """
    folder = store.directory if notes is None else notes
    try:
        names = [entry.name for entry in os.scandir(folder)]
    except OSError:
        return
    tokens = {
        name[len(_NOTE_PREFIX) :].rsplit(".", 1)[0]
        for name in names
        if name.startswith(_NOTE_PREFIX) and name.endswith((".json", ".lock"))
    }
    for token in sorted(tokens):
        note = folder / f"{_NOTE_PREFIX}{token}.json"
        lock = ExclusiveLock(note.with_suffix(".lock"))
        try:
            if not lock.acquire():
                continue  # still running, in this process or another
        except OSError:
            log.warning("cannot check the unfinished export %s", note, exc_info=True)
            continue
        try:
            _finish_noted(store, note)
            with contextlib.suppress(FileNotFoundError):
                note.unlink()
        except Exception:
            log.warning("could not finish the interrupted export %s", note, exc_info=True)
        finally:
            lock.release()


def _finish_noted(store: EvidenceStore, note: Path) -> None:
    try:
        noted = json.loads(note.read_bytes())
        partial, target = Path(noted["partial"]), Path(noted["bundle"])
        incident_id = str(noted["incident"])
    except FileNotFoundError:
        return  # its export ended between the listing and the lock
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("the note of an interrupted export, %s, cannot be read; removed", note)
        return
    if (
        not _PARTIAL_NAME.fullmatch(partial.name)
        or target.parent != partial.parent
        or not target.name.lower().endswith(".zip")
    ):
        log.warning("the note %s does not name an export's temporary file; removed", note)
        return
    _settle(store, partial, target, incident_id, None)


def _settle(
    store: EvidenceStore, partial: Path, target: Path, incident_id: str, sha256: str | None
) -> None:
    """Give ``partial`` its final name if the chain records its SHA-256; else delete it."""
    try:
        if not partial.is_file() or partial.is_symlink():
            return
        if sha256 is None:
            digest = hashlib.sha256()
            with partial.open("rb") as data:
                while chunk := data.read(1024 * 1024):
                    digest.update(chunk)
            sha256 = digest.hexdigest()
        recorded = any(
            entry.action == "exported" and entry.evidence_sha256 == sha256
            for entry in store.log(incident_id)
        )
        if recorded:
            _give_final_name(partial, target)
            log.info("an interrupted export was recorded; its bundle %s is now in place", target)
    except Exception:
        log.warning("could not finish the interrupted export to %s", target, exc_info=True)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(partial)  # gone already if it was given its name


def _give_final_name(partial: Path, target: Path) -> None:
    """Rename the whole, recorded bundle into place, never over an existing file."""
    name_without_overwriting(partial, target)


def _unnamed_problem(exc: OSError, target: Path, entry: CustodyEntry) -> HarmonizeError:
    """The export was recorded, but its bundle could not be given its name."""
    if isinstance(exc, FileExistsError):
        why = f"{target.name} was created by something else meanwhile"
    elif exc.errno in _DISK_FULL:
        why = "the disk is full"
    else:
        why = f"the file could not be named ({exc.strerror or exc})"
    problem = BadInput(
        f"The export was recorded as custody entry {entry.seq} of {entry.incident_id}, but its "
        f"bundle was not kept because {why}; export again."
    )
    if exc.errno in _DISK_FULL:
        return DiskFull(problem.message)
    return problem


def _store_write_problem(exc: OSError, directory: Path) -> HarmonizeError:
    if exc.errno in _DISK_FULL:
        return DiskFull(
            f"The disk holding the evidence store ({directory}) is full, so nothing was "
            "exported; free some space and try again."
        )
    if exc.errno in _READ_ONLY:
        return StoreReadOnly(
            f"The evidence store's folder {directory} cannot be written, so nothing was "
            "exported; check the folder and its disk."
        )
    return EnvironmentProblem(
        f"The evidence store's folder {directory} cannot be written ({exc.strerror or exc}), so "
        "nothing was exported."
    )


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
        "",
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
