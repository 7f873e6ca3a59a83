"""The PDF report (reportlab): what a police officer or a disciplinary panel reads.

Layout: a cover (incident, school, producer, export time, fingerprints, chain head), a summary,
a list of exhibits with their SHA-256, one section per exhibit (metadata table, SHA-256, then
the image over as many pages as it needs at a legible scale), the written notes, the custody
log, a continuity statement in the style of a UK witness statement, and how to verify. Every
page carries the OFFICIAL-SENSITIVE marking, the incident id and "Page X of Y".

User text is data: it is laid out by :mod:`harmonize_evidence.export.layout`, never by
reportlab's paragraph parser, so markup such as ``<b>`` or ``<img src=...>`` prints literally.
Right-to-left words (Arabic, Hebrew) are put in visual order and shaped with HarfBuzz, and every
glyph reads back as the characters typed when the report is searched or copied (see
:mod:`harmonize_evidence.export.fonts`). Every metadata field an exhibit may hold prints, under
a label of :data:`METADATA_LABELS` or, for a field this version has no words for (written by
another version or program), under its name; long labels and values wrap. Images are drawn from
PDF image objects whose data is spliced in afterwards from the spool (see
:mod:`harmonize_evidence.export.pdfassembly`).

The report also carries, in its document information under ``/HarmonizeEvidenceIndex``, a JSON
index (format ``harmonize-evidence/report-index``, version 1): the incident id, the chain head,
each exhibit's reference and SHA-256, and the pages where the cover and the exhibit list are
printed. ``verify-bundle`` compares it, and the text printed on those pages, with the manifest.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO

from harmonize_evidence.domain.chain import CustodyEntry
from harmonize_evidence.domain.clock import LocalTime
from harmonize_evidence.domain.model import Category, Exhibit, ExhibitKind, Incident, Producer
from harmonize_evidence.export import fonts
from harmonize_evidence.export.images import NoPreview, PdfImage
from harmonize_evidence.export.instructions import Step
from harmonize_evidence.export.pdfassembly import Placement, splice_images

INDEX_KEY = "HarmonizeEvidenceIndex"
INDEX_FORMAT = "harmonize-evidence/report-index"
INDEX_VERSION = 1
MARKING = "OFFICIAL-SENSITIVE"

# Points per image pixel. Images are drawn as large as the page allows; below LEGIBLE_SCALE a
# screenshot's text would be too small to read on paper, so the image is split into tiles
# instead of being shrunk. MAX_SCALE stops small images being blown up.
LEGIBLE_SCALE = 0.3
MAX_SCALE = 1.5
TILE_OVERLAP = 40  # pixels repeated at each cut, so a line of text cut in two is whole on one page

_MM = 72 / 25.4
_PAGE_MARGIN = 15 * _MM
_TOP = 17 * _MM
_BOTTOM = 16 * _MM
_CAPTION_HEIGHT = 30.0

_CATEGORY_LABELS = {
    Category.STAFF_CYBERBULLYING: "Cyberbullying of a member of staff",
    Category.PUPIL_CYBERBULLYING: "Cyberbullying of a pupil",
    Category.SAFEGUARDING: "Safeguarding concern",
    Category.INAPPROPRIATE_CONTENT: "Inappropriate content",
    Category.POLICY_BREACH: "Breach of policy",
    Category.OTHER: "Other",
}


@dataclass(frozen=True)
class ReportExhibit:
    """One exhibit as the report shows it."""

    exhibit: Exhibit
    file_name: str | None
    """Its path in the bundle (``exhibits/ZL-1.png``), or None when it has no bytes."""
    image: PdfImage | NoPreview | None = None
    """The image to show; :class:`NoPreview` says why there is none; None for non-images."""


@dataclass(frozen=True)
class ReportContent:
    """Everything the report prints."""

    incident: Incident
    producer: Producer
    exhibits: Sequence[ReportExhibit]
    entries: Sequence[CustodyEntry]
    exported: LocalTime
    ca_fingerprint: str
    signer_fingerprint: str
    chain_head: tuple[int, str]
    tool: str
    signature_level: str
    """How the report is signed, e.g. ``PAdES B-B`` (said on the cover)."""
    verify_steps: Sequence[Step] = ()
    keychain: bool = False
    """Whether the store also opened with the computer login (the OS keychain) at start."""
    export_recorded: bool = True
    """Whether the export is recorded in the custody log (not when the store was read-only)."""


@dataclass(frozen=True)
class ReportIndex:
    """What the report's embedded index says (also what the verifier reads back)."""

    incident_id: str
    chain_head: tuple[int, str]
    exhibits: tuple[tuple[str, str | None], ...]
    cover_page: int
    list_pages: tuple[int, ...]

    def to_json(self) -> str:
        """The index as compact JSON (ASCII)."""
        return json.dumps(
            {
                "format": INDEX_FORMAT,
                "version": INDEX_VERSION,
                "incident": self.incident_id,
                "chain_head": {"seq": self.chain_head[0], "hash": self.chain_head[1]},
                "exhibits": [{"exhibit": ref, "sha256": sha} for ref, sha in self.exhibits],
                "pages": {"cover": self.cover_page, "exhibit_list": list(self.list_pages)},
            },
            separators=(",", ":"),
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> ReportIndex:
        """Parse an index; ``ValueError``, ``KeyError`` or ``TypeError`` if it is not one."""
        data = json.loads(text)
        if data.get("format") != INDEX_FORMAT or data.get("version") != INDEX_VERSION:
            raise ValueError("not a report index of a known version")
        return cls(
            incident_id=str(data["incident"]),
            chain_head=(int(data["chain_head"]["seq"]), str(data["chain_head"]["hash"])),
            exhibits=tuple(
                (str(item["exhibit"]), None if item["sha256"] is None else str(item["sha256"]))
                for item in data["exhibits"]
            ),
            cover_page=int(data["pages"]["cover"]),
            list_pages=tuple(int(page) for page in data["pages"]["exhibit_list"]),
        )


# -- layout helpers ------------------------------------------------------------------------------


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


def _cuts(total: int, size: int) -> list[int]:
    """Start offsets of tiles of ``size`` covering ``total``, overlapping a little."""
    if size >= total:
        return [0]
    step = max(size - TILE_OVERLAP, size // 2)
    starts = list(range(0, total - size, step))
    starts.append(total - size)
    return starts


def _group_fingerprint(value: str) -> str:
    """A fingerprint in two lines of 16 pairs, so it never wraps mid-pair."""
    pairs = value.split(":")
    return ":".join(pairs[:16]) + ":\n" + ":".join(pairs[16:])


def _human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    for unit in ("KiB", "MiB", "GiB"):
        size_f = size / 1024
        if size_f < 1024 or unit == "GiB":
            return f"{size_f:.1f} {unit} ({size:,} bytes)"
        size = int(size_f)
    return f"{size:,} bytes"  # pragma: no cover


def _when(utc_text: str | None) -> str:
    if not utc_text:
        return "-"
    return utc_text.replace("T", " ").replace(".000000Z", " UTC").replace("Z", " UTC")


METADATA_LABELS: dict[str, str] = {
    "url": "Address (URL)",
    "platform": "Platform",
    "window_title": "Window or page title",
    "window_title_source": "Title read from",
    "utc": "Recorded (UTC)",
    "local_time": "Recorded (local time)",
    "time_zone": "Time zone",
    "utc_offset": "Offset from UTC",
    "posted_at": "Time shown on the post",
    "display_name": "Recorded by",
    "os_user": "Computer account",
    "machine": "Computer",
    "tool": "Program",
    "image": "Image size",
    "capture": "Capture details",
    "capture.area": "Area captured",
    "capture.geometry": "Area on the screen",
    "capture.monitor": "Monitor",
    "capture.virtual_screen": "Whole screen",
    "capture.monitors": "Monitors at the time",
    "capture.device_pixel_ratio": "Device pixel ratio",
    "capture.device_pixel_ratio_source": "Pixel ratio read from",
    "capture.display_server": "Display server",
    "capture.encoding": "Image encoding",
    "source_file_name": "Original file name",
    "source_file_read": "Offered file opened",
    "kind": "Type",
    "size": "Size",
    "parent_sha256": "Derived from (SHA-256)",
    "description": "Description (no copy kept)",
    "no_image_reason": "Why there is no image",
    "incident_flag": "Incident flagged as",
    "note": "Note",
}
"""The label of each metadata field the program writes (and of the exhibit's own fields), by
field name; the fields of ``capture`` are named ``capture.<field>``."""

_AREAS = {
    "full-screen": "the whole screen (every monitor)",
    "monitor": "one monitor",
    "region": "a region chosen on the screen",
}
_LOCAL_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
_EMPTY: tuple[Any, ...] = (None, "", [], {})


def _text(value: Any) -> str | None:
    """A metadata value as plain text (None when there is nothing to print)."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or (isinstance(value, (list, dict)) and not value):
        return None
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _rect_text(value: Any) -> str | None:
    """``{"left", "top", "width", "height"}`` in words, or None if it is not one."""
    if not isinstance(value, Mapping):
        return None
    left, top, width, height = (value.get(key) for key in ("left", "top", "width", "height"))
    if not all(_is_count(part) for part in (left, top, width, height)):
        return None
    return f"{width} × {height} pixels, top left corner at {left}, {top}"


def _monitors_text(value: Any) -> str | None:
    """The monitor layout of a capture, one monitor a line, or None if it is not one."""
    if not isinstance(value, list) or not value:
        return None
    lines = []
    for monitor in value:
        rect = _rect_text(monitor)
        if rect is None or not _is_count(monitor.get("number")):
            return None
        extra = ", primary" if monitor.get("primary") is True else ""
        name = monitor.get("name")
        extra += f", {name}" if isinstance(name, str) and name else ""
        lines.append(f"Monitor {monitor['number']}: {rect}{extra}")
    return "\n".join(lines)


def _fields_text(value: Any) -> str | None:
    """A small mapping of plain values as "name: value; name: value", or None."""
    if not isinstance(value, Mapping) or not value:
        return None
    if any(isinstance(item, (Mapping, list)) for item in value.values()):
        return None
    first = ("format", "row_filter", "deflate")  # how a capture's PNG was made, in that order
    keys = sorted(value, key=lambda key: (first.index(key) if key in first else len(first), key))
    parts = [f"{str(key).replace('_', ' ')}: {_text(value[key]) or '-'}" for key in keys]
    return "; ".join(parts)


_CAPTURE_FORMATS: dict[str, Callable[[Any], str | None]] = {
    "area": lambda value: _AREAS.get(value) if isinstance(value, str) else None,
    "geometry": _rect_text,
    "monitor": lambda value: str(value) if _is_count(value) else None,
    "virtual_screen": _rect_text,
    "monitors": _monitors_text,
    "encoding": _fields_text,
}


def _field_label(path: Sequence[str]) -> str:
    """The label of a metadata field this version has no words for: its name, readable."""
    words = " › ".join(part.replace("_", " ").strip() or "(no name)" for part in path)
    return words[:1].upper() + words[1:]


def _unlabelled_rows(path: list[str], value: Any, rows: list[tuple[str, str]]) -> None:
    """Rows for a field without a label: nested mappings by their field names, each leaf once."""
    if isinstance(value, Mapping) and value:
        for key in sorted(value, key=str):
            _unlabelled_rows([*path, str(key)], value[key], rows)
        return
    if isinstance(value, list) and value:
        text: str | None = ", ".join(_text(item) or "-" for item in value)
    else:
        text = _text(value)
    if text is not None:
        rows.append((_field_label(path), text))


def _capture_rows(capture: Mapping[str, Any], rows: list[tuple[str, str]]) -> None:
    """The rows of a screen capture's details (what the capture layer records)."""
    for key in (
        "area",
        "geometry",
        "monitor",
        "monitors",
        "virtual_screen",
        "device_pixel_ratio",
        "device_pixel_ratio_source",
        "display_server",
        "encoding",
    ):
        if key not in capture:
            continue
        value = capture[key]
        format_value = _CAPTURE_FORMATS.get(key)
        text = format_value(value) if format_value else None
        if text is None:
            text = _text(value)
        if text is not None:
            rows.append((METADATA_LABELS[f"capture.{key}"], text))
    for key in sorted(capture, key=str):
        if f"capture.{key}" not in METADATA_LABELS:
            _unlabelled_rows(["capture", str(key)], capture[key], rows)


def metadata_rows(exhibit: Exhibit) -> list[tuple[str, str]]:
    """The rows of an exhibit's metadata table, in reading order (plain text).

    Every field prints: the program's own under their labels (:data:`METADATA_LABELS`), shaped
    for reading where their values have the shape the program writes and as they are otherwise,
    and any other field under its name.
    """
    meta = exhibit.metadata
    rows: list[tuple[str, str]] = []
    used: set[str] = set()

    def take(key: str) -> Any:
        used.add(key)
        return meta.get(key)

    def add(key: str, value: Any) -> None:
        text = _text(value)
        if text is not None:
            rows.append((METADATA_LABELS[key], text))

    add("url", take("url") if meta.get("url") not in _EMPTY else "none recorded")
    add("platform", take("platform"))
    add("window_title", take("window_title"))
    add("window_title_source", take("window_title_source"))
    utc = take("utc")
    add("utc", _when(_text(utc)))
    local, zone, offset = take("local_time"), take("time_zone"), take("utc_offset")
    local_text = _text(local)
    if local_text is not None:
        if _LOCAL_TIME.match(local_text):
            local_text = local_text[:19].replace("T", " ")
        add("local_time", f"{local_text} ({_text(zone) or ''}, UTC{_text(offset) or ''})")
    else:
        add("time_zone", zone)
        add("utc_offset", offset)
    add("posted_at", take("posted_at") if meta.get("posted_at") not in _EMPTY else "not recorded")
    who, account = _text(take("display_name")), _text(take("os_user"))
    if who is not None:
        add("display_name", f"{who} (computer account {account})" if account else who)
    else:
        add("os_user", account)
    add("machine", take("machine"))
    add("tool", take("tool"))
    image = take("image")
    if (
        isinstance(image, Mapping)
        and set(image) == {"width", "height"}
        and _is_count(image["width"])
        and _is_count(image["height"])
    ):
        add("image", f"{image['width']} × {image['height']} pixels")
    else:
        add("image", image)
    capture = take("capture")
    if isinstance(capture, Mapping):
        _capture_rows(capture, rows)
    else:
        add("capture", capture)
    add("source_file_name", take("source_file_name"))
    add("source_file_read", take("source_file_read"))
    add("kind", f"{exhibit.kind.value}, {exhibit.media_type}")
    add("size", _human_size(exhibit.size) if exhibit.sha256 else "no file")
    add("parent_sha256", exhibit.parent_sha256)
    add("description", take("description"))
    add("no_image_reason", take("no_image_reason"))
    add("incident_flag", take("incident_flag"))
    add("note", take("note"))
    for key in sorted(meta, key=str):
        if key not in used:
            _unlabelled_rows([str(key)], meta[key], rows)
    return rows


def entry_summary(entry: CustodyEntry) -> str:
    """A short description of a custody entry's details for the log table."""
    details = entry.details
    parts: list[str] = []
    if "exhibit" in details:
        parts.append(f"exhibit {details['exhibit']}")
    if entry.action == "note_added":
        text = str(details.get("text", ""))
        parts.append(text if len(text) <= 160 else text[:157] + "... (in full under Notes)")
    for key in ("title", "to", "reason", "file_name", "bundle", "media_type"):
        if key in details and details[key] not in ("", None):
            parts.append(f"{key.replace('_', ' ')}: {details[key]}")
    if entry.evidence_sha256:
        parts.append(f"SHA-256 {entry.evidence_sha256[:16]}...")
    return "\n".join(parts) or "-"


# -- reportlab parts ---------------------------------------------------------------------------


def _styles() -> dict[str, Any]:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("body", fontName=fonts.REGULAR, fontSize=9.5, leading=12.5)

    def style(name: str, **kwargs: Any) -> Any:
        return ParagraphStyle(name, parent=base, **kwargs)

    return {
        "body": base,
        "small": style("small", fontSize=8, leading=10),
        "cell": style("cell", fontSize=8.5, leading=10.5),
        "cell_small": style("cell_small", fontSize=7.5, leading=9.2),
        "label": style("label", fontName=fonts.BOLD, fontSize=8.5, leading=10.5),
        "mono": style("mono", fontName=fonts.MONO, fontSize=8, leading=10),
        "mono_small": style("mono_small", fontName=fonts.MONO, fontSize=7, leading=9),
        "title": style("title", fontName=fonts.BOLD, fontSize=22, leading=27, spaceAfter=6),
        "subtitle": style("subtitle", fontSize=13, leading=17, spaceAfter=12),
        "h1": style("h1", fontName=fonts.BOLD, fontSize=15, leading=19, spaceAfter=8),
        "h2": style(
            "h2", fontName=fonts.BOLD, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4
        ),
        "caption": style(
            "caption", fontSize=8.5, leading=10.5, textColor=colors.HexColor("#333333")
        ),
        "command": style(
            "command",
            fontName=fonts.MONO,
            fontSize=8,
            leading=10,
            leftIndent=14,
            spaceBefore=2,
            spaceAfter=2,
        ),
    }


_CELL_PADDING = 8.0


class _Paragraphs:
    """Makes paragraphs and table cells from text; user text is never parsed as markup.

    User text is broken into lines by :func:`~harmonize_evidence.export.layout.wrap_text` and
    drawn by the light flowables of :mod:`~harmonize_evidence.export.layout`. A table cell whose
    lines needed no shaping is given to reportlab's ``Table`` as a plain string, which it draws
    as it is; shaped lines are drawn by a :class:`~harmonize_evidence.export.layout.TextBlock`.
    """

    def __init__(self, styles: Mapping[str, Any]) -> None:
        from harmonize_evidence.export.layout import Font

        self.styles = styles
        self.fonts = {
            name: Font(style.fontName, style.fontSize, style.leading)
            for name, style in styles.items()
        }
        # Labels and many values (platform, program, computer...) repeat from exhibit to
        # exhibit: each distinct text is split into lines once.
        self._split: dict[tuple[str, str, float], tuple[str, ...]] = {}

    def text(self, value: object, style: str = "body") -> Any:
        """A paragraph of user text, wrapped to the width it is given."""
        from harmonize_evidence.export.layout import TextFlow

        chosen = self.styles[style]
        return TextFlow(
            "" if value is None else str(value),
            self.fonts[style],
            space_before=chosen.spaceBefore,
            space_after=chosen.spaceAfter,
            indent=chosen.leftIndent,
        )

    def fixed(self, trusted_markup: str, style: str = "body") -> Any:
        """A paragraph of the program's own markup (never user text)."""
        from reportlab.platypus import Paragraph

        return Paragraph(trusted_markup, self.styles[style])

    def lines(self, text: str, style: str, width: float) -> tuple[str, ...]:
        """``text`` as lines that fit a cell ``width`` points wide (its padding taken off)."""
        key = (text, style, width)
        lines = self._split.get(key)
        if lines is None:
            from harmonize_evidence.export.layout import wrap_text

            lines = wrap_text(text, self.fonts[style], width - _CELL_PADDING)
            self._split[key] = lines
        return lines

    def cell(self, value: object, style: str, width: float) -> Any:
        """A cell of a reportlab ``Table``: plain lines as a string, shaped ones as a block."""
        from harmonize_evidence.export.layout import Lines, TextBlock

        lines = self.lines("" if value is None else str(value), style, width)
        if all(type(line) is str for line in lines):
            return "\n".join(lines)
        return TextBlock(Lines(lines, self.fonts[style]))

    def key_value_cell(self, value: object, style: str, width: float) -> Any:
        """A cell of a :class:`~harmonize_evidence.export.layout.KeyValueTable`."""
        from harmonize_evidence.export.layout import Lines

        return Lines(
            self.lines("" if value is None else str(value), style, width), self.fonts[style]
        )

    def block(self, text: str, style: str, width: float, *, grey: float = 0) -> Any:
        """A text set in one style (a heading, a sentence) as lines, spaced like its style."""
        from harmonize_evidence.export.layout import Lines, TextBlock

        chosen = self.styles[style]
        return TextBlock(
            Lines(self.lines(text, style, width + _CELL_PADDING), self.fonts[style]),
            space_before=chosen.spaceBefore,
            space_after=chosen.spaceAfter,
            grey=grey,
        )


def _cell_font(style: Any) -> tuple[str, float, float]:
    return style.fontName, style.fontSize, style.leading


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


class _ImageRegistry:
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


def _flowables() -> tuple[type, type]:
    from reportlab.lib.utils import simpleSplit
    from reportlab.platypus.flowables import Flowable

    class ImageTile(Flowable):  # type: ignore[misc]
        """One tile of an exhibit image under its caption, drawn from the image object, clipped."""

        def __init__(
            self,
            registry: _ImageRegistry,
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
            self.height = self.image_height + _CAPTION_HEIGHT

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

    class PageMark(Flowable):  # type: ignore[misc]
        """Records the page it lands on (for the report index)."""

        def __init__(self, record: Callable[[int], None]) -> None:
            super().__init__()
            self.record = record
            self.width = self.height = 0

        def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
            return 0, 0

        def draw(self) -> None:
            self.record(self.canv.getPageNumber())

    return ImageTile, PageMark


# -- the document ------------------------------------------------------------------------------


@dataclass
class _PageFacts:
    incident_id: str
    exported: str
    index_json: Callable[[], str]
    pages: list[int] = field(default_factory=list)


def _timestamp(moment: float) -> Any:
    """reportlab's document time (creation date, file id) set to the export time, in UTC."""
    import time

    from reportlab.lib.utils import TimeStamp

    stamp = TimeStamp(invariant=1)
    stamp.t = moment
    stamp.lt = tuple(time.gmtime(moment))
    stamp.YMDhms = stamp.lt[:6]
    stamp.dhh = stamp.dmm = 0
    stamp.tzname = "UTC"
    return stamp


def _canvas_maker(facts: _PageFacts, timestamp: float) -> Callable[..., Any]:
    from reportlab.lib import colors
    from reportlab.pdfbase.pdfdoc import PDFInfo, PDFString
    from reportlab.pdfgen.canvas import Canvas

    class IndexedInfo(PDFInfo):  # type: ignore[misc]
        def format(self, document: Any) -> bytes:
            body: bytes = super().format(document)
            extra = (
                b"/" + INDEX_KEY.encode() + b" " + PDFString(facts.index_json()).format(document)
            )
            return bytes(body[: body.rindex(b">>")] + extra + b"\n>>")

    class ReportCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["pdfVersion"] = (1, 7)
            super().__init__(*args, **kwargs)
            info = IndexedInfo()
            for key, value in vars(self._doc.info).items():
                setattr(info, key, value)
            self._doc.info = info
            self._doc._timeStamp = _timestamp(timestamp)
            self._saved_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._saved_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            # What every page repeats is drawn once, as a form for each page size; a page
            # adds only its number.
            total = len(self._saved_pages)
            forms: dict[tuple[float, float], str] = {}
            for state in self._saved_pages:
                width, height = state["_pagesize"]
                if (width, height) not in forms:
                    name = f"HEFurniture{len(forms)}"
                    self._furniture_form(name, width, height)
                    forms[width, height] = name
            for state in self._saved_pages:
                self.__dict__.update(state)
                width, height = self._pagesize
                self.doForm(forms[width, height])
                self.saveState()
                self.setFont(fonts.REGULAR, 8)
                self.drawRightString(
                    width - _PAGE_MARGIN, 7 * _MM, f"Page {self._pageNumber} of {total}"
                )
                self.restoreState()
                Canvas.showPage(self)
            Canvas.save(self)

        def _furniture_form(self, name: str, width: float, height: float) -> None:
            self.beginForm(name, 0, 0, width, height)
            self.setFillColor(colors.black)
            self.setFont(fonts.BOLD, 9)
            self.drawCentredString(width / 2, height - 10 * _MM, MARKING)
            self.drawCentredString(width / 2, 7 * _MM, MARKING)
            self.setFont(fonts.REGULAR, 8)
            self.drawString(_PAGE_MARGIN, height - 10 * _MM, "Harmonize Evidence report")
            self.drawRightString(width - _PAGE_MARGIN, height - 10 * _MM, facts.incident_id)
            self.drawString(_PAGE_MARGIN, 7 * _MM, f"Exported {facts.exported}")
            self.setStrokeGray(0.6)
            self.setLineWidth(0.4)
            self.line(_PAGE_MARGIN, height - 12 * _MM, width - _PAGE_MARGIN, height - 12 * _MM)
            self.line(_PAGE_MARGIN, 11 * _MM, width - _PAGE_MARGIN, 11 * _MM)
            self.endForm()

    return ReportCanvas


def _doc_template(out: BinaryIO, content: ReportContent) -> Any:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

    def frame(size: tuple[float, float], name: str) -> Any:
        width, height = size
        return Frame(
            _PAGE_MARGIN,
            _BOTTOM,
            width - 2 * _PAGE_MARGIN,
            height - _TOP - _BOTTOM,
            id=name,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )

    doc = BaseDocTemplate(
        out,
        pagesize=A4,
        title=f"Evidence report {content.incident.id}",
        author=content.producer.actor,
        subject=f"{content.incident.id}: {content.incident.title}",
        creator=content.tool,
        keywords=f"{content.incident.id} evidence {MARKING}",
        pageCompression=1,
    )
    doc.addPageTemplates(
        [
            PageTemplate(id="portrait", frames=[frame(A4, "portrait")], pagesize=A4),
            PageTemplate(
                id="landscape",
                frames=[frame(landscape(A4), "landscape")],
                pagesize=landscape(A4),
            ),
        ]
    )
    return doc


def portrait_area() -> tuple[float, float]:
    """The drawing area of a portrait page, in points."""
    from reportlab.lib.pagesizes import A4

    return A4[0] - 2 * _PAGE_MARGIN, A4[1] - _TOP - _BOTTOM


def landscape_area() -> tuple[float, float]:
    """The drawing area of a landscape page, in points."""
    from reportlab.lib.pagesizes import A4

    return A4[1] - 2 * _PAGE_MARGIN, A4[0] - _TOP - _BOTTOM


@contextlib.contextmanager
def _binary_streams() -> Iterator[None]:
    """Page streams deflated only, not also ASCII85-encoded (reportlab's default costs time).

    reportlab reads this setting from a process-wide module while it builds; it is restored after.
    """
    from reportlab import rl_config

    previous = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = previous


@dataclass(frozen=True)
class LaidOutReport:
    """The report laid out, its image data not yet spliced in."""

    pdf: bytes
    placements: tuple[Placement, ...]
    index: ReportIndex

    def write(self, spool: BinaryIO, out: BinaryIO) -> None:
        """Write the finished (unsigned) PDF, image data copied from the spool."""
        splice_images(self.pdf, self.placements, spool, out)


def build_report(content: ReportContent, spool: BinaryIO, out: BinaryIO) -> ReportIndex:
    """Lay out the report and write the finished (unsigned) PDF to ``out``."""
    laid_out = lay_out(content)
    laid_out.write(spool, out)
    return laid_out.index


def lay_out(content: ReportContent) -> LaidOutReport:
    """Lay out the report; the image data stays in the spool until :meth:`LaidOutReport.write`."""
    fonts.register_fonts()
    cover_pages: list[int] = []
    list_pages: list[int] = []

    def index() -> ReportIndex:
        listed = sorted(set(list_pages))
        return ReportIndex(
            incident_id=content.incident.id,
            chain_head=content.chain_head,
            exhibits=tuple((item.exhibit.ref, item.exhibit.sha256) for item in content.exhibits),
            cover_page=cover_pages[0] if cover_pages else 1,
            list_pages=tuple(range(listed[0], listed[-1] + 1)) if listed else (),
        )

    exported_text = content.exported.utc.strftime("%d %B %Y %H:%M UTC")
    facts = _PageFacts(content.incident.id, exported_text, lambda: index().to_json())
    registry = _ImageRegistry()
    story = _story(content, registry, cover_pages.append, list_pages.append)
    laid_out = io.BytesIO()
    doc = _doc_template(laid_out, content)
    with _binary_streams():
        doc.build(story, canvasmaker=_canvas_maker(facts, content.exported.utc.timestamp()))
    return LaidOutReport(laid_out.getvalue(), tuple(registry.placements), index())


def _story(
    content: ReportContent,
    registry: _ImageRegistry,
    on_cover: Callable[[int], None],
    on_list: Callable[[int], None],
) -> list[Any]:
    from reportlab.platypus import NextPageTemplate, PageBreak

    p = _Paragraphs(_styles())
    image_tile, page_mark = _flowables()
    story: list[Any] = [page_mark(on_cover)]
    story += _cover(content, p)
    story += _summary(content, p)
    story += [PageBreak(), p.fixed("Exhibits", "h1"), page_mark(on_list)]
    story += _exhibit_list(content, p)
    story.append(page_mark(on_list))
    areas = portrait_area(), landscape_area()
    for key, item in enumerate(content.exhibits):
        story += [NextPageTemplate("portrait"), PageBreak()]
        story += _exhibit_section(item, p)
        image = item.image
        if isinstance(image, PdfImage):
            tiles = plan_tiles(image.width, image.height, *areas)
            for number, tile in enumerate(tiles, start=1):
                story += [
                    NextPageTemplate("landscape" if tile.landscape else "portrait"),
                    PageBreak(),
                    image_tile(
                        registry, key, image, tile=tile, part=(item.exhibit.ref, number, len(tiles))
                    ),
                ]
    story += [NextPageTemplate("portrait"), PageBreak()]
    story += _notes(content, p)
    story += _custody_log(content, p)
    story += [PageBreak()]
    story += _continuity(content, p)
    story += [PageBreak()]
    story += _how_to_verify(content, p)
    return story


def _tile_caption(ref: str, image: PdfImage, tile: Tile, number: int, count: int) -> str:
    how = (
        "pixels exactly as in the original file"
        if image.unchanged
        else "converted for display; the original file is in the bundle"
    )
    if count == 1:
        return f"Exhibit {ref}: the whole image, {image.width} × {image.height} pixels ({how})."
    return (
        f"Exhibit {ref}, part {number} of {count}: pixels {tile.x}–{tile.x + tile.width - 1} "
        f"across, {tile.y}–{tile.y + tile.height - 1} down, of {image.width} × {image.height} "
        f"({how}; parts overlap by {TILE_OVERLAP} pixels)."
    )


@dataclass(frozen=True)
class _Mono:
    """A value printed in the monospaced font (hashes, fingerprints)."""

    text: str


def _table(
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    *,
    header: bool = False,
    fonts_by_column: Sequence[tuple[str, float, float]] = (),
    extra: Sequence[tuple[Any, ...]] = (),
) -> Any:
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    table = Table(list(rows), colWidths=list(widths), repeatRows=1 if header else 0, splitInRow=1)
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9a9a9a")),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    for column, (name, size, leading) in enumerate(fonts_by_column):
        commands.append(("FONT", (column, 0), (column, -1), name, size, leading))
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e4e4e4")))
        commands.append(("FONT", (0, 0), (-1, 0), fonts.BOLD, 8, 10))
    else:
        commands.append(("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f0f0")))
    commands.extend(extra)
    table.setStyle(TableStyle(commands))
    return table


_LABEL_WIDTH = 130.0


def _key_values(rows: Iterable[tuple[str, Any]], p: _Paragraphs) -> Any:
    """A two-column table of labels and values; values are text, :class:`_Mono` or flowables."""
    from reportlab.lib import colors

    from harmonize_evidence.export.layout import KeyValueTable, Lines, TableStyle

    width, _ = portrait_area()
    value_width = width - _LABEL_WIDTH
    cells: list[tuple[Lines, Any]] = []
    for label, value in rows:
        if isinstance(value, _Mono):
            cell = p.key_value_cell(value.text, "mono", value_width)
        elif isinstance(value, str):
            cell = p.key_value_cell(value, "cell", value_width)
        else:
            cell = value
        # A label wraps like a value: a field this version has no words for is labelled by
        # its name, which may be long.
        cells.append((p.key_value_cell(label, "label", _LABEL_WIDTH), cell))
    style = TableStyle(
        grid=colors.HexColor("#9a9a9a"),
        grid_width=0.4,
        label_background=colors.HexColor("#f0f0f0"),
        left_padding=4,
        right_padding=4,
        top_padding=2.5,
        bottom_padding=3,
    )
    return KeyValueTable(cells, (_LABEL_WIDTH, value_width), style)


def _cover(content: ReportContent, p: _Paragraphs) -> list[Any]:
    from reportlab.platypus import Spacer

    incident = content.incident
    exported = content.exported
    producer = content.producer
    with_files = sum(1 for item in content.exhibits if item.exhibit.has_bytes)
    rows: list[tuple[str, Any]] = [
        ("Incident", incident.id),
        ("Title", incident.title),
        ("School", producer.school),
        ("Produced by", f"{producer.name} ({producer.initials}), {producer.role.value}"),
        (
            "Exported",
            f"{exported.utc.strftime('%Y-%m-%d %H:%M:%S')} UTC "
            f"({exported.local.strftime('%Y-%m-%d %H:%M:%S')} {exported.zone_name}, "
            f"UTC{exported.utc_offset})",
        ),
        (
            "Exhibits",
            f"{len(content.exhibits)} ({with_files} with original files, "
            f"{len(content.exhibits) - with_files} recorded without a file)",
        ),
        (
            "Custody chain head",
            p.text(
                f"entry {content.chain_head[0]} of the custody log, SHA-256\n"
                f"{content.chain_head[1]}",
                "mono",
            ),
        ),
        ("Evidence CA fingerprint (SHA-256)", _Mono(_group_fingerprint(content.ca_fingerprint))),
        (
            "Signing certificate fingerprint (SHA-256)",
            _Mono(_group_fingerprint(content.signer_fingerprint)),
        ),
        ("Report signature", content.signature_level),
        ("Made with", content.tool),
    ]
    return [
        p.fixed("Evidence report", "title"),
        p.text(f"{incident.id}: {incident.title}", "subtitle"),
        _key_values(rows, p),
        Spacer(1, 10),
        p.fixed(
            "This report and the files in its bundle are signed with the certificate above. "
            "Before relying on them, compare the Evidence CA fingerprint with the one the school "
            "gives you by telephone or from a known school email address. The section "
            "<i>How to verify this bundle</i> at the end explains every check.",
            "small",
        ),
    ]


def _summary(content: ReportContent, p: _Paragraphs) -> list[Any]:
    from reportlab.platypus import Spacer

    incident = content.incident
    entries = content.entries
    recorded = [item.exhibit.created_utc for item in content.exhibits]
    status = incident.status.value + (" (marked urgent)" if incident.urgent else "")
    rows: list[tuple[str, Any]] = [
        ("Category", _CATEGORY_LABELS.get(incident.category, incident.category.value)),
        ("Platforms", ", ".join(incident.platforms) or "none recorded"),
        ("People involved", incident.people or "none recorded"),
        ("Reported by", incident.reported_by),
        ("Status", status),
        ("Incident opened", _when(_iso(incident.created_utc))),
    ]
    if recorded:
        rows.append(("First exhibit recorded", _when(_iso(min(recorded)))))
        rows.append(("Last exhibit recorded", _when(_iso(max(recorded)))))
    if entries:
        last = entries[-1]
        rows.append(("Last custody entry", f"{_when(last.utc)} ({last.action.replace('_', ' ')})"))
    return [Spacer(1, 16), p.fixed("Summary", "h1"), _key_values(rows, p)]


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _exhibit_list(content: ReportContent, p: _Paragraphs) -> list[Any]:
    if not content.exhibits:
        return [p.fixed("There are no exhibits in this incident.", "body")]
    width, _ = portrait_area()
    widths = [44.0, 66.0, 92.0, width - 202.0]  # a SHA-256 in 7-point mono needs 276
    rows: list[list[Any]] = [["Exhibit", "Kind", "Recorded (UTC)", "SHA-256"]]
    for item in content.exhibits:
        exhibit = item.exhibit
        rows.append(
            [
                exhibit.ref,
                p.cell(exhibit.kind.value, "cell_small", widths[1]),
                exhibit.created_utc.strftime("%Y-%m-%d %H:%M:%S"),
                exhibit.sha256 or "(no file: a written record only)",
            ]
        )
    small = _cell_font(p.styles["cell_small"])
    return [
        p.fixed(
            "Every exhibit, with the SHA-256 of its original file. The same values are in "
            "manifest.json and SHA256SUMS in the bundle.",
            "small",
        ),
        _table(
            rows,
            widths,
            header=True,
            fonts_by_column=[small, small, small, _cell_font(p.styles["mono_small"])],
        ),
    ]


def _exhibit_section(item: ReportExhibit, p: _Paragraphs) -> list[Any]:
    from reportlab.platypus import Spacer

    exhibit = item.exhibit
    rows: list[tuple[str, Any]] = []
    if exhibit.sha256:
        rows.append(("SHA-256", _Mono(exhibit.sha256)))
    if item.file_name:
        rows.append(("File in this bundle", item.file_name))
    rows.extend(metadata_rows(exhibit))
    width, _ = portrait_area()
    story: list[Any] = [p.block(f"Exhibit {exhibit.ref}", "h1", width), _key_values(rows, p)]
    story.append(Spacer(1, 8))
    image = item.image
    if exhibit.purged:
        story.append(
            p.fixed(
                "The original file of this exhibit was purged from the evidence store "
                "(retention); its SHA-256 and custody record remain.",
                "body",
            )
        )
    elif exhibit.kind == ExhibitKind.RECORD_ONLY or not exhibit.sha256:
        story.append(
            p.fixed(
                "This exhibit is a written record only: the content was described, not copied "
                "(for example because it must not be copied). There is no image.",
                "body",
            )
        )
    elif isinstance(image, NoPreview):
        story.append(
            p.text(
                f"The image cannot be shown in this report ({image.reason}); the original file "
                f"is in the bundle as {item.file_name}.",
                "body",
            )
        )
    elif isinstance(image, PdfImage):
        story.append(
            p.block(
                "The image follows on the next page(s), as large as the page allows; a long "
                "capture is split into parts that overlap slightly.",
                "small",
                width,
            )
        )
    else:
        story.append(
            p.text(
                f"This exhibit is a {exhibit.media_type} file, which a PDF cannot show; the "
                f"original file is in the bundle as {item.file_name}.",
                "body",
            )
        )
    return story


def _notes(content: ReportContent, p: _Paragraphs) -> list[Any]:
    from reportlab.platypus import Spacer

    notes = [entry for entry in content.entries if entry.action == "note_added"]
    story: list[Any] = [p.fixed("Written accounts and notes", "h1")]
    if not notes:
        return [*story, p.fixed("No notes were recorded.", "body"), Spacer(1, 12)]
    for entry in notes:
        story.append(p.text(f"{_when(entry.utc)}, {entry.actor} (custody entry {entry.seq})", "h2"))
        story.append(p.text(entry.details.get("text", ""), "body"))
    story.append(Spacer(1, 12))
    return story


def _custody_log(content: ReportContent, p: _Paragraphs) -> list[Any]:
    width, _ = portrait_area()
    widths = [22.0, 64.0, 80.0, 70.0, width - 22 - 64 - 80 - 70 - 74, 74.0]
    rows: list[list[Any]] = [["#", "Time (UTC)", "Actor", "Action", "Details", "Entry hash"]]
    for entry in content.entries:
        rows.append(
            [
                str(entry.seq),
                _when(entry.utc)[:19].replace(" ", "\n", 1) + " UTC",
                p.cell(entry.actor, "cell_small", widths[2]),
                p.cell(entry.action.replace("_", " "), "cell_small", widths[3]),
                p.cell(entry_summary(entry), "cell_small", widths[4]),
                entry.hash[:16],
            ]
        )
    small = _cell_font(p.styles["cell_small"])
    return [
        p.fixed("Custody log", "h1"),
        p.fixed(
            "Every action on this incident, in order. Each entry is signed and holds the hash of "
            "the one before it; the full entries, signatures and hashes are in manifest.json.",
            "small",
        ),
        _table(
            rows,
            widths,
            header=True,
            fonts_by_column=[small] * 5 + [_cell_font(p.styles["mono_small"])],
        ),
    ]


def _refs(items: Sequence[ReportExhibit]) -> str:
    return ", ".join(item.exhibit.ref for item in items)


def _continuity(content: ReportContent, p: _Paragraphs) -> list[Any]:
    from reportlab.platypus import Spacer

    producer = content.producer
    exhibits = content.exhibits
    captured = [i for i in exhibits if i.exhibit.kind == ExhibitKind.SCREENSHOT]
    described = [i for i in exhibits if i.exhibit.kind == ExhibitKind.RECORD_ONLY]
    imported = [i for i in exhibits if i not in captured and i not in described]
    story: list[Any] = [p.fixed("Statement of production and continuity", "h1")]
    story.append(
        p.text(
            f"I, {producer.name}, {producer.role.value} at {producer.school}, produce the "
            f"exhibits listed in this report, which relate to incident {content.incident.id}.",
            "body",
        )
    )
    story.append(Spacer(1, 6))
    for items, how in (
        (captured, "I captured as screenshots of my screen"),
        (imported, "I imported from files, unchanged"),
        (described, "I described in writing, without copying the content"),
    ):
        if items:
            story.append(p.text(f"Exhibits that {how}: {_refs(items)}.", "body"))
    story.append(Spacer(1, 6))
    story.append(
        p.text(
            "The time each exhibit was recorded, where it came from and the SHA-256 of its "
            "original file are given in its section of this report. From the moment each "
            "exhibit was recorded it was kept, unaltered, in an encrypted evidence store on my "
            f"computer, protected by a passphrase known to me{_unlocked_also(content)}. Every "
            "action on the incident was recorded in the signed custody log printed in this "
            f"report. On {content.exported.utc.strftime('%d %B %Y at %H:%M UTC')} I exported the "
            "exhibits, unaltered, into the signed bundle that contains this report"
            f"{_export_record(content)}.",
            "body",
        )
    )
    story.append(Spacer(1, 8))
    story.append(
        p.fixed(
            "This statement is true to the best of my knowledge and belief and I make it "
            "knowing that, if it is tendered in evidence, I shall be liable to prosecution if I "
            "have wilfully stated in it anything which I know to be false, or do not believe to "
            "be true.",
            "body",
        )
    )
    story.append(Spacer(1, 30))
    story.append(_key_values([("Signature", " "), ("Name", producer.name), ("Date", " ")], p))
    story.append(Spacer(1, 6))
    story.append(
        p.fixed(
            "Sign in ink only if you print this statement to give to the police; the electronic "
            "signature of the report does not replace your signature here.",
            "small",
        )
    )
    return story


def _unlocked_also(content: ReportContent) -> str:
    if not content.keychain:
        return ""
    return (
        "; it also opened with my login to that computer (through the computer's keychain) "
        "when the program started, and only with the passphrase after the program had locked"
    )


def _export_record(content: ReportContent) -> str:
    if content.export_recorded:
        return ""
    return (
        "; the evidence store could only be read at the time, so this export is not recorded "
        "in the custody log"
    )


def _how_to_verify(content: ReportContent, p: _Paragraphs) -> list[Any]:
    story: list[Any] = [p.fixed("How to verify this bundle", "h1")]
    for step in content.verify_steps:
        story.append(p.text(step.title, "h2"))
        story.append(p.text(step.text, "body"))
        for command in step.commands:
            story.append(p.text(command, "command"))
    return story
