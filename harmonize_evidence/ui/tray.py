"""The program's icon, and its system tray menu: Capture, Open, Lock, Quit.

The icon's tooltip says what the capture key does (:meth:`TrayMenu.show_capture_key`). Windows
shows at most 127 characters of it, so each sentence stays within :data:`TOOLTIP_MAX`.
"""

from __future__ import annotations

import functools

from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QFont, QIcon, QPainter, QPainterPath, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from harmonize_evidence.services.logfile import APP_NAME

TOOLTIP_MAX = 127
"""The longest tooltip a Windows tray icon shows whole."""


def capture_key_tooltip(keys: str, reason: str = "", *, taken: bool = False) -> str:
    """The tray's tooltip: what the capture key ``keys`` does.

    Args:
        keys: The key combination, as written in the menus.
        reason: Why it does not work in front of every program (empty: it does).
        taken: Another program holds it, so it does not work in this one either.
    """
    if taken:
        return f"{APP_NAME} — another program uses {keys}, so capture from this icon's menu"
    if not reason:
        return f"{APP_NAME} — {keys} captures the screen"
    return f"{APP_NAME} — {keys} captures the screen only inside the program ({reason})"


@functools.cache
def app_icon() -> QIcon:
    """The program's icon, drawn at several sizes (a shield with a tick), once."""
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        pixmap = QPixmap(size, size)
        pixmap.fill(QColor(0, 0, 0, 0))
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        s = float(size)
        shield = QPainterPath()
        shield.moveTo(s * 0.5, s * 0.04)
        shield.lineTo(s * 0.92, s * 0.2)
        shield.cubicTo(s * 0.92, s * 0.62, s * 0.72, s * 0.84, s * 0.5, s * 0.97)
        shield.cubicTo(s * 0.28, s * 0.84, s * 0.08, s * 0.62, s * 0.08, s * 0.2)
        shield.closeSubpath()
        painter.fillPath(shield, QColor("#1f5fbf"))
        painter.setPen(QColor("#ffffff"))
        font = QFont()
        font.setBold(True)
        font.setPixelSize(max(6, round(s * 0.42)))
        painter.setFont(font)
        painter.drawText(QRectF(0, s * 0.12, s, s * 0.7), int(Qt.AlignmentFlag.AlignCenter), "HE")
        painter.end()
        icon.addPixmap(pixmap)
    return icon


class TrayMenu(QObject):
    """The tray icon and its menu. Shown only where the desktop has a tray."""

    capture_requested = Signal()
    open_requested = Signal()
    lock_requested = Signal()
    quit_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.icon = QSystemTrayIcon(app_icon())
        self.icon.setToolTip(APP_NAME)
        self.menu = QMenu()
        self.menu.setAccessibleName(f"{APP_NAME} menu")
        self.capture_action = QAction("&Capture the screen…", self.menu)
        self.open_action = QAction("&Open Harmonize Evidence", self.menu)
        self.lock_action = QAction("&Lock", self.menu)
        self.quit_action = QAction("&Quit", self.menu)
        for action, signal in (
            (self.capture_action, self.capture_requested),
            (self.open_action, self.open_requested),
            (self.lock_action, self.lock_requested),
            (self.quit_action, self.quit_requested),
        ):
            action.triggered.connect(signal.emit)
            self.menu.addAction(action)
            if action is self.lock_action:
                self.menu.addSeparator()
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)

    @property
    def available(self) -> bool:
        """Whether the desktop shows tray icons."""
        return QSystemTrayIcon.isSystemTrayAvailable()

    def show(self) -> bool:
        """Show the icon if the desktop has a tray; returns whether it is shown."""
        if self.available:
            self.icon.show()
        return self.icon.isVisible()

    def show_capture_key(self, keys: str, reason: str = "", *, taken: bool = False) -> None:
        """Say in the tooltip what the capture key does (see :func:`capture_key_tooltip`)."""
        self.icon.setToolTip(capture_key_tooltip(keys, reason, taken=taken))

    def set_unlocked(self, unlocked: bool) -> None:
        """Capture and Lock only make sense while the store is open."""
        self.lock_action.setEnabled(unlocked)

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.open_requested.emit()

    def hide(self) -> None:
        """Take the icon off the tray."""
        self.icon.hide()
