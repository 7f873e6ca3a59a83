"""sqlcipher3's errors, translated at the vault's boundary into the program's exceptions.

:func:`translate_errors` tells errors apart by SQLite's result code, never by their wording, and
keeps the sqlcipher3 error as the cause for the log; nothing above the vault sees sqlcipher3.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

import sqlcipher3

from harmonize_evidence.domain.errors import (
    DiskFull,
    EnvironmentProblem,
    HarmonizeError,
    StoreDamaged,
    StoreReadOnly,
)
from harmonize_evidence.vault import disk

log = logging.getLogger(__name__)

STORE_DAMAGED = (
    "The evidence store is damaged and cannot be read; do not add to it, and restore the store "
    "folder from a backup (the recovery key will still open it)."
)
_BUSY = "The evidence store is busy in another Harmonize Evidence window; close it and try again."
_KEPT_FOREVER = "The store refused to change a record that is kept forever, so nothing was changed."

# SQLite's primary result codes (https://www.sqlite.org/rescode.html), a stable part of its API.
_SQLITE_PERM = 3
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_CONSTRAINT = 19
# Codes that the operating system's refusal of a write can cause, among other things.
_MAYBE_REFUSED = (_SQLITE_PERM, _SQLITE_IOERR, _SQLITE_CANTOPEN)


@contextlib.contextmanager
def translate_errors(folder: Path | None = None, *, opening: bool = False) -> Iterator[None]:
    """Turn sqlcipher3 errors into the program's exceptions, keeping the cause for the log.

    Errors are told apart by SQLite's result code, never by their wording. ``folder`` is the
    store's folder: an error that a full disk or a read-only folder can cause (a file SQLite
    could not open or write) is checked against the folder itself. ``opening`` picks the
    sentences for a store being opened.
    """
    try:
        yield
    except sqlcipher3.DatabaseError as exc:
        raise _translated(exc, folder, opening=opening) from exc


def _result_code(exc: sqlcipher3.DatabaseError) -> int | None:
    """SQLite's primary result code of ``exc`` (an extended code holds it in its low byte)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF
    if isinstance(exc, sqlcipher3.IntegrityError):
        return _SQLITE_CONSTRAINT
    return None  # a sqlcipher3 without error codes: only the folder can say more


def _translated(
    exc: sqlcipher3.DatabaseError, folder: Path | None, *, opening: bool
) -> HarmonizeError:
    code = _result_code(exc)
    name = getattr(exc, "sqlite_errorname", None) or type(exc).__name__
    if code == _SQLITE_FULL:
        log.warning("database error %s: %s", name, exc)
        return DiskFull(disk.DISK_FULL_OPENING if opening else disk.DISK_FULL)
    if code == _SQLITE_READONLY:
        log.warning("database error %s: %s", name, exc)
        return StoreReadOnly(disk.STORE_READ_ONLY)
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        log.warning("database error %s: %s", name, exc)
        return EnvironmentProblem(_BUSY)
    if code == _SQLITE_CONSTRAINT:
        log.error("database refused a change (%s): %s", name, exc)
        return HarmonizeError(_KEPT_FOREVER)
    if folder is not None and (code is None or code in _MAYBE_REFUSED):
        refusal = disk.folder_write_refusal(folder)
        if refusal is not None:
            log.warning("database error %s, and the store folder refuses writes: %s", name, exc)
            if opening and isinstance(refusal, DiskFull):
                return DiskFull(disk.DISK_FULL_OPENING)
            return refusal
    log.error("database error %s: %s", name, exc)
    return StoreDamaged(STORE_DAMAGED)
