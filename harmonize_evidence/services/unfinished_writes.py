"""Copies and packages that a killed process left half written: the next start finishes them.

A copy of an exhibit (``extract``, "Save a copy") and a handover package are written with
:func:`~harmonize_evidence.vault.files.write_atomically`: under a hidden temporary name in the
folder they go to, and given their own name only once whole. An error or a signal removes the
temporary file; a process killed outright (SIGKILL, "End task", a power cut) cannot, and the file
holds evidence: a copy holds an exhibit's original bytes in the clear, perhaps on a USB stick.

So while one is written, a note in the store's folder (``.unfinished-write-<token>.json``,
beside a lock that dies with the process) names its temporary file, and the next start of the
program (:func:`~harmonize_evidence.services.store.open_with_key`), or the next copy or handover,
finishes what a killed one left (:func:`finish_interrupted_writes`):

- a temporary file that the chain records (the process was killed between the commit of its
  entry and the naming) is given its name: a package whose ``handed_over`` entry has its SHA-256
  (the lead needs it before any later package), a copy whose ``evidence_extracted`` entry, made
  after the copy began, names the file and has its SHA-256;
- any other is deleted.

A copy or a package is recorded before it gets its name, so that none exists that the chain does
not record; one that was recorded but could not be named at once (:func:`name_recorded`) stays
under its temporary name, noted, until the next start names it.

Writes still running (their lock is held, in this process or another) are left alone. Where the
store's folder takes no writes (a read-only store), nothing can be noted, and a write goes on
without a note. Exports keep notes of their own (:mod:`.unfinished_exports`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from harmonize_evidence.domain.chain import CustodyEntry
from harmonize_evidence.domain.errors import DiskFull, EnvironmentProblem, StoreReadOnly
from harmonize_evidence.domain.model import Action
from harmonize_evidence.vault.files import (
    WRITING_PREFIX,
    WRITING_SUFFIX,
    ExclusiveLock,
    file_sha256,
    is_temporary_name,
    name_without_overwriting,
    temporary_path,
    write_private_file,
)

log = logging.getLogger(__name__)

COPY = "copy"
"""A copy of an exhibit's original bytes."""
PACKAGE = "package"
"""A handover package."""

_NOTE_PREFIX = ".unfinished-write-"

T = TypeVar("T")

ChainLog = Callable[[str], Iterable[CustodyEntry]]
"""An incident's custody entries, by its id (:meth:`EvidenceStore.log`)."""


@contextlib.contextmanager
def noted_write(
    store_directory: Path, target: Path, kind: str, incident_id: str, *, after_seq: int = 0
) -> Iterator[Path]:
    """Note in the store's folder, while the block runs, the temporary file that ``target`` is
    written under; yields that file's path, for ``write_atomically(target, temporary=...)``.

    ``kind`` is :data:`COPY` or :data:`PACKAGE`; ``incident_id`` the incident it comes from;
    ``after_seq`` (a copy) the incident's newest entry before the copy began.
    """
    temporary = temporary_path(target)
    token = temporary.name.removeprefix(WRITING_PREFIX).removesuffix(WRITING_SUFFIX)
    note = store_directory / f"{_NOTE_PREFIX}{token}.json"
    lock = ExclusiveLock(note.with_suffix(".lock"))
    held = False
    try:
        # The lock first: a note is only ever seen with its lock held, or abandoned.
        held = lock.acquire()
        if held:
            record = {
                "kind": kind,
                "temporary": str(temporary),
                "target": str(target),
                "incident": incident_id,
                "after_seq": after_seq,
            }
            write_private_file(note, json.dumps(record).encode("utf-8"))
    except (OSError, DiskFull, StoreReadOnly) as exc:
        log.info("cannot note the writing of %s in the store's folder: %s", target, exc)
        if held:
            lock.release()
            held = False
    try:
        yield temporary
    finally:
        if held:
            # A temporary file still there was left for later (a package recorded but not
            # named): its note stays for the next start.
            if not temporary.exists():
                with contextlib.suppress(OSError):
                    note.unlink()
            lock.release()


@dataclass
class RecordedWrite:
    """A file written under a noted temporary name and recorded before it gets its name."""

    temporary: Path
    """The temporary file, for ``write_atomically(target, temporary=...)``."""
    entry: CustodyEntry | None = None
    """Its entry, when the write was stopped or failed after that entry was committed (and the
    file got its name all the same)."""


@contextlib.contextmanager
def recorded_write(
    store_directory: Path,
    target: Path,
    kind: str,
    incident_id: str,
    *,
    recorded: Callable[[], CustodyEntry | None],
    what: str,
    after_seq: int = 0,
) -> Iterator[RecordedWrite]:
    """:func:`noted_write`, for a file that the block records before it gets its name.

    When the block is stopped or fails once ``recorded()`` finds the file's entry committed (as
    the commit ended, or while the file was being named), the file still gets its name
    (:func:`name_recorded`; ``what`` begins its sentence, "The copy"), the entry is kept in
    :attr:`RecordedWrite.entry`, and only a failure other than the naming goes on.
    """
    with noted_write(store_directory, target, kind, incident_id, after_seq=after_seq) as temporary:
        written = RecordedWrite(temporary)
        try:
            yield written
        except BaseException as exc:
            entry = recorded()
            if entry is None:
                raise
            written.entry = entry
            name_recorded(
                temporary,
                target,
                exc,
                f"{what} was recorded as custody entry {entry.seq} of {entry.incident_id}",
            )


def finish_interrupted_writes(store_directory: Path, chain: ChainLog) -> None:
    """Finish what copies and handovers of this store left when their process was killed.

    ``chain`` gives an incident's custody entries. Never raises: a start of the program must
    not fail over this; problems are logged.
    """
    settle_abandoned_notes(store_directory, _NOTE_PREFIX, lambda note: _finish(note, chain))


def settle_abandoned_notes(folder: Path, prefix: str, settle: Callable[[Path], None]) -> None:
    """``settle`` each note ``<prefix><token>.json`` in ``folder`` whose lock no live process
    holds (its write was killed), then remove the note; notes of writes still running are left
    alone. Shared with the exports' notes (:mod:`.unfinished_exports`). Never raises."""
    try:
        names = [entry.name for entry in os.scandir(folder)]
    except OSError:
        return
    tokens = {
        name[len(prefix) :].rsplit(".", 1)[0]
        for name in names
        if name.startswith(prefix) and name.endswith((".json", ".lock"))
    }
    for token in sorted(tokens):
        note = folder / f"{prefix}{token}.json"
        lock = ExclusiveLock(note.with_suffix(".lock"))
        try:
            if not lock.acquire():
                continue  # still being written, in this process or another
        except OSError:
            log.warning("cannot check the unfinished write %s", note, exc_info=True)
            continue
        try:
            settle(note)
            with contextlib.suppress(FileNotFoundError):
                note.unlink()
        except Exception:
            log.warning("could not finish the interrupted write %s", note, exc_info=True)
        finally:
            lock.release()


def read_note(note: Path, what: str, fields: Callable[[dict[str, Any]], T]) -> T | None:
    """``fields`` of a killed write's note; None when the note is gone (its write ended between
    the listing and the lock) or cannot be read (logged, naming ``what`` was written)."""
    try:
        return fields(json.loads(note.read_bytes()))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("the note of an interrupted %s, %s, cannot be read; removed", what, note)
        return None


def _finish(note: Path, chain: ChainLog) -> None:
    read = read_note(
        note,
        "write",
        lambda noted: (
            noted["kind"],
            Path(noted["temporary"]),
            Path(noted["target"]),
            str(noted["incident"]),
            int(noted.get("after_seq", -1)),
        ),
    )
    if read is None:
        return
    kind, temporary, target, incident_id, after_seq = read
    if (
        kind not in (COPY, PACKAGE)
        or not is_temporary_name(temporary.name)
        or target.parent != temporary.parent
    ):
        log.warning("the note %s does not name a temporary file of ours; removed", note)
        return
    try:
        if not temporary.is_file() or temporary.is_symlink():
            return
        sha256 = file_sha256(temporary)
        if recorded_entry(chain(incident_id), kind, sha256, target, after_seq) is not None:
            named = _name_freely(temporary, target)
            log.info("an interrupted %s was recorded; it is now in place as %s", kind, named)
        else:
            log.info("removed what an interrupted %s left: %s", kind, temporary)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)  # gone already if it was given its name


def _name_freely(temporary: Path, target: Path) -> Path:
    """Give ``temporary`` the name ``target``, or ``target`` numbered (``_2``) when another
    file has taken that name meanwhile; returns the name given."""
    for number in range(1, 1000):
        named = target if number == 1 else target.with_stem(f"{target.stem}_{number}")
        try:
            name_without_overwriting(temporary, named)
        except FileExistsError:
            continue
        return named
    raise FileExistsError(f"{target} and 998 numbered names like it are all taken")


def recorded_entry(
    entries: Iterable[CustodyEntry], kind: str, sha256: str, target: Path, after_seq: int = -1
) -> CustodyEntry | None:
    """The entry that records a file written as ``kind`` with this SHA-256, if the chain has
    one: a package's ``handed_over``; a copy's ``evidence_extracted`` that names the file and
    came after ``after_seq``, the newest entry when the copy began."""
    for entry in entries:
        if entry.evidence_sha256 != sha256:
            continue
        if kind == PACKAGE and entry.action == Action.HANDED_OVER:
            return entry
        if (
            kind == COPY
            and 0 <= after_seq < entry.seq
            and entry.action == Action.EVIDENCE_EXTRACTED
            and entry.details.get("file_name") == target.name
        ):
            return entry
    return None


def name_recorded(temporary: Path, target: Path, failure: BaseException, recorded_as: str) -> None:
    """Name a file whose entry is committed but which did not get its name: the naming failed,
    or the program was told to end just then (SIGTERM at a logout). A failure that is not the
    naming itself goes on once the file is in place.

    ``recorded_as`` begins the sentence if it still cannot be named ("The handover was recorded
    as custody entry 12 of INC-2026-0001").

    Raises:
        EnvironmentProblem: it still cannot be named; it stays under its hidden temporary name,
            noted, and the next start of the program names it.
    """
    try:
        name_without_overwriting(temporary, target)
    except OSError as exc:
        raise EnvironmentProblem(
            f"{recorded_as}, but it could not be named {target.name} in {target.parent} "
            f"({exc.strerror or exc}); it is kept there under a hidden name, and the program "
            "gives it a name the next time it starts."
        ) from failure
    if not isinstance(failure, OSError):
        raise failure
