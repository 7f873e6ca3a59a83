"""The first question of every capture, and the record-only path when the answer is yes.

Could this show a nude or semi-nude image of someone under 18? If yes, or not sure, nothing is
grabbed: the record-only dialog stores a description through
``services.capturing.record_without_image_in`` and tells the user to tell the safeguarding lead.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from harmonize_evidence.domain.errors import BadInput, HarmonizeError
from harmonize_evidence.domain.model import Exhibit, Incident
from harmonize_evidence.domain.post_time import BEFORE_NOW
from harmonize_evidence.domain.school_card import SchoolCard
from harmonize_evidence.domain.text import NOTE_MAX, check_text, one_line
from harmonize_evidence.domain.urls import validate_url
from harmonize_evidence.services.capturing import record_without_image_in
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.school import joined_card
from harmonize_evidence.ui.capture_details import IncidentChooser
from harmonize_evidence.ui.clipboard_watch import fill_from_clipboard
from harmonize_evidence.ui.dialogs import problem_label
from harmonize_evidence.ui.errors import show_error
from harmonize_evidence.ui.post_time_field import PostTimeField
from harmonize_evidence.ui.session import Session
from harmonize_evidence.ui.tasks import Task

UNDER_18_QUESTION = "Could this show a nude or semi-nude image of someone under 18?"
DO_NOT_COPY = "Do not take a screenshot, and do not save, forward or show it to anyone."
WHY_NOT = (
    "The law and the school's safeguarding policy forbid copying it, even as evidence, and even "
    "to show the safeguarding lead."
)
DESCRIBE_IT = (
    "Below, describe what you saw and where, in words. It is kept as a record without an image, "
    "and the incident is marked urgent for the lead."
)


def tell_the_lead(card: SchoolCard | None) -> str:
    """Who to tell now: the lead named on the school card this store joined, with their contact
    as the card gives it; without a card, the school's safeguarding lead."""
    if card is None:
        return "Tell your school's safeguarding lead now, in person or by phone."
    contact = one_line(card.contact)
    reach = f" ({contact})" if contact else ""
    return (
        f"Tell {card.lead}, the safeguarding lead at {card.school}, now, in person or by "
        f"phone{reach}."
    )


def _guidance(card: SchoolCard | None) -> QWidget:
    """What to do now: the one rule in bold, why, then the two steps, numbered."""
    box = QWidget()
    box.setAccessibleName("What to do now")
    layout = QGridLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    rule = QLabel(DO_NOT_COPY)
    font = rule.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.1)
    rule.setFont(font)
    layout.addWidget(rule, 0, 0, 1, 2)
    rows: list[tuple[str, str]] = [("", WHY_NOT), ("1.", tell_the_lead(card)), ("2.", DESCRIBE_IT)]
    for row, (number, text) in enumerate(rows, start=1):
        label = QLabel(text)
        label.setTextFormat(Qt.TextFormat.PlainText)  # the card's names are shown as typed
        label.setWordWrap(True)
        layout.addWidget(QLabel(number), row, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(label, row, 1)
    layout.setColumnStretch(1, 1)
    return box


class CaptureQuestion(QDialog):
    """The first question, asked before anything is grabbed (:data:`UNDER_18_QUESTION`).

    Enter takes the safe answer: yes, or not sure, which grabs nothing.
    """

    answered = Signal(bool)
    """True: it could show such an image, or the user is not sure; False: capture the screen."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Before you capture")
        self.setAccessibleName("Before you capture")
        question = QLabel(UNDER_18_QUESTION)
        font = question.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        question.setFont(font)
        question.setWordWrap(True)
        explanation = QLabel(
            "If it could, or you are not sure, no screenshot will be taken: you will record it "
            "in words instead, and tell the safeguarding lead."
        )
        explanation.setWordWrap(True)
        self.yes_button = QPushButton("&Yes, or I am not sure")
        self.no_button = QPushButton("&No, capture the screen")
        cancel = QPushButton("Cancel")
        self.yes_button.setDefault(True)  # Enter takes the safe answer
        self.no_button.setAutoDefault(False)
        row = QHBoxLayout()
        row.addWidget(self.yes_button)
        row.addWidget(self.no_button)
        row.addStretch()
        row.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(question)
        layout.addWidget(explanation)
        layout.addLayout(row)
        self.yes_button.clicked.connect(lambda: self.answered.emit(True))
        self.no_button.clicked.connect(lambda: self.answered.emit(False))
        cancel.clicked.connect(self.reject)


class RecordOnlyDialog(QDialog):
    """Records content that must not be copied: a description, the address, no image."""

    saved = Signal(object)  # the Exhibit

    def __init__(
        self,
        session: Session,
        incidents: list[Incident],
        current: str | None,
        parent: QWidget | None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self.setWindowTitle("Record without an image")
        self.setAccessibleName("Record without an image")
        joined = joined_card(session.store)
        self.guidance = _guidance(joined.card if joined else None)
        self.url = QLineEdit()
        self.url.setAccessibleName("Web address")
        self.url.setPlaceholderText("https://…")
        # Only an address copied in the last minutes, marked so: an old one from another post
        # must not slip into this record.
        self.from_clipboard = fill_from_clipboard(self.url)
        url_box = QVBoxLayout()
        url_box.addWidget(self.url)
        url_box.addWidget(self.from_clipboard)
        url_label = QLabel("&Web address:")
        url_label.setBuddy(self.url)
        self.description = QPlainTextEdit()
        self.description.setAccessibleName("Description")
        self.description.setTabChangesFocus(True)
        self.description.setPlaceholderText(
            "Where it was, who posted it, who it shows (names only), what the post says"
        )
        # A record is stamped when it is saved, so the time on the post counts from now.
        self.posted_at = PostTimeField(session.clock.now, session.clock.zone, before=BEFORE_NOW)
        self.incident = IncidentChooser(incidents, current)
        self.problem = problem_label()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("&Save the record")
        form = QFormLayout()
        form.addRow(url_label, url_box)
        form.addRow("&Description:", self.description)
        form.addRow("&Time on the post:", self.posted_at)
        form.addRow("&Incident:", self.incident)
        layout = QVBoxLayout(self)
        layout.addWidget(self.guidance)
        layout.addSpacing(self.fontMetrics().height())
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)

    def submit(self) -> None:
        """Store the record (off the GUI thread); problems are shown in the dialog."""
        if not self.posted_at.checked():  # said once, under the time it is about
            self.problem.hide()
            return
        try:
            url = validate_url(self.url.text()) if self.url.text().strip() else None
            description = check_text(
                self.description.toPlainText(), "description", max_length=NOTE_MAX, multiline=True
            )
            posted_at = self.posted_at.text()
            incident = self.incident.choice()
        except BadInput as exc:
            self._show(exc.message)
            return

        def record(store: EvidenceStore, _task: Task[Exhibit]) -> Exhibit:
            return record_without_image_in(
                store, incident, description=description, url=url, posted_at=posted_at
            )

        self.save_button.setEnabled(False)
        self._session.run(record, self._saved, self._failed)

    def _show(self, message: str) -> None:
        self.problem.setText(message)
        self.problem.show()

    def _saved(self, exhibit: Exhibit) -> None:
        self.accept()
        self.saved.emit(exhibit)

    def _failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(error, HarmonizeError):
            self._show(error.message)
        else:
            show_error(self, error)
