"""When the disk refuses a write: a full disk or a read-only folder, told apart by ``errno``.

Neither is damage. A full disk or a folder that takes no writes leaves every committed record as
it was, so the user is told what happened and that nothing saved was lost (exit 5), never to
restore the store from a backup (exit 4, which would throw good evidence away).

SQLite reports only its own result codes, and one of them (``SQLITE_IOERR``, ``SQLITE_CANTOPEN``)
can mean a full disk, a read-only folder or a failing disk alike; :func:`folder_write_refusal`
then asks the folder itself by writing a small file there, and classifies the operating
system's answer by its ``errno``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from harmonize_evidence.domain.errors import DiskFull, StoreReadOnly

DISK_FULL = (
    "The disk is full, so this was not saved; nothing saved before was lost, and you can try "
    "again once some space is freed."
)
DISK_FULL_OPENING = (
    "The disk holding the evidence store is full, so the store cannot be opened until some "
    "space is freed; nothing already saved in it was lost."
)
DISK_FULL_NEW_STORE = (
    "The disk is full, so the evidence store was not set up; free some space and try again."
)
STORE_READ_ONLY = (
    "The evidence store's folder is read-only, so nothing was saved; its evidence can still be "
    "listed, shown, verified and exported (the export is then not recorded in its custody log), "
    "but to add to it, copy the whole store folder to a folder you can write to."
)
NEW_STORE_READ_ONLY = (
    "The folder {folder} is read-only, so no evidence store was set up there; choose a folder "
    "you can write to."
)

_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})
_READ_ONLY = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})
# What SQLite must be able to add to open a store: its 32 KiB WAL index and a WAL header and frame.
_PROBE_BYTES = 64 * 1024


def write_refusal(
    exc: OSError, *, new_store_in: Path | None = None
) -> DiskFull | StoreReadOnly | None:
    """The user's sentence for a write that ``exc`` refused, or None if it is not such a refusal.

    ENOSPC and EDQUOT are a full disk; EROFS, EACCES and EPERM a folder that takes no writes.
    ``new_store_in`` names the folder of a store being set up, for the sentences of ``init``.
    """
    if exc.errno in _FULL:
        return DiskFull(DISK_FULL if new_store_in is None else DISK_FULL_NEW_STORE)
    if exc.errno in _READ_ONLY:
        if new_store_in is None:
            return StoreReadOnly(STORE_READ_ONLY)
        return StoreReadOnly(NEW_STORE_READ_ONLY.format(folder=new_store_in))
    return None


def disk_is_full(exc: OSError) -> bool:
    """Whether ``exc`` refused a write because the disk (or the user's quota) is full."""
    return exc.errno in _FULL


@contextlib.contextmanager
def refusals_named(*, new_store_in: Path | None = None) -> Iterator[None]:
    """Raise an ``OSError`` that refuses a write as :func:`write_refusal` names it (cause kept).

    Any other ``OSError`` passes unchanged.
    """
    try:
        yield
    except OSError as exc:
        refusal = write_refusal(exc, new_store_in=new_store_in)
        if refusal is None:
            raise
        raise refusal from exc


def folder_write_refusal(folder: Path) -> DiskFull | StoreReadOnly | None:
    """Whether ``folder`` refuses a write, and why: a small file is written, synced and removed.

    For an error that does not say by itself whether the disk is full, the folder read-only or
    the disk failing (SQLite's ``disk I/O error``, ``unable to open database file``).
    """
    try:
        fd, name = tempfile.mkstemp(prefix=".write-check-", dir=folder)
    except OSError as exc:
        return write_refusal(exc)
    try:
        block = bytes(_PROBE_BYTES)
        written = 0
        while written < len(block):
            written += os.write(fd, block[written:])
        os.fsync(fd)
    except OSError as exc:
        return write_refusal(exc)
    finally:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(name)
    return None
