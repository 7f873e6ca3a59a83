"""Looking at a file before it becomes evidence: its real type, and whether an image is sound.

The media type comes from the content (magic numbers), never from the file name. Images are
opened with Pillow with a pixel cap and the decompression-bomb warning turned into an error, and
decoded once in full so a truncated or corrupt image is caught now rather than in court.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from harmonize_evidence.domain.errors import FileRejected
from harmonize_evidence.domain.model import PILLOW_FORMATS, ExhibitKind

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
MAX_IMAGE_PIXELS = 150_000_000  # e.g. a 1440 x 100,000 scrolling capture
SNIFF_BYTES = 8192


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


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        return exc.start >= len(head) - 3
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
