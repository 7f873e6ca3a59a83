"""Helpers for driving the desktop application in tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QApplication, QMessageBox

from tests.conftest import PASSPHRASE

if TYPE_CHECKING:
    from harmonize_evidence.capture.geometry import Rect
    from harmonize_evidence.ui.app import DesktopApp
    from harmonize_evidence.ui.main_window import MainWindow

PAINTER = Path(__file__).resolve().parents[1] / "screen_painter.py"

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def message_boxes() -> list[QMessageBox]:
    """The message boxes open now."""
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
    ]


def wait_for_message(qtbot: Any, timeout: int = 10_000) -> QMessageBox:
    """Wait for a message box to open and return it."""
    qtbot.waitUntil(lambda: bool(message_boxes()), timeout=timeout)
    return message_boxes()[-1]


def unlock_window_shown(qtbot, desktop, timeout: int = 5_000):  # type: ignore[no-untyped-def]
    """Wait for the program's unlock window to show, and return it."""
    qtbot.waitUntil(
        lambda: desktop.unlock_window is not None and desktop.unlock_window.isVisible(),
        timeout=timeout,
    )
    return desktop.unlock_window


def unlock_through_window(qtbot, desktop, passphrase: str = PASSPHRASE) -> None:  # type: ignore[no-untyped-def]
    """Type the passphrase into the unlock window and wait for the main window."""
    window = unlock_window_shown(qtbot, desktop, timeout=10_000)
    window.passphrase.setText(passphrase)
    window.unlock_button.click()
    qtbot.waitUntil(
        lambda: desktop.main_window is not None and desktop.main_window.isVisible(),
        timeout=15_000,
    )


def png_file(
    path: Path, size: tuple[int, int] = (320, 200), colour: tuple[int, int, int] = (200, 30, 30)
) -> Path:
    """Write a PNG of one colour with a white band across it (so blur is visible)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, size[1] // 3, size[0], size[1] // 3 + max(2, size[1] // 10)), fill="white")
    image.save(path, format="PNG")
    return path


def seed_store(location: Any, clock: Any, folder: Path, plan: list[tuple[str, int]]) -> list[str]:
    """Add incidents (title, number of PNG exhibits) to a store; returns their ids."""
    from harmonize_evidence.services.store import open_store

    ids = []
    with open_store(location, lambda: PASSPHRASE, clock) as store:
        for title, count in plan:
            incident = store.new_incident(title, people="Pupil A; Pupil B")
            for number in range(count):
                path = png_file(
                    folder / f"{incident.id}-{number}.png", colour=(40 * number % 255, 90, 160)
                )
                store.add_file(
                    incident.id,
                    path,
                    url="https://www.tiktok.com/@someone/video/1",
                    note=f"note {number}",
                )
            ids.append(incident.id)
    return ids


def type_text(widget: Any, text: str) -> None:
    """Type ``text`` into a widget as key presses (any Unicode, unlike QTest.keyClicks)."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent

    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(
                widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char)
            )


def main(desktop: DesktopApp) -> MainWindow:
    """The unlocked program's main window."""
    assert desktop.main_window is not None
    return desktop.main_window


def paint(display: str, rect: Rect, *extra: str) -> subprocess.Popen[str]:
    """A painter window over ``rect`` (the known pattern by default), once it has painted."""
    painter = subprocess.Popen(
        [sys.executable, str(PAINTER), "--display", display, "--geometry", str(rect), *extra],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert painter.stdout is not None
    assert painter.stdout.readline().strip() == "ready"
    return painter


def menu_clashes(window) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """The letters that two items shown in one menu of ``window``'s menu bar both claim (Alt+O
    then R only moved between "Receive a handover" and "Write a receipt")."""
    import re

    from PySide6.QtWidgets import QMenuBar

    clashes: dict[str, list[str]] = {}
    for bar in window.findChildren(QMenuBar):
        for top in bar.actions():
            menu = top.menu()
            if menu is None or not top.isVisible():
                continue
            seen: dict[str, list[str]] = {}
            for item in menu.actions():
                found = re.search(r"(?<!&)&([^&\s])", item.text().replace("&&", ""))
                if item.isVisible() and found:
                    seen.setdefault(found.group(1).lower(), []).append(item.text())
            for letter, texts in seen.items():
                if len(texts) > 1:
                    clashes[f"{top.text()} {letter}"] = texts
    return clashes


def mnemonic_clashes(window) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """The Alt+letter keys that more than one thing shown in ``window`` claims at once.

    Looks at what a user can reach with Alt+letter together: the menu bar's menus, and the
    buttons, check boxes, group boxes, tabs and labels (with a buddy) that are showing.
    """
    import re

    from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QMenuBar, QTabBar

    def key(text: str) -> str | None:
        found = re.search(r"(?<!&)&([^&\s])", text.replace("&&", ""))
        return found.group(1).lower() if found else None

    claimed: dict[str, list[str]] = {}

    def claim(text: str) -> None:
        letter = key(text)
        if letter is not None:
            claimed.setdefault(letter, []).append(text)

    for bar in window.findChildren(QMenuBar):
        for action in bar.actions():
            if action.isVisible():
                claim(action.text())
    for widget in window.findChildren(QAbstractButton):
        if widget.isVisibleTo(window):  # enabled or not: it claims the key once enabled
            claim(widget.text())
    for box in window.findChildren(QGroupBox):
        if box.isVisibleTo(window):
            claim(box.title())
    for label in window.findChildren(QLabel):
        if label.isVisibleTo(window) and label.buddy() is not None:
            claim(label.text())
    for tabs in window.findChildren(QTabBar):
        if tabs.isVisibleTo(window):
            for index in range(tabs.count()):
                claim(tabs.tabText(index))
    return {letter: texts for letter, texts in claimed.items() if len(texts) > 1}
