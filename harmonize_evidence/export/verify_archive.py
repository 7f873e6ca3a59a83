"""The bundle's archive, for ``verify-bundle``: refused unread if unsafe, then read with care.

:func:`check_archive` inspects the archive before any content is read (entries outside the
bundle's root, absolute paths, symbolic links, encrypted or unusually compressed entries,
overlapping entries, too many entries, too many bytes, a zip bomb's compression ratio); the
other functions read or hash an entry without unpacking it to disk.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import re
import stat
import struct
import zipfile
from collections.abc import Sequence
from typing import Any, BinaryIO

MAX_ENTRIES = 20_000
MAX_TOTAL_BYTES = 64 * 1024**3
MAX_SMALL_FILE = 64 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed; deflate of real files stays far below
_RATIO_FLOOR = 1024 * 1024  # small entries may compress well without being bombs
MAX_IN_MEMORY_PDF = 1024 * 1024 * 1024
_READ = 1 << 20


class UnsafeArchive(Exception):
    """The archive must not be read (it is not a zip, or it is crafted to harm the reader)."""


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return info.create_system == 3 and stat.S_ISLNK(mode)


def check_archive(archive: zipfile.ZipFile, raw: BinaryIO) -> list[zipfile.ZipInfo]:
    """Refuse an unsafe archive before reading any entry's content; returns its entries."""
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise UnsafeArchive(f"it has {len(infos):,} entries, more than a bundle ever has")
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        shown = name.encode("unicode_escape").decode("ascii")[:120]
        if "\x00" in name or "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
            raise UnsafeArchive(f"the entry {shown} has an absolute or unsafe path")
        parts = name.split("/")
        if any(part in ("", ".", "..") for part in parts[:-1]) or parts[-1] in (".", ".."):
            raise UnsafeArchive(f"the entry {shown} points outside the bundle")
        if _is_symlink(info):
            raise UnsafeArchive(f"the entry {shown} is a symbolic link")
        if info.flag_bits & 0x1:
            raise UnsafeArchive(f"the entry {shown} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnsafeArchive(f"the entry {shown} uses an unexpected compression method")
        if name in seen:
            raise UnsafeArchive(f"the entry {shown} appears twice")
        seen.add(name)
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise UnsafeArchive("its files would unpack to more bytes than a bundle ever has")
        if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise UnsafeArchive(
                f"the entry {shown} is compressed {info.file_size // max(info.compress_size, 1):,}"
                " to 1, which only a zip bomb is"
            )
    _check_overlaps(infos, raw)
    return infos


def _check_overlaps(infos: Sequence[zipfile.ZipInfo], raw: BinaryIO) -> None:
    """Entries whose data overlap (a bomb that reuses one compressed stream) are refused."""
    spans = []
    for info in infos:
        raw.seek(info.header_offset)
        header = raw.read(30)
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise UnsafeArchive(f"the entry {info.filename[:120]!r} has no valid local header")
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        start = info.header_offset
        end = start + 30 + name_length + extra_length + info.compress_size
        spans.append((start, end))
    spans.sort()
    for (_, end), (next_start, _) in itertools.pairwise(spans):
        if next_start < end:
            raise UnsafeArchive("two of its entries overlap, as in a zip bomb")


class _Window(io.RawIOBase):
    """A read-only, seekable view of a run of bytes inside a file (an uncompressed entry)."""

    def __init__(self, raw: BinaryIO, start: int, length: int) -> None:
        self._raw, self._start, self._length, self._position = raw, start, length, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._length}[whence]
        self._position = max(0, min(self._length, base + offset))
        return self._position

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        want = min(len(view), self._length - self._position)
        if want <= 0:
            return 0
        self._raw.seek(self._start + self._position)
        got = self._raw.readinto(view[:want])  # type: ignore[attr-defined]
        got = got or 0
        self._position += got
        return int(got)


def entry_stream(archive: zipfile.ZipFile, raw: BinaryIO, info: zipfile.ZipInfo) -> BinaryIO:
    """A seekable stream of an entry's content, read in place when it is stored uncompressed."""
    if info.compress_type == zipfile.ZIP_STORED:
        raw.seek(info.header_offset)
        header = raw.read(30)
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        start = info.header_offset + 30 + name_length + extra_length
        return io.BufferedReader(_Window(raw, start, info.file_size), buffer_size=_READ)
    if info.file_size > MAX_IN_MEMORY_PDF:
        raise UnsafeArchive(f"{info.filename} is compressed and too large to check in memory")
    with archive.open(info) as entry:
        return io.BytesIO(entry.read())


def read_small(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > MAX_SMALL_FILE:
        raise UnsafeArchive(f"{info.filename} is far larger than such a file ever is")
    with archive.open(info) as entry:
        return entry.read(MAX_SMALL_FILE + 1)


def hash_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    digest = hashlib.sha256()
    with archive.open(info) as entry:
        while piece := entry.read(_READ):
            digest.update(piece)
    return digest.hexdigest()


def hash_stream(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    stream.seek(0)
    while piece := stream.read(_READ):
        digest.update(piece)
    return digest.hexdigest()
