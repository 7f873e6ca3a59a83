"""The main window driven through its widgets: list, incident view, dialogs, drag and drop."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QFontInfo
from PySide6.QtWidgets import QApplication, QMenu, QStyle, QStyleOptionButton

from harmonize_evidence.domain.chain import Problem
from harmonize_evidence.domain.model import Category
from harmonize_evidence.services.evidence import VerificationReport, verification_text
from harmonize_evidence.ui.add_files_dialog import AddFilesDialog
from harmonize_evidence.ui.app import DesktopApp
from harmonize_evidence.ui.exhibit_details import DetailText
from harmonize_evidence.ui.incident_models import IncidentTableModel
from harmonize_evidence.ui.models import CustodyTableModel
from harmonize_evidence.ui.verifying import verification_text as window_text
from tests.ui.conftest import SeededStore
from tests.ui.helpers import (
    main,
    png_file,
    type_text,
    unlock_through_window,
    unlock_window_shown,
    wait_for_message,
)


def test_main_window_shows_the_newest_incident_with_its_exhibits(
    qtbot, desktop: DesktopApp, seeded: SeededStore
) -> None:
    window = main(desktop)
    assert window.current_incident().id == seeded.photo
    view = window.incident_view
    assert view.title.text() == "Comments under a class photo"
    assert seeded.photo in view.summary.text() and "TikTok" in view.summary.text()
    assert view.exhibits.rowCount() == 3
    assert view.custody.rowCount() == 4
    # The custody log's times to the second, with the zone; UTC on hover.
    when = view.custody.index(0, CustodyTableModel.COLUMN_TIME)
    assert re.fullmatch(r"\w{3} \d\d \w{3} \d{4} \d\d:\d\d:\d\d (GMT|BST)", when.data())
    assert "UTC" in when.data(Qt.ItemDataRole.ToolTipRole)
    assert view.metadata.value("Exhibit") == "ZL/1"  # the first exhibit is chosen
    assert window.count_label.text() == "3 incidents"
    # Only the pictures on screen were decrypted, and they are blurred.
    # Held counts shown pixmaps too: two thumbnails and their pixmaps are four while the third
    # is still being made, so wait for nothing to be pending as well.
    qtbot.waitUntil(lambda: window.thumbnails.held >= 3 and window.thumbnails.pending == 0)
    assert window.thumbnails.blobs_read == 3
    assert not any(view.exhibits.is_revealed(e.ref) for e in view.exhibits.exhibits)


def test_choosing_another_incident_shows_its_written_accounts(
    qtbot, desktop: DesktopApp, seeded: SeededStore
) -> None:
    window = main(desktop)
    window.select_incident(seeded.fake_account)
    view = window.incident_view
    qtbot.waitUntil(lambda: view.incident is not None and view.incident.id == seeded.fake_account)
    assert view.exhibits.rowCount() == 0
    assert view.empty_exhibits.isVisibleTo(view)
    assert view.accounts.count() == 1
    assert "The account first appeared on Monday" in view.accounts.item(0).text()
    assert not view.accounts.item(0).flags() & Qt.ItemFlag.ItemIsEditable


def test_choosing_a_thumbnail_shows_its_details_and_keeps_it_blurred(
    qtbot, desktop: DesktopApp
) -> None:
    view = main(desktop).incident_view
    grid = view.grid
    rect = grid.visualRect(view.exhibits.index(1))
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=rect.topLeft() + QPoint(8, 8))
    assert view.metadata.value("Exhibit") == "ZL/2"
    assert not view.exhibits.is_revealed("ZL/2")  # seeing the details is not seeing the picture
    caption = rect.center()
    caption.setY(rect.bottom() - grid.fontMetrics().height())
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=caption)
    assert not view.exhibits.is_revealed("ZL/2")
    qtbot.keyClick(grid, Qt.Key.Key_Right)  # keyboard moves choose without revealing
    assert grid.currentIndex().row() == 2
    assert view.metadata.value("Exhibit") == "ZL/3"
    assert not view.exhibits.is_revealed("ZL/3")


def test_show_on_a_picture_or_space_unblurs_it_and_blurs_it_again(
    qtbot, desktop: DesktopApp
) -> None:
    view = main(desktop).incident_view
    grid = view.grid
    button = grid.reveal_button_at(1)
    assert button is not None
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=button.center())
    assert view.exhibits.is_revealed("ZL/2")
    assert view.metadata.value("Exhibit") == "ZL/2"
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=button.center())
    assert not view.exhibits.is_revealed("ZL/2")  # Blur, on the same place
    qtbot.keyClick(grid, Qt.Key.Key_Space)
    assert view.exhibits.is_revealed("ZL/2")
    qtbot.keyClick(grid, Qt.Key.Key_Space)
    assert not view.exhibits.is_revealed("ZL/2")


def test_the_details_show_the_whole_hash_to_copy_and_one_time_format(
    qtbot, desktop: DesktopApp, seeded: SeededStore
) -> None:
    view = main(desktop).incident_view
    exhibit = view.exhibits.exhibit_at(0)
    assert exhibit.sha256 is not None
    panel = view.metadata
    hash_text = panel.value_widget("SHA-256")
    assert hash_text is not None and hash_text.text == exhibit.sha256
    assert QFontInfo(hash_text.font()).fixedPitch()  # monospace, to read it out
    assert hash_text.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    hash_text.selectAll()
    hash_text.copy()
    assert QApplication.clipboard().text() == exhibit.sha256
    # Narrow, the hash wraps onto more lines instead of being cut off.
    line = hash_text.fontMetrics().height()
    panel.resize(hash_text.fontMetrics().horizontalAdvance("0") * 24, panel.height())
    qtbot.waitUntil(lambda: hash_text.height() >= 2 * line)
    assert hash_text.width() < hash_text.fontMetrics().horizontalAdvance(exhibit.sha256)
    # One time, local with its zone and UTC beside it; no row for each.
    labels = [label for label, _value in panel.rows]
    assert panel.value("Recorded at") == "Sat 21 Nov 2026 20:00 GMT (20:00 UTC)"
    assert "Recorded (UTC)" not in labels and "Recorded (local time)" not in labels
    assert "Added" not in labels


def test_moving_through_the_exhibits_reuses_the_details_rows_and_empties_them_after(
    qtbot, desktop: DesktopApp
) -> None:
    view = main(desktop).incident_view
    panel = view.metadata
    first = panel.value_widget("Exhibit")
    made = len(panel.findChildren(DetailText))
    for row in (1, 2, 0, 1):
        view.grid.setCurrentIndex(view.exhibits.index(row))
        assert panel.value("Exhibit") == f"ZL/{row + 1}"
        assert panel.value_widget("Exhibit") is first  # its text changed; no new widgets
    assert len(panel.findChildren(DetailText)) == made
    view.clear()
    assert panel.rowCount() == 0
    assert all(text.text == "" for text in panel.findChildren(DetailText))


def test_an_exhibit_opens_full_size_and_zooms(qtbot, desktop: DesktopApp) -> None:
    view = main(desktop).incident_view
    view.grid.setCurrentIndex(view.exhibits.index(0))
    qtbot.keyClick(view.grid, Qt.Key.Key_Return)
    assert len(view.viewers) == 1
    viewer = view.viewers[0]
    qtbot.waitUntil(lambda: not viewer.item.pixmap().isNull())
    assert viewer.item.pixmap().size().width() == 320
    viewer.view.set_zoom(1.0)
    qtbot.keyClick(viewer.view, Qt.Key.Key_Plus)
    assert viewer.view.zoom == pytest.approx(1.25)
    qtbot.keyClick(viewer.view, Qt.Key.Key_Minus)
    qtbot.keyClick(viewer.view, Qt.Key.Key_Minus)
    assert viewer.view.zoom == pytest.approx(0.8)
    qtbot.keyClick(viewer.view, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: view.viewers == [])


def test_new_incident_dialog_explains_problems_inline_and_opens_the_incident(
    qtbot, desktop: DesktopApp
) -> None:
    window = main(desktop)
    dialog = window.new_incident()
    dialog.submit()
    assert dialog.isVisible()
    assert dialog.problem.text() == "The title is empty; please type something."
    type_text(dialog.title, "Voicemail from a withheld number")
    dialog.category.setCurrentIndex(dialog.category.findData(Category.OTHER))
    facebook = dialog.platform_boxes["Facebook"]
    option = QStyleOptionButton()
    facebook.initStyleOption(option)
    name = facebook.style().subElementRect(QStyle.SubElement.SE_CheckBoxContents, option, facebook)
    name_at = QPoint(
        name.left() + facebook.fontMetrics().horizontalAdvance("Face"), name.center().y()
    )
    qtbot.mouseClick(facebook, Qt.MouseButton.LeftButton, pos=name_at)  # on its name, not the box
    assert dialog.checked_platforms() == ["Facebook"]
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert window.incidents.rowCount() == 4
    current = window.current_incident()
    assert current is not None and current.title == "Voicemail from a withheld number"
    assert current.category is Category.OTHER and current.platforms == ("Facebook",)
    assert window.proxy.index(0, IncidentTableModel.COLUMN_TITLE).data() == current.title


def test_a_written_account_is_saved_on_the_chain_and_searchable(
    qtbot, desktop: DesktopApp, seeded: SeededStore
) -> None:
    window = main(desktop)
    dialog = window.write_account()
    assert dialog is not None
    type_text(dialog.text, "At 21:35 I saw the comments; I took screenshots at once.")
    dialog.submit()
    view = window.incident_view
    qtbot.waitUntil(lambda: view.custody.rowCount() == 5)
    assert view.custody.entries[-1].action == "note_added"
    assert "I took screenshots at once" in view.accounts.item(0).text()
    window.search.setText("screenshots")
    qtbot.waitUntil(lambda: window.proxy.rowCount() == 1, timeout=10_000)
    assert window.current_incident().id == seeded.photo


def test_search_finds_words_in_written_accounts(
    qtbot, desktop: DesktopApp, seeded: SeededStore
) -> None:
    window = main(desktop)
    qtbot.keyClicks(window.search, "monday parent")
    qtbot.waitUntil(lambda: window.proxy.rowCount() == 1, timeout=10_000)
    assert window.proxy.index(0, 0).data() == seeded.fake_account
    assert window.count_label.text() == "1 of 3 incidents"
    window.search.clear()
    assert window.proxy.rowCount() == 3


def test_dropping_a_file_on_the_window_adds_it_unchanged(
    qtbot, desktop: DesktopApp, tmp_path: Path
) -> None:
    window = main(desktop)
    path = png_file(tmp_path / "phone screenshot.png", (400, 800), (10, 120, 10))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    centre = window.rect().center()
    enter = QDragEnterEvent(
        QPoint(centre),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(centre),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, drop)
    # First, where it came from: asked once for what was dropped, nothing added until Add.
    dialog = window.dialogs[-1]
    assert isinstance(dialog, AddFilesDialog) and dialog.isVisible()
    assert dialog.windowTitle().startswith("Add 1 file to INC-")
    dialog.came_from.setPlainText("Screenshot on my phone, emailed to my school address")
    dialog.note.setPlainText("The second of three messages")
    dialog.posted_at.setText("3h")
    assert dialog.posted_at.reading.text() == (
        "Understood as: about Sat 21 Nov 2026 18:40 GMT (3 hours ago, as the platform counts). "
        "If the screenshot was taken earlier, type the day and time instead."
    )
    dialog.posted_at.setText("tomorrow")
    dialog.submit()
    assert dialog.isVisible() and dialog.posted_at.problem.isVisible()
    dialog.posted_at.setText("yesterday 9.30pm")
    dialog.submit()
    view = window.incident_view
    qtbot.waitUntil(lambda: view.exhibits.rowCount() == 4, timeout=10_000)
    added = view.exhibits.exhibit_at(3)
    assert added.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert added.metadata["source_file_name"] == "phone screenshot.png"
    assert added.metadata["came_from"] == "Screenshot on my phone, emailed to my school address"
    assert added.metadata["note"] == "The second of three messages"
    assert added.metadata["posted_at"] == "yesterday 9.30pm"
    assert added.metadata["posted_at_understood"] == "2026-11-20T21:30:00+00:00"
    assert window.incidents.index(0, IncidentTableModel.COLUMN_ITEMS).data() == "4"


def test_a_drag_without_files_is_refused(desktop: DesktopApp) -> None:
    window = main(desktop)
    mime = QMimeData()
    mime.setText("just words")
    enter = QDragEnterEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    assert not enter.isAccepted()


def test_an_empty_file_is_refused_with_the_command_line_sentence(
    qtbot, desktop: DesktopApp, seeded: SeededStore, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    main(desktop).add_files(seeded.photo, [empty])
    box = wait_for_message(qtbot)
    assert box.text() == "empty.png is empty, so there is nothing to keep."
    box.close()


def test_verifying_an_incident_reports_in_plain_words(qtbot, desktop: DesktopApp) -> None:
    window = main(desktop)
    window.verify_action.trigger()
    box = wait_for_message(qtbot)
    assert box.text() == (
        "Verified 1 incident: 4 custody entries and 3 exhibits; everything is intact."
    )
    box.close()


def test_filters_are_reachable_by_keyboard_and_have_accessible_names(
    qtbot, desktop: DesktopApp
) -> None:
    window = main(desktop)
    for widget in (
        window.search,
        window.status_filter,
        window.category_filter,
        window.platform_filter,
        window.table,
        window.incident_view.grid,
        window.incident_view.metadata,
    ):
        assert widget.accessibleName(), widget
        assert widget.focusPolicy() & Qt.FocusPolicy.TabFocus, widget
    window.find_action.trigger()
    assert QApplication.focusWidget() is window.search
    window.status_filter.setCurrentIndex(window.status_filter.findText("Closed"))
    assert window.proxy.rowCount() == 1
    assert window.count_label.text() == "1 of 3 incidents"


def test_tab_moves_through_the_filters_to_the_list_and_the_incident(
    qtbot, desktop: DesktopApp
) -> None:
    window = main(desktop)
    order = [window.search]
    widget = window.search
    for _ in range(6):
        widget = widget.nextInFocusChain()
        while not widget.focusPolicy() & Qt.FocusPolicy.TabFocus or not widget.isVisible():
            widget = widget.nextInFocusChain()
        order.append(widget)
    assert order == [
        window.search,
        window.status_filter,
        window.category_filter,
        window.platform_filter,
        window.incident_list.urgent_filter,
        window.table,
        window.incident_view.add_files_button,
    ]


def test_the_list_shows_category_and_last_activity_and_filters_urgent_incidents(
    qtbot, desktop: DesktopApp, seeded: SeededStore
) -> None:
    window = main(desktop)
    pane = window.incident_list
    for number in (IncidentTableModel.COLUMN_CATEGORY, IncidentTableModel.COLUMN_ACTIVITY):
        assert not window.table.isColumnHidden(number)
        assert window.table.columnWidth(number) > 0
    assert (
        window.incidents.sort_column == IncidentTableModel.COLUMN_ACTIVITY
    )  # most recently active first
    assert desktop.session.store is not None
    desktop.session.store.flag_urgent(seeded.closed, "A parent sent a picture of a pupil.")
    window.load()
    qtbot.waitUntil(lambda: window.incidents.incident_at(0).id == seeded.closed)
    assert (
        window.table.model().index(0, IncidentTableModel.COLUMN_ACTIVITY).data()
        == "21 Nov 2026, 21:40"
    )
    pane.urgent_filter.click()
    assert [window.proxy.index(row, 0).data() for row in range(window.proxy.rowCount())] == [
        seeded.closed
    ]
    assert window.count_label.text() == "1 of 3 incidents"
    pane.clear_filters()
    assert not pane.urgent_filter.isChecked() and window.proxy.rowCount() == 3


def test_the_list_header_offers_the_columns_it_hides(qtbot, desktop: DesktopApp) -> None:
    window = main(desktop)
    assert window.table.isColumnHidden(IncidentTableModel.COLUMN_CREATED)

    def choose_opened() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        (action,) = [a for a in menu.actions() if a.text() == "Opened"]
        assert not action.isChecked()
        action.trigger()
        menu.close()

    QTimer.singleShot(200, choose_opened)
    window.table.horizontalHeader().customContextMenuRequested.emit(QPoint(5, 5))
    assert not window.table.isColumnHidden(IncidentTableModel.COLUMN_CREATED)


def test_the_windows_and_the_command_line_say_what_verification_found_alike() -> None:
    intact = VerificationReport(("INC-2026-0001",), 4, 2)
    assert verification_text(intact) == (
        "Verified 1 incident: 4 custody entries and 2 exhibits; everything is intact."
    )
    assert window_text(intact) == ("Everything is intact", verification_text(intact))
    found = VerificationReport(("INC-2026-0001",), 4, 2, (Problem("ZL/1", "bytes differ"),))
    title, text = window_text(found)
    assert title == "Verification found problems"
    assert text.startswith(verification_text(found) + "\n\nDo not rely on the items named above")


def test_the_incidents_actions_wait_for_an_incident_to_be_chosen(
    qtbot, desktop_factory, made_store
) -> None:  # type: ignore[no-untyped-def]
    """On an empty store nothing answers a click with a warning: the actions are off, and say
    why; once an incident exists and is chosen, they are on."""
    desktop = desktop_factory(made_store.location)
    desktop.start()
    unlock_through_window(qtbot, desktop)
    window = main(desktop)
    actions = window.main_actions
    offered = (window.add_files_action, window.account_action, window.verify_action)
    for action in (*offered, window.export_action):
        assert not action.isEnabled()
        assert action.toolTip().endswith("choose an incident first")
    assert window.new_incident_action.isEnabled() and window.capture_action.isEnabled()
    dialog = window.new_incident()
    type_text(dialog.title, "Messages on a class group chat")
    dialog.submit()
    qtbot.waitUntil(lambda: window.current_incident() is not None)
    assert all(action.isEnabled() for action in actions.for_an_incident)
    assert not any("choose an incident" in a.toolTip() for a in actions.for_an_incident)


def test_the_toolbar_icons_are_drawn_in_the_text_colour(qtbot, desktop: DesktopApp) -> None:
    """No stock icons: in particular Lock is a padlock, not a red cross that reads as an error."""
    window = main(desktop)
    text = window.palette().color(window.foregroundRole())
    for action in window.main_actions.toolbar.actions():
        if action.icon().isNull():
            continue  # the spacer
        image = action.icon().pixmap(32, 32).toImage()
        inked = [
            image.pixelColor(x, y)
            for x in range(image.width())
            for y in range(image.height())
            if image.pixelColor(x, y).alpha() > 200
        ]
        assert inked, f"{action.text()} has an empty icon"
        assert all(
            abs(c.red() - text.red()) + abs(c.green() - text.green()) + abs(c.blue() - text.blue())
            < 40
            for c in inked
        ), f"{action.text()} is not drawn in the text colour"


def test_the_window_fits_a_small_laptop_screen_with_every_button_inside_it(
    qtbot, desktop: DesktopApp
) -> None:
    # A 1,366-pixel screen at Windows' 125% is 1,093 pixels wide to the program. The window
    # could not be made narrower than 1,237: the incident's buttons in one row, the filters
    # as wide as their longest choice. Its buttons now wrap onto a second line.
    window = main(desktop)
    view = window.incident_view
    view.change_button.show()
    view.handover_button.show()
    assert window.minimumSizeHint().width() <= 900
    for width in (1000, 900):
        window.resize(width, 700)
        qtbot.waitUntil(lambda width=width: window.width() == width)
        QApplication.processEvents()
        buttons = [
            view.add_files_button,
            view.account_button,
            view.verify_button,
            view.change_button,
            view.handover_button,
        ]
        for button in buttons:
            corner = button.mapTo(window, button.rect().bottomRight())
            assert window.rect().contains(corner), (width, button.text(), corner)
        rows = {button.mapTo(window, QPoint(0, 0)).y() for button in buttons}
        assert len(rows) == 2, rows  # one line did not fit: the row wrapped once
        for combo in (window.status_filter, window.category_filter, window.platform_filter):
            corner = combo.mapTo(window, combo.rect().bottomRight())
            assert window.rect().contains(corner), (width, combo.currentText(), corner)
    window.resize(1600, 900)
    qtbot.waitUntil(lambda: window.width() == 1600)
    QApplication.processEvents()
    assert len({b.mapTo(window, QPoint(0, 0)).y() for b in buttons}) == 1  # room: one line


def test_a_written_account_is_thrown_away_only_once_the_user_says_so(
    qtbot, desktop: DesktopApp, seeded: SeededStore
) -> None:
    # Escape closed the dialog and lost what was typed, without a word.
    window = main(desktop)
    dialog = window.write_account()
    assert dialog is not None
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # nothing typed: it just closes
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert dialog.discard_question is None

    dialog = window.write_account()
    assert dialog is not None
    type_text(dialog.text, "At 21:35 I saw the comments.")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    question = dialog.discard_question
    assert question is not None and question.isVisible()
    assert question.text() == "The account you typed is not saved. Discard it?"
    assert question.defaultButton().text() == "&Keep writing"
    question.defaultButton().click()  # Enter keeps it
    qtbot.waitUntil(lambda: dialog.discard_question is None)
    assert dialog.isVisible() and dialog.text.toPlainText() == "At 21:35 I saw the comments."

    dialog.reject()  # Cancel, this time answered "Discard it"
    question = dialog.discard_question
    assert question is not None
    question.button(question.StandardButton.Discard).click()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert [e for e in desktop.session.store.log(seeded.photo) if e.action == "note_added"] == []


def test_locking_while_an_account_is_typed_says_it_was_not_saved(
    qtbot, desktop: DesktopApp, seeded: SeededStore
) -> None:
    window = main(desktop)
    dialog = window.write_account()
    assert dialog is not None
    type_text(dialog.text, "Half a sentence")
    desktop.lock()  # as the idle time or the tray menu locks it
    unlock_window_shown(qtbot, desktop)
    assert not dialog.isVisible() and dialog.discard_question is None  # locked without asking
    assert desktop.unlock_window.message.text() == (
        "Locked. Type your passphrase to carry on. "
        "The written account you were typing was not saved."
    )
    unlock_through_window(qtbot, desktop)
    desktop.lock()  # nothing typed this time
    qtbot.waitUntil(desktop.unlock_window.isVisible)
    assert desktop.unlock_window.message.text() == "Locked. Type your passphrase to carry on."
