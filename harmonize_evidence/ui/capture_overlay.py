"""The frozen overlay: the whole-screen grab shown still on every monitor, to choose from.

The user drags a region, clicks a monitor, presses Enter for every monitor, or Esc to cancel.
The overlay shows the grab's own pixels (no PNG round trip), so what is chosen is what is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPoint, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QScreen,
)
from PySide6.QtWidgets import QWidget

from harmonize_evidence.services.capturing import CaptureTarget, Rect, ScreenGrab

CLICK_SLOP = 4
"""A press and release closer than this (logical pixels) is a click, not a drag."""


@dataclass(frozen=True)
class FrozenScreen:
    """The whole-screen grab and the picture of it that the overlays show."""

    grab: ScreenGrab
    image: QImage
    """A view of the grab's own pixels (Qt's RGB32 is blue, green, red, padding in memory)."""


def frozen_screen(grab: ScreenGrab) -> FrozenScreen:
    """Show the grab as it is: a QImage over its raw pixels, not a copy (any thread)."""
    frame = grab.frame
    image = QImage(
        grab.pixels, frame.width, frame.height, frame.width * 4, QImage.Format.Format_RGB32
    )
    return FrozenScreen(grab, image)


def device_rect(screen: QScreen) -> QRect:
    """A Qt screen's area in device pixels (the capture layer's virtual-screen coordinates)."""
    geometry = screen.geometry()
    ratio = screen.devicePixelRatio()
    return QRect(
        round(geometry.x() * ratio),
        round(geometry.y() * ratio),
        round(geometry.width() * ratio),
        round(geometry.height() * ratio),
    )


class CaptureOverlay(QWidget):
    """The frozen grab over one monitor; the user drags a region or clicks the monitor."""

    chosen = Signal(object)  # a CaptureTarget
    cancelled = Signal()

    def __init__(self, frozen: FrozenScreen, screen: QScreen) -> None:
        super().__init__(
            None,
            Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.Tool,
        )
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle("Harmonize Evidence: choose what to capture")
        self.setAccessibleName("Choose what to capture")
        self.setAccessibleDescription(
            "Drag to choose an area, click to capture this whole monitor, press Enter to "
            "capture every monitor, or Escape to cancel."
        )
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._frozen: FrozenScreen | None = frozen
        self._layout = frozen.grab.layout
        self._screen = screen
        self._device = device_rect(screen)
        virtual = self._layout.virtual
        self._source = QRect(
            self._device.x() - virtual.left,
            self._device.y() - virtual.top,
            self._device.width(),
            self._device.height(),
        )
        self._press: QPoint | None = None
        self._current: QPoint | None = None
        self.setGeometry(screen.geometry())

    # -- choosing --------------------------------------------------------------------------------

    def release(self) -> None:
        """Let go of the frozen grab (the overlay is closing)."""
        self._frozen = None

    def monitor_target(self) -> CaptureTarget:
        """This monitor, by its number when the capture layer knows it as a monitor."""
        rect = Rect(self._device.x(), self._device.y(), self._device.width(), self._device.height())
        for monitor in self._layout.monitors:
            if monitor.rect == rect:
                return CaptureTarget.of_monitor(monitor.number)
        return CaptureTarget.of_region(rect)

    def region_target(self, start: QPoint, end: QPoint) -> CaptureTarget:
        """The region between two points of this overlay, in virtual-screen pixels."""
        ratio = self._screen.devicePixelRatio()
        left = max(0, min(start.x(), end.x()))
        top = max(0, min(start.y(), end.y()))
        right = min(self.width(), max(start.x(), end.x()))
        bottom = min(self.height(), max(start.y(), end.y()))
        x = self._device.x() + round(left * ratio)
        y = self._device.y() + round(top * ratio)
        width = max(1, round((right - left) * ratio))
        height = max(1, round((bottom - top) * ratio))
        width = min(width, self._device.right() + 1 - x)
        height = min(height, self._device.bottom() + 1 - y)
        return CaptureTarget.of_region(Rect(x, y, width, height))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
            self._current = self._press
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is not None:
            self._current = event.position().toPoint()
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._press is None:
            return
        end = event.position().toPoint()
        start, self._press, self._current = self._press, None, None
        if (end - start).manhattanLength() < CLICK_SLOP:
            self.chosen.emit(self.monitor_target())
        else:
            self.chosen.emit(self.region_target(start, end))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.chosen.emit(CaptureTarget.full())
        else:
            super().keyPressEvent(event)

    # -- drawing ---------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        frozen = self._frozen
        if frozen is None:
            return
        painter = QPainter(self)
        area = QRectF(self.rect())
        painter.drawImage(area, frozen.image, QRectF(self._source))
        painter.fillRect(self.rect(), QColor(0, 0, 0, 110))
        if self._press is not None and self._current is not None:
            left, right = sorted((self._press.x(), self._current.x()))
            top, bottom = sorted((self._press.y(), self._current.y()))
            chosen = QRect(left, top, right - left, bottom - top)
            ratio = self._source.width() / max(1, self.width())
            source = QRectF(
                self._source.x() + chosen.x() * ratio,
                self._source.y() + chosen.y() * ratio,
                chosen.width() * ratio,
                chosen.height() * ratio,
            )
            painter.drawImage(QRectF(chosen), frozen.image, source)
            painter.setPen(QPen(QColor(255, 255, 255), 2))
            painter.drawRect(chosen)
            size = f"{round(chosen.width() * ratio)} × {round(chosen.height() * ratio)}"
            painter.drawText(chosen.bottomLeft() + QPoint(4, 18), size)
        self._draw_help(painter)
        painter.end()

    def _draw_help(self, painter: QPainter) -> None:
        text = (
            "Drag to choose an area  ·  Click to capture this monitor  ·  "
            "Enter: every monitor  ·  Esc: cancel"
        )
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.2)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        width = metrics.horizontalAdvance(text) + metrics.height() * 2
        box = QRect((self.width() - width) // 2, metrics.height(), width, metrics.height() * 2)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(20, 20, 20, 220))
        painter.drawRoundedRect(box, 8, 8)
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), text)
