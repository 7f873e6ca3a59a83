"""Helpers for driving the desktop application in tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication, QMessageBox

from tests.conftest import PASSPHRASE

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


def unlock_through_window(qtbot, desktop, passphrase: str = PASSPHRASE) -> None:  # type: ignore[no-untyped-def]
    """Type the passphrase into the unlock window and wait for the main window."""
    qtbot.waitUntil(
        lambda: desktop.unlock_window is not None and desktop.unlock_window.isVisible(),
        timeout=10_000,
    )
    window = desktop.unlock_window
    window.passphrase.setText(passphrase)
    window.unlock_button.click()
    qtbot.waitUntil(
        lambda: desktop.main_window is not None and desktop.main_window.isVisible(),
        timeout=15_000,
    )
