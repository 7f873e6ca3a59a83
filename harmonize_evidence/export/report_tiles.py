"""Exhibit images in the report: as large as the page allows, split into legible tiles.

A screenshot is drawn at the largest scale its page allows, never below a legible one: an image
too big for a page at that scale (a long capture) is split into page-sized tiles that overlap a
little, each under a caption saying which pixels it shows. The images are drawn from PDF image
objects whose data is spliced in afterwards from the spool (see
:mod:`harmonize_evidence.export.pdfassembly`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from harmonize_evidence.export import fonts
from harmonize_evidence.export.images import PdfImage
from harmonize_evidence.export.pdfassembly import Placement

# Points per image pixel. Images are drawn as large as the page allows; below LEGIBLE_SCALE a
# screenshot's text would be too small to read on paper, so the image is split into tiles
# instead of being shrunk. MAX_SCALE stops small images being blown up.
LEGIBLE_SCALE = 0.3
MAX_SCALE = 1.5
TILE_OVERLAP = 40  # pixels repeated at each cut, so a line of text cut in two is whole on one page

_CAPTION_HEIGHT = 30.0
_WHOLE_CAPTION_HEIGHT = 16.0  # the one line over a whole image shown as in its file


def caption_height(image: PdfImage, count: int) -> float:
    """The height of the caption over a tile of ``image`` split into ``count`` tiles."""
    return _WHOLE_CAPTION_HEIGHT if count == 1 and image.unchanged else _CAPTION_HEIGHT


@dataclass(frozen=True)
class Tile:
    """One page's part of an image: a pixel rectangle and the scale it is drawn at."""

    x: int
    y: int
    width: int
    height: int
    scale: float
    landscape: bool


def plan_tiles(
    width: int,
    height: int,
    portrait: tuple[float, float],
    landscape_area: tuple[float, float],
) -> list[Tile]:
    """Split an image into page-sized tiles at a legible scale (never a thumbnail).

    ``portrait`` and ``landscape_area`` are the drawing areas (points) of the two page
    orientations; images wider than tall go on landscape pages.
    """
    landscape = width > height
    area_w, area_h = landscape_area if landscape else portrait
    area_h -= _CAPTION_HEIGHT + 1  # a point of slack, so rounding never overflows the frame
    fit = min(area_w / width, area_h / height, MAX_SCALE)
    if fit >= LEGIBLE_SCALE:
        return [Tile(0, 0, width, height, fit, landscape)]
    scale = min(max(area_w / width, LEGIBLE_SCALE), MAX_SCALE)
    tile_w = min(width, int(area_w / scale))
    tile_h = min(height, int(area_h / scale))
    tiles = []
    for y in _cuts(height, tile_h):
        for x in _cuts(width, tile_w):
            tiles.append(
                Tile(x, y, min(tile_w, width - x), min(tile_h, height - y), scale, landscape)
            )
    return tiles


def plan_beside_details(
    image: PdfImage, area: tuple[float, float], room: float, landscape: bool
) -> list[Tile] | None:
    """The tiles of an image that starts on the page of its exhibit's key details, or None
    when it should not (it fits a page only on its own, or splits across as well as down).

    ``area`` is the drawing area of the image's pages (points) and ``room`` the height left
    under the key details on the first. The whole image goes there when it fits at a legible
    scale; a long capture, split into parts down the image only, starts there when at least a
    quarter of a page is left; the other parts fill the next pages.
    """
    width, height = image.width, image.height
    area_w, area_h = area
    fit = min(area_w / width, (room - caption_height(image, 1) - 1) / height, MAX_SCALE)
    if fit >= LEGIBLE_SCALE:
        return [Tile(0, 0, width, height, fit, landscape)]
    alone = min(area_w / width, (area_h - _CAPTION_HEIGHT - 1) / height, MAX_SCALE)
    if alone >= LEGIBLE_SCALE:
        return None  # whole on a page of its own rather than cut in two
    scale = min(max(area_w / width, LEGIBLE_SCALE), MAX_SCALE)
    if width * scale > area_w + 0.5 or room < area_h / 4:
        return None
    first = min(height, int((room - _CAPTION_HEIGHT - 1) / scale))
    if first <= TILE_OVERLAP * 2:
        return None
    tiles = [Tile(0, 0, width, first, scale, landscape)]
    if first >= height:
        return tiles
    size = int((area_h - _CAPTION_HEIGHT - 1) / scale)
    start = first - TILE_OVERLAP
    rest = height - start
    for y in _cuts(rest, min(size, rest)):
        tiles.append(Tile(0, start + y, width, min(size, rest - y), scale, landscape))
    return tiles


def _cuts(total: int, size: int) -> list[int]:
    """Start offsets of tiles of ``size`` covering ``total``, overlapping a little."""
    if size >= total:
        return [0]
    step = max(size - TILE_OVERLAP, size // 2)
    starts = list(range(0, total - size, step))
    starts.append(total - size)
    return starts


def _tile_caption(ref: str, image: PdfImage, tile: Tile, number: int, count: int) -> str:
    how = (
        "pixels exactly as in the original file"
        if image.unchanged
        else "converted for display; the original file is in the bundle"
    )
    if count == 1:
        if image.unchanged:  # one short line (see _WHOLE_CAPTION_HEIGHT)
            return f"Exhibit {ref}: {image.width} × {image.height} pixels, as in the original file."
        return f"Exhibit {ref}: the whole image, {image.width} × {image.height} pixels ({how})."
    return (
        f"Exhibit {ref}, part {number} of {count}: pixels {tile.x}–{tile.x + tile.width - 1} "
        f"across, {tile.y}–{tile.y + tile.height - 1} down, of {image.width} × {image.height} "
        f"({how}; parts overlap by {TILE_OVERLAP} pixels)."
    )


def _image_xobject_class() -> type:
    """A reportlab PDF object for a spooled image: dictionary now, data spliced in later."""
    from reportlab.pdfbase.pdfdoc import PDFObject

    class SpooledImage(PDFObject):  # type: ignore[misc]
        def __init__(self, image: PdfImage, marker: bytes, smask: Any = None) -> None:
            self.image = image
            self.marker = marker
            self.smask = smask

        def format(self, document: Any) -> bytes:
            from reportlab.pdfbase.pdfdoc import format as pdf_format

            image = self.image
            if image.palette is not None:
                count = len(image.palette) // 3
                space = b"[/Indexed /DeviceRGB %d <%s>]" % (count - 1, image.palette.hex().encode())
            else:
                space = b"/" + image.color_space.encode("ascii")
            parts = [
                b"/Type /XObject /Subtype /Image",
                b"/Width %d /Height %d" % (image.width, image.height),
                b"/ColorSpace " + space,
                b"/BitsPerComponent %d" % image.bits_per_component,
                b"/Filter /" + image.filter.encode("ascii"),
                b"/Length %d" % image.data.length,
            ]
            if image.predictor_colors is not None:
                parts.append(
                    b"/DecodeParms << /Predictor 15 /Colors %d /BitsPerComponent %d /Columns %d >>"
                    % (image.predictor_colors, image.bits_per_component, image.width)
                )
            if image.invert_cmyk:
                parts.append(b"/Decode [1 0 1 0 1 0 1 0]")
            if self.smask is not None:
                parts.append(b"/SMask " + pdf_format(document.Reference(self.smask), document))
            return b"<< " + b"\n".join(parts) + b" >>\nstream\n" + self.marker + b"\nendstream"

    return SpooledImage


class ImageRegistry:
    """Registers each spooled image (and its alpha mask) with the PDF document once."""

    def __init__(self) -> None:
        self._token = secrets.token_hex(16).encode("ascii")
        self._class = _image_xobject_class()
        self._names: dict[int, str] = {}
        self.placements: list[Placement] = []

    def _marker(self) -> bytes:
        return b"%%HE-IMAGE-" + self._token + b"-%06d%%" % len(self.placements)

    def name_for(self, canvas: Any, key: int, image: PdfImage) -> str:
        """The XObject name to draw ``image`` with, registering it on first use."""
        name = self._names.get(key)
        if name is not None:
            return name
        document = canvas._doc
        smask_object = None
        if image.smask is not None:
            marker = self._marker()
            self.placements.append(Placement(marker, image.smask.data))
            smask_object = self._class(image.smask, marker)
            document.Reference(smask_object, f"HEMask{key}")
        marker = self._marker()
        self.placements.append(Placement(marker, image.data))
        name = f"HEImage{key}"
        document.addForm(name, self._class(image, marker, smask_object))
        self._names[key] = name
        return name


def image_tile_class() -> type:
    """A flowable that draws one tile of an exhibit image under its caption."""
    from reportlab.lib.utils import simpleSplit
    from reportlab.platypus.flowables import Flowable

    class ImageTile(Flowable):  # type: ignore[misc]
        """One tile of an exhibit image under its caption, drawn from the image object, clipped."""

        def __init__(
            self,
            registry: ImageRegistry,
            key: int,
            image: PdfImage,
            *,
            tile: Tile,
            part: tuple[str, int, int],
        ) -> None:
            super().__init__()
            self.registry, self.key, self.image, self.tile = registry, key, image, tile
            self.part = part
            self.image_width = tile.width * tile.scale
            self.image_height = tile.height * tile.scale
            self.width = self.image_width
            self.height = self.image_height + caption_height(image, part[2])

        def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
            return self.width, self.height

        def draw(self) -> None:
            canvas, tile, image = self.canv, self.tile, self.image
            caption = _tile_caption(self.part[0], image, tile, self.part[1], self.part[2])
            canvas.saveState()
            canvas.setFont(fonts.REGULAR, 8.5)
            canvas.setFillGray(0.2)
            lines = simpleSplit(caption, fonts.REGULAR, 8.5, max(self.width, 400))
            for index, line in enumerate(lines[:2]):
                canvas.drawString(0, self.height - 9 - index * 10.5, line)
            canvas.restoreState()
            name = self.registry.name_for(canvas, self.key, image)
            canvas.saveState()
            path = canvas.beginPath()
            path.rect(0, 0, self.image_width, self.image_height)
            canvas.clipPath(path, stroke=0, fill=0)
            canvas.translate(
                -tile.x * tile.scale, -(image.height - tile.y - tile.height) * tile.scale
            )
            canvas.scale(image.width * tile.scale, image.height * tile.scale)
            canvas.doForm(name)
            canvas.restoreState()
            canvas.saveState()
            canvas.setLineWidth(0.5)
            canvas.setStrokeGray(0.55)
            canvas.rect(0, 0, self.image_width, self.image_height, stroke=1, fill=0)
            canvas.restoreState()

    return ImageTile
