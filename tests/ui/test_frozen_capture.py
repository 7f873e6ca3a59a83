"""The GUI stores exactly the frozen grab the user chose from, stamped with the time of the grab.

Between the grab and the save the screen goes on changing (a post is deleted, a reply arrives, a
video plays). These tests change it on purpose, with another window over the known pattern, after
the grab and before the save, and check that the stored pixels, window title and time are the
grab's. The clock ticks one second on every reading, so a time read at any other moment than the
grab would show.
"""

from __future__ import annotations

import gc
import io
import subprocess
import threading
import weakref
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication

from harmonize_evidence.capture.geometry import Rect
from harmonize_evidence.capture.screen import forget_screen, screen_for_this_thread
from harmonize_evidence.domain.clock import format_utc
from harmonize_evidence.ui.app import DesktopApp
from harmonize_evidence.ui.capture_flow import CaptureFlow
from harmonize_evidence.ui.main_window import MainWindow
from tests.conftest import XDisplay
from tests.screen_painter import _pattern_image, pattern_colour
from tests.ui.helpers import main, paint

LATER = "A reply posted after the grab"


class TickingClock:
    """A clock that moves on one second at every reading (from any thread)."""

    zone_name = "Europe/London"

    def __init__(self, start: datetime) -> None:
        self._next = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            moment, self._next = self._next, self._next + timedelta(seconds=1)
        return moment

    @property
    def zone(self) -> tzinfo:
        return ZoneInfo(self.zone_name)


@pytest.fixture
def clock() -> TickingClock:
    """This module's clock: every reading is a different second."""
    return TickingClock(datetime(2026, 11, 21, 21, 40, 5, tzinfo=UTC))


def on_screen_now(display: str, rect: Rect) -> bytes:
    """RGB bytes of what ``rect`` shows on the display right now."""
    # A fresh connection: earlier tests may have left one to an X server that has since gone
    # (test displays are started and stopped, and their numbers are reused).
    forget_screen(display)
    frame = screen_for_this_thread(display).grab(rect)
    size = (frame.width, frame.height)
    return Image.frombuffer("RGB", size, bytes(frame.pixels), "raw", "BGRX", 0, 1).tobytes()


def pattern(rect: Rect) -> bytes:
    """RGB bytes of the known pattern over ``rect``."""
    return _pattern_image(rect.left, rect.top, rect.width, rect.height)


@pytest.fixture
def later_window(painted: XDisplay) -> Iterator[object]:
    """Starts, on demand, a window with other content over most of the screen."""
    started: list[subprocess.Popen[str]] = []

    def start() -> None:
        started.append(
            paint(painted.name, Rect(40, 60, 1200, 800), "--content", "busy", "--title", LATER)
        )

    yield start
    for painter in started:
        painter.communicate(timeout=10)


def frozen_overlays(qtbot, window: MainWindow) -> CaptureFlow:  # type: ignore[no-untyped-def]
    """Start a capture, answer no to the first question, wait for the frozen screen."""
    flow = window.start_capture()
    assert flow is not None
    flow.no_button.click()
    qtbot.waitUntil(lambda: bool(flow.overlays), timeout=10_000)
    assert flow.frozen is not None
    return flow


def save(qtbot, flow: CaptureFlow) -> object:  # type: ignore[no-untyped-def]
    """Save the details dialog as it is; returns the stored exhibit."""
    qtbot.waitUntil(lambda: flow.details_dialog is not None, timeout=10_000)
    results: list[object] = []
    flow.finished.connect(results.append)
    flow.details_dialog.submit()
    qtbot.waitUntil(lambda: bool(results), timeout=10_000)
    assert results[0] is not None
    return results[0]


def test_a_region_stores_the_frozen_pixels_the_user_saw_not_the_screen_at_save_time(
    qtbot, desktop: DesktopApp, painted: XDisplay, later_window, clock: TickingClock
) -> None:
    window = main(desktop)
    flow = frozen_overlays(qtbot, window)
    grabbed_at = flow.frozen.grab.grabbed_at
    overlay = flow.overlays[0]
    qtbot.mousePress(overlay, Qt.MouseButton.LeftButton, pos=QPoint(100, 120))
    qtbot.mouseMove(overlay, QPoint(420, 380))

    later_window()  # the screen changes while the user is choosing
    region = Rect(100, 120, 320, 260)
    assert on_screen_now(painted.name, region) != pattern(region)
    # The overlay still shows the grab: inside the selection it is drawn untinted.
    shown = overlay.grab().toImage()
    for x, y in ((104, 140), (250, 250), (415, 375)):
        assert shown.pixelColor(x, y).getRgb()[:3] == pattern_colour(x, y), (x, y)

    qtbot.mouseRelease(overlay, Qt.MouseButton.LeftButton, pos=QPoint(420, 380))
    exhibit = save(qtbot, flow)
    store = desktop.session.store
    image = Image.open(io.BytesIO(store.exhibit_bytes(exhibit.incident_id, exhibit.ref)))
    assert image.size == (320, 260)
    assert image.tobytes() == pattern(region)
    metadata = store.exhibit(exhibit.incident_id, exhibit.ref).metadata
    assert metadata["capture"]["geometry"] == region.as_dict()
    assert metadata["window_title"] == "Known content"  # not the later window, nor our overlay
    assert clock.now() > grabbed_at
    assert metadata["utc"] == format_utc(grabbed_at)
    # The chain entry is stamped when the exhibit was committed, after the grab, so the chain
    # reads in time order; the capture time is the exhibit's own (above).
    entries = store.log(exhibit.incident_id)
    assert entries[-1].utc > format_utc(grabbed_at)
    assert [e.utc for e in entries] == sorted(e.utc for e in entries)


def test_a_clicked_monitor_stores_the_frozen_monitor(
    qtbot, desktop: DesktopApp, painted: XDisplay, later_window
) -> None:
    window = main(desktop)
    flow = frozen_overlays(qtbot, window)
    grabbed_at = flow.frozen.grab.grabbed_at
    later_window()
    overlay = flow.overlays[0]
    qtbot.mouseClick(overlay, Qt.MouseButton.LeftButton, pos=QPoint(1500, 900))
    exhibit = save(qtbot, flow)
    store = desktop.session.store
    image = Image.open(io.BytesIO(store.exhibit_bytes(exhibit.incident_id, exhibit.ref)))
    assert image.size == (1920, 1080)
    assert image.tobytes() == pattern(Rect(0, 0, 1920, 1080))
    metadata = store.exhibit(exhibit.incident_id, exhibit.ref).metadata
    assert metadata["capture"]["area"] == "monitor" and metadata["capture"]["monitor"] == 1
    assert metadata["window_title"] == "Known content"
    assert metadata["utc"] == format_utc(grabbed_at)


def test_the_frozen_picture_is_the_grab_itself(
    qtbot, desktop: DesktopApp, painted: XDisplay
) -> None:
    flow = frozen_overlays(qtbot, main(desktop))
    frozen = flow.frozen
    assert (frozen.image.width(), frozen.image.height()) == (1920, 1080)
    for x, y in ((0, 0), (1919, 1079), (333, 217), (1000, 600)):
        assert frozen.image.pixelColor(x, y).getRgb()[:3] == pattern_colour(x, y), (x, y)
    assert len(flow.overlays) == len(QGuiApplication.screens())
    qtbot.keyClick(flow.overlays[0], Qt.Key.Key_Escape)


def grab_references(flow: CaptureFlow) -> list[weakref.ref[object]]:
    """Weak references to the raw grab, its frame and the picture over it."""
    frozen = flow.frozen
    assert frozen is not None
    return [weakref.ref(frozen.grab), weakref.ref(frozen.grab.frame), weakref.ref(frozen.image)]


def all_gone(references: list[weakref.ref[object]]) -> bool:
    gc.collect()
    return all(reference() is None for reference in references)


def test_the_raw_grab_is_dropped_once_the_chosen_part_is_encoded(
    qtbot, desktop: DesktopApp, painted: XDisplay
) -> None:
    flow = frozen_overlays(qtbot, main(desktop))
    references = grab_references(flow)
    qtbot.keyClick(flow.overlays[0], Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: flow.details_dialog is not None, timeout=10_000)
    qtbot.waitUntil(lambda: all_gone(references), timeout=5_000)  # before the details are saved
    assert flow.frozen is None
    save(qtbot, flow)


def test_the_raw_grab_is_dropped_on_cancel(qtbot, desktop: DesktopApp, painted: XDisplay) -> None:
    flow = frozen_overlays(qtbot, main(desktop))
    references = grab_references(flow)
    qtbot.keyClick(flow.overlays[0], Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: all_gone(references), timeout=5_000)


def test_the_raw_grab_is_dropped_on_lock(qtbot, desktop: DesktopApp, painted: XDisplay) -> None:
    flow = frozen_overlays(qtbot, main(desktop))
    references = grab_references(flow)
    desktop.lock()
    assert flow.overlays == [] and flow.frozen is None
    qtbot.waitUntil(lambda: all_gone(references), timeout=5_000)
