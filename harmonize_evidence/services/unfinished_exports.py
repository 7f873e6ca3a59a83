"""Exports that do not finish: no bundle exists that the custody chain does not record.

The bundle is written in its folder under a hidden temporary name that is never taken for a
bundle (``.harmonize-export-<random>.partial``), flushed to disk, recorded on the incident's
custody chain (an ``exported`` entry with its SHA-256), and only then given its final name.
Whatever stops an export before the entry is committed (an error, a full disk, Cancel, SIGINT,
SIGTERM or SIGHUP through the faces' handlers) removes the temporary file. A process killed
outright cannot clean up, so while an export runs a note in the store's folder
(``.unfinished-export-<random>.json``, beside a lock that dies with the process) names its
temporary file: the next start of the program (:func:`open_with_key
<harmonize_evidence.services.store.open_with_key>` calls :func:`finish_interrupted_exports`) and
the next export (:func:`harmonize_evidence.services.exporting.export_bundle`) finish what it
left. A temporary file whose SHA-256 the chain records (killed between the commit and the
rename) is given its final name; any other is deleted. :func:`abandon_unfinished_exports` is for
a signal handler whose exports run on other threads.

The sentences for a write that fails in the bundle's folder (:func:`write_problem`) live here
too, since both an export and its end here need them.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harmonize_evidence.domain.chain import CustodyEntry
from harmonize_evidence.domain.errors import (
    BadInput,
    DiskFull,
    EnvironmentProblem,
    HarmonizeError,
    StoreReadOnly,
)
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.unfinished_writes import read_note, settle_abandoned_notes
from harmonize_evidence.vault.files import (
    ExclusiveLock,
    file_sha256,
    name_without_overwriting,
    write_private_file,
)

log = logging.getLogger(__name__)

# A bundle being written: hidden, and not a .zip, so no one takes it for a bundle.
PARTIAL_PREFIX = ".harmonize-export-"
PARTIAL_SUFFIX = ".partial"
_PARTIAL_NAME = re.compile(re.escape(PARTIAL_PREFIX) + "[0-9a-f]{16}" + re.escape(PARTIAL_SUFFIX))
# In the store's folder, while an export runs: its note (.json) and lock (.lock).
_NOTE_PREFIX = ".unfinished-export-"
_DISK_FULL = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})
_READ_ONLY = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})


def write_problem(exc: BaseException, folder: Path) -> HarmonizeError | None:
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


@dataclass(eq=False)
class UnfinishedExport:
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
    ) -> UnfinishedExport:
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
                problem = write_problem(exc, self.target.parent)
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
_unfinished: list[UnfinishedExport] = []


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
    settle_abandoned_notes(folder, _NOTE_PREFIX, lambda note: _finish_noted(store, note))


def _finish_noted(store: EvidenceStore, note: Path) -> None:
    read = read_note(
        note,
        "export",
        lambda noted: (Path(noted["partial"]), Path(noted["bundle"]), str(noted["incident"])),
    )
    if read is None:
        return
    partial, target, incident_id = read
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
            sha256 = file_sha256(partial)
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
