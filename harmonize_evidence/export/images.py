"""Exhibit images as PDF image streams, from the original bytes and without re-encoding them.

A PNG's IDAT chunks, joined, are a zlib stream of filtered scanlines: exactly what a PDF
``FlateDecode`` stream with the PNG predictor (``/DecodeParms << /Predictor 15 ... >>``) holds.
So a PNG screenshot goes into the report as its own compressed bytes: no decoding, no
re-compression, and the pixels in the PDF are the original's, bit for bit. A baseline or
progressive JPEG goes in as it is too (``DCTDecode``).

What cannot be passed through is decoded once with Pillow (with a pixel cap) and compressed
again for display only: PNGs with an alpha channel or transparency, interlaced PNGs, JPEGs that
need rotating or use arithmetic coding, and GIF, WebP, BMP and TIFF files. The original bytes
are always in the bundle beside the report, whatever the report shows.

The bytes arrive chunk by chunk (:meth:`ImageFeeder.feed`) while the exhibit is also being
hashed and written into the bundle, so an exhibit is read from the store once. Image data goes
to a *spool*, a temporary file, and is spliced into the PDF when the report is assembled.

This module reads PNG and JPEG files as they stream; the image records and the spool are in
:mod:`.image_streams` (and importable from here), decoding with Pillow in :mod:`.image_decoding`.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from harmonize_evidence.domain.model import PILLOW_FORMATS
from harmonize_evidence.export.image_decoding import (
    DECODE_MAX_BYTES,
    DECODE_MAX_PIXELS,
    DecodingFeeder,
    decode_for_display,
)
from harmonize_evidence.export.image_streams import (
    ImageFeeder,
    NoPreview,
    PdfImage,
    Spool,
    SpooledBytes,
    copy_spooled,
)

__all__ = [
    "ImageFeeder",
    "JpegFeeder",
    "NoPreview",
    "PdfImage",
    "PngFeeder",
    "Spool",
    "SpooledBytes",
    "copy_spooled",
    "image_feeder",
    "parse_jpeg_header",
]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Chunks before the first IDAT (and JPEG headers) are kept in memory: cap them.
_HEADER_MAX_BYTES = 16 * 1024 * 1024
# JPEG start-of-frame markers DCTDecode reads: baseline, extended and progressive Huffman.
_JPEG_SOF_HUFFMAN = {0xC0, 0xC1, 0xC2}
_JPEG_SOF_OTHER = {0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}


def image_feeder(media_type: str, size: int, spool: Spool) -> ImageFeeder | None:
    """A feeder for an image of ``media_type``; None if the report does not show that type."""
    if media_type == "image/png":
        return PngFeeder(spool, size)
    if media_type == "image/jpeg":
        return JpegFeeder(spool, size)
    if media_type in PILLOW_FORMATS:
        return DecodingFeeder(spool, media_type, size)
    return None


# -- PNG --------------------------------------------------------------------------------------


class _DamagedImage(Exception):
    """The image's bytes are not what its format says (caught inside this module)."""


class PngFeeder:
    """Parses a PNG as it streams; IDAT data goes straight to the spool when usable as is."""

    def __init__(self, spool: Spool, size: int) -> None:
        self._spool = spool
        self._size = size
        self._pending = bytearray()
        self._signature_seen = False
        self._chunk_type = b""
        self._chunk_left = 0  # bytes of the current chunk's data still to come
        self._chunk_crc = 0
        self._chunk_data = bytearray()
        self._keep_chunk = False
        self._header: dict[str, int] = {}
        self._palette: bytes | None = None
        self._has_transparency = False
        self._mode: str | None = None  # "pass" (IDAT to spool) or "decode" (whole file kept)
        self._whole = bytearray()  # everything, in "decode" mode and before the first IDAT
        self._idat_start = 0
        self._idat_length = 0
        self._ended = False
        self._error: str | None = None

    def feed(self, data: bytes) -> None:
        """Take the next chunk of the file."""
        if self._error is not None or self._ended:
            return
        if self._mode != "pass":
            if len(self._whole) + len(data) > max(DECODE_MAX_BYTES, _HEADER_MAX_BYTES):
                self._error = "the image file is too large to show in the report"
                return
            self._whole += data
        try:
            self._parse(memoryview(data))
        except _DamagedImage as exc:
            self._error = str(exc)

    def _parse(self, data: memoryview) -> None:
        position = 0
        while position < len(data) and not self._ended:
            if not self._signature_seen:
                need = 8 - len(self._pending)
                self._pending += data[position : position + need]
                position += min(need, len(data) - position)
                if len(self._pending) == 8:
                    if bytes(self._pending) != PNG_SIGNATURE:
                        raise _DamagedImage("the file does not start like a PNG")
                    self._signature_seen = True
                    self._pending.clear()
                continue
            if self._chunk_left == 0 and not self._chunk_type:
                need = 8 - len(self._pending)
                self._pending += data[position : position + need]
                position += min(need, len(data) - position)
                if len(self._pending) == 8:
                    length, chunk_type = struct.unpack(">I4s", self._pending)
                    self._pending.clear()
                    self._start_chunk(length, chunk_type)
                continue
            if self._chunk_left > 0:
                take = min(self._chunk_left, len(data) - position)
                piece = data[position : position + take]
                position += take
                self._chunk_left -= take
                self._chunk_crc = zlib.crc32(piece, self._chunk_crc)
                if self._chunk_type == b"IDAT":
                    if self._mode == "pass":
                        self._spool.write(piece)
                    self._idat_length += take
                elif self._keep_chunk:
                    self._chunk_data += piece
                continue
            need = 4 - len(self._pending)
            self._pending += data[position : position + need]
            position += min(need, len(data) - position)
            if len(self._pending) == 4:
                (crc,) = struct.unpack(">I", self._pending)
                self._pending.clear()
                if crc != self._chunk_crc:
                    raise _DamagedImage("a PNG chunk fails its checksum")
                self._end_chunk()

    def _start_chunk(self, length: int, chunk_type: bytes) -> None:
        if length > 0x7FFFFFFF:
            raise _DamagedImage("a PNG chunk has an impossible length")
        if not self._header and chunk_type != b"IHDR":
            raise _DamagedImage("the PNG does not start with its header")
        self._chunk_type = chunk_type
        self._chunk_left = length
        self._chunk_crc = zlib.crc32(chunk_type)
        self._chunk_data.clear()
        self._keep_chunk = chunk_type in {b"IHDR", b"PLTE", b"tRNS"}
        if self._keep_chunk and length > 4096:
            raise _DamagedImage(f"the PNG {chunk_type.decode('ascii')} chunk is too long")
        if chunk_type == b"IDAT" and self._mode is None:
            self._choose_mode()
        if self._mode is None and len(self._whole) > _HEADER_MAX_BYTES:
            raise _DamagedImage("the PNG has too much data before its pixels")
        if length == 0:
            self._chunk_left = 0

    def _end_chunk(self) -> None:
        chunk_type, data = self._chunk_type, bytes(self._chunk_data)
        self._chunk_type = b""
        if chunk_type == b"IHDR":
            if len(data) != 13:
                raise _DamagedImage("the PNG header is damaged")
            width, height, bits, colour, compression, filtering, interlace = struct.unpack(
                ">IIBBBBB", data
            )
            if width == 0 or height == 0 or compression != 0 or filtering != 0:
                raise _DamagedImage("the PNG header is damaged")
            self._header = {
                "width": width,
                "height": height,
                "bits": bits,
                "colour": colour,
                "interlace": interlace,
            }
        elif chunk_type == b"PLTE":
            if len(data) % 3 or not data:
                raise _DamagedImage("the PNG palette is damaged")
            self._palette = data
        elif chunk_type == b"tRNS":
            self._has_transparency = True
        elif chunk_type == b"IEND":
            self._ended = True

    def _choose_mode(self) -> None:
        header = self._header
        colour, bits = header["colour"], header["bits"]
        valid = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}
        if bits not in valid.get(colour, set()):
            raise _DamagedImage("the PNG has an unknown pixel format")
        if colour == 3 and self._palette is None:
            raise _DamagedImage("the PNG has no palette")
        passable = colour in (0, 2, 3) and header["interlace"] == 0 and not self._has_transparency
        if passable:
            self._mode = "pass"
            self._idat_start = self._spool.tell()
            self._whole = bytearray()
        else:
            if header["width"] * header["height"] > DECODE_MAX_PIXELS:
                raise _DamagedImage("the image is too large to convert for the report")
            self._mode = "decode"

    def finish(self) -> PdfImage | NoPreview:
        """The image, once every chunk has been fed."""
        if self._error is not None:
            return NoPreview(self._error)
        if not self._ended or self._idat_length == 0:
            return NoPreview("the PNG file is incomplete")
        header = self._header
        if self._mode == "decode":
            whole, self._whole = bytes(self._whole), bytearray()
            return decode_for_display(whole, "PNG", self._spool)
        colour = header["colour"]
        colors = 3 if colour == 2 else 1
        return PdfImage(
            width=header["width"],
            height=header["height"],
            color_space="DeviceRGB" if colour in (2, 3) else "DeviceGray",
            bits_per_component=header["bits"],
            filter="FlateDecode",
            data=SpooledBytes(self._idat_start, self._idat_length),
            palette=self._palette if colour == 3 else None,
            predictor_colors=colors,
        )


# -- JPEG -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _JpegHeader:
    width: int
    height: int
    components: int
    precision: int
    huffman: bool
    adobe: bool
    orientation: int


def _exif_orientation(app1: bytes) -> int:
    """The EXIF orientation tag (1 = upright) of an APP1 segment, or 1."""
    if not app1.startswith(b"Exif\x00\x00") or len(app1) < 14:
        return 1
    tiff = app1[6:]
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if order is None:
        return 1
    try:
        (ifd,) = struct.unpack(order + "I", tiff[4:8])
        (count,) = struct.unpack(order + "H", tiff[ifd : ifd + 2])
        for index in range(count):
            entry = tiff[ifd + 2 + 12 * index : ifd + 14 + 12 * index]
            tag, kind = struct.unpack(order + "HH", entry[:4])
            if tag == 0x0112 and kind == 3:
                (value,) = struct.unpack(order + "H", entry[8:10])
                return value if 1 <= value <= 8 else 1
    except struct.error:
        return 1
    return 1


def parse_jpeg_header(data: bytes) -> _JpegHeader | None:
    """Read a JPEG's markers up to its first scan; None until the whole header is in ``data``.

    Raises ``_DamagedImage`` if the markers are not a JPEG's.
    """
    if not data.startswith(b"\xff\xd8"):
        raise _DamagedImage("the file does not start like a JPEG")
    position = 2
    adobe = False
    orientation = 1
    frame: tuple[int, int, int, int, bool] | None = None
    while True:
        while (
            position < len(data)
            and data[position] == 0xFF
            and position + 1 < len(data)
            and data[position + 1] == 0xFF
        ):
            position += 1  # fill bytes
        if position + 4 > len(data):
            return None
        if data[position] != 0xFF:
            raise _DamagedImage("the JPEG's markers are damaged")
        marker = data[position + 1]
        if marker in _JPEG_STANDALONE:
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if length < 2:
            raise _DamagedImage("the JPEG's markers are damaged")
        end = position + 2 + length
        if end > len(data):
            return None
        segment = data[position + 4 : end]
        if marker == 0xE1 and orientation == 1:
            orientation = _exif_orientation(segment)
        elif marker == 0xEE and segment.startswith(b"Adobe"):
            adobe = True
        elif marker in _JPEG_SOF_HUFFMAN or marker in _JPEG_SOF_OTHER:
            if len(segment) < 6:
                raise _DamagedImage("the JPEG's frame header is damaged")
            precision, height, width, components = struct.unpack(">BHHB", segment[:6])
            frame = (width, height, components, precision, marker in _JPEG_SOF_HUFFMAN)
        elif marker == 0xDA:
            if frame is None:
                raise _DamagedImage("the JPEG has no frame header")
            width, height, components, precision, huffman = frame
            return _JpegHeader(width, height, components, precision, huffman, adobe, orientation)
        elif marker == 0xD9:
            raise _DamagedImage("the JPEG ends before its image data")
        position = end


class JpegFeeder:
    """Passes a JPEG through as ``DCTDecode`` when a PDF reader can show it as it is."""

    def __init__(self, spool: Spool, size: int) -> None:
        self._spool = spool
        self._size = size
        self._buffer = bytearray()
        self._header: _JpegHeader | None = None
        self._mode: str | None = None
        self._start = 0
        self._length = 0
        self._error: str | None = None

    def feed(self, data: bytes) -> None:
        """Take the next chunk of the file."""
        if self._error is not None:
            return
        if self._mode == "pass":
            self._spool.write(data)
            self._length += len(data)
            return
        self._buffer += data
        if len(self._buffer) > (DECODE_MAX_BYTES if self._mode == "decode" else _HEADER_MAX_BYTES):
            self._error = "the image file is too large to show in the report"
            self._buffer = bytearray()
            return
        if self._mode is None:
            try:
                header = parse_jpeg_header(bytes(self._buffer))
            except _DamagedImage as exc:
                self._error = str(exc)
                return
            if header is None:
                return
            self._header = header
            passable = (
                header.huffman
                and header.precision == 8
                and header.components in (1, 3, 4)
                and header.orientation == 1
                and header.width > 0
                and header.height > 0
            )
            if passable:
                self._mode = "pass"
                self._start = self._spool.tell()
                self._spool.write(bytes(self._buffer))
                self._length = len(self._buffer)
                self._buffer = bytearray()
            else:
                self._mode = "decode"

    def finish(self) -> PdfImage | NoPreview:
        """The image, once every chunk has been fed."""
        if self._error is not None:
            return NoPreview(self._error)
        header = self._header
        if header is None:
            return NoPreview("the JPEG file is incomplete")
        if self._mode == "decode":
            whole, self._buffer = bytes(self._buffer), bytearray()
            return decode_for_display(whole, "JPEG", self._spool)
        space = {1: "DeviceGray", 3: "DeviceRGB", 4: "DeviceCMYK"}[header.components]
        return PdfImage(
            width=header.width,
            height=header.height,
            color_space=space,
            bits_per_component=8,
            filter="DCTDecode",
            data=SpooledBytes(self._start, self._length),
            invert_cmyk=header.components == 4 and header.adobe,
        )
