"""Writing files the way a security program must: atomically, private, never half there.

One writer, :func:`write_atomically`, makes the files that must never be seen half written: an
extracted copy of an exhibit, the store's key file, an export's note. An export's bundle, which
keeps a temporary file of its own for its whole life (for the clean-up after a kill, see
``services/unfinished_exports.py``), gets its name from the same code,
:func:`name_without_overwriting`.
The contract, for both:

- **Whole or not at all.** The bytes go to a temporary file in the target's own folder, created
  readable by its owner only (mode 0600 from the moment it exists, before any data), flushed to
  the disk (``fsync``), and only then given the target's name; the folder is synced so that the
  name survives a power cut. No one ever sees a half-written file under the target's name.
- **Never overwrites,** unless asked to replace (the key file, rewritten for a new passphrase):
  where the file system has hard links the name is given with a hard link and the temporary
  name removed, which fails if the target exists, even if it appeared a moment before; on a
  file system without them (FAT or exFAT on a USB stick) with a rename after a last check that
  the name is free (a file created by another program in between those two steps would be
  replaced: no portable call closes that gap there). On Windows a rename never replaces a file.
  An existing target is :class:`FileExistsError`, and is left as it was.
- **Failures leave nothing behind.** A full disk, a read-only folder, an error in the caller's
  own code or an interruption (Ctrl+C, a signal turned into an exception) removes the temporary
  file and raises; the target is as it was (absent, or the old file in replace mode, unless
  only the sync of the folder after the swap failed: the new file is then in place). The errors
  are the operating system's (``OSError`` with its ``errno``); the caller, which knows what the
  file is, words them for the user (:func:`write_private_file` for the store's own files).
- **A killed process** (SIGKILL, a power cut) cannot clean up: it may leave a temporary file,
  which is hidden and named so that no one takes it for the real one (``.harmonize-writing-
  <random>.partial``), never the target's name or extension.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from harmonize_evidence.vault.disk import refusals_named

# The temporary name of a file being written: hidden, and never the name or type of the target.
WRITING_PREFIX = ".harmonize-writing-"
WRITING_SUFFIX = ".partial"
_NEW_FILE = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_BINARY", 0)
)
# What link() says on a file system that has no hard links: EPERM on Linux (vfat, exFAT, FUSE),
# ENOTSUP or EOPNOTSUPP elsewhere.
_NO_HARD_LINKS = frozenset({errno.EPERM, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP})


def temporary_path(target: Path) -> Path:
    """A new temporary name for writing ``target``: in its folder, hidden, never its name."""
    return target.parent / f"{WRITING_PREFIX}{secrets.token_hex(8)}{WRITING_SUFFIX}"


def is_temporary_name(name: str) -> bool:
    """Whether ``name`` is one that :func:`temporary_path` gives (and nothing else could be)."""
    token = name.removeprefix(WRITING_PREFIX).removesuffix(WRITING_SUFFIX)
    return (
        name == f"{WRITING_PREFIX}{token}{WRITING_SUFFIX}"
        and len(token) == 16
        and all(c in "0123456789abcdef" for c in token)
    )


@contextlib.contextmanager
def write_atomically(
    target: Path,
    *,
    replace: bool = False,
    temporary: Path | None = None,
    keep: Callable[[], bool] | None = None,
) -> Iterator[BinaryIO]:
    """Write the file ``target`` whole or not at all; it is readable by its owner only.

    Yields a binary file to write to (in one go or chunk by chunk). When the ``with`` block ends
    normally, the data is flushed to the disk and the file gets its name; if the block raises,
    the temporary file is removed and nothing is named, so a caller can still refuse the bytes
    at the end (a hash that does not match). See the module docstring for the whole contract.

    Args:
        target: The file to make; its folder must exist.
        replace: Replace an existing ``target`` atomically (readers see the old file or the new
            one, never neither). Otherwise an existing ``target`` is never touched.
        temporary: The temporary file, from :func:`temporary_path` (a caller that notes it
            somewhere before it exists, for the clean-up after a kill); by default a new one.
        keep: Asked when the block or the naming fails: True leaves the temporary file where
            it is, for the caller to finish (a file that is already recorded as written).

    Raises:
        FileExistsError: ``target`` exists and ``replace`` is false (checked first, before any
            data is written, and again when the name is given).
        OSError: Anything else the operating system refused (a full disk is ``ENOSPC``, a
            read-only folder ``EROFS`` or ``EACCES``).
    """
    if not replace and os.path.lexists(target):
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target))
    if temporary is None:
        temporary = temporary_path(target)
    fd = os.open(temporary, _NEW_FILE, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, target)
            sync_directory(target.parent)
        else:
            name_without_overwriting(temporary, target)
    except BaseException:
        if keep is None or not keep():
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        raise


def name_without_overwriting(source: Path, target: Path) -> None:
    """Give the whole, synced file ``source`` the name ``target`` in the same folder, durably.

    Never replaces an existing ``target`` (see the module docstring for how, on each kind of
    file system). If ``target`` already is ``source`` itself (an earlier call was stopped
    between the hard link and the removal of the old name), only the old name is removed.

    Raises:
        FileExistsError: ``target`` exists (and is another file); it is left as it was.
        OSError: The name could not be given, or the folder not synced; ``target`` is then
            absent, and ``source`` is the caller's to remove if it is still there.
    """
    given = os.stat(source)
    if sys.platform == "win32":
        os.rename(source, target)  # MoveFileEx without REPLACE_EXISTING: never overwrites
    else:
        try:
            os.link(source, target)
        except FileExistsError:
            if not _same_file(target, given):
                raise
        except OSError as exc:
            if exc.errno not in _NO_HARD_LINKS:
                raise
            # No hard links here (FAT on a USB stick): rename, after a last look.
            if os.path.lexists(target):
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target)) from exc
            os.rename(source, target)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(source)
    try:
        sync_directory(target.parent)
    except BaseException:
        if _same_file(target, given):  # a name that may not survive a power cut is not given
            with contextlib.suppress(OSError):
                os.unlink(target)
        raise


def _same_file(path: Path, known: os.stat_result) -> bool:
    try:
        return os.path.samestat(os.stat(path, follow_symlinks=False), known)
    except OSError:
        return False


def write_private_file(path: Path, data: bytes, *, replace: bool = False) -> None:
    """Write one of the store's own small files (its key file, an export's note) atomically.

    :func:`write_atomically`, with a full disk or a folder that takes no writes named as the
    store's :class:`DiskFull` or :class:`StoreReadOnly`; an existing file (when not replacing)
    raises :class:`FileExistsError`. The file it would have replaced is left as it was.
    """
    with refusals_named(), write_atomically(path, replace=replace) as handle:
        handle.write(data)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, read a piece at a time (a video is never held whole).

    Raises:
        OSError: the file cannot be read.
    """
    digest = hashlib.sha256()
    with path.open("rb") as data:
        while piece := data.read(1024 * 1024):
            digest.update(piece)
    return digest.hexdigest()


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
