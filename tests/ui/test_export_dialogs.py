"""The export's questions and its result in the window, and the "our evidence key" sheet from the
Help menu (issue 13, points 16 and 20)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from harmonize_evidence.domain.handover import short_fingerprint
from harmonize_evidence.domain.model import Recipient
from harmonize_evidence.services.exporting import remember_timestamp_url
from harmonize_evidence.ui.app import DesktopApp
from harmonize_evidence.ui.export_dialog import NOT_ENCRYPTED, ExportDialog
from tests.ui.conftest import SeededStore
from tests.ui.helpers import main, mnemonic_clashes


def test_export_asks_who_it_is_for_warns_it_is_not_encrypted_and_offers_a_time_stamp(
    qtbot, desktop: DesktopApp, seeded: SeededStore, tmp_path: Path, monkeypatch
) -> None:
    from PySide6.QtWidgets import QFileDialog

    # The system's folder chooser, cancelled first (the answers stay), then answered: the export
    # starts with the dialog's answers.
    folders = ["", str(tmp_path)]
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: folders.pop(0))
    window = main(desktop)
    window.table.selectRow(0)
    dialog = window.export_current()
    assert isinstance(dialog, ExportDialog) and dialog.isVisible()
    assert dialog.warning.text() == NOT_ENCRYPTED and dialog.warning.isVisible()
    assert mnemonic_clashes(dialog) == {}
    assert not dialog.use_timestamp.isChecked() and not dialog.timestamp_url.isEnabled()

    dialog.submit()  # nobody chosen yet
    assert dialog.isVisible() and dialog.problem.text() == "Choose who the bundle is for."
    # The dialog grows to show the problem instead of squeezing the choices above it.
    assert dialog.height() >= dialog.layout().totalHeightForWidth(dialog.width())
    dialog.choice_buttons[Recipient.OTHER].setChecked(True)
    assert "needed" in dialog.who.placeholderText()
    dialog.submit()  # someone else, not named
    assert dialog.isVisible() and dialog.problem.text().startswith("Say who the bundle is for")
    dialog.who.setText("Local authority designated officer")
    dialog.use_timestamp.setChecked(True)
    assert dialog.timestamp_url.isEnabled()
    dialog.submit()
    assert dialog.isVisible() and "time-stamp server's address" in dialog.problem.text()
    dialog.timestamp_url.setText("javascript:alert(1)")
    dialog.submit()
    assert dialog.isVisible() and "http" in dialog.problem.text()
    dialog.use_timestamp.setChecked(False)
    dialog.submit()  # the folder chooser cancelled: the dialog stays, with its answers
    assert dialog.isVisible() and dialog.options is None and window.export_job is None
    assert dialog.choice_buttons[Recipient.OTHER].isChecked()
    assert dialog.who.text() == "Local authority designated officer"
    dialog.submit()
    assert dialog.options is not None and not dialog.isVisible()
    assert dialog.options.recipient is Recipient.OTHER
    assert dialog.options.recipient_name == "Local authority designated officer"
    assert dialog.options.timestamp_url is None
    job = window.export_job
    assert job is not None and job.options == dialog.options
    qtbot.waitUntil(lambda: job.done_box is not None, timeout=60_000)
    assert job.result is not None and job.result.bundle.parent == tmp_path
    assert "Give it to Local authority designated officer by a secure route" in job.done_box.text()
    job.done_box.close()


def test_the_time_stamp_server_used_last_is_offered_again(
    qtbot, desktop: DesktopApp, seeded: SeededStore
) -> None:
    window = main(desktop)
    remember_timestamp_url(desktop.session.store, "https://tsa.example.org/tsr")
    window.table.selectRow(0)
    dialog = window.export_current()
    assert dialog is not None
    assert dialog.use_timestamp.isChecked()
    assert dialog.timestamp_url.text() == "https://tsa.example.org/tsr"
    dialog.reject()


def test_the_result_says_what_to_send_and_the_fingerprint_to_read_out(
    qtbot, desktop: DesktopApp, seeded: SeededStore, tmp_path: Path
) -> None:
    from harmonize_evidence.services.exporting import ExportOptions

    window = main(desktop)
    store = desktop.session.store
    options = ExportOptions(recipient=Recipient.POLICE, recipient_name="PC Jo Hart")
    job = window.start_export(seeded.photo, tmp_path, options)
    assert job is not None
    qtbot.waitUntil(lambda: job.done_box is not None, timeout=60_000)
    box = job.done_box
    assert box.windowTitle() == "The bundle is ready"
    assert box.text().startswith(f"Send this file: {job.result.bundle.name}")
    assert short_fingerprint(store.fingerprint) in box.text()
    assert "PAdES" not in box.text() and "custody entry" not in box.text()
    assert f"custody entry {job.result.entry.seq}" in box.detailedText()
    assert store.log(seeded.photo)[-1].details["recipient_name"] == "PC Jo Hart"
    box.close()


def test_the_help_menu_saves_the_key_sheet_and_says_it_is_safe_to_share(
    qtbot, desktop: DesktopApp, tmp_path: Path
) -> None:
    window = main(desktop)
    assert window.main_actions.key_sheet.text() == "Save our evidence &key sheet…"
    job = window.write_key_sheet(tmp_path / "our-key.pdf")
    qtbot.waitUntil(lambda: job.box is not None, timeout=30_000)
    assert job.box.text().startswith(f"Saved your evidence key sheet: {tmp_path / 'our-key.pdf'}")
    assert "holds nothing secret" in job.box.text()
    info = subprocess.run(
        ["pdfinfo", str(tmp_path / "our-key.pdf")], capture_output=True, text=True, check=True
    )
    assert "Pages:           1" in info.stdout
    job.box.close()
