"""The printed recovery-key sheet: one page, for the school office, drawn for paper or PDF."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import (
    QFont,
    QFontDatabase,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
)

from harmonize_evidence.domain.errors import BadInput


@dataclass(frozen=True)
class RecoverySheet:
    """What the sheet says."""

    recovery_key: str
    """The key itself, in groups as shown on screen."""
    name: str
    """Whose store it opens."""
    school: str
    """The school."""
    store_folder: str
    """Where the store is on this computer."""
    created: str
    """When the store was set up, as the user reads dates."""
    fingerprint: str
    """SHA-256 fingerprint of the store's Evidence CA certificate."""


_INSTRUCTIONS = (
    "This key opens the evidence store if the passphrase is forgotten. It is shown only once, "
    "when the store is set up.",
    "Give this sheet to the school office or the safeguarding lead, to keep somewhere locked. "
    "Do not keep it with the laptop.",
    "Anyone who has this key and a copy of the store folder can read the evidence in it.",
    "To use it: open Harmonize Evidence, choose \u201cForgot passphrase?\u201d, type this key and "
    "choose a new passphrase.",
)


def _paint(painter: QPainter, page: QRectF, sheet: RecoverySheet, dpi: float) -> None:
    """Lay the sheet out on ``page`` (device pixels at ``dpi``); sizes are in points."""
    point = dpi / 72.0
    width = page.width()
    y = page.top()

    def text(
        content: str, size: float, *, bold: bool = False, mono: bool = False, centre: bool = False
    ) -> None:
        nonlocal y
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont) if mono else QFont()
        font.setPointSizeF(size)
        font.setBold(bold)
        painter.setFont(font)
        flags = int(Qt.TextFlag.TextWordWrap)
        if centre:
            flags |= int(Qt.AlignmentFlag.AlignHCenter)
        rect = painter.boundingRect(QRectF(page.left(), y, width, page.height()), flags, content)
        painter.drawText(QRectF(page.left(), y, width, rect.height()), flags, content)
        y += rect.height() + size * 0.6 * point

    text("Harmonize Evidence: recovery key", 22, bold=True)
    text(f"For the evidence store of {sheet.name}, {sheet.school}", 12)
    text(f"Set up on {sheet.created}, in the folder {sheet.store_folder}", 10)
    y += 12 * point
    box_top = y
    y += 14 * point
    groups = sheet.recovery_key.split("-")
    half = (len(groups) + 1) // 2
    for line in ("-".join(groups[:half]), "-".join(groups[half:])):
        text(line, 24, bold=True, mono=True, centre=True)
    pen = painter.pen()
    pen.setWidthF(1.5 * point)
    painter.setPen(pen)
    painter.drawRoundedRect(QRectF(page.left(), box_top, width, y - box_top), 8 * point, 8 * point)
    y += 18 * point
    for paragraph in _INSTRUCTIONS:
        text(paragraph, 11)
    y += 12 * point
    text(f"Evidence CA fingerprint (SHA-256): {sheet.fingerprint}", 8, mono=True)


def draw_sheet(device: QPagedPaintDevice, sheet: RecoverySheet) -> None:
    """Draw the sheet on a printer or a PDF writer (one A4 page)."""
    device.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(20, 20, 20, 20),
            QPageLayout.Unit.Millimeter,
        )
    )
    painter = QPainter()
    if not painter.begin(device):
        raise BadInput("The recovery sheet could not be drawn; check the printer and try again.")
    try:
        page = QRectF(painter.viewport())
        _paint(painter, page, sheet, device.logicalDpiY())
    finally:
        painter.end()


def save_sheet_pdf(path: Path, sheet: RecoverySheet) -> None:
    """Write the sheet as a one-page PDF at ``path``."""
    if not path.parent.is_dir():
        raise BadInput(f"The folder {path.parent} does not exist.")
    writer = QPdfWriter(str(path))
    writer.setTitle("Harmonize Evidence recovery key")
    writer.setCreator("Harmonize Evidence")
    writer.setResolution(300)
    draw_sheet(writer, sheet)
    if not path.exists() or path.stat().st_size == 0:
        raise BadInput(f"The PDF could not be written to {path}; choose another folder.")
