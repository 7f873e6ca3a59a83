"""Email, text and PDF exhibits read in the program, and Save a copy of any exhibit (issue 13,
point 13): the copy is the logged extract, so the custody log records it."""

from __future__ import annotations

import hashlib
import io
from email.message import EmailMessage
from pathlib import Path

import pytest

from harmonize_evidence.domain.clock import FixedClock
from harmonize_evidence.services.store import open_store
from harmonize_evidence.ui.app import DesktopApp
from harmonize_evidence.ui.reader import ExhibitReader
from harmonize_evidence.ui.viewer import ExhibitViewer
from tests.conftest import PASSPHRASE
from tests.faults import fill_disk, read_only_folder, small_tmpfs
from tests.ui.conftest import SeededStore
from tests.ui.helpers import main, mnemonic_clashes, unlock_through_window, wait_for_message

EMAIL_ROW, TEXT_ROW, PDF_ROW = 3, 4, 5  # after the seeded incident's three pictures

HTML = (
    "<html><head><script>fetch('https://evil.example/track')</script></head><body>"
    "<p>Everyone knows what you did, Miss.</p>"
    "<img src='https://evil.example/pixel.png' alt='logo'>"
    "<p><a href='https://evil.example/login'>Oak Hill staff login</a></p></body></html>"
)


def _email_file(folder: Path) -> Path:
    message = EmailMessage()
    message["From"] = "A parent <angry.parent@example.com>"
    message["To"] = "Zoë Lane <z.lane@oakhill.sch.uk>"
    message["Date"] = "Fri, 20 Nov 2026 21:40:00 +0000"
    message["Subject"] = "About my son"
    message["Message-ID"] = "<1@example.com>"
    message.set_content(HTML, subtype="html")
    message.add_attachment(b"GIF89a", maintype="image", subtype="gif", filename="laugh.gif")
    path = folder / "message from a parent.eml"
    path.write_bytes(message.as_bytes())
    return path


def _pdf_file(folder: Path) -> Path:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 700, "Screenshot of the group chat, printed by the parent")
    page.showPage()
    page.showPage()  # a scanned page: no text
    page.save()
    path = folder / "chat.pdf"
    path.write_bytes(out.getvalue())
    return path


@pytest.fixture
def reading_desktop(  # type: ignore[no-untyped-def]
    qtbot, desktop_factory, seeded: SeededStore, clock: FixedClock, tmp_path: Path
) -> DesktopApp:
    """The seeded program whose shown incident also holds an email, a text file and a PDF."""
    text = tmp_path / "notes from the phone.txt"
    text.write_bytes("He wrote “you’re finished” at 9pm — £5 bet.\r\n".encode("cp1252"))
    with open_store(seeded.location, lambda: PASSPHRASE, clock) as store:
        for path in (_email_file(tmp_path), text, _pdf_file(tmp_path)):
            store.add_file(seeded.photo, path)
    app = desktop_factory(seeded.location)
    app.start()
    unlock_through_window(qtbot, app)
    view = main(app).incident_view
    qtbot.waitUntil(lambda: view.exhibits.rowCount() == 6)
    return app


def _open(qtbot, app: DesktopApp, row: int) -> ExhibitReader:  # type: ignore[no-untyped-def]
    view = main(app).incident_view
    view.grid.setCurrentIndex(view.exhibits.index(row))
    assert view.open_button.isEnabled() and view.open_button.text() == "Read &it"
    qtbot.mouseClick(view.open_button, _left())
    reader = view.viewers[-1]
    assert isinstance(reader, ExhibitReader)
    qtbot.waitUntil(lambda: reader.reading is not None, timeout=10_000)
    return reader


def _left():  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_an_email_opens_to_be_read_with_its_sender_and_its_html_as_text_loading_nothing(
    qtbot, reading_desktop: DesktopApp
) -> None:
    reader = _open(qtbot, reading_desktop, EMAIL_ROW)

    shown = reader.text.toPlainText()
    assert "From: A parent <angry.parent@example.com>" in shown
    assert "To: Zoë Lane <z.lane@oakhill.sch.uk>" in shown
    assert "Date: Fri 20 Nov 2026 21:40 GMT" in shown
    assert "Subject: About my son" in shown
    assert "Everyone knows what you did, Miss." in shown
    assert "Oak Hill staff login <https://evil.example/login>" in shown
    assert "laugh.gif · image/gif · 6 bytes" in shown
    assert "fetch(" not in shown
    # Nothing in the page is a picture or a link: the HTML was never rendered.
    html = reader.text.toHtml()
    assert "<img" not in html and "href" not in html
    assert reader.notes.isVisible() and "only an HTML version" in reader.notes.text()
    assert mnemonic_clashes(reader) == {}


def test_a_text_file_that_is_not_utf8_is_read_with_a_note_naming_its_encoding(
    qtbot, reading_desktop: DesktopApp
) -> None:
    reader = _open(qtbot, reading_desktop, TEXT_ROW)

    assert reader.text.toPlainText() == "He wrote “you’re finished” at 9pm — £5 bet."
    assert "Windows-1252" in reader.notes.text() and reader.notes.isVisible()


def test_a_pdf_is_read_page_by_page_and_says_which_page_has_no_text(
    qtbot, reading_desktop: DesktopApp
) -> None:
    reader = _open(qtbot, reading_desktop, PDF_ROW)

    shown = reader.text.toPlainText()
    assert shown.index("Page 1 of 2") < shown.index("group chat") < shown.index("Page 2 of 2")
    assert reader.notes.text() == "Page 2 of this PDF has no text."


def test_the_window_claims_each_alt_key_once_with_an_email_chosen(
    qtbot, reading_desktop: DesktopApp
) -> None:
    window = main(reading_desktop)
    window.incident_view.grid.setCurrentIndex(window.incident_view.exhibits.index(EMAIL_ROW))
    assert mnemonic_clashes(window) == {}


def test_save_a_copy_writes_the_original_bytes_and_the_custody_log_records_it(
    qtbot, reading_desktop: DesktopApp, seeded: SeededStore, tmp_path: Path, monkeypatch
) -> None:
    from PySide6.QtWidgets import QFileDialog

    view = main(reading_desktop).incident_view
    view.grid.setCurrentIndex(view.exhibits.index(EMAIL_ROW))
    exhibit = view.exhibits.exhibit_at(EMAIL_ROW)
    offered: list[str] = []
    out = tmp_path / "for the police"
    out.mkdir()

    def choose(_parent, _caption, suggested, *args, **kwargs):  # type: ignore[no-untyped-def]
        offered.append(suggested)
        return str(out / Path(suggested).name), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", choose)
    entries_before = view.custody.rowCount()
    assert view.save_button.isEnabled()
    qtbot.mouseClick(view.save_button, _left())

    box = wait_for_message(qtbot)
    saved = out / f"{exhibit.ref.replace('/', '-')} message from a parent.eml"
    assert Path(offered[0]).name == saved.name
    assert box.text() == (
        f"A copy of exhibit {exhibit.ref} was saved as {saved}; it matches the exhibit's "
        "SHA-256, and the custody log records that it was saved."
    )
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == exhibit.sha256
    assert saved.read_bytes() == (tmp_path / "message from a parent.eml").read_bytes()
    qtbot.waitUntil(lambda: view.custody.rowCount() == entries_before + 1)
    with open_store(seeded.location, lambda: PASSPHRASE, reading_desktop.session.clock) as store:
        last = store.log(seeded.photo)[-1]
    assert last.action == "evidence_extracted"
    assert last.details == {"exhibit": exhibit.ref, "file_name": saved.name}
    assert last.evidence_sha256 == exhibit.sha256


def test_a_picture_can_be_saved_from_its_own_window(
    qtbot, reading_desktop: DesktopApp, tmp_path: Path, monkeypatch
) -> None:
    from PySide6.QtWidgets import QFileDialog

    view = main(reading_desktop).incident_view
    viewer = view.open_exhibit(view.exhibits.index(0))
    assert isinstance(viewer, ExhibitViewer)
    assert mnemonic_clashes(viewer) == {}
    target = tmp_path / "picture.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    viewer.save_copy()
    wait_for_message(qtbot)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == view.exhibits.exhibit_at(0).sha256


def _save_into(qtbot, app: DesktopApp, folder: Path, monkeypatch) -> str:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QFileDialog

    view = main(app).incident_view
    view.grid.setCurrentIndex(view.exhibits.index(PDF_ROW))
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(folder / "copy.pdf"), "")
    )
    before = view.custody.rowCount()
    job = view.save_copy()
    assert job is not None
    qtbot.waitUntil(lambda: job.box is not None, timeout=10_000)
    assert job.saved is None
    qtbot.wait(50)
    assert view.custody.rowCount() == before
    assert job.box is not None
    return job.box.text()


def test_save_a_copy_into_a_read_only_folder_says_so_in_one_sentence(
    qtbot, reading_desktop: DesktopApp, tmp_path: Path, monkeypatch
) -> None:
    folder = tmp_path / "stick"
    folder.mkdir()
    with read_only_folder(folder):
        text = _save_into(qtbot, reading_desktop, folder, monkeypatch)
    assert text == (
        f"The folder {folder} cannot be written (Read-only file system), so no copy was written "
        "and nothing was recorded; choose another folder."
    )
    assert list(folder.iterdir()) == []


def test_save_a_copy_onto_a_full_disk_says_so_in_one_sentence(
    qtbot, reading_desktop: DesktopApp, tmp_path: Path, monkeypatch
) -> None:
    with small_tmpfs(tmp_path / "full", 256 * 1024) as disk:
        filler = fill_disk(disk)
        text = _save_into(qtbot, reading_desktop, disk, monkeypatch)
        assert sorted(disk.iterdir()) == [filler]
    assert text == (
        f"The disk holding {disk} is full, so no copy was written and nothing was recorded; "
        "free some space there or choose another folder."
    )
