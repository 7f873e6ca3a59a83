"""Each exhibit's section of the report: its metadata table, its SHA-256 and what follows.

Every metadata field an exhibit may hold prints, in the rows of
:func:`~harmonize_evidence.domain.metadata_rows.metadata_rows` (which the GUI's panel shows too):
under its label in :data:`~harmonize_evidence.domain.wording.METADATA_LABELS` or, for a field this
version has no words for (written by another version or program), under its name; long labels
and values wrap.
The image itself follows the section, in tiles (:mod:`~harmonize_evidence.export.report_tiles`).
"""

from __future__ import annotations

from typing import Any

from harmonize_evidence.domain.metadata_rows import metadata_rows
from harmonize_evidence.domain.model import ExhibitKind
from harmonize_evidence.export.images import NoPreview, PdfImage
from harmonize_evidence.export.report_blocks import Mono, Paragraphs, key_value_table
from harmonize_evidence.export.report_content import ReportContent, ReportExhibit
from harmonize_evidence.export.report_pages import portrait_area

__all__ = ["exhibit_section", "metadata_rows"]


def exhibit_section(
    item: ReportExhibit, p: Paragraphs, content: ReportContent | None = None
) -> list[Any]:
    """An exhibit's section: its SHA-256, file and metadata, and what follows (or why no image).

    With the report's ``content``, an exhibit received from a member of staff also says from
    whom, and under which of their references.
    """
    from reportlab.platypus import Spacer

    from harmonize_evidence.export.report_received import exhibit_rows

    exhibit = item.exhibit
    rows: list[tuple[str, Any]] = []
    if exhibit.sha256:
        rows.append(("SHA-256", Mono(exhibit.sha256)))
    if item.file_name:
        rows.append(("File in this bundle", item.file_name))
    if content is not None:
        rows.extend(exhibit_rows(content, item))
    rows.extend(metadata_rows(exhibit))
    width, _ = portrait_area()
    story: list[Any] = [p.block(f"Exhibit {exhibit.ref}", "h1", width), key_value_table(rows, p)]
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
