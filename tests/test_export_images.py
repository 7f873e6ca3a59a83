"""Exhibit images in the report: every PNG and JPEG kind shown right, unchanged where it can be.

The pixels are read back out of the finished PDF with poppler's pdfimages and compared with the
original file's, so what is checked is what a reader of the report sees.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import shutil
import struct
import subprocess
import tempfile
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from harmonize_evidence.domain.clock import local_time
from harmonize_evidence.domain.model import (
    Category,
    Exhibit,
    ExhibitKind,
    Incident,
    Producer,
    Role,
    Status,
)
from harmonize_evidence.export.images import NoPreview, PdfImage, image_feeder
from harmonize_evidence.export.report import ReportContent, ReportExhibit, build_report
from harmonize_evidence.export.report_pages import landscape_area, portrait_area
from harmonize_evidence.export.report_tiles import LEGIBLE_SCALE, plan_tiles

WHEN = datetime(2026, 11, 21, 21, 40, 5, tzinfo=UTC)


def _noise(width: int, height: int, mode: str = "RGB") -> Image.Image:
    data = hashlib.shake_256(f"{width}x{height}{mode}".encode()).digest(width * height * len(mode))
    return Image.frombytes(mode, (width, height), data)


def _encode(image: Image.Image, fmt: str = "PNG", **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


_ADAM7 = (
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)


def _interlaced_png(image: Image.Image) -> bytes:
    """An Adam7-interlaced 8-bit RGB PNG (Pillow cannot write one)."""
    width, height = image.size
    pixels = image.convert("RGB").tobytes()
    raw = bytearray()
    for x0, y0, dx, dy in _ADAM7:
        for y in range(y0, height, dy):
            row = [
                pixels[(y * width + x) * 3 : (y * width + x) * 3 + 3] for x in range(x0, width, dx)
            ]
            if row:
                raw += b"\x00" + b"".join(row)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 1)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(raw)))
        + _chunk(b"IEND", b"")
    )


def _fed(data: bytes, media_type: str, spool: Any) -> PdfImage | NoPreview:
    feeder = image_feeder(media_type, len(data), spool)
    assert feeder is not None
    for start in range(0, len(data), 7777):  # arbitrary chunk boundaries
        feeder.feed(data[start : start + 7777])
    return feeder.finish()


def _report(files: list[tuple[bytes, str]], tmp_path: Path) -> tuple[Path, list[Any]]:
    """A report with one exhibit per file; returns the PDF and what each image became."""
    producer = Producer("Zoë Lane", "ZL", "Oak Hill Academy", Role.STAFF)
    incident = Incident(
        "INC-2026-0001", "Images", Category.OTHER, (), "", "Zoë Lane", WHEN, Status.OPEN
    )
    shown, results = [], []
    spool = tempfile.TemporaryFile(dir=tmp_path)  # noqa: SIM115 - closed below, after writing
    for number, (data, media_type) in enumerate(files, start=1):
        exhibit = Exhibit(
            ref=f"ZL/{number}",
            incident_id=incident.id,
            kind=ExhibitKind.IMAGE,
            media_type=media_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            created_utc=WHEN,
        )
        result = _fed(data, media_type, spool)
        results.append(result)
        shown.append(ReportExhibit(exhibit, f"exhibits/{exhibit.file_name}", result))
    content = ReportContent(
        incident=incident,
        producer=producer,
        exhibits=shown,
        entries=[],
        exported=local_time(WHEN, ZoneInfo("Europe/London"), "Europe/London"),
        ca_fingerprint=":".join(["AB"] * 32),
        signer_fingerprint=":".join(["CD"] * 32),
        chain_head=(1, "0" * 64),
        tool="Harmonize Evidence test",
        signature_level="unsigned (test)",
    )
    pdf = tmp_path / "report.pdf"
    with pdf.open("wb") as out:
        build_report(content, spool, out)
    spool.close()
    return pdf, results


def _extracted(pdf: Path, tmp_path: Path) -> list[Image.Image]:
    tool = shutil.which("pdfimages")
    if tool is None:
        pytest.fail("pdfimages is not installed (.ci/run installs poppler-utils)")
    prefix = tmp_path / "img"
    subprocess.run([tool, "-png", str(pdf), str(prefix)], check=True, timeout=60)
    return [Image.open(path) for path in sorted(tmp_path.glob("img-*.png"))]


def test_every_png_pixel_format_shows_the_original_pixels(tmp_path: Path) -> None:
    rgb = _noise(120, 80)
    grey16 = Image.frombytes("I;16", (60, 40), bytes(range(256)) * 18 + bytes(192))
    originals = {
        "rgb": (_encode(rgb), rgb.convert("RGB")),
        "grey": (_encode(rgb.convert("L")), rgb.convert("L")),
        "one-bit": (_encode(rgb.convert("1")), rgb.convert("1").convert("L")),
        "palette-4bit": (
            _encode(rgb.quantize(16), bits=4),
            rgb.quantize(16).convert("RGB"),
        ),
        "grey-16bit": (_encode(grey16), None),
        "interlaced": (_interlaced_png(rgb), rgb.convert("RGB")),
    }
    pdf, results = _report([(data, "image/png") for data, _ in originals.values()], tmp_path)
    kinds = list(originals)
    unchanged = {kind: result.unchanged for kind, result in zip(kinds, results, strict=True)}
    assert unchanged == {
        "rgb": True,
        "grey": True,
        "one-bit": True,
        "palette-4bit": True,
        "grey-16bit": True,
        "interlaced": False,  # Adam7 cannot be passed through; decoded for display
    }
    extracted = _extracted(pdf, tmp_path)
    assert len(extracted) == len(kinds)
    for kind, image, (_, expected) in zip(kinds, extracted, originals.values(), strict=True):
        if expected is None:  # 16-bit: pdfimages writes the high byte of each sample
            high = bytes(value >> 8 for value in struct.unpack(">2400H", _be16(grey16)))
            assert image.convert("L").tobytes() == high, kind
            continue
        assert image.convert(expected.mode).tobytes() == expected.tobytes(), kind


def _be16(image: Image.Image) -> bytes:
    return image.tobytes("raw", "I;16B")


def test_alpha_becomes_a_soft_mask_with_the_original_colours(tmp_path: Path) -> None:
    rgba = _noise(90, 70, "RGBA")
    pdf, results = _report([(_encode(rgba), "image/png")], tmp_path)
    (result,) = results
    assert isinstance(result, PdfImage)
    assert result.smask is not None
    colour, alpha = _extracted(pdf, tmp_path)
    assert colour.convert("RGB").tobytes() == rgba.convert("RGB").tobytes()
    assert alpha.convert("L").tobytes() == rgba.getchannel("A").tobytes()


def test_jpeg_passes_through_and_a_rotated_photo_is_turned_upright(tmp_path: Path) -> None:
    photo = _noise(64, 48)
    plain = _encode(photo, "JPEG", quality=90)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to view
    rotated = _encode(photo, "JPEG", quality=90, exif=exif.tobytes())
    cmyk = _encode(photo.convert("CMYK"), "JPEG", quality=90)
    pdf, results = _report(
        [(plain, "image/jpeg"), (rotated, "image/jpeg"), (cmyk, "image/jpeg")], tmp_path
    )
    first, second, third = results
    assert isinstance(first, PdfImage) and first.filter == "DCTDecode" and first.unchanged
    assert isinstance(second, PdfImage) and not second.unchanged
    assert (second.width, second.height) == (48, 64)
    assert isinstance(third, PdfImage) and third.color_space == "DeviceCMYK"
    assert _extracted(pdf, tmp_path)[1].size == (48, 64)


def test_other_image_types_are_converted_for_display(tmp_path: Path) -> None:
    image = _noise(40, 30)
    files = [
        (_encode(image.convert("P"), "GIF"), "image/gif"),
        (_encode(image, "WEBP", lossless=True), "image/webp"),
        (_encode(image, "BMP"), "image/bmp"),
        (_encode(image, "TIFF"), "image/tiff"),
    ]
    _, results = _report(files, tmp_path)
    assert all(isinstance(result, PdfImage) and not result.unchanged for result in results)


def test_damaged_or_oversized_images_say_why_they_are_not_shown(tmp_path: Path) -> None:
    good = _encode(_noise(50, 50))
    truncated = good[: len(good) // 2]
    bad_crc = bytearray(good)
    bad_crc[40] ^= 0xFF
    header = struct.pack(">IIBBBBB", 30_000, 30_000, 8, 6, 0, 0, 0)  # 900 Mpx RGBA
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + _chunk(b"IEND", b"")
    )
    pdf, results = _report(
        [(truncated, "image/png"), (bytes(bad_crc), "image/png"), (bomb, "image/png")], tmp_path
    )
    assert all(isinstance(result, NoPreview) for result in results), results
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert text.count("cannot be shown in this report") == 3


@pytest.mark.parametrize(
    ("width", "height"),
    [(1, 1), (1920, 1080), (1080, 4000), (3840, 1080), (7680, 1080), (300, 20000), (20000, 300)],
)
def test_tiles_cover_the_whole_image_at_a_legible_scale(width: int, height: int) -> None:
    tiles = plan_tiles(width, height, portrait_area(), landscape_area())
    area = landscape_area() if width > height else portrait_area()
    covered = set()
    for tile in tiles:
        assert tile.width * tile.scale <= area[0]
        assert tile.height * tile.scale + 30 <= area[1]
        covered.update(itertools.product(range(tile.x, tile.x + tile.width, 7), [tile.y]))
        covered.update(itertools.product([tile.x], range(tile.y, tile.y + tile.height, 7)))
    xs = sorted({(t.x, t.x + t.width) for t in tiles})
    ys = sorted({(t.y, t.y + t.height) for t in tiles})
    assert xs[0][0] == 0 and max(end for _, end in xs) == width
    assert ys[0][0] == 0 and max(end for _, end in ys) == height
    for (_, end), (start, _) in itertools.pairwise(xs):
        assert start <= end  # no gap between columns
    for (_, end), (start, _) in itertools.pairwise(ys):
        assert start <= end  # no gap between rows
    if len(tiles) > 1:
        assert all(tile.scale >= LEGIBLE_SCALE for tile in tiles)


def test_images_of_extreme_shapes_are_laid_out(tmp_path: Path) -> None:
    shapes = [(1, 1), (7680, 1080), (300, 20000), (20000, 300)]
    files = [(_encode(Image.new("RGB", shape, (200, 220, 250))), "image/png") for shape in shapes]
    pdf, results = _report(files, tmp_path)
    assert all(isinstance(result, PdfImage) for result in results)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(info.stdout.split("Pages:")[1].split()[0])
    assert 10 < pages < 200
