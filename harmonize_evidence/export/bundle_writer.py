"""Writing the export bundle's zip in one pass, hashed as it is written.

:class:`BundleWriter` takes each file of the bundle (the report, every exhibit, the small text
files) through a short queue to a thread of its own, which writes the zip with data descriptors
(no seeking back) and hashes it on the way, so that the bundle's SHA-256 is known the moment it
is finished. What goes into the bundle, and its manifest, is :mod:`.bundle`'s.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import threading
import zipfile
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from datetime import datetime
from typing import IO, Any, BinaryIO, cast

_COPY_BUFFER = 256 * 1024
_QUEUED_CHUNKS = 2


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
