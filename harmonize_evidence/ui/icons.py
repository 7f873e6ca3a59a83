"""The toolbar's icons, drawn by the program in the window's own text colour.

The style's stock icons said the wrong things: a red cross for Lock read as an error, a computer
for Capture, a tick for Verify that looked like "done". These are plain line drawings of what
each action does (a camera, a folder with a plus, a paper clip, a pen, a box with an arrow out of
it, a magnifier over a tick, a padlock), drawn at each size a screen asks for (so they are sharp
at 200%), in the palette's text colour (so they suit a dark theme as well as a light one).

Each is drawn when a button first paints it, at the size and scale it is shown at, and kept
(:class:`_DrawnIconEngine`): a toolbar shows one size of each, so a start draws seven small
pictures where drawing every size ahead took 14 ms of the window's construction.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QIcon,
    QIconEngine,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
)
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
    """The icon called ``name`` (a key of :data:`DRAWINGS`), drawn at whatever size it is shown.

    ``colour`` defaults to the application palette's text colour; a disabled button's icon is
    drawn in the palette's colour for disabled text.
    """
    return QIcon(_DrawnIconEngine(DRAWINGS[name], colour))


def _draw(drawing: Drawing, colour: QColor, side: int, scale: float) -> QPixmap:
    """``drawing`` on a transparent square of ``side`` device-independent pixels."""
    pixels = max(1, round(side * scale))
    pixmap = QPixmap(pixels, pixels)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(colour, max(1.0, pixels / 14))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    drawing(painter, float(pixels))
    painter.end()
    pixmap.setDevicePixelRatio(scale)
    return pixmap


class _DrawnIconEngine(QIconEngine):
    """Draws one of :data:`DRAWINGS` at the size, scale and mode asked for, once each."""

    def __init__(self, drawing: Drawing, colour: QColor | None) -> None:
        super().__init__()
        self._drawing = drawing
        self._colour = colour
        self._drawn: dict[tuple[int, float, bool], QPixmap] = {}

    def _colour_for(self, mode: QIcon.Mode) -> QColor:
        disabled = mode == QIcon.Mode.Disabled
        if self._colour is not None and not disabled:
            return self._colour
        group = QPalette.ColorGroup.Disabled if disabled else QPalette.ColorGroup.Active
        return QApplication.palette().color(group, QPalette.ColorRole.WindowText)

    def scaledPixmap(
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        side = max(1, min(size.width(), size.height()))
        key = (side, scale, mode == QIcon.Mode.Disabled)
        pixmap = self._drawn.get(key)
        if pixmap is None:
            pixmap = self._drawn[key] = _draw(self._drawing, self._colour_for(mode), side, scale)
        return pixmap

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        scale = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
        painter.drawPixmap(rect, self.scaledPixmap(rect.size(), mode, state, scale))

    def availableSizes(
        self, mode: QIcon.Mode = QIcon.Mode.Normal, state: QIcon.State = QIcon.State.Off
    ) -> list[QSize]:
        return [QSize(side, side) for side in _SIZES]

    def clone(self) -> QIconEngine:
        return _DrawnIconEngine(self._drawing, self._colour)
