"""Each exhibit's section of the report: its heading, its key details, its image and its table.

An exhibit opens on a page of its own under a heading that gives its reference and kind in
words. An image shares that page with the exhibit's key details (when and where it was
recorded, the time on the post, who recorded it) when it fits there at a legible scale, and its
first part does when it is a long capture split into parts; the table of everything recorded
follows the image. An image that fits a page only on its own follows the table instead, and an
exhibit without an image is its table, under a sentence that says why there is none; a
plain-text file's words follow its table (:mod:`~harmonize_evidence.export.text_preview`).

Every metadata field an exhibit may hold prints in the table, in the rows of
:func:`~harmonize_evidence.domain.metadata_rows.metadata_rows` (which the GUI's panel shows too):
under its label in :data:`~harmonize_evidence.domain.wording.METADATA_LABELS` or, for a field this
version has no words for (written by another version or program), under its name; long labels
and values wrap. Its time prints local, in the zone it was recorded in, with UTC beside it, to
the second. The image itself is drawn in tiles (:mod:`~harmonize_evidence.export.report_tiles`).
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from harmonize_evidence.domain.metadata_rows import metadata_rows
from harmonize_evidence.domain.model import Exhibit, ExhibitKind
from harmonize_evidence.domain.wording import KIND_NAMES, METADATA_LABELS
from harmonize_evidence.export.images import NoPreview, PdfImage
from harmonize_evidence.export.report_blocks import (
    Mono,
    Paragraphs,
    key_value_table,
    side_by_side_class,
)
from harmonize_evidence.export.report_content import ReportContent, ReportExhibit
from harmonize_evidence.export.report_pages import ExhibitBand

__all__ = [
    "KEY_FIELDS",
    "exhibit_band",
    "exhibit_heading",
    "exhibit_table",
    "key_details",
    "metadata_rows",
    "no_image_notice",
    "text_section",
]

KEY_FIELDS = (
    "recorded",
    "url",
    "platform",
    "posted_at",
    "posted_at_understood",
    "display_name",
)
"""The metadata fields an exhibit's key details show beside its image, in this order."""

_KEY_LABELS = tuple(METADATA_LABELS[field] for field in KEY_FIELDS)
_SIDE_GAP = 10.0


def kind_name(exhibit: Exhibit) -> str:
    """The exhibit's kind in words (``Screenshot``)."""
    return KIND_NAMES.get(exhibit.kind, exhibit.kind.value.replace("-", " ").capitalize())


def exhibit_band(item: ReportExhibit) -> ExhibitBand:
    """What every page that shows the exhibit prints under its header."""
    exhibit = item.exhibit
    return ExhibitBand(exhibit.ref, kind_name(exhibit), exhibit.sha256)


def exhibit_heading(item: ReportExhibit, p: Paragraphs, width: float) -> Any:
    """The exhibit's heading: its reference and its kind in words."""
    exhibit = item.exhibit
    return p.block(f"Exhibit {exhibit.ref}: {kind_name(exhibit)}", "h1", width)


def _rows(
    item: ReportExhibit, content: ReportContent | None, zone: tzinfo | None
) -> list[tuple[str, str]]:
    return metadata_rows(item.exhibit, zone=zone, always_seconds=True)


def key_details(
    item: ReportExhibit,
    p: Paragraphs,
    content: ReportContent | None,
    zone: tzinfo | None,
    width: float,
    *,
    side_by_side: bool,
) -> Any:
    """The exhibit's key details as a table ``width`` wide, in two halves side by side on a
    landscape page."""
    from harmonize_evidence.export.report_received import exhibit_rows

    shown = {label: value for label, value in _rows(item, content, zone) if label in _KEY_LABELS}
    rows: list[tuple[str, Any]] = [(label, shown[label]) for label in _KEY_LABELS if label in shown]
    if content is not None:
        rows.extend(exhibit_rows(content, item))
    if item.file_name:
        rows.append(("File in this bundle", item.file_name))
    if not side_by_side:
        return key_value_table(rows, p, width=width)
    half = (width - _SIDE_GAP) / 2

    def table(part: list[tuple[str, Any]]) -> Any:
        return key_value_table(part, p, width=half, label_width=126)

    if len(rows) < 2:
        return key_value_table(rows, p, width=width)
    # Split where the taller half is shortest (a long address can fill a half on its own),
    # from the rows' heights in a half (measured once).
    whole = table(rows)
    whole.wrap(half, 1e9)
    heights = whole.row_heights
    middle = min(
        range(1, len(rows)),
        key=lambda cut: max(sum(heights[:cut]), sum(heights[cut:])),
    )
    return side_by_side_class()(table(rows[:middle]), table(rows[middle:]), _SIDE_GAP)


def exhibit_table(
    item: ReportExhibit, p: Paragraphs, content: ReportContent | None, zone: tzinfo | None
) -> Any:
    """The table of everything recorded about the exhibit: its SHA-256, its file in the bundle,
    where it was received from, and every metadata field."""
    from harmonize_evidence.export.report_received import exhibit_rows

    exhibit = item.exhibit
    rows: list[tuple[str, Any]] = []
    if exhibit.sha256:
        rows.append(("SHA-256", Mono(exhibit.sha256)))
    if item.file_name:
        rows.append(("File in this bundle", item.file_name))
    if content is not None:
        rows.extend(exhibit_rows(content, item))
    rows.extend(_rows(item, content, zone))
    return key_value_table(rows, p)


def no_image_notice(item: ReportExhibit, p: Paragraphs) -> Any | None:
    """Why the report shows no image of the exhibit; None when it shows one."""
    exhibit = item.exhibit
    image = item.image
    if exhibit.purged:
        return p.fixed(
            "The original file of this exhibit was purged from the evidence store "
            "(retention); its SHA-256 and custody record remain.",
            "body",
        )
    if exhibit.kind == ExhibitKind.RECORD_ONLY or not exhibit.sha256:
        return p.fixed(
            "This exhibit is a written record only: the content was described, not copied "
            "(for example because it must not be copied). There is no image.",
            "body",
        )
    if isinstance(image, NoPreview):
        return p.text(
            f"The image cannot be shown in this report ({image.reason}); the original file "
            f"is in the bundle as {item.file_name}.",
            "body",
        )
    if isinstance(image, PdfImage):
        return None
    if item.text is not None:
        return p.text(
            f"This exhibit is a {exhibit.media_type} file: its text follows the table, and the "
            f"original file is in the bundle as {item.file_name}.",
            "body",
        )
    return p.text(
        f"This report does not show the contents of a {exhibit.media_type} file; the "
        f"original file is in the bundle as {item.file_name}.",
        "body",
    )


def text_section(item: ReportExhibit, p: Paragraphs) -> list[Any]:
    """The words of a plain-text exhibit, under a heading and a sentence that says which part
    of the file they are and how they print."""
    from reportlab.platypus import Spacer

    preview = item.text
    if preview is None:
        return []
    return [
        Spacer(1, 8),
        p.fixed(f"The text of exhibit {item.exhibit.ref}", "h2"),
        p.text(preview.caption(item.file_name or "the original file"), "caption"),
        Spacer(1, 4),
        p.text(preview.text, "mono"),
    ]
