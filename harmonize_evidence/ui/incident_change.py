"""The dialog in which a member of staff changes the category or status of their own incident.

It shows the incident's category and status as they are, lets either (or both) be chosen anew,
and asks why. Saving calls :func:`~harmonize_evidence.services.incident_changes.change_incident`,
which records one custody entry per changed value; when the rules refuse (no reason, nothing
changed) the dialog shows the sentence and stays open, and nothing is recorded.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from harmonize_evidence.domain.model import Category, Incident, Status
from harmonize_evidence.services.incident_changes import STAFF_STATUSES, IncidentChanged
from harmonize_evidence.ui.dialogs import accept_if_done, problem_label
from harmonize_evidence.ui.wording import CATEGORY_NAMES, STATUS_NAMES

ChangeIncident = Callable[[Category | None, Status | None, str], IncidentChanged]
"""Records the change: (new category or None, new status or None, reason)."""

CLOSING_IS_FINAL = (
    "Once closed, the incident's category and status cannot be changed again. You can still "
    "hand it over to the safeguarding lead."
)


class IncidentChangeDialog(QDialog):
    """The category and status of one incident, and the reason for changing them.

    After Save, :attr:`changed` holds what was recorded.
    """

    def __init__(
        self,
        incident: Incident,
        change: ChangeIncident,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._incident = incident
        self._change = change
        self.changed: IncidentChanged | None = None
        self.setWindowTitle(f"Change the category or status of {incident.id}")
        self.setAccessibleName("Change category or status")
        title = QLabel(f"{incident.id}: {incident.title}")
        title.setTextFormat(Qt.TextFormat.PlainText)
        title.setWordWrap(True)
        bold = title.font()
        bold.setBold(True)
        title.setFont(bold)
        intro = QLabel(
            "Choose a new category, a new status, or both, and say why. The custody log keeps "
            "the old value, the new one and your reason; nothing earlier is changed."
        )
        intro.setWordWrap(True)
        self.category = QComboBox()
        self.category.setAccessibleName("Category")
        for category in Category:
            self.category.addItem(_now(CATEGORY_NAMES[category], category is incident.category))
            self.category.setItemData(self.category.count() - 1, category)
        self.category.setCurrentIndex(list(Category).index(incident.category))
        self.status = QComboBox()
        self.status.setAccessibleName("Status")
        for status in (incident.status, *(s for s in STAFF_STATUSES if s is not incident.status)):
            self.status.addItem(_now(STATUS_NAMES[status], status is incident.status), status)
        self.status.setCurrentIndex(0)
        self.closing_note = QLabel(CLOSING_IS_FINAL)
        self.closing_note.setWordWrap(True)
        self.closing_note.setAccessibleName("Closing is final")
        self.closing_note.hide()
        self.reason = QPlainTextEdit()
        self.reason.setAccessibleName("Reason for the change")
        self.reason.setTabChangesFocus(True)
        self.reason.setPlaceholderText(
            "e.g. The posts are about a pupil, not about me; or: the post was removed and the "
            "parents spoke to the head teacher"
        )
        self.problem = problem_label()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button: QPushButton = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("&Save the change")
        category_label = QLabel("&Category:")
        category_label.setBuddy(self.category)
        status_label = QLabel("S&tatus:")
        status_label.setBuddy(self.status)
        reason_label = QLabel("&Reason:")
        reason_label.setBuddy(self.reason)
        form = QFormLayout()
        form.addRow(category_label, self.category)
        form.addRow(status_label, self.status)
        form.addRow("", self.closing_note)
        form.addRow(reason_label, self.reason)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        # The dialog grows when the note on closing or a problem appears, never hiding either.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        self.status.currentIndexChanged.connect(self._status_chosen)
        self.category.currentIndexChanged.connect(self.problem.hide)
        self.reason.textChanged.connect(self.problem.hide)
        metrics = self.fontMetrics()
        self.reason.setMinimumHeight(metrics.lineSpacing() * 5)
        self.reason.setMinimumWidth(metrics.averageCharWidth() * 64)

    def _status_chosen(self, _index: int) -> None:
        self.problem.hide()
        self.closing_note.setVisible(self.status.currentData() == Status.CLOSED)

    def submit(self) -> None:
        """Record the change on the custody log; a refusal is shown in the dialog."""
        category = Category(self.category.currentData())
        status = Status(self.status.currentData())

        def change() -> None:
            self.changed = self._change(
                None if category is self._incident.category else category,
                None if status is self._incident.status else status,
                self.reason.toPlainText(),
            )

        accept_if_done(self, self.problem, change)


def _now(name: str, current: bool) -> str:
    return f"{name} (now)" if current else name
