"""A file the incident already keeps, chosen or dropped again: the window says so and asks.

The files are checked against the incident's exhibits by SHA-256 as the Add files dialog opens;
one already kept is named with its exhibit and when it was added, and is skipped unless the user
chooses to add it again. Nothing is added before the user has been told.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from harmonize_evidence.ui.add_files_dialog import AddFilesDialog
from harmonize_evidence.ui.app import DesktopApp
from tests.ui.conftest import SeededStore
from tests.ui.helpers import main, png_file


def _copy_of_exhibit(desktop: DesktopApp, incident: str, ref: str, path: Path) -> Path:
    path.write_bytes(desktop.session.store.exhibit_bytes(incident, ref))
    return path


def _drop(desktop: DesktopApp, paths: list[Path]) -> AddFilesDialog:
    window = main(desktop)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    centre = window.rect().center()
    enter = QDragEnterEvent(
        QPoint(centre), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    QApplication.sendEvent(window, enter)
    drop = QDropEvent(
        QPointF(centre), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    QApplication.sendEvent(window, drop)
    dialog = window.dialogs[-1]
    assert isinstance(dialog, AddFilesDialog)
    return dialog


def test_a_dropped_file_already_kept_is_named_and_skipped_by_default(
    qtbot, desktop: DesktopApp, seeded: SeededStore, tmp_path: Path
) -> None:
    store = desktop.session.store
    again = _copy_of_exhibit(desktop, seeded.photo, "ZL/2", tmp_path / "IMG_0001.PNG")
    new = png_file(tmp_path / "IMG_0002.PNG", (390, 844), (10, 120, 10))
    dialog = _drop(desktop, [again, new])
    qtbot.waitUntil(dialog.already.isVisible, timeout=10_000)
    assert dialog.already_text.text() == f"One of these files is already in {seeded.photo}:"
    assert dialog.already_list.text() == (
        "• IMG_0001.PNG is already exhibit ZL/2, added 21 Nov 2026 20:00 GMT."
    )
    assert dialog.skip_again.isChecked() and not dialog.add_again.isChecked()
    assert dialog.skip_again.text() == "&Skip it: add only the others"
    assert dialog.files_to_add() == [new]
    dialog.submit()
    qtbot.waitUntil(lambda: len(store.exhibits(seeded.photo)) == 4, timeout=10_000)
    added = store.exhibits(seeded.photo)[-1]
    assert added.metadata["source_file_name"] == "IMG_0002.PNG"
    qtbot.wait(200)
    assert len(store.exhibits(seeded.photo)) == 4  # the copy of ZL/2 was skipped


def test_the_user_may_add_a_file_again_on_purpose(
    qtbot, desktop: DesktopApp, seeded: SeededStore, tmp_path: Path
) -> None:
    store = desktop.session.store
    again = _copy_of_exhibit(desktop, seeded.photo, "ZL/1", tmp_path / "photo.png")
    dialog = main(desktop).describe_files(store.incident(seeded.photo), [again])
    qtbot.waitUntil(dialog.already.isVisible, timeout=10_000)
    assert dialog.already_text.text() == f"This file is already in {seeded.photo}:"
    assert dialog.skip_again.text() == "&Skip it: nothing is added"
    # Skipping the only file leaves nothing to add: Add is off until the user chooses.
    assert not dialog.add_button.isEnabled()
    dialog.add_again.setChecked(True)
    assert dialog.add_button.isEnabled()
    dialog.submit()
    qtbot.waitUntil(lambda: len(store.exhibits(seeded.photo)) == 4, timeout=10_000)
    first, copy = store.exhibits(seeded.photo)[0], store.exhibits(seeded.photo)[-1]
    assert copy.sha256 == first.sha256 and copy.ref != first.ref


def test_add_pressed_before_the_check_is_done_adds_nothing_until_the_user_has_seen_it(
    qtbot, desktop: DesktopApp, seeded: SeededStore, tmp_path: Path
) -> None:
    store = desktop.session.store
    again = _copy_of_exhibit(desktop, seeded.photo, "ZL/3", tmp_path / "a.png")
    twin = _copy_of_exhibit(desktop, seeded.photo, "ZL/3", tmp_path / "b.png")
    dialog = main(desktop).describe_files(store.incident(seeded.photo), [again, twin])
    dialog.submit()  # at once, as a hurried user might
    qtbot.waitUntil(dialog.already.isVisible, timeout=10_000)
    assert dialog.isVisible()
    assert dialog.already_text.text() == f"All 2 files are already in {seeded.photo}:"
    qtbot.wait(200)
    assert len(store.exhibits(seeded.photo)) == 3


def test_a_new_file_is_added_as_before(
    qtbot, desktop: DesktopApp, seeded: SeededStore, tmp_path: Path
) -> None:
    store = desktop.session.store
    new = png_file(tmp_path / "new.png", (100, 100), (1, 2, 3))
    dialog = _drop(desktop, [new])
    dialog.submit()  # before the check is done: it goes on once nothing is found
    qtbot.waitUntil(lambda: len(store.exhibits(seeded.photo)) == 4, timeout=10_000)
    assert main(desktop).dialogs == []  # closed: nothing to ask


def test_every_wrapped_line_of_the_list_is_shown(
    qtbot, desktop: DesktopApp, seeded: SeededStore, tmp_path: Path
) -> None:
    store = desktop.session.store
    name = "Screenshot from the group chat the parents forwarded on Saturday evening " * 2
    paths = [
        _copy_of_exhibit(desktop, seeded.photo, ref, tmp_path / f"{name.strip()} {n}.png")
        for n, ref in enumerate(("ZL/1", "ZL/2", "ZL/3"))
    ]
    dialog = main(desktop).describe_files(store.incident(seeded.photo), paths)
    qtbot.waitUntil(dialog.already.isVisible, timeout=10_000)
    listed = dialog.already_list
    qtbot.waitUntil(lambda: listed.height() >= listed.heightForWidth(listed.width()))
    assert listed.heightForWidth(listed.width()) > 6 * listed.fontMetrics().lineSpacing()
