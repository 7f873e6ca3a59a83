"""The PDF report (reportlab): what a police officer or a disciplinary panel reads.

Layout: a cover (incident, school, producer, for a lead's case the police referral and the
outcome, export time, fingerprints, chain head), a summary, a list of exhibits with their
SHA-256, one section per exhibit (metadata table, SHA-256, then the image over as many pages as
it needs at a legible scale), the written notes, the school's actions on a lead's case, the
custody log, a continuity statement in the style of a UK witness statement, and how to verify.
Every page carries the OFFICIAL-SENSITIVE marking, the incident id and "Page X of Y".

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
from typing import Any, BinaryIO

from harmonize_evidence.domain.wording import METADATA_LABELS
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
from harmonize_evidence.export.report_exhibits import exhibit_section, metadata_rows
from harmonize_evidence.export.report_index import ReportIndex
from harmonize_evidence.export.report_pages import (
    PageFacts,
    binary_streams,
    canvas_maker,
    doc_template,
    landscape_area,
    page_mark_class,
    portrait_area,
)
from harmonize_evidence.export.report_statement import continuity_section, how_to_verify_section
from harmonize_evidence.export.report_tiles import ImageRegistry, image_tile_class, plan_tiles

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
    facts = PageFacts(content.incident.id, exported_text, lambda: index().to_json())
    registry = ImageRegistry()
    story = _story(content, registry, cover_pages.append, list_pages.append)
    laid_out = io.BytesIO()
    doc = doc_template(laid_out, content)
    with binary_streams():
        doc.build(story, canvasmaker=canvas_maker(facts, content.exported.utc.timestamp()))
    return LaidOutReport(laid_out.getvalue(), tuple(registry.placements), index())


def _story(
    content: ReportContent,
    registry: ImageRegistry,
    on_cover: Callable[[int], None],
    on_list: Callable[[int], None],
) -> list[Any]:
    from reportlab.platypus import NextPageTemplate, PageBreak

    p = Paragraphs(report_styles())
    image_tile, page_mark = image_tile_class(), page_mark_class()
    story: list[Any] = [page_mark(on_cover)]
    story += cover_section(content, p)
    story += summary_section(content, p)
    story += [PageBreak(), p.fixed("Exhibits", "h1"), page_mark(on_list)]
    story += exhibit_list_section(content, p)
    story.append(page_mark(on_list))
    areas = portrait_area(), landscape_area()
    for key, item in enumerate(content.exhibits):
        story += [NextPageTemplate("portrait"), PageBreak()]
        story += exhibit_section(item, p, content)
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
    story += notes_section(content, p)
    story += casework_section(content, p)
    story += custody_log_section(content, p)
    story += [PageBreak()]
    story += continuity_section(content, p)
    story += [PageBreak()]
    story += how_to_verify_section(content, p)
    return story
