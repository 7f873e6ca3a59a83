"""The toolbar's icons, drawn by the program in the window's own text colour.

The style's stock icons said the wrong things: a red cross for Lock read as an error, a computer
for Capture, a tick for Verify that looked like "done". These are plain line drawings of what
each action does (a camera, a folder with a plus, a paper clip, a pen, a box with an arrow out of
it, a magnifier over a tick, a padlock), drawn at each size a screen asks for (so they are sharp
at 200%), in the palette's text colour (so they suit a dark theme as well as a light one).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QApplication

Drawing = Callable[[QPainter, float], None]
"""Draws one icon on a square canvas of the given side, with the pen already set."""

_SIZES = (16, 20, 24, 32, 40, 48, 64)


def _polyline(s: float, *points: tuple[float, float], closed: bool = False) -> QPainterPath:
    """Straight lines through ``points``, given as fractions of the side ``s``."""
    path = QPainterPath()
    (x, y), *rest = points
    path.moveTo(s * x, s * y)
    for x, y in rest:
        path.lineTo(s * x, s * y)
    if closed:
        path.closeSubpath()
    return path


def _camera(painter: QPainter, s: float) -> None:
    body = QRectF(s * 0.1, s * 0.3, s * 0.8, s * 0.55)
    painter.drawRoundedRect(body, s * 0.08, s * 0.08)
    painter.drawRect(QRectF(s * 0.35, s * 0.18, s * 0.3, s * 0.12))
    painter.drawEllipse(QPointF(s * 0.5, s * 0.575), s * 0.16, s * 0.16)


def _new_incident(painter: QPainter, s: float) -> None:
    folder = ((0.1, 0.82), (0.1, 0.2), (0.38, 0.2), (0.46, 0.3), (0.9, 0.3), (0.9, 0.82))
    painter.drawPath(_polyline(s, *folder, closed=True))
    painter.drawLine(QPointF(s * 0.5, s * 0.42), QPointF(s * 0.5, s * 0.72))
    painter.drawLine(QPointF(s * 0.35, s * 0.57), QPointF(s * 0.65, s * 0.57))


def _add_files(painter: QPainter, s: float) -> None:
    clip = QPainterPath()
    clip.moveTo(s * 0.62, s * 0.3)
    clip.lineTo(s * 0.62, s * 0.72)
    clip.arcTo(QRectF(s * 0.38, s * 0.6, s * 0.24, s * 0.24), 0, -180)
    clip.lineTo(s * 0.38, s * 0.22)
    clip.arcTo(QRectF(s * 0.38, s * 0.08, s * 0.34, s * 0.28), 180, -180)
    clip.lineTo(s * 0.72, s * 0.74)
    painter.drawPath(clip)


def _account(painter: QPainter, s: float) -> None:
    pen = ((0.2, 0.8), (0.25, 0.62), (0.7, 0.17), (0.83, 0.3), (0.38, 0.75))
    painter.drawPath(_polyline(s, *pen, closed=True))
    painter.drawLine(QPointF(s * 0.45, s * 0.88), QPointF(s * 0.88, s * 0.88))


def _export(painter: QPainter, s: float) -> None:
    box = ((0.3, 0.4), (0.12, 0.4), (0.12, 0.88), (0.88, 0.88), (0.88, 0.4), (0.7, 0.4))
    painter.drawPath(_polyline(s, *box))
    painter.drawLine(QPointF(s * 0.5, s * 0.7), QPointF(s * 0.5, s * 0.1))
    painter.drawLine(QPointF(s * 0.33, s * 0.27), QPointF(s * 0.5, s * 0.1))
    painter.drawLine(QPointF(s * 0.67, s * 0.27), QPointF(s * 0.5, s * 0.1))


def _verify(painter: QPainter, s: float) -> None:
    painter.drawEllipse(QPointF(s * 0.42, s * 0.42), s * 0.3, s * 0.3)
    painter.drawLine(QPointF(s * 0.64, s * 0.64), QPointF(s * 0.9, s * 0.9))
    painter.drawPath(_polyline(s, (0.28, 0.43), (0.39, 0.54), (0.57, 0.32)))


def _lock(painter: QPainter, s: float) -> None:
    painter.drawRoundedRect(QRectF(s * 0.2, s * 0.45, s * 0.6, s * 0.45), s * 0.06, s * 0.06)
    shackle = QPainterPath()
    shackle.moveTo(s * 0.32, s * 0.45)
    shackle.lineTo(s * 0.32, s * 0.3)
    shackle.arcTo(QRectF(s * 0.32, s * 0.1, s * 0.36, s * 0.36), 180, -180)
    shackle.lineTo(s * 0.68, s * 0.45)
    painter.drawPath(shackle)
    painter.drawLine(QPointF(s * 0.5, s * 0.6), QPointF(s * 0.5, s * 0.74))


DRAWINGS: dict[str, Drawing] = {
    "capture": _camera,
    "new-incident": _new_incident,
    "add-files": _add_files,
    "account": _account,
    "export": _export,
    "verify": _verify,
    "lock": _lock,
}


def drawn_icon(name: str, colour: QColor | None = None) -> QIcon:
    """The icon called ``name`` (a key of :data:`DRAWINGS`), at every toolbar size.

    ``colour`` defaults to the application palette's text colour; disabled buttons grey it as
    Qt greys any icon.
    """
    drawing = DRAWINGS[name]
    if colour is None:
        colour = QApplication.palette().color(QPalette.ColorRole.WindowText)
    icon = QIcon()
    for size in _SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(colour, max(1.0, size / 14))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        drawing(painter, float(size))
        painter.end()
        icon.addPixmap(pixmap)
    return icon
