"""The incident view offers a member of staff a clear way to change the category or status of
their own open incident, with a reason that goes on the custody log."""

from __future__ import annotations

from PySide6.QtCore import Qt

from harmonize_evidence.domain.model import Category, Status
from harmonize_evidence.ui.app import DesktopApp
from harmonize_evidence.ui.incident_change import CLOSING_IS_FINAL, IncidentChangeDialog
from harmonize_evidence.ui.models import CustodyTableModel
from tests.ui.conftest import SeededStore
from tests.ui.helpers import main, mnemonic_clashes


def _open_dialog(qtbot, window) -> IncidentChangeDialog:  # type: ignore[no-untyped-def]
    view = window.incident_view
    assert view.change_button.isVisible() and view.change_button.isEnabled()
    qtbot.mouseClick(view.change_button, Qt.MouseButton.LeftButton)
    dialogs = [d for d in window.dialogs if isinstance(d, IncidentChangeDialog)]
    assert len(dialogs) == 1
    qtbot.waitExposed(dialogs[0])
    return dialogs[0]


def test_staff_close_their_incident_with_a_reason_and_the_log_says_so_in_words(
    qtbot, desktop: DesktopApp, seeded: SeededStore
) -> None:
    window = main(desktop)
    view = window.incident_view
    assert view.incident is not None and view.incident.id == seeded.photo
    store = window.session.store
    before = len(store.log(seeded.photo))

    dialog = _open_dialog(qtbot, window)
    assert mnemonic_clashes(dialog) == {}
    assert dialog.category.currentText() == "Cyberbullying of a member of staff (now)"
    assert dialog.status.currentText() == "Open (now)"
    dialog.status.setCurrentIndex(dialog.status.findData(Status.CLOSED))
    assert dialog.closing_note.isVisible() and dialog.closing_note.text() == CLOSING_IS_FINAL

    # Without a reason: one sentence in the dialog, which stays open, and nothing recorded.
    dialog.save_button.click()
    assert dialog.isVisible()
    assert dialog.problem.isVisible()
    assert dialog.problem.text() == (
        "Give a reason for the change: the custody log keeps it with the old and the new value; "
        "nothing was changed."
    )
    assert len(store.log(seeded.photo)) == before

    dialog.category.setCurrentIndex(dialog.category.findData(Category.PUPIL_CYBERBULLYING))
    dialog.reason.setPlainText("The comments are about Pupil A, and the post was removed.")
    dialog.save_button.click()

    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: view.incident is not None and view.incident.status is Status.CLOSED)
    assert view.incident.category is Category.PUPIL_CYBERBULLYING
    assert "Closed" in view.summary.text() and "Cyberbullying of a pupil" in view.summary.text()
    rows = view.custody.rowCount()
    action = CustodyTableModel.COLUMN_ACTION
    said = [view.custody.index(row, action).data() for row in (rows - 2, rows - 1)]
    assert said == ["Category changed to Cyberbullying of a pupil", "Status changed to Closed"]
    tip = view.custody.index(rows - 1, action).data(Qt.ItemDataRole.ToolTipRole)
    assert tip == (
        "From Open to Closed. Reason: The comments are about Pupil A, and the post was removed."
    )
    # A closed incident cannot be changed again, and the button says why.
    assert not view.change_button.isEnabled()
    assert "is closed" in view.change_button.toolTip()
    assert store.verify(seeded.photo).ok


def test_the_change_button_of_a_closed_incident_says_why_it_is_off(
    qtbot, desktop: DesktopApp, seeded: SeededStore
) -> None:
    window = main(desktop)
    window.select_incident(seeded.closed)
    view = window.incident_view
    qtbot.waitUntil(lambda: view.incident is not None and view.incident.id == seeded.closed)
    assert view.change_button.isVisible()
    assert not view.change_button.isEnabled()
    assert view.change_button.toolTip() == (
        f"{seeded.closed} is closed, so its category and status can no longer be changed."
    )
