"""What the report's image streams are made of: the spool their data goes to, the PDF image each
exhibit becomes (or why it has none), and the feeder protocol that turns an exhibit's bytes into
one (see :mod:`.images`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, Protocol


class Spool(Protocol):
    """Where image stream data is kept until the PDF is assembled (a temporary file)."""

    def write(self, data: bytes | bytearray | memoryview, /) -> int: ...

    def tell(self) -> int: ...


@dataclass(frozen=True)
class SpooledBytes:
    """A run of bytes in the spool."""

    offset: int
    length: int


@dataclass(frozen=True)
class PdfImage:
    """Everything a PDF image XObject needs; its stream data is in the spool."""

    width: int
    height: int
    color_space: str
    """``DeviceRGB``, ``DeviceGray`` or ``DeviceCMYK`` (the base space when ``palette`` is set)."""
    bits_per_component: int
    filter: str
    """``FlateDecode`` or ``DCTDecode``."""
    data: SpooledBytes
    palette: bytes | None = None
    """RGB triples of an indexed (palette) image."""
    predictor_colors: int | None = None
    """Colours per pixel for the PNG predictor; None when the stream has no predictor."""
    invert_cmyk: bool = False
    """Adobe CMYK JPEGs store inverted values; the PDF must decode them with ``[1 0 ...]``."""
    smask: PdfImage | None = None
    """The alpha channel, as a grey image."""
    unchanged: bool = True
    """True when the stream is the original file's own compressed data."""


@dataclass(frozen=True)
class NoPreview:
    """Why an exhibit cannot be shown in the report (its original bytes are still in the bundle)."""

    reason: str


class ImageFeeder(Protocol):
    """Receives an exhibit's bytes chunk by chunk and produces its PDF image."""

    def feed(self, data: bytes) -> None:
        """Take the next chunk of the file."""

    def finish(self) -> PdfImage | NoPreview:
        """The image, once every chunk has been fed."""


def copy_spooled(
    spool: BinaryIO, run: SpooledBytes, out: BinaryIO, buffer_size: int = 256 * 1024
) -> None:
    """Copy one run of spooled bytes into ``out``."""
    spool.seek(run.offset)
    left = run.length
    while left:
        piece = spool.read(min(buffer_size, left))
        if not piece:
            raise OSError("the image spool ended early")
        out.write(piece)
        left -= len(piece)
