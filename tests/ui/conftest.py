"""Fixtures for the desktop application's tests: Qt on a real X display (Xvfb, xcb), real stores."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from harmonize_evidence.domain.clock import FixedClock
from harmonize_evidence.services.store import StoreLocation
from tests.conftest import PASSPHRASE, TEST_COST, XDisplay
from tests.ui.helpers import paint, png_file, unlock_through_window

if TYPE_CHECKING:
    from harmonize_evidence.ui.capture_key import CaptureKey


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

    def make(
        location: StoreLocation,
        idle_ms: int | None = None,
        capture_key: CaptureKey | None = None,
    ) -> DesktopApp:
        desktop = DesktopApp(
            location,
            clock,
            Preferences(tmp_path / "settings.ini"),
            idle_ms=idle_ms,
            capture_key=capture_key,
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


@dataclass(frozen=True)
class SeededStore:
    """A store with a few incidents, copied fresh for each test."""

    location: StoreLocation
    photo: str
    """Incident with three PNG exhibits (TikTok, people: Pupil A; Pupil B)."""
    fake_account: str
    """Incident with no exhibits and one written account."""
    closed: str
    """A closed incident on Instagram."""


def _seed(folder: Path) -> tuple[StoreLocation, str, str, str]:
    from harmonize_evidence.domain.model import Category, Producer, Role, Status
    from harmonize_evidence.services.store import create_store

    location = StoreLocation(folder / "store")
    producer = Producer("Zoë Lane", "ZL", "Oak Hill Academy", Role.STAFF)
    moments = [datetime(2026, 11, day, 20, 0, tzinfo=UTC) for day in (18, 19, 20, 21)]
    store, _ = create_store(
        location, producer, PASSPHRASE, FixedClock(moments[0]), passphrase_cost=TEST_COST
    )
    with store:
        store.clock = FixedClock(moments[1])
        closed = store.new_incident(
            "Group chat about a supply teacher", platforms=["Instagram"], people="Pupil C"
        )
        store.set_status(closed.id, Status.CLOSED, "resolved with the parents")
        store.clock = FixedClock(moments[2])
        fake = store.new_incident(
            "Fake account in my name", category=Category.OTHER, people="unknown"
        )
        store.add_note(fake.id, "The account first appeared on Monday; a parent told me.")
        store.clock = FixedClock(moments[3])
        photo = store.new_incident(
            "Comments under a class photo", platforms=["TikTok"], people="Pupil A; Pupil B"
        )
        for number in range(3):
            path = png_file(folder / f"photo-{number}.png", colour=(200, 40 * number, 60))
            store.add_file(
                photo.id,
                path,
                url="https://www.tiktok.com/@someone/video/1",
                note=f"comment {number}",
            )
    return location, photo.id, fake.id, closed.id


@pytest.fixture(scope="session")
def _template_store(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[StoreLocation, str, str, str]:
    return _seed(tmp_path_factory.mktemp("template"))


@pytest.fixture
def seeded(_template_store: tuple[StoreLocation, str, str, str], tmp_path: Path) -> SeededStore:
    """A fresh copy of the seeded store."""
    template, photo, fake, closed = _template_store
    location = StoreLocation(tmp_path / "seeded")
    shutil.copytree(template.directory, location.directory)
    return SeededStore(location, photo, fake, closed)


@pytest.fixture
def desktop(qtbot, desktop_factory, seeded: SeededStore):  # type: ignore[no-untyped-def]
    """The program on the seeded store, unlocked, its newest incident shown."""
    app = desktop_factory(seeded.location)
    app.start()
    unlock_through_window(qtbot, app)
    window = app.main_window
    qtbot.waitUntil(lambda: window.incidents.rowCount() == 3)
    qtbot.waitUntil(lambda: window.incident_view.incident is not None)
    return app


@pytest.fixture
def painted(xvfb: XDisplay, monkeypatch: pytest.MonkeyPatch) -> Iterator[XDisplay]:
    """The known pattern (a colour per 8x8 block) over the whole test display."""
    from harmonize_evidence.capture.geometry import Rect

    painter = paint(xvfb.name, Rect(0, 0, 1920, 1080))
    monkeypatch.setenv("DISPLAY", xvfb.name)  # the capture layer grabs the display Qt is on
    yield xvfb
    painter.communicate(timeout=10)
