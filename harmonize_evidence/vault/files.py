"""Writing small files the way a security program must: atomically and private."""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import tempfile
from pathlib import Path

from harmonize_evidence.vault.disk import refusals_named


def write_private_file(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically; the file is readable by its owner only.

    The temporary file is made private before any data is written, flushed to disk, then
    renamed over the target, and the directory is synced so the rename survives a power cut.
    A full disk or a folder that takes no writes is :class:`DiskFull` or :class:`StoreReadOnly`,
    and the file it would have replaced is left as it was.
    """
    with refusals_named():
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                with contextlib.suppress(OSError):  # Windows has no POSIX modes.
                    os.chmod(tmp_name, 0o600)
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
            raise
        sync_directory(path.parent)


def sync_directory(directory: Path) -> None:
    """fsync a directory so a rename or creation in it is durable (no-op on Windows)."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_private_directory(directory: Path) -> bool:
    """Create ``directory`` (and parents) readable by its owner only.

    Returns whether this call created ``directory`` itself, so that only its maker removes it.
    """
    directory.parent.mkdir(parents=True, exist_ok=True)
    try:
        directory.mkdir()
        created = True
    except FileExistsError:
        if not directory.is_dir():
            raise
        created = False
    with contextlib.suppress(OSError):
        os.chmod(directory, 0o700)
    return created


class ExclusiveLock:
    """An exclusive lock on a lock file, taken without waiting, that dies with its process.

    The lock is the operating system's (``flock`` on POSIX, ``msvcrt.locking`` on Windows) and
    belongs to the open file: a process that crashes or is killed loses it at once, so no stale
    lock can block the next holder; the empty file it leaves is simply locked again. The holder
    removes the file on release. A process that locked a file which the previous holder had just
    removed notices that the name now points elsewhere (or nowhere) and starts again.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock; False at once when another process (or another handle) holds it.

        Raises ``FileNotFoundError`` when the folder of the lock file does not exist.
        """
        if self._fd is not None:
            raise RuntimeError("the lock is already held")
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            if not _try_lock(fd):
                os.close(fd)
                return False
            try:
                named = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                named = False
            if named:
                self._fd = fd
                return True
            _unlock(fd)
            os.close(fd)

    def release(self) -> None:
        """Remove the lock file and drop the lock."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if sys.platform == "win32":
            # Windows cannot remove a file that is open; another process may also have it open.
            _unlock(fd)
            os.close(fd)
            with contextlib.suppress(OSError):
                self.path.unlink()
        else:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()  # while still holding it: no one can lock this name meanwhile
            os.close(fd)


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EDEADLOCK):
                return False
            raise
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES):
                return False
            raise
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
