"""The PDF report (reportlab): what a police officer or a disciplinary panel reads.

Layout, in the order an officer reads it: a cover (incident, school, producer, for a lead's case
the police referral and the outcome, export time, fingerprints, chain head) with the summary;
the written accounts and notes; the list of exhibits with their SHA-256; one section per exhibit
(its reference and kind in words, its key details beside its image when the image fits there at
a legible scale, long captures in parts, then the table of everything recorded); the school's
actions on a lead's case; the custody log; a continuity statement in the style of a UK witness
statement; and how to verify. Kinds and statuses print in words, and every time to the second,
local with its zone and UTC beside it. Every page carries the OFFICIAL-SENSITIVE marking, the
incident id and "Page X of Y"; every page that shows any part of an exhibit, its reference and
full SHA-256.

User text is data: it is laid out by :mod:`harmonize_evidence.export.layout`, never by
reportlab's paragraph parser, so markup such as ``<b>`` or ``<img src=...>`` prints literally.
Right-to-left words (Arabic, Hebrew) are put in visual order and shaped with HarfBuzz, and every
glyph reads back as the characters typed when the report is searched or copied (see
:mod:`harmonize_evidence.export.fonts`).

This module lays the report out from its parts, one module each: what it prints
(:mod:`~harmonize_evidence.export.report_content`), its pages
(:mod:`~harmonize_evidence.export.report_pages`), its paragraphs and tables
(:mod:`~harmonize_evidence.export.report_blocks`), the cover, summary and exhibit list
(:mod:`~harmonize_evidence.export.report_cover`), each exhibit's section with its metadata
labels (:mod:`~harmonize_evidence.export.report_exhibits`) and its image in tiles
(:mod:`~harmonize_evidence.export.report_tiles`), the notes and custody log
(:mod:`~harmonize_evidence.export.report_custody`), the lead's steps on the case
(:mod:`~harmonize_evidence.export.report_casework`), the statement and how to verify
(:mod:`~harmonize_evidence.export.report_statement`), and the embedded index that
``verify-bundle`` reads (:mod:`~harmonize_evidence.export.report_index`, where its format is
documented).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Any, BinaryIO

from harmonize_evidence.domain.wording import METADATA_LABELS, printed_moment
from harmonize_evidence.export import fonts
from harmonize_evidence.export.images import PdfImage
from harmonize_evidence.export.pdfassembly import Placement, splice_images
from harmonize_evidence.export.report_blocks import Paragraphs, report_styles
from harmonize_evidence.export.report_casework import casework_section
from harmonize_evidence.export.report_content import ReportContent, ReportExhibit
from harmonize_evidence.export.report_cover import (
    cover_section,
    exhibit_list_section,
    summary_section,
)
from harmonize_evidence.export.report_custody import custody_log_section, notes_section
from harmonize_evidence.export.report_exhibits import (
    exhibit_band,
    exhibit_heading,
    exhibit_table,
    key_details,
    metadata_rows,
    no_image_notice,
    text_section,
)
from harmonize_evidence.export.report_index import ReportIndex
from harmonize_evidence.export.report_pages import (
    ExhibitBand,
    PageFacts,
    binary_streams,
    canvas_maker,
    doc_template,
    exhibit_area,
    page_mark_class,
)
from harmonize_evidence.export.report_statement import continuity_section, how_to_verify_section
from harmonize_evidence.export.report_tiles import (
    ImageRegistry,
    image_tile_class,
    plan_beside_details,
    plan_tiles,
)

__all__ = [
    "METADATA_LABELS",
    "LaidOutReport",
    "ReportContent",
    "ReportExhibit",
    "ReportIndex",
    "build_report",
    "lay_out",
    "metadata_rows",
]


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
    exhibit_pages: dict[int, int] = {}  # exhibit's position: the page its section starts on
    after_exhibits: list[int] = []

    def index() -> ReportIndex:
        listed = sorted(set(list_pages))
        covered = sorted(set(cover_pages)) or [1]
        return ReportIndex(
            incident_id=content.incident.id,
            chain_head=content.chain_head,
            exhibits=tuple((item.exhibit.ref, item.exhibit.sha256) for item in content.exhibits),
            cover_pages=tuple(range(covered[0], covered[-1] + 1)),
            list_pages=tuple(range(listed[0], listed[-1] + 1)) if listed else (),
        )

    bands = [exhibit_band(item) for item in content.exhibits]

    def band(page: int) -> ExhibitBand | None:
        # An exhibit's pages run from the page its section starts on to the page before the
        # next section starts.
        shown = None
        for key, first in exhibit_pages.items():
            if first <= page:
                shown = key
        if shown is None or (after_exhibits and page >= after_exhibits[0]):
            return None
        return bands[shown]

    exported_text = printed_moment(content.exported.utc, content.exported.local.tzinfo or UTC)
    facts = PageFacts(content.incident.id, exported_text, lambda: index().to_json(), band=band)
    registry = ImageRegistry()
    marks = _Marks(
        cover_pages.append,
        list_pages.append,
        lambda key: lambda page: exhibit_pages.setdefault(key, page),
        after_exhibits.append,
    )
    story = _story(content, registry, marks)
    laid_out = io.BytesIO()
    doc = doc_template(laid_out, content)
    with binary_streams():
        doc.build(story, canvasmaker=canvas_maker(facts, content.exported.utc.timestamp()))
    return LaidOutReport(laid_out.getvalue(), tuple(registry.placements), index())


@dataclass(frozen=True)
class _Marks:
    """What records the pages the report index and the exhibits' bands need."""

    cover: Callable[[int], None]
    exhibit_list: Callable[[int], None]
    exhibit: Callable[[int], Callable[[int], object]]
    after_exhibits: Callable[[int], None]


def _story(content: ReportContent, registry: ImageRegistry, marks: _Marks) -> list[Any]:
    from reportlab.platypus import CondPageBreak, NextPageTemplate, PageBreak

    p = Paragraphs(report_styles())
    page_mark = page_mark_class()
    story: list[Any] = [page_mark(marks.cover)]
    story += cover_section(content, p)
    story.append(page_mark(marks.cover))  # a long title pushes the cover's end to the next page
    story += summary_section(content, p)
    # The people's own words come before the exhibits they explain.
    story += [PageBreak()]
    story += notes_section(content, p)
    story += [CondPageBreak(160), p.fixed("Exhibits", "h1"), page_mark(marks.exhibit_list)]
    story += exhibit_list_section(content, p)
    story.append(page_mark(marks.exhibit_list))
    zone = content.exported.local.tzinfo
    for key, item in enumerate(content.exhibits):
        story += _exhibit_story(key, item, content, p, registry=registry, marks=marks, zone=zone)
    story += [NextPageTemplate("portrait"), PageBreak(), page_mark(marks.after_exhibits)]
    story += casework_section(content, p)
    story += custody_log_section(content, p)
    story += [PageBreak()]
    story += continuity_section(content, p)
    story += [PageBreak()]
    story += how_to_verify_section(content, p)
    return story


def _exhibit_story(
    key: int,
    item: ReportExhibit,
    content: ReportContent,
    p: Paragraphs,
    *,
    registry: ImageRegistry,
    marks: _Marks,
    zone: tzinfo | None,
) -> list[Any]:
    """One exhibit's pages: its heading, and its image beside its key details when it fits
    there at a legible scale (see :mod:`~harmonize_evidence.export.report_exhibits`)."""
    from reportlab.platypus import NextPageTemplate, PageBreak, Spacer

    image = item.image if isinstance(item.image, PdfImage) else None
    landscape = image is not None and image.width > image.height
    template = "exhibit-landscape" if landscape else "exhibit-portrait"
    width, height = exhibit_area(landscape)
    story: list[Any] = [
        NextPageTemplate(template),
        PageBreak(),
        page_mark_class()(marks.exhibit(key)),
    ]
    heading = exhibit_heading(item, p, width)
    table = exhibit_table(item, p, content, zone)
    if image is None:
        notice = no_image_notice(item, p)
        story += [heading, *([notice, Spacer(1, 6)] if notice else []), table]
        if item.text is not None:
            story += text_section(item, p)
        return story
    details = key_details(item, p, content, zone, width, side_by_side=landscape)
    used = _height(heading, width) + _height(details, width) + _DETAILS_GAP
    tiles = plan_beside_details(image, (width, height), height - used, landscape)
    image_tile = image_tile_class()
    if tiles is not None:
        story += [heading, details, Spacer(1, _DETAILS_GAP)]
        for number, tile in enumerate(tiles, start=1):
            if number > 1:
                story.append(PageBreak())
            story.append(
                image_tile(
                    registry, key, image, tile=tile, part=(item.exhibit.ref, number, len(tiles))
                )
            )
        if landscape:
            story += [NextPageTemplate("exhibit-portrait"), PageBreak()]
        else:
            story.append(Spacer(1, 10))
        story += [p.fixed(f"Everything recorded about exhibit {item.exhibit.ref}", "h2"), table]
        return story
    # The image fits a page only on its own (or is split across as well as down): its table
    # comes first, on the page of its heading.
    tiles = plan_tiles(image.width, image.height, exhibit_area(False), exhibit_area(True))
    story += [
        heading,
        table,
        Spacer(1, 6),
        p.block(
            "The image follows on the next page"
            + ("s, in parts that overlap slightly." if len(tiles) > 1 else "."),
            "small",
            width,
        ),
    ]
    for number, tile in enumerate(tiles, start=1):
        story += [
            NextPageTemplate("exhibit-landscape" if tile.landscape else "exhibit-portrait"),
            PageBreak(),
            image_tile(
                registry, key, image, tile=tile, part=(item.exhibit.ref, number, len(tiles))
            ),
        ]
    return story


_DETAILS_GAP = 8.0


def _height(flowable: Any, width: float) -> float:
    """The height a flowable takes in a frame ``width`` wide, its spacing included."""
    _, height = flowable.wrap(width, 1e9)
    return float(height) + float(flowable.getSpaceBefore()) + float(flowable.getSpaceAfter())
