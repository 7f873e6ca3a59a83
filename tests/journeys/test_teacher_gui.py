"""A teacher keeps a record through the window; the window and an officer check the bundle.

The real application on a real X display: the frozen-screen capture of a region, a phone
screenshot dropped onto the window, a written account, the export dialog, and "Check a bundle";
then the officer's own checks with the tools they have.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QApplication

from harmonize_evidence.domain.model import ExhibitKind
from harmonize_evidence.ui.app import DesktopApp
from tests.journeys.officer import check_as_an_officer, tampered_copy
from tests.screen_painter import pattern_colour
from tests.ui.conftest import SeededStore
from tests.ui.helpers import main, message_boxes, unlock_through_window

POST_URL = "https://www.tiktok.com/@someone/video/7301"
ACCOUNT = "A parent sent me the link at 21:40. The post names my classroom; I took the pictures."


@pytest.mark.usefixtures("painted")
def test_a_teacher_records_exports_and_checks_through_the_window(
    qtbot, desktop_factory, seeded: SeededStore, tmp_path: Path, cli_env
) -> None:
    desktop: DesktopApp = desktop_factory(seeded.location)
    desktop.start()
    unlock_through_window(qtbot, desktop)
    window = main(desktop)
    qtbot.waitUntil(lambda: window.incident_view.incident is not None, timeout=10_000)
    incident = seeded.photo
    store = desktop.session.store
    fingerprint = store.fingerprint

    # Capture: the program hides, the screen freezes, she drags around the post.
    QGuiApplication.clipboard().setText(POST_URL)
    flow = window.start_capture()
    assert flow is not None
    flow.no_button.click()
    qtbot.waitUntil(lambda: bool(flow.overlays), timeout=10_000)
    overlay = flow.overlays[0]
    qtbot.mousePress(overlay, Qt.MouseButton.LeftButton, pos=QPoint(300, 200))
    qtbot.mouseMove(overlay, QPoint(500, 400))
    qtbot.mouseRelease(overlay, Qt.MouseButton.LeftButton, pos=QPoint(780, 560))
    qtbot.waitUntil(lambda: flow.details_dialog is not None, timeout=10_000)
    details = flow.details_dialog
    assert details.url.text() == POST_URL
    details.note.setPlainText("The video and the comments under it")
    assert details.incident.combo.currentData() == incident
    captured: list[object] = []
    flow.finished.connect(captured.append)
    details.submit()
    qtbot.waitUntil(lambda: bool(captured), timeout=15_000)
    screenshot = captured[0]
    assert screenshot.kind is ExhibitKind.SCREENSHOT

    # A screenshot from her phone, dropped onto the window.
    phone = tmp_path / "IMG_2042.PNG"
    Image.new("RGB", (390, 844), (30, 30, 35)).save(phone)
    before = len(store.exhibits(incident))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(phone))])
    centre = window.rect().center()
    enter = QDragEnterEvent(
        centre, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(centre), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    QApplication.sendEvent(window, drop)
    where = window.dialogs[-1]  # where it came from, and the time the post showed
    where.note.setPlainText("Screenshot on my phone, emailed to my school address")
    where.posted_at.setText("yesterday 9.30pm")
    assert where.posted_at.reading.text().startswith("Understood as: ")
    where.submit()
    qtbot.waitUntil(lambda: len(store.exhibits(incident)) == before + 1, timeout=15_000)
    phone_item = store.exhibits(incident)[-1]
    assert phone_item.metadata["posted_at"] == "yesterday 9.30pm"

    # Her written account.
    account = window.write_account()
    assert account is not None
    account.text.setPlainText(ACCOUNT)
    account.submit()
    assert store.log(incident)[-1].action == "note_added"

    # Export, with the progress dialog.
    out = tmp_path / "bundles"
    out.mkdir()
    job = window.start_export(incident, out)
    assert job is not None
    qtbot.waitUntil(lambda: window.export_job is None, timeout=60_000)
    assert job.result is not None, [box.text() for box in message_boxes()]
    bundle = job.result.bundle
    job.done_box.close()
    assert store.log(incident)[-1].action == "exported"
    assert job.result.sha256 == hashlib.sha256(bundle.read_bytes()).hexdigest()

    # Check a bundle, in the window: the whole fingerprint and the school are shown.
    check = window.check_bundle(bundle)
    qtbot.waitUntil(lambda: check.box is not None, timeout=60_000)
    shown = check.box.text() + "\n" + check.box.informativeText()
    assert check.box.text().startswith("The bundle is intact")
    # The fingerprint is shown whole, in two lines of 16 pairs that a person reads aloud.
    assert fingerprint.replace(":", "") in "".join(shown.split()).replace(":", "")
    assert "Oak Hill Academy" in shown
    check.box.close()

    # A copy altered on the way is caught in the window, naming the altered file.
    altered = tampered_copy(bundle, "report.pdf", tmp_path / "altered.zip")
    check = window.check_bundle(altered)
    qtbot.waitUntil(lambda: check.box is not None, timeout=60_000)
    assert check.box.text().startswith("The bundle failed")
    assert "report.pdf" in check.box.text()
    check.box.close()

    # The officer's own checks.
    found = check_as_an_officer(bundle, fingerprint, tmp_path / "officer", cli_env)
    manifest = json.loads((found.folder / "manifest.json").read_text(encoding="utf-8"))
    item = {entry["exhibit"]: entry for entry in manifest["items"]}[screenshot.ref]
    image = Image.open(io.BytesIO((found.folder / item["file"]).read_bytes())).convert("RGB")
    assert image.size == (480, 360)
    for x, y in ((0, 0), (479, 359), (200, 150)):
        assert image.getpixel((x, y)) == pattern_colour(300 + x, 200 + y)
    for words in (incident, POST_URL, "The post names my classroom", "IMG_2042.PNG"):
        assert words in found.report_text, words
