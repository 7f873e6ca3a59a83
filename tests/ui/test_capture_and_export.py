"""Capturing from the GUI on a real X display, the record-only path, export, bundle checks,
the tray menu and one program per store."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPushButton

from harmonize_evidence.capture.screen import BLACK_SCREEN
from harmonize_evidence.domain.model import ExhibitKind
from harmonize_evidence.services.store import open_store
from harmonize_evidence.ui.app import DesktopApp
from harmonize_evidence.ui.capture_details import NEW_INCIDENT
from harmonize_evidence.ui.capture_flow import CaptureFlow
from harmonize_evidence.ui.main_window import MainWindow
from tests.conftest import PASSPHRASE, XDisplay, start_xvfb, stop_xvfb
from tests.screen_painter import pattern_colour
from tests.ui.conftest import SeededStore
from tests.ui.helpers import ARTIFACTS, main, unlock_through_window, wait_for_message

LOCKED_TITLE = "^Locked( — Harmonize Evidence)?$"
"""The unlock window, as the system names it."""


def answer_no(qtbot, window: MainWindow) -> CaptureFlow:  # type: ignore[no-untyped-def]
    flow = window.start_capture()
    assert flow is not None and flow.question is not None and flow.question.isVisible()
    flow.no_button.click()
    qtbot.waitUntil(lambda: bool(flow.overlays), timeout=10_000)
    assert not window.isVisible()  # the program is off the screen while it grabs
    return flow


def test_a_dragged_region_of_the_frozen_screen_is_stored_pixel_for_pixel(
    qtbot, desktop: DesktopApp, painted: XDisplay, seeded: SeededStore
) -> None:
    window = main(desktop)
    QGuiApplication.clipboard().setText("https://www.tiktok.com/@someone/video/7")
    flow = answer_no(qtbot, window)
    assert len(flow.overlays) == len(QGuiApplication.screens())
    overlay = flow.overlays[0]
    qtbot.mousePress(overlay, Qt.MouseButton.LeftButton, pos=QPoint(100, 120))
    qtbot.mouseMove(overlay, QPoint(300, 300))
    qtbot.mouseRelease(overlay, Qt.MouseButton.LeftButton, pos=QPoint(420, 380))
    qtbot.waitUntil(lambda: flow.details_dialog is not None, timeout=10_000)
    dialog = flow.details_dialog
    assert window.isVisible()
    assert dialog.url.text() == "https://www.tiktok.com/@someone/video/7"  # from the clipboard
    assert dialog.from_clipboard.isVisible()  # copied just now, and marked so until edited
    # A preview of what was grabbed (320 x 260 pixels), shrunk in proportion to fit 320 x 200.
    qtbot.waitUntil(lambda: not dialog.preview.pixmap().isNull(), timeout=10_000)
    assert dialog.preview.pixmap().size().toTuple() == (246, 200)
    assert dialog.preview.size().toTuple() == (246, 200)
    assert dialog.from_clipboard.text().startswith("Filled in from the clipboard (copied just now)")
    assert dialog.platform.text() == "Platform: TikTok"
    dialog.url.setText("javascript:alert(1)")
    assert dialog.url_problem.isVisible()
    assert dialog.url_problem.text() == (
        "Only web addresses starting with http:// or https:// can be recorded."
    )
    dialog.url.setText("https://www.instagram.com/p/Cx1")
    assert dialog.platform.text() == "Platform: Instagram" and not dialog.url_problem.isVisible()
    dialog.note.setPlainText("Comment under the class photo")
    dialog.posted_at.setText("yesterday-ish")
    assert dialog.posted_problem.isVisible() and not dialog.posted_at.reading.isVisible()
    assert "is not a time this program can read" in dialog.posted_problem.text()
    # Read back as it is typed, against the capture's time (21:40:05 GMT on the test clock).
    dialog.posted_at.setText("2h")
    assert dialog.posted_at.reading.text() == (
        "Understood as: about Sat 21 Nov 2026 19:40 GMT "
        "(2 hours before the capture, as the platform counts)"
    )
    dialog.posted_at.setText("22:10")
    assert "after the capture" in dialog.posted_problem.text()
    dialog.submit()  # refused where it is typed: nothing is saved
    assert dialog.posted_problem.isVisible() and not dialog.problem.isVisible()
    assert dialog.posted_at.edit.hasFocus()
    dialog.posted_at.setText("21/11/26 9.30pm")
    assert not dialog.posted_problem.isVisible()
    assert dialog.posted_at.reading.text() == (
        "Understood as: Sat 21 Nov 2026 21:30 GMT (10 minutes before the capture)"
    )
    assert dialog.incident.combo.currentData() == seeded.photo
    results: list[object] = []
    flow.finished.connect(results.append)
    dialog.submit()
    qtbot.waitUntil(lambda: bool(results), timeout=10_000)
    exhibit = results[0]
    assert exhibit.kind is ExhibitKind.SCREENSHOT and exhibit.incident_id == seeded.photo

    data = desktop.session.store.exhibit_bytes(exhibit.incident_id, exhibit.ref)
    assert hashlib.sha256(data).hexdigest() == exhibit.sha256
    image = Image.open(io.BytesIO(data)).convert("RGB")
    assert image.size == (320, 260)
    for x, y in ((0, 0), (319, 0), (0, 259), (319, 259), (157, 131), (8, 9)):
        assert image.getpixel((x, y)) == pattern_colour(100 + x, 120 + y), (x, y)
    stored = desktop.session.store.exhibit(exhibit.incident_id, exhibit.ref).metadata
    assert stored["url"] == "https://www.instagram.com/p/Cx1"
    assert stored["platform"] == "Instagram"
    assert stored["posted_at"] == "21/11/26 9.30pm"
    assert stored["posted_at_understood"] == "2026-11-21T21:30:00+00:00"
    assert stored["posted_at_approximate"] is False
    assert stored["capture"]["geometry"] == {"left": 100, "top": 120, "width": 320, "height": 260}
    view = window.incident_view
    qtbot.waitUntil(lambda: view.exhibits.rowCount() == 4, timeout=10_000)
    # Said where the user looks, and the new exhibit chosen (not only the status bar).
    said = f"Saved exhibit {exhibit.ref}, a screenshot, in {seeded.photo}."
    assert view.banner.isVisible() and view.banner.text() == said
    qtbot.waitUntil(lambda: view.grid.currentIndex().row() == 3, timeout=10_000)
    assert view.exhibits.exhibits[3].ref == exhibit.ref
    ARTIFACTS.mkdir(exist_ok=True)
    qtbot.wait(300)
    window.grab().save(str(ARTIFACTS / "capture-saved.png"))


def test_enter_captures_every_monitor_into_a_new_incident(
    qtbot, desktop: DesktopApp, painted: XDisplay
) -> None:
    window = main(desktop)
    QGuiApplication.clipboard().setText("not a web address")
    flow = answer_no(qtbot, window)
    qtbot.keyClick(flow.overlays[0], Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: flow.details_dialog is not None, timeout=10_000)
    dialog = flow.details_dialog
    assert dialog.url.text() == "" and not dialog.from_clipboard.isVisible()
    dialog.incident.combo.setCurrentIndex(dialog.incident.combo.findData(NEW_INCIDENT))
    dialog.submit()
    assert dialog.problem.text() == "The title is empty; please type something."
    dialog.incident.title.setText("Whole screen of the group chat")
    results: list[object] = []
    flow.finished.connect(results.append)
    dialog.submit()
    qtbot.waitUntil(lambda: bool(results), timeout=10_000)
    exhibit = results[0]
    image = Image.open(
        io.BytesIO(desktop.session.store.exhibit_bytes(exhibit.incident_id, exhibit.ref))
    )
    assert image.size == (1920, 1080)
    assert image.convert("RGB").getpixel((1919, 1079)) == pattern_colour(1919, 1079)
    incident = desktop.session.store.incident(exhibit.incident_id)
    assert incident.title == "Whole screen of the group chat"
    qtbot.waitUntil(lambda: window.incidents.rowCount() == 4, timeout=10_000)
    view = window.incident_view  # the new incident, with its one exhibit chosen
    qtbot.waitUntil(lambda: view.grid.currentIndex().isValid(), timeout=10_000)
    assert view.incident is not None and view.incident.id == exhibit.incident_id
    assert view.banner.text() == f"Saved exhibit {exhibit.ref}, a screenshot, in {incident.id}."


def test_escape_on_the_frozen_screen_stores_nothing(
    qtbot, desktop: DesktopApp, painted: XDisplay, seeded: SeededStore
) -> None:
    window = main(desktop)
    flow = answer_no(qtbot, window)
    results: list[object] = []
    flow.finished.connect(results.append)
    qtbot.keyClick(flow.overlays[0], Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: results == [None])
    assert flow.overlays == []
    assert window.isVisible()
    assert len(desktop.session.store.exhibits(seeded.photo)) == 3


def test_a_possible_image_of_a_child_is_recorded_in_words_and_never_grabbed(
    qtbot, desktop: DesktopApp, seeded: SeededStore
) -> None:
    window = main(desktop)
    flow = window.start_capture()
    assert flow is not None
    flow.yes_button.click()
    dialog = flow.record_dialog
    assert dialog is not None and dialog.isVisible()
    assert window.isVisible() and flow.overlays == []
    dialog.submit()
    assert dialog.problem.text() == "The description is empty; please type something."
    dialog.url.setText("https://www.snapchat.com/add/someone")
    dialog.description.setPlainText("A picture of a Year 9 pupil shared in the year group chat.")
    dialog.posted_at.setText("yesterday 9.40pm")
    assert dialog.posted_at.reading.text() == (
        "Understood as: Fri 20 Nov 2026 21:40 GMT (about 24 hours ago)"
    )
    results: list[object] = []
    flow.finished.connect(results.append)
    dialog.submit()
    qtbot.waitUntil(lambda: bool(results), timeout=10_000)
    exhibit = results[0]
    assert exhibit.kind is ExhibitKind.RECORD_ONLY
    assert exhibit.metadata["posted_at"] == "yesterday 9.40pm"
    assert exhibit.metadata["posted_at_understood"] == "2026-11-20T21:40:00+00:00"
    assert exhibit.sha256 is None and exhibit.size == 0
    assert desktop.session.store.incident(seeded.photo).urgent
    assert flow.overlays == []
    qtbot.waitUntil(
        lambda: window.incidents.incident_at(window.incidents.row_of(seeded.photo)).urgent,
        timeout=10_000,
    )


def test_locking_during_a_capture_drops_the_grab(
    qtbot, desktop: DesktopApp, painted: XDisplay
) -> None:
    window = main(desktop)
    flow = answer_no(qtbot, window)
    results: list[object] = []
    flow.finished.connect(results.append)
    desktop.lock()
    assert results == [None]
    assert flow.overlays == []
    assert desktop.unlock_window.isVisible() and not window.isVisible()


def test_a_black_screen_is_refused_with_its_reason_and_the_window_comes_back(
    qtbot, desktop: DesktopApp, xvfb: XDisplay, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing painted: the display is black once the program hides, as on GNOME Wayland."""
    monkeypatch.setenv("DISPLAY", xvfb.name)
    window = main(desktop)
    store = desktop.session.store

    def exhibit_count() -> int:
        return sum(len(store.exhibits(incident.id)) for incident in store.incidents())

    before = exhibit_count()
    flow = window.start_capture()
    assert flow is not None and flow.question is not None
    results: list[object] = []
    flow.finished.connect(results.append)
    flow.no_button.click()
    box = wait_for_message(qtbot)
    assert BLACK_SCREEN in box.text() + box.informativeText()
    box.close()
    qtbot.waitUntil(lambda: results == [None], timeout=10_000)
    assert flow.overlays == [] and window.isVisible()
    assert exhibit_count() == before


def add_noise_pictures(seeded: SeededStore, clock, folder: Path, count: int) -> None:  # type: ignore[no-untyped-def]
    with open_store(seeded.location, lambda: PASSPHRASE, clock) as store:
        for number in range(count):
            path = folder / f"noise-{number}.png"
            # Random pixels, stored uncompressed: each picture is about 1 MB, and making it
            # takes milliseconds (Pillow's noise effect, compressed, took 0.13 s each).
            noise = Image.frombytes("RGB", (700, 500), os.urandom(700 * 500 * 3))
            noise.save(path, compress_level=0)
            store.add_file(seeded.photo, path)


def test_export_writes_a_bundle_that_checks_out_and_offers_show_in_folder(
    qtbot, desktop: DesktopApp, seeded: SeededStore, tmp_path: Path
) -> None:
    window = main(desktop)
    out = tmp_path / "out"
    out.mkdir()
    job = window.start_export(seeded.photo, out)
    assert job is not None and job.progress.isVisible()
    qtbot.waitUntil(lambda: job.result is not None, timeout=60_000)
    bundle = job.result.bundle
    assert bundle.parent == out and bundle.suffix == ".zip"
    assert [p.name for p in out.iterdir()] == [bundle.name]
    assert job.done_box.text().startswith(f"Send this file: {bundle.name} (")
    assert "3 exhibit files; report signed PAdES B-B" in job.done_box.detailedText()
    assert any(b.text() == "Show in &folder" for b in job.done_box.buttons())
    job.done_box.close()
    assert not job.progress.isVisible()
    assert desktop.session.store.log(seeded.photo)[-1].action == "exported"

    check = window.check_bundle(bundle)
    qtbot.waitUntil(lambda: check.box is not None, timeout=60_000)
    assert check.box.text().startswith("The bundle is intact: 3 exhibit files")
    check.box.close()

    tampered = tmp_path / "tampered.zip"
    data = bytearray(bundle.read_bytes())
    data[len(data) // 3] ^= 0xFF
    tampered.write_bytes(bytes(data))
    check = window.check_bundle(tampered)
    qtbot.waitUntil(
        lambda: check.box is not None or bool(window.bundle_jobs) is False, timeout=60_000
    )
    text = check.box.text() if check.box is not None else wait_for_message(qtbot).text()
    assert text.startswith("The bundle failed") or "damaged" in text or "not" in text


def test_a_cancelled_export_leaves_no_file(
    qtbot, desktop_factory, seeded: SeededStore, clock, tmp_path: Path
) -> None:
    add_noise_pictures(seeded, clock, tmp_path, 24)
    app = desktop_factory(seeded.location)
    app.start()
    unlock_through_window(qtbot, app)
    window = main(app)
    qtbot.waitUntil(lambda: window.incidents.rowCount() == 3)
    out = tmp_path / "out"
    out.mkdir()
    job = window.start_export(seeded.photo, out)
    assert job is not None
    qtbot.waitUntil(lambda: job.progress.value() >= 2, timeout=30_000)
    partial = [p.name for p in out.iterdir()]
    job.progress.findChild(QPushButton).click()  # the dialog's Cancel button
    qtbot.waitUntil(lambda: window.export_job is None, timeout=60_000)
    assert any(name.endswith(".partial") for name in partial)  # it was writing
    assert list(out.iterdir()) == []
    assert job.result is None
    assert all(e.action != "exported" for e in app.session.store.log(seeded.photo))
    assert window.statusBar().currentMessage() == ("The export was stopped; no bundle was written.")


def test_the_tray_menu_captures_locks_and_opens(qtbot, desktop: DesktopApp) -> None:
    tray = desktop.tray
    assert [a.text() for a in tray.menu.actions() if a.text()] == [
        "&Capture the screen…",
        "&Open Harmonize Evidence",
        "&Lock",
        "&Quit",
    ]
    tray.capture_action.trigger()
    flow = main(desktop).capture_flow
    assert flow is not None and flow.question is not None
    flow.question.reject()
    qtbot.waitUntil(lambda: main(desktop).capture_flow is None)
    tray.lock_action.trigger()
    assert not desktop.session.is_unlocked and desktop.unlock_window.isVisible()
    assert not tray.lock_action.isEnabled()
    desktop.unlock_window.hide()
    tray.open_action.trigger()
    assert desktop.unlock_window.isVisible()


def test_a_second_launch_on_the_same_store_brings_the_first_to_the_front(
    seeded: SeededStore, cli_env: dict[str, str]
) -> None:
    display = start_xvfb()
    env = {**cli_env, "DISPLAY": display.name, "QT_QPA_PLATFORM": "xcb"}
    command = [
        sys.executable,
        "-m",
        "harmonize_evidence",
        "--store",
        str(seeded.location.directory),
    ]
    first = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            found = subprocess.run(
                ["xdotool", "search", "--onlyvisible", "--name", LOCKED_TITLE],
                env={**os.environ, "DISPLAY": display.name},
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip()
            if found:
                break
            time.sleep(0.1)
        assert found, "the first program never showed its unlock window"
        second = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=30, check=False
        )
        assert second.returncode == 0
        assert "Traceback" not in second.stderr
        assert first.poll() is None  # the first one is still running
    finally:
        first.terminate()
        first.communicate(timeout=10)
        stop_xvfb(display)
