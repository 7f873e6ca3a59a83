"""The search boxes' clear button: there from the first character typed, and it clears."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QToolButton

from harmonize_evidence.ui.search_box import offer_clearing


def clear_button(edit: QLineEdit) -> QToolButton | None:
    """The clear button Qt shows in ``edit``, if it has one and shows it."""
    button = edit.findChild(QToolButton)
    return button if button is not None and button.isVisible() else None


def test_the_clear_button_comes_with_the_first_character_typed_and_clears_the_box(qtbot) -> None:  # type: ignore[no-untyped-def]
    edit = QLineEdit()
    qtbot.addWidget(edit)
    edit.show()
    offer_clearing(edit)
    assert not edit.isClearButtonEnabled()
    assert clear_button(edit) is None
    qtbot.keyClicks(edit, "Lane")
    button = clear_button(edit)
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert edit.text() == ""
    qtbot.keyClicks(edit, "x")  # and it is there for the next search
    button = clear_button(edit)
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert edit.text() == ""


def test_a_box_that_already_holds_text_gets_the_clear_button_at_once(qtbot) -> None:  # type: ignore[no-untyped-def]
    edit = QLineEdit("INC-2026-0004")
    qtbot.addWidget(edit)
    offer_clearing(edit)
    assert edit.isClearButtonEnabled()


def test_the_main_window_search_box_clears_after_a_search(qtbot, desktop) -> None:  # type: ignore[no-untyped-def]
    window = desktop.main_window
    assert window is not None
    shown = window.proxy.rowCount()
    assert shown > 0
    qtbot.keyClicks(window.search, "no incident has this title")
    qtbot.waitUntil(lambda: window.proxy.rowCount() == 0)
    button = clear_button(window.search)
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.search.text() == ""
    qtbot.waitUntil(lambda: window.proxy.rowCount() == shown)
