"""Check a bundle, in the desktop application: who signed it, shown whole, on a real X display."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtWidgets import QLabel

from harmonize_evidence.domain.clock import FixedClock
from harmonize_evidence.domain.model import Producer, Role
from harmonize_evidence.services.exporting import export_bundle
from harmonize_evidence.services.store import StoreLocation, create_store
from harmonize_evidence.ui.app import DesktopApp
from tests.conftest import PASSPHRASE, TEST_COST
from tests.ui.helpers import main, png_file


def _other_schools_bundle(folder: Path) -> tuple[Path, str]:
    """A real bundle exported by another school's installation; returns it and its fingerprint."""
    folder.mkdir()
    store, _ = create_store(
        StoreLocation(folder / "store"),
        Producer("Dan Marsh", "DM", "Elm Park School", Role.LEAD),
        PASSPHRASE,
        FixedClock(datetime(2026, 11, 22, 9, 30, tzinfo=UTC)),
        passphrase_cost=TEST_COST,
    )
    with store:
        incident = store.new_incident("Comments under a class photo", platforms=["TikTok"])
        store.add_file(incident.id, png_file(folder / "post.png"), url="https://www.tiktok.com/@x")
        return export_bundle(store, incident.id, folder).bundle, store.fingerprint


def test_check_a_bundle_shows_the_whole_fingerprint_and_the_school_that_signed_it(
    qtbot, desktop: DesktopApp, tmp_path: Path
) -> None:
    bundle, fingerprint = _other_schools_bundle(tmp_path / "elm-park")
    window = main(desktop)  # Oak Hill Academy's store is the one open
    job = window.check_bundle(bundle)
    qtbot.waitUntil(lambda: job.box is not None, timeout=60_000)
    box = job.box
    assert box is not None
    qtbot.waitExposed(box)
    text = box.text()
    assert text.startswith("The bundle is intact")
    # The bundle's own school and signer, not the school of the store that happens to be open.
    assert "Elm Park School" in text and "Dan Marsh" in text
    assert "Oak Hill" not in text
    assert fingerprint in "".join(text.split())
    # Nothing is cut off: every run of the text that cannot wrap (a line's indent and its first
    # word, or a later word) fits the width of its label, and the label fits the dialog.
    label = box.findChild(QLabel, "qt_msgbox_label")
    assert label is not None and label.text() == text
    metrics = label.fontMetrics()
    room = label.contentsRect().width()
    for line in text.splitlines():
        words = line.split()
        if words:
            indent = line[: len(line) - len(line.lstrip())]
            for run in (indent + words[0], *words[1:]):
                assert metrics.horizontalAdvance(run) <= room, (run, room)
    assert label.geometry().right() <= box.rect().right()
    box.close()
