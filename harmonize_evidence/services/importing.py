"""Looking at a file before it becomes evidence: its real type, and whether an image is sound.

The media type comes from the content (magic numbers), never from the file name. Images are
opened with Pillow with a pixel cap and the decompression-bomb warning turned into an error, and
decoded once in full so a truncated or corrupt image is caught now rather than in court.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from harmonize_evidence.domain.chain import sha256_hex
from harmonize_evidence.domain.errors import FileRejected
from harmonize_evidence.domain.model import PILLOW_FORMATS, ExhibitKind
from harmonize_evidence.vault.database import CHUNK_SIZE

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
MAX_IMAGE_PIXELS = 150_000_000  # e.g. a 1440 x 100,000 scrolling capture
SNIFF_BYTES = 8192
# Files up to this size are read once into memory; larger ones are read twice (hash, then store).
IN_MEMORY_LIMIT = 64 * 1024 * 1024


@dataclass(frozen=True)
class FileFacts:
    """What the content says a file is."""

    media_type: str
    kind: ExhibitKind
    width: int | None = None
    height: int | None = None


def sniff_media_type(head: bytes) -> str:
    """The media type of content starting with ``head``, e.g. ``image/png``."""
    import filetype

    guess = filetype.guess(head)
    if guess is not None:
        mime = str(guess.mime)
        # filetype names some types by older or vendor names; keep the common ones.
        return {"audio/x-m4a": "audio/mp4", "audio/x-flac": "audio/flac"}.get(mime, mime)
    if _looks_like_email(head):
        return "message/rfc822"
    if _looks_like_text(head):
        return "text/plain"
    return "application/octet-stream"


_TEXT_BOMS = (b"\xff\xfe", b"\xfe\xff")
"""UTF-16 (and UTF-32) text says so at its start; it is full of zero bytes."""
_BINARY_BYTES = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D, 0x1A, 0x1B}
"""Bytes that text in an 8-bit code page (Windows-1252 and the like) does not hold."""


def _looks_like_text(head: bytes) -> bool:
    if head.startswith(_TEXT_BOMS):
        return True
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text; so is text in an
        # older code page (Windows-1252), which has no control bytes.
        return exc.start >= len(head) - 3 or not _BINARY_BYTES.intersection(head)
    return True


def _looks_like_email(head: bytes) -> bool:
    if not _looks_like_text(head):
        return False
    header_block = head.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0].lower()
    names = {line.split(b":", 1)[0].strip() for line in header_block.splitlines() if b":" in line}
    return len(names & {b"from", b"to", b"subject", b"date", b"message-id", b"received"}) >= 3


def kind_for(media_type: str) -> ExhibitKind:
    """The exhibit kind a media type suggests."""
    if media_type.startswith("image/"):
        return ExhibitKind.IMAGE
    if media_type.startswith("audio/"):
        return ExhibitKind.AUDIO
    if media_type.startswith("video/"):
        return ExhibitKind.VIDEO
    if media_type == "message/rfc822":
        return ExhibitKind.EMAIL
    return ExhibitKind.DOCUMENT


def check_image(data: bytes, media_type: str) -> tuple[int, int] | None:
    """Decode an image fully; return its size, or :class:`FileRejected` if it is unsound."""
    fmt = PILLOW_FORMATS.get(media_type)
    if fmt is None:
        return None
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise FileRejected(
                        f"The image is {width:,} x {height:,} pixels, more than this program "
                        f"accepts ({MAX_IMAGE_PIXELS:,} pixels); it may be a decompression bomb."
                    )
                image.load()
    except FileRejected:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise FileRejected(
            "The image is far larger than any screenshot; it may be a decompression bomb, "
            "so it was not imported."
        ) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        name = fmt if fmt != "JPEG" else "JPEG"
        raise FileRejected(
            f"The file looks like a {name} image but is damaged or incomplete, so it was not "
            "imported; copy it again from its source."
        ) from exc
    return width, height


def inspect_content(data: bytes) -> FileFacts:
    """Facts about in-memory content: media type, kind, and image size if it is an image."""
    media_type = sniff_media_type(data[:SNIFF_BYTES])
    size = check_image(data, media_type)
    kind = kind_for(media_type)
    if size is None:
        return FileFacts(media_type, kind)
    return FileFacts(media_type, kind, size[0], size[1])


@dataclass(frozen=True)
class ImportedFile:
    """A file read for import: its type, its bytes to store, and what they hash to."""

    media_type: str
    chunks: Iterable[bytes]
    """Read once, as the bytes are stored; streamed from the file when it is large."""
    size: int
    sha256: str
    in_memory: bool
    """Whether ``chunks`` are the very bytes hashed (else they are hashed again as stored)."""
    image_size: tuple[int, int] | None


def read_import(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> ImportedFile:
    """Check and read a file to import: its size, its real type, an image's soundness."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise FileRejected(f"{path} is not a file.")
    except FileNotFoundError as exc:
        raise FileRejected(f"There is no file {path}.") from exc
    except OSError as exc:
        raise FileRejected(f"{path} cannot be read ({exc.strerror}).") from exc
    if size == 0:
        raise FileRejected(f"{path.name} is empty, so there is nothing to keep.")
    if size > max_bytes:
        raise FileRejected(
            f"{path.name} is {size / 1048576:,.1f} MiB; the limit is "
            f"{max_bytes / 1048576:,.0f} MiB per file."
        )
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
            media_type = sniff_media_type(head)
            if size <= IN_MEMORY_LIMIT or media_type.startswith("image/"):
                handle.seek(0)
                data = handle.read()
                chunks: Iterable[bytes] = (
                    [data]
                    if len(data) <= CHUNK_SIZE
                    else [data[i : i + CHUNK_SIZE] for i in range(0, len(data), CHUNK_SIZE)]
                )
                in_memory = True
                sha256 = sha256_hex(data)
                size = len(data)
                image_size = check_image(data, media_type)
            else:
                sha256, size = _hash_file(path)
                chunks = _read_chunks(path)
                in_memory = False
                image_size = None
    except OSError as exc:
        raise FileRejected(f"{path.name} cannot be read ({exc.strerror}).") from exc
    return ImportedFile(media_type, chunks, size, sha256, in_memory, image_size)


def _hash_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _read_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            yield chunk
