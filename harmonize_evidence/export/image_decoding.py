"""Images the report cannot take as they are, decoded once with Pillow and compressed again for
display only: PNGs with alpha or interlacing, JPEGs that need rotating or use arithmetic coding,
and GIF, WebP, BMP and TIFF files. The decoded image is capped in pixels and bytes; the original
bytes are always in the bundle beside the report.
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib

from harmonize_evidence.domain.model import PILLOW_FORMATS
from harmonize_evidence.export.image_streams import NoPreview, PdfImage, Spool, SpooledBytes

# Decoding for display holds the image in memory: cap it (a 1440 x 27,000 capture is 39 Mpx).
DECODE_MAX_PIXELS = 60_000_000
DECODE_MAX_BYTES = 256 * 1024 * 1024


class DecodingFeeder:
    """Keeps the whole file (within a cap) and decodes it for display when it is complete."""

    def __init__(self, spool: Spool, media_type: str, size: int) -> None:
        self._spool = spool
        self._format = PILLOW_FORMATS[media_type]
        self._buffer = bytearray()
        self._too_big = size > DECODE_MAX_BYTES

    def feed(self, data: bytes) -> None:
        """Take the next chunk of the file."""
        if self._too_big:
            return
        self._buffer += data
        if len(self._buffer) > DECODE_MAX_BYTES:
            self._too_big = True
            self._buffer = bytearray()

    def finish(self) -> PdfImage | NoPreview:
        """The image, once every chunk has been fed."""
        if self._too_big:
            return NoPreview("the image file is too large to show in the report")
        whole, self._buffer = bytes(self._buffer), bytearray()
        return decode_for_display(whole, self._format, self._spool)


def _compress(data: bytes) -> bytes:
    try:
        from isal import isal_zlib

        return bytes(isal_zlib.compress(data, 1))
    except ImportError:  # pragma: no cover - isal is a dependency; zlib is the fallback
        return zlib.compress(data, 1)


def decode_for_display(data: bytes, image_format: str, spool: Spool) -> PdfImage | NoPreview:
    """Decode an image with Pillow and write an upright 8-bit RGB or grey copy (plus alpha)."""
    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[image_format]) as opened:
                if opened.width * opened.height > DECODE_MAX_PIXELS:
                    return NoPreview("the image is too large to convert for the report")
                opened.seek(0)  # the first frame of an animation
                image = ImageOps.exif_transpose(opened)
                image.load()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        return NoPreview("the image is too large to convert for the report")
    except (OSError, SyntaxError, ValueError, EOFError, struct.error):
        return NoPreview("the image file is damaged and cannot be shown")
    alpha = None
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        channel = rgba.getchannel("A")
        if channel.getextrema() != (255, 255):
            alpha = channel
        image = rgba.convert("RGB")
    grey = image.mode in ("1", "L", "I;16", "I;16B", "I;16L", "I")
    if image.mode.startswith("I"):  # 16-bit grey: keep the high byte (a plain convert clips)
        image = image.convert("I").point(lambda value: value / 256)
    if image.mode == "CMYK":
        image = image.convert("RGB")
    image = image.convert("L" if grey else "RGB")
    smask = None
    if alpha is not None:
        smask = _write_raw(alpha.tobytes(), alpha.width, alpha.height, "DeviceGray", spool)
    colour = _write_raw(
        image.tobytes(), image.width, image.height, "DeviceGray" if grey else "DeviceRGB", spool
    )
    return PdfImage(
        width=colour.width,
        height=colour.height,
        color_space=colour.color_space,
        bits_per_component=8,
        filter="FlateDecode",
        data=colour.data,
        smask=smask,
        unchanged=False,
    )


def _write_raw(raw: bytes, width: int, height: int, space: str, spool: Spool) -> PdfImage:
    compressed = _compress(raw)
    start = spool.tell()
    spool.write(compressed)
    return PdfImage(
        width=width,
        height=height,
        color_space=space,
        bits_per_component=8,
        filter="FlateDecode",
        data=SpooledBytes(start, len(compressed)),
        unchanged=False,
    )
