"""The PNG encoder for screen grabs: in memory, lossless, and fast enough to feel instant.

A screen grab arrives as 32-bit BGRX pixels. The encoder writes a standard PNG (8-bit RGB, colour
type 2, no interlace) that any viewer opens and whose pixels are exactly the grab's. Nothing is
written to disk: the PNG exists only as bytes in memory until the vault stores it encrypted.

Why it is built this way (measured on a 2-core machine under Xvfb, 1920x1080 busy content;
``tests/benchmarks/capture.py`` prints these figures again for 1080p and 4K):

- Deflate is the cost. On the Up-filtered frame zlib level 1 took ~60 ms and ISA-L (the
  ``isal`` package) level 1 ~27 ms in one thread, both ~1.3 MB. ISA-L level 3 is ~2x slower for
  ~2 % less; level 0 is no faster and 13 % bigger; so level 1.
- The PNG "Up" filter (each byte minus the byte above it) makes text-and-photo screens ~35 %
  smaller than no filter (1.26 against 1.95 MB) at about the same speed, because the rows above
  are the same frame viewed one row earlier: Pillow subtracts the two views in C
  (``ImageChops.subtract_modulo``) without copying the frame first. Pillow's own PNG encoder
  tries every filter on every row and spent ~40 ms on that alone.
- Fresh multi-megabyte buffers cost page faults, which at first doubled the encode time; so the
  frame is never copied whole: each stripe is filtered from zero-copy views of the grab.
- The frame is cut into horizontal stripes, one per processor, each filtered and compressed by
  its own ISA-L stream in a worker thread (ISA-L releases the GIL): ~12 ms instead of ~27 ms on
  two cores. Every stripe but the last ends with a sync flush (a byte-aligned, non-final empty
  stored block), the last with a final block, so their concatenation is one valid raw deflate
  stream; back-references never cross a stripe boundary, which a decoder does not care about.
  The zlib header and the Adler-32 of all the filtered rows frame it as the single zlib stream
  that PNG's IDAT requires.
"""

from __future__ import annotations

import os
import struct
import threading
import zlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING

from isal import isal_zlib

if TYPE_CHECKING:
    from PIL import Image

# Pillow is imported where a frame is encoded, not with this module: the desktop program imports
# the capture package to take the capture key just after its window shows, and Pillow's import
# was about half of that package's.

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ZLIB_HEADER_FAST = b"\x78\x01"  # deflate, 32 KiB window, "fastest" level hint; header check ok
_MAX_STRIPES = 8


class PngFilter(IntEnum):
    """The PNG row filter applied to every row (PNG specification, section 9.2)."""

    NONE = 0
    UP = 2


@dataclass(frozen=True)
class EncoderSettings:
    """How :func:`encode_png` encodes; the defaults are the measured choice."""

    level: int = 1
    """ISA-L compression level, 0 (fastest) to 3 (smallest)."""
    row_filter: PngFilter = PngFilter.UP
    """The one filter used for every row."""
    stripes: int | None = None
    """How many stripes to compress in parallel; ``None`` means one per processor (at most 8)."""
    deflate: str = "isal"
    """``isal`` (ISA-L) or ``zlib`` (the standard library), for comparison in the benchmark."""

    def describe(self) -> dict[str, object]:
        """JSON form for the capture metadata: how the stored bytes were made."""
        library = "ISA-L (isal)" if self.deflate == "isal" else "zlib"
        return {
            "format": "PNG, 8-bit RGB, lossless",
            "row_filter": self.row_filter.name.lower(),
            "deflate": f"{library} level {self.level}",
        }


DEFAULT_SETTINGS = EncoderSettings()

_pool_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def _workers() -> ThreadPoolExecutor:
    """The process-wide worker threads that compress stripes (created once, kept)."""
    global _pool  # noqa: PLW0603 (one pool per process, created on first use)
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=_MAX_STRIPES - 1, thread_name_prefix="png-deflate"
            )
        return _pool


def _stripe_count(settings: EncoderSettings, height: int) -> int:
    wanted = settings.stripes or min(os.cpu_count() or 1, _MAX_STRIPES)
    return max(1, min(wanted, _MAX_STRIPES, height // 16 or 1))


def _compressor(settings: EncoderSettings) -> Callable[[bytes, bool], bytes]:
    """A function compressing one stripe to raw deflate, ending final or with a sync flush."""
    if settings.deflate == "isal":

        def isal_stripe(data: bytes, last: bool) -> bytes:
            stream = isal_zlib.compressobj(settings.level, isal_zlib.DEFLATED, -15)
            end = isal_zlib.Z_FINISH if last else isal_zlib.Z_SYNC_FLUSH
            return stream.compress(data) + stream.flush(end)

        return isal_stripe

    def zlib_stripe(data: bytes, last: bool) -> bytes:
        stream = zlib.compressobj(settings.level, zlib.DEFLATED, -15)
        return stream.compress(data) + stream.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)

    return zlib_stripe


def _adler32(settings: EncoderSettings) -> Callable[[bytes, int], int]:
    if settings.deflate == "isal":
        return isal_zlib.adler32
    return zlib.adler32


def _rgb_rows(frame: memoryview, width: int, top: int, bottom: int) -> Image.Image:
    """Rows [top, bottom) of the BGRX frame as a Pillow image, without copying them.

    The frame is viewed as "RGBA", so the image's R, G, B and A bands hold the frame's blue,
    green, red and padding bytes; :func:`_rgb_bytes` reads them back in PNG's order.
    """
    from PIL import Image

    rows = frame[top * width * 4 : bottom * width * 4]
    return Image.frombuffer("RGBA", (width, bottom - top), rows, "raw", "RGBA", 0, 1)  # type: ignore[arg-type]


def _rgb_bytes(image: Image.Image) -> bytes:
    """The image's bytes in PNG's red, green, blue order (see :func:`_rgb_rows`)."""
    return image.tobytes("raw", "BGR")


def _encode_stripe(
    frame: memoryview,
    *,
    width: int,
    top: int,
    bottom: int,
    row_filter: PngFilter,
    compress: Callable[[bytes, bool], bytes],
    last: bool = False,
) -> tuple[bytes, bytes]:
    """Filter and deflate rows [top, bottom); returns (filtered rows, raw deflate of them).

    The Up filter subtracts, byte by byte modulo 256, the row above; the rows above are the same
    frame viewed one row earlier, so Pillow computes the whole stripe in one C call and nothing is
    copied to get there. Row 0 has no row above: PNG counts it as zeros, so it stays as it is.
    """
    from PIL import ImageChops

    rows: list[bytes] = []
    if row_filter is PngFilter.UP:
        if top == 0:
            rows.append(_rgb_bytes(_rgb_rows(frame, width, 0, 1)))
            top = 1
        if bottom > top:
            difference = ImageChops.subtract_modulo(
                _rgb_rows(frame, width, top, bottom), _rgb_rows(frame, width, top - 1, bottom - 1)
            )
            rows.append(_rgb_bytes(difference))
    else:
        rows.append(_rgb_bytes(_rgb_rows(frame, width, top, bottom)))
    stride = width * 3
    filter_byte = bytes((row_filter,))
    views = [memoryview(part) for part in rows]
    data = b"".join(
        filter_byte + view[offset : offset + stride]
        for view in views
        for offset in range(0, len(view), stride)
    )
    return data, compress(data, last)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(data, zlib.crc32(kind)) & 0xFFFFFFFF)
    )


def encode_png(
    pixels: bytes | bytearray | memoryview,
    width: int,
    height: int,
    settings: EncoderSettings = DEFAULT_SETTINGS,
) -> bytes:
    """Encode a BGRX frame (4 bytes a pixel, rows top to bottom) as PNG bytes, in memory.

    Args:
        pixels: The frame as the grab returned it: blue, green, red, padding, row after row.
        width: Pixels per row.
        height: Number of rows.
        settings: Encoder choices; the default is the measured best.

    Returns:
        A complete PNG file as bytes.
    """
    if width <= 0 or height <= 0:
        raise ValueError("an image needs at least one pixel")
    if len(pixels) < width * height * 4:
        raise ValueError("the frame holds fewer bytes than its size says")
    compress = _compressor(settings)
    count = _stripe_count(settings, height)
    bounds = [height * index // count for index in range(count + 1)]
    frame = memoryview(pixels)

    def stripe(index: int) -> tuple[bytes, bytes]:
        return _encode_stripe(
            frame,
            width=width,
            top=bounds[index],
            bottom=bounds[index + 1],
            row_filter=settings.row_filter,
            compress=compress,
            last=index == count - 1,
        )

    pending: list[Future[tuple[bytes, bytes]]] = [
        _workers().submit(stripe, index) for index in range(count - 1)
    ]
    last = stripe(count - 1)  # the calling thread takes the last stripe itself
    stripes = [future.result() for future in pending]
    stripes.append(last)
    adler32 = _adler32(settings)
    checksum = 1
    for data, _ in stripes:
        checksum = adler32(data, checksum)
    idat = b"".join(
        [
            _ZLIB_HEADER_FAST,
            *(deflated for _, deflated in stripes),
            struct.pack(">I", checksum & 0xFFFFFFFF),
        ]
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"".join(
        [PNG_SIGNATURE, _chunk(b"IHDR", header), _chunk(b"IDAT", idat), _chunk(b"IEND", b"")]
    )
