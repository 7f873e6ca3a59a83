"""A tar stream encrypted with age, written and read as a stream.

Writing: :func:`tar_chunks` turns members into tar bytes as they are asked for, and
:func:`encrypt_to` encrypts those bytes with age (``pyrage``) to one X25519 recipient straight
into the output file. Nothing is held whole: a package of 200 screenshots costs the memory of a
few chunks.

Reading: :class:`DecryptedTar` runs ``pyrage``'s streaming decryption in a thread that feeds a
small bounded queue, and reads the tar stream from it in the caller's thread. The plaintext never
touches the disk. Age authenticates each 64 KiB chunk as it comes but can only say that the whole
file is whole at its end, so a caller must not act on anything it read until :meth:`finish` has
returned (a later chunk can still fail). The armored (PEM-like) form of age is accepted too.

The outer file is plain age (https://age-encryption.org/v1): the ``age`` tool with the lead's
identity decrypts a package to its tar stream.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import io
import queue
import tarfile
import threading
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import IO, BinaryIO

import pyrage
from pyrage import x25519

from harmonize_evidence.domain.errors import BadInput, VerificationFailed

AGE_MAGIC = b"age-encryption.org/v1\n"
ARMOR_BEGIN = b"-----BEGIN AGE ENCRYPTED FILE-----"
ARMOR_END = b"-----END AGE ENCRYPTED FILE-----"
_BLOCK = tarfile.BLOCKSIZE
_RECORD = tarfile.RECORDSIZE
# Plaintext handed from the decrypting thread at a time, and how many such chunks may wait:
# memory stays ~4 MiB whatever the package's size. Handed over in 1 MiB rather than 256 KiB, a
# receive of 200 screenshots switched threads a quarter as often and took 1.64 s rather than
# 1.73 s (medians of 8 interleaved runs each).
_QUEUE_CHUNK = 1024 * 1024
_QUEUE_DEPTH = 4


def new_identity() -> tuple[str, str]:
    """A new age X25519 identity: (secret ``AGE-SECRET-KEY-1...``, recipient ``age1...``)."""
    identity = x25519.Identity.generate()
    return str(identity), str(identity.to_public())


# -- writing ----------------------------------------------------------------------------------


def tar_chunks(members: Iterable[tuple[str, int, Iterable[bytes]]]) -> Iterator[bytes]:
    """A POSIX tar stream of ``(name, size, chunks)`` members, produced as it is read.

    Raises:
        ValueError: a member's chunks do not add up to its size.
    """
    total = 0
    for name, size, chunks in members:
        info = tarfile.TarInfo(name)
        info.size = size
        info.mode = 0o600
        info.mtime = 0
        header = info.tobuf(format=tarfile.PAX_FORMAT)
        total += len(header)
        yield header
        written = 0
        for chunk in chunks:
            written += len(chunk)
            yield chunk
        if written != size:
            raise ValueError(f"{name} was {written} bytes where {size} were announced")
        padding = -size % _BLOCK
        total += size + padding
        if padding:
            yield b"\0" * padding
    end = 2 * _BLOCK
    total += end
    yield b"\0" * (end + (-total % _RECORD))


class _ChunkReader(io.RawIOBase):
    """A readable file over an iterator of byte strings; remembers what the iterator raised."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._current = memoryview(b"")
        self.error: BaseException | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._current:
            try:
                self._current = memoryview(next(self._chunks))
            except StopIteration:
                return 0
            except BaseException as exc:
                self.error = exc
                raise
        size = min(len(buffer), len(self._current))
        buffer[:size] = self._current[:size]
        self._current = self._current[size:]
        return size


class _Output:
    """The output file, remembering what its writes raised (a full disk)."""

    def __init__(self, target: BinaryIO) -> None:
        self._target = target
        self.error: BaseException | None = None

    def write(self, data: bytes) -> int:
        try:
            return self._target.write(data)
        except BaseException as exc:
            self.error = exc
            raise

    def flush(self) -> None:
        try:
            self._target.flush()
        except BaseException as exc:
            self.error = exc
            raise


def encrypt_to(recipient: str, plaintext: Iterable[bytes], out: BinaryIO) -> None:
    """Encrypt ``plaintext`` (read chunk by chunk) with age to ``recipient``, into ``out``.

    Exceptions raised while producing the plaintext (a hash that no longer matches) or while
    writing (``OSError``: a full disk) propagate as themselves, not as pyrage's.
    """
    source = _ChunkReader(plaintext)
    output = _Output(out)
    try:
        pyrage.encrypt_io(source, output, [x25519.Recipient.from_str(recipient)])
    except Exception as exc:
        cause = source.error or output.error
        if cause is not None:
            raise cause from exc
        raise


# -- reading ----------------------------------------------------------------------------------


class _Dearmored(io.RawIOBase):
    """The binary age file inside its armored (base64, PEM-like) form."""

    def __init__(self, source: IO[bytes]) -> None:
        self._source = source
        self._pending = b""
        self._ended = False
        first = source.readline(128).strip()
        if first != ARMOR_BEGIN:
            raise BadInput("This file is not a handover package: its armor is not age's.")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending and not self._ended:
            line = self._source.readline(1024)
            text = line.strip()
            if not line or text == ARMOR_END:
                self._ended = True
                break
            try:
                self._pending = base64.b64decode(text, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise OSError("the armored package holds a line that is not base64") from exc
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


class _Plaintext(io.RawIOBase):
    """The decrypting thread's output, read in the caller's thread through a bounded queue."""

    def __init__(self) -> None:
        self._queue: queue.Queue[bytes | None] = queue.Queue(_QUEUE_DEPTH)
        self._pieces: list[bytes] = []
        self._pending = 0
        self._current = memoryview(b"")
        self._ended = False
        self.abandoned = threading.Event()

    # the decrypting thread's side
    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self._pieces.append(bytes(data))
        self._pending += len(data)
        if self._pending >= _QUEUE_CHUNK:
            self._put(b"".join(self._pieces))
            self._pieces.clear()
            self._pending = 0
        return len(data)

    def flush(self) -> None:
        return None

    def end(self) -> None:
        """No more plaintext (the thread ended, whole or not)."""
        if self._pieces:
            with contextlib.suppress(OSError):
                self._put(b"".join(self._pieces))
            self._pieces.clear()
        with contextlib.suppress(OSError):
            self._put(None)

    def _put(self, item: bytes | None) -> None:
        while True:
            if self.abandoned.is_set():
                raise OSError("the package is no longer being read")
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    # the reading side
    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        piece = self.piece(len(buffer))
        buffer[: len(piece)] = piece
        return len(piece)

    def piece(self, most: int) -> memoryview:
        """The next plaintext, at most ``most`` bytes, without copying (empty at the end)."""
        while not self._current:
            if self._ended:
                return memoryview(b"")
            item = self._queue.get()
            if item is None:
                self._ended = True
                return memoryview(b"")
            self._current = memoryview(item)
        piece = self._current[:most]
        self._current = self._current[most:]
        return piece

    def exactly(self, size: int) -> bytes:
        """The next ``size`` bytes; fewer only at the end of the stream."""
        parts = []
        while size:
            piece = self.piece(size)
            if not piece:
                break
            parts.append(piece)
            size -= len(piece)
        return b"".join(parts)


class Member:
    """One member of a decrypted tar stream, read chunk by chunk, in order."""

    def __init__(self, name: str, size: int, package: DecryptedTar) -> None:
        self.name = name
        self.size = size
        self._package = package
        self._left = size

    def chunks(self, chunk_size: int = 1024 * 1024) -> Iterator[bytes | memoryview]:
        """Its bytes, in pieces of at most ``chunk_size`` (read once)."""
        while self._left:
            with self._package._reading():
                piece = self._package._plaintext.piece(min(chunk_size, self._left))
                if not piece:
                    raise EOFError("the package ends inside a member")
            self._left -= len(piece)
            yield piece

    def skip(self) -> None:
        """Pass over what was not read of it."""
        for _ in self.chunks():
            pass

    def read(self, limit: int) -> bytes:
        """All its bytes, refused when it is larger than ``limit``.

        Raises:
            VerificationFailed: it is larger than ``limit``.
        """
        if self.size > limit:
            raise VerificationFailed(f"The package's {self.name} is too large to be ours.")
        return b"".join(self.chunks())


class _Hashing(io.RawIOBase):
    """A readable file that hashes what is read from it (the package as it is on disk)."""

    def __init__(self, source: IO[bytes]) -> None:
        self._source = source
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        size = self._source.readinto(buffer)  # type: ignore[attr-defined]
        if size:
            self.digest.update(memoryview(buffer)[:size])
        return size or 0


class DecryptedTar:
    """A package's tar stream, decrypted as it is read. Use as a context manager.

    Raises (on entering):
        BadInput: the file is empty or is not an age file.
    """

    def __init__(self, source: BinaryIO, secret: str) -> None:
        head = source.read(len(ARMOR_BEGIN))
        source.seek(0)
        self._hashing = _Hashing(source)
        source = io.BufferedReader(self._hashing, 256 * 1024)
        if head.startswith(ARMOR_BEGIN):
            encrypted: IO[bytes] = io.BufferedReader(_Dearmored(source), 1024 * 1024)
        elif head.startswith(AGE_MAGIC):
            encrypted = source
        else:
            raise BadInput("This file is not a handover package: it is not an age-encrypted file.")
        self._identity = x25519.Identity.from_str(secret)
        self._encrypted = encrypted
        self._plaintext = _Plaintext()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._decrypt, name="decrypt-package", daemon=True)

    def _decrypt(self) -> None:
        try:
            pyrage.decrypt_io(self._encrypted, self._plaintext, [self._identity])
        except BaseException as exc:  # reported to the reading thread by finish()
            self._error = exc
        finally:
            self._plaintext.end()

    def __enter__(self) -> DecryptedTar:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop()

    def members(self) -> Iterator[Member]:
        """Each member of the tar stream, in order; read one before asking for the next.

        The stream is read as :func:`tar_chunks` writes it: regular files with ustar headers.
        Anything else (links, devices, extended headers) is refused as not our package.

        Raises:
            BadInput, VerificationFailed: what :meth:`finish` raises, when the stream stops
                because decryption failed; otherwise VerificationFailed for a tar stream that
                cannot be read.
        """
        previous: Member | None = None
        while True:
            if previous is not None:
                previous.skip()
                with self._reading():
                    padding = -previous.size % _BLOCK
                    if len(self._plaintext.exactly(padding)) != padding:
                        raise EOFError("the package ends inside a member's padding")
            with self._reading():
                header = self._plaintext.exactly(_BLOCK)
                if len(header) != _BLOCK:
                    raise EOFError("the package ends inside a header")
                if header == bytes(_BLOCK):
                    return
                info = tarfile.TarInfo.frombuf(header, "utf-8", "strict")
                if info.type not in (tarfile.REGTYPE, tarfile.AREGTYPE):
                    raise tarfile.HeaderError(f"member {info.name!r} is not a regular file")
            previous = Member(info.name, info.size, self)
            yield previous

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        try:
            yield
        except (tarfile.TarError, OSError, EOFError, UnicodeDecodeError) as exc:
            self._stop()
            self._failure()
            raise VerificationFailed(
                "The handover package is damaged: its contents cannot be read as a package."
            ) from exc

    def finish(self) -> None:
        """Wait for decryption to reach the end of the file, and say if it did not verify.

        Raises:
            BadInput: the package is not encrypted to this identity (another lead's), or its
                header is not age's.
            VerificationFailed: a chunk failed age's authentication (one byte changed, the
                file cut short).
        """
        # Read to the end, so that the decrypting thread reaches the end of the file.
        while self._plaintext.readinto(bytearray(_QUEUE_CHUNK)):
            pass
        self._thread.join()
        self._failure()
        rest = bytearray(_QUEUE_CHUNK)
        while self._hashing.readinto(rest):  # the file's hash covers every byte of it
            pass

    @property
    def sha256(self) -> str:
        """The SHA-256 of the file as read (the whole file once :meth:`finish` returned)."""
        return self._hashing.digest.hexdigest()

    def _stop(self) -> None:
        """Stop the decrypting thread (if it still runs) and wait for it."""
        if self._thread.is_alive():
            self._plaintext.abandoned.set()
        self._thread.join()

    def _failure(self) -> None:
        self._thread.join()
        error = self._error
        if error is None or self._plaintext.abandoned.is_set():
            return
        text = str(error)
        if isinstance(error, pyrage.DecryptError):
            if "No matching keys" in text:
                raise BadInput(
                    "This handover package was not encrypted to this store's key: it is meant "
                    "for another safeguarding lead, or its header was damaged."
                ) from error
            raise BadInput(
                f"This file is not a handover package: its age header cannot be read ({text})."
            ) from error
        raise VerificationFailed(
            "The handover package is damaged or was changed: age's authentication of its "
            "contents failed."
        ) from error
