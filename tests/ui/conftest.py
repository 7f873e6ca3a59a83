"""Fixtures for the desktop application's tests: Qt on a real X display (Xvfb, xcb), real stores."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from harmonize_evidence.domain.clock import FixedClock
from harmonize_evidence.services.store import StoreLocation
from tests.conftest import XDisplay


@pytest.fixture(scope="session")
def qapp(xvfb: XDisplay) -> Iterator[object]:
    """The test process's QApplication, a real X client of the session's Xvfb."""
    saved = {name: os.environ.get(name) for name in ("DISPLAY", "QT_QPA_PLATFORM")}
    os.environ["DISPLAY"] = xvfb.name
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(["harmonize-evidence-tests"])
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    yield app


@pytest.fixture(autouse=True)
def private_user_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Logs and settings go to the test's own folders, never the real user's."""
    home = tmp_path / "user"
    for variable, folder in (
        ("XDG_STATE_HOME", "state"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        (home / folder).mkdir(parents=True)
        monkeypatch.setenv(variable, str(home / folder))
    monkeypatch.delenv("HARMONIZE_EVIDENCE_HOME", raising=False)
    monkeypatch.delenv("HARMONIZE_EVIDENCE_PASSPHRASE", raising=False)
    return home


@pytest.fixture
def desktop_factory(qtbot, clock: FixedClock, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Makes DesktopApp controllers on a store folder; shuts each down after the test."""
    from harmonize_evidence.ui.app import DesktopApp
    from harmonize_evidence.ui.locking import Preferences

    made: list[DesktopApp] = []

    def make(location: StoreLocation, idle_ms: int | None = None) -> DesktopApp:
        desktop = DesktopApp(
            location, clock, Preferences(tmp_path / "settings.ini"), idle_ms=idle_ms
        )
        made.append(desktop)
        return desktop

    yield make
    for desktop in made:
        desktop.shutdown()
        for window in (desktop.main_window, desktop.unlock_window, desktop.wizard):
            if window is not None:
                window.deleteLater()
    from PySide6.QtWidgets import QApplication

    for widget in QApplication.topLevelWidgets():
        if widget.isVisible():
            widget.close()
    qtbot.wait(10)
