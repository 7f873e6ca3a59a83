"""The report's pages: A4 portrait and landscape, their margins, and what every page repeats.

Every page carries the OFFICIAL-SENSITIVE marking, the incident id, the export time and
"Page X of Y" (drawn once as a form for each page size; a page adds only its number). A page
that shows any part of an exhibit (its details, its image or a part of it, its table) also
carries, under the header, the exhibit's reference, kind and full SHA-256: its page templates
(``exhibit-portrait``, ``exhibit-landscape``) keep that band free. The document information
carries the report index (:mod:`~harmonize_evidence.export.report_index`), and reportlab's
document time is the export time, in UTC.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from harmonize_evidence.export import fonts
from harmonize_evidence.export.layout import PAGE_COUNT_TEXT
from harmonize_evidence.export.report_content import ReportContent
from harmonize_evidence.export.report_index import INDEX_KEY

MARKING = "OFFICIAL-SENSITIVE"

_MM = 72 / 25.4
_PAGE_MARGIN = 15 * _MM
_TOP = 17 * _MM
_BOTTOM = 16 * _MM
_BAND = 6 * _MM  # an exhibit's page: its reference and SHA-256 under the header


def portrait_area() -> tuple[float, float]:
    """The drawing area of a portrait page, in points."""
    from reportlab.lib.pagesizes import A4

    return A4[0] - 2 * _PAGE_MARGIN, A4[1] - _TOP - _BOTTOM


def landscape_area() -> tuple[float, float]:
    """The drawing area of a landscape page, in points."""
    from reportlab.lib.pagesizes import A4

    return A4[1] - 2 * _PAGE_MARGIN, A4[0] - _TOP - _BOTTOM


def exhibit_area(landscape: bool) -> tuple[float, float]:
    """The drawing area of an exhibit's page (its band taken off), in points."""
    width, height = landscape_area() if landscape else portrait_area()
    return width, height - _BAND


@dataclass(frozen=True)
class ExhibitBand:
    """What an exhibit's pages print under their header."""

    ref: str
    kind: str
    sha256: str | None


@dataclass
class PageFacts:
    """What every page prints besides its content; the index is read when the PDF is saved."""

    incident_id: str
    exported: str
    index_json: Callable[[], str]
    pages: list[int] = field(default_factory=list)
    band: Callable[[int], ExhibitBand | None] = lambda page: None
    """The exhibit a page shows, by page number (read when the PDF is saved)."""


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


def canvas_maker(facts: PageFacts, timestamp: float) -> Callable[..., Any]:
    """The canvas class the document is built with: it adds the marking, the incident, the
    export time and "Page X of Y" to every page, and the index to the document information."""
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
            self.late_lines: list[tuple[int, float, float, str, float]] = []
            """Lines drawn once the page count is known (``layout.PageCountLine``)."""

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
                band = facts.band(self._pageNumber)
                if band is not None:
                    self._exhibit_band(band, height)
                for page, x, y, font, size in self.late_lines:
                    if page == self._pageNumber:
                        self.setFont(font, size)
                        self.drawString(x, y, PAGE_COUNT_TEXT.format(total=total))
                self.restoreState()
                Canvas.showPage(self)
            Canvas.save(self)

        def _exhibit_band(self, band: ExhibitBand, height: float) -> None:
            y = height - 17.5 * _MM
            self.setFillColor(colors.black)
            self.setFont(fonts.BOLD, 8.5)
            label = f"Exhibit {band.ref}"
            self.drawString(_PAGE_MARGIN, y, label)
            x = _PAGE_MARGIN + self.stringWidth(label, fonts.BOLD, 8.5)
            self.setFont(fonts.REGULAR, 8.5)
            said = f", {band.kind}.  SHA-256 " if band.sha256 else f", {band.kind}.  No file"
            self.drawString(x, y, said)
            if band.sha256:
                x += self.stringWidth(said, fonts.REGULAR, 8.5)
                self.setFont(fonts.MONO, 7.5)
                self.drawString(x, y, band.sha256)

        def _furniture_form(self, name: str, width: float, height: float) -> None:
            self.beginForm(name, 0, 0, width, height)
            self.setFillColor(colors.black)
            self.setFont(fonts.BOLD, 9)
            self.drawCentredString(width / 2, height - 10 * _MM, MARKING)
            self.drawCentredString(width / 2, 7 * _MM, MARKING)
            self.setFont(fonts.REGULAR, 8)
            self.drawString(_PAGE_MARGIN, height - 10 * _MM, "Harmonize Evidence report")
            self.drawRightString(width - _PAGE_MARGIN, height - 10 * _MM, facts.incident_id)
            self.setFont(fonts.REGULAR, 7)  # the export time, local and UTC, clear of the marking
            self.drawString(_PAGE_MARGIN, 7 * _MM, f"Exported {facts.exported}")
            self.setStrokeGray(0.6)
            self.setLineWidth(0.4)
            self.line(_PAGE_MARGIN, height - 12 * _MM, width - _PAGE_MARGIN, height - 12 * _MM)
            self.line(_PAGE_MARGIN, 11 * _MM, width - _PAGE_MARGIN, 11 * _MM)
            self.endForm()

    return ReportCanvas


def doc_template(out: BinaryIO, content: ReportContent) -> Any:
    """The document: A4 portrait and landscape page templates, its title, author and subject."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

    def frame(size: tuple[float, float], name: str, band: float = 0) -> Any:
        width, height = size
        return Frame(
            _PAGE_MARGIN,
            _BOTTOM,
            width - 2 * _PAGE_MARGIN,
            height - _TOP - _BOTTOM - band,
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
            PageTemplate(
                id="exhibit-portrait",
                frames=[frame(A4, "exhibit-portrait", _BAND)],
                pagesize=A4,
            ),
            PageTemplate(
                id="exhibit-landscape",
                frames=[frame(landscape(A4), "exhibit-landscape", _BAND)],
                pagesize=landscape(A4),
            ),
        ]
    )
    return doc


@contextlib.contextmanager
def binary_streams() -> Iterator[None]:
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


def page_mark_class() -> type:
    """A flowable that records the page it lands on (for the report index)."""
    from reportlab.platypus.flowables import Flowable

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

    return PageMark
