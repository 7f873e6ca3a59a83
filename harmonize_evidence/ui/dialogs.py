"""Small dialogs: a new incident, a written account."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressDialog,
    QVBoxLayout,
    QWidget,
)

from harmonize_evidence.domain.chain import CustodyEntry
from harmonize_evidence.domain.errors import HarmonizeError
from harmonize_evidence.domain.model import Category, Incident
from harmonize_evidence.domain.text import NOTE_MAX
from harmonize_evidence.domain.urls import PLATFORMS
from harmonize_evidence.ui.errors import show_error
from harmonize_evidence.ui.wording import CATEGORY_NAMES


def progress_dialog(
    text: str,
    title: str,
    parent: QWidget | None,
    *,
    maximum: int = 0,
    shown_after_ms: int = 0,
    accessible_name: str | None = None,
) -> QProgressDialog:
    """A window-modal progress dialog with a Cancel button for a long job on a worker thread.

    It stays open (neither closes nor resets itself at the maximum) until the job's end closes
    it; ``maximum`` 0 makes it a busy indicator until the job reports a total.
    """
    dialog = QProgressDialog(text, "&Cancel", 0, maximum, parent)
    dialog.setWindowTitle(title)
    dialog.setAccessibleName(accessible_name or title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(shown_after_ms)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    return dialog


class ProblemLabel(QLabel):
    """A label for an inline problem that makes its window tall enough to show it whole.

    A wrapped sentence needs more height than the window had when it appeared, and a window
    does not grow by itself for a label that wraps: the police referral's refusal was cut at
    its top and bottom, and the form's boxes squashed to slivers.
    """

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self, self._fit_window)

    def setText(self, text: str) -> None:
        super().setText(text)
        if self.isVisible():  # a longer sentence in its place
            QTimer.singleShot(0, self, self._fit_window)

    def _fit_window(self) -> None:
        window = self.window()
        if window is not self and window.isVisible():
            grow_to_fit(window)


def grow_to_fit(widget: QWidget) -> None:
    """Make ``widget``'s window taller by what ``widget`` now lacks to show everything.

    Dialogs and wizards keep the size they opened with; wrapped text and a large fingerprint
    that appear later would otherwise be squeezed over each other.
    """
    layout = widget.layout()
    if layout is None:
        return
    layout.invalidate()
    layout.activate()
    if layout.hasHeightForWidth():
        needed = layout.totalHeightForWidth(widget.width())
    else:
        needed = layout.totalMinimumSize().height()
    lacking = needed - widget.height()
    if lacking > 0:
        window = widget.window()
        window.resize(window.width(), window.height() + lacking)


def problem_label(accessible_name: str = "Problem") -> QLabel:
    """A label for an inline problem: plain text, bold, hidden until needed."""
    label = ProblemLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setAccessibleName(accessible_name)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    label.hide()
    return label


def accept_if_done(dialog: QDialog, problem: QLabel, action: Callable[[], None]) -> None:
    """Do what the dialog's OK button asks and close it; if the program refuses, say why in the
    dialog's ``problem`` label and keep it open (anything unexpected: the error window)."""
    try:
        action()
    except HarmonizeError as exc:
        problem.setText(exc.message)
        problem.show()
        return
    except Exception as exc:
        show_error(dialog, exc)
        return
    dialog.accept()


_PLATFORM_COLUMNS = 3


class NewIncidentDialog(QDialog):
    """Opens an incident: title, category, platforms, people involved, who reported it."""

    def __init__(
        self,
        create: Callable[..., Incident],
        reporter: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._create = create
        self.incident: Incident | None = None
        self.setWindowTitle("New incident")
        self.setAccessibleName("New incident")
        self.title = QLineEdit()
        self.title.setAccessibleName("Title")
        self.title.setPlaceholderText("e.g. Abusive comments about Ms Lane on TikTok")
        self.title.setMinimumWidth(  # the example is read whole
            self.title.fontMetrics().horizontalAdvance(self.title.placeholderText() + "MMM")
        )
        self.category = QComboBox()
        self.category.setAccessibleName("Category")
        for category in Category:
            self.category.addItem(CATEGORY_NAMES[category], category)
        # A box for each platform, ticked by clicking its name too, all in view at once.
        self.platforms = QWidget()
        self.platforms.setAccessibleName("Platforms")
        grid = QGridLayout(self.platforms)
        grid.setContentsMargins(0, 0, 0, 0)
        self.platform_boxes: dict[str, QCheckBox] = {}
        rows = (len(PLATFORMS) + _PLATFORM_COLUMNS - 1) // _PLATFORM_COLUMNS
        for index, platform in enumerate(PLATFORMS):
            box = QCheckBox("Other" if platform == "other" else platform)
            self.platform_boxes[platform] = box
            grid.addWidget(box, index % rows, index // rows)
        self.people = QPlainTextEdit()
        self.people.setAccessibleName("People involved")
        self.people.setTabChangesFocus(True)
        self.people.setMaximumHeight(self.fontMetrics().height() * 4)
        self.reported_by = QLineEdit(reporter)
        self.reported_by.setAccessibleName("Reported by")
        self.problem = problem_label()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Open incident")
        form = QFormLayout()
        form.addRow("&Title:", self.title)
        form.addRow("&Category:", self.category)
        platforms_label = QLabel("&Platforms:")
        platforms_label.setBuddy(self.platform_boxes[PLATFORMS[0]])
        form.addRow(platforms_label, self.platforms)
        form.addRow("P&eople involved:", self.people)
        form.addRow("&Reported by:", self.reported_by)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 70)

    def checked_platforms(self) -> list[str]:
        """The platforms ticked."""
        return [platform for platform, box in self.platform_boxes.items() if box.isChecked()]

    def submit(self) -> None:
        """Open the incident; problems are shown in the dialog."""

        def create() -> None:
            self.incident = self._create(
                self.title.text(),
                category=Category(self.category.currentData()),
                platforms=self.checked_platforms(),
                people=self.people.toPlainText(),
                reported_by=self.reported_by.text() or None,
            )

        accept_if_done(self, self.problem, create)


class WrittenAccountDialog(QDialog):
    """Writes a written account or contemporaneous note. Once saved it can never change."""

    def __init__(
        self,
        incident: Incident,
        save: Callable[[str], CustodyEntry],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._save = save
        self.entry: CustodyEntry | None = None
        self.discard_question: QMessageBox | None = None
        """The question "Discard this written account?", while it is asked."""
        self._discarding = False
        self.setWindowTitle(f"Written account for {incident.id}")
        self.setAccessibleName("Written account")
        intro = QLabel(
            "Write what you saw and did, in your own words, with times where you know them. "
            "Once saved, an account cannot be changed: a correction is a new account."
        )
        intro.setWordWrap(True)
        self.text = QPlainTextEdit()
        self.text.setAccessibleName("Written account text")
        self.text.setTabChangesFocus(True)
        self.counter = QLabel()
        self.counter.setAccessibleName("Characters used")
        self.problem = problem_label()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("&Save account")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.text)
        layout.addWidget(self.counter)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        self.text.textChanged.connect(self._count)
        self._count()
        self.resize(self.fontMetrics().averageCharWidth() * 80, self.fontMetrics().height() * 22)

    def _count(self) -> None:
        self.counter.setText(f"{len(self.text.toPlainText()):,} of {NOTE_MAX:,} characters")

    def submit(self) -> None:
        """Save the account on the custody chain."""

        def save() -> None:
            self.entry = self._save(self.text.toPlainText())

        accept_if_done(self, self.problem, save)

    @property
    def has_unsaved_text(self) -> bool:
        """Whether words were typed that are not saved."""
        return self.entry is None and bool(self.text.toPlainText().strip())

    def reject(self) -> None:
        """Cancel, Escape or the window's close: typed words are thrown away only once the user
        says so (Escape closed the dialog and lost them without a word)."""
        if self._discarding or not self.has_unsaved_text:
            super().reject()
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Discard this written account?",
            "The account you typed is not saved. Discard it?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.button(QMessageBox.StandardButton.Discard).setText("&Discard it")
        box.button(QMessageBox.StandardButton.Cancel).setText("&Keep writing")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def answered(button: int) -> None:
            self.discard_question = None
            if button == QMessageBox.StandardButton.Discard:
                self.discard()

        box.finished.connect(answered)
        self.discard_question = box
        box.open()

    def discard(self) -> None:
        """Close without saving and without asking (the store locked, or the user said so)."""
        if self.discard_question is not None:
            self.discard_question.close()
        self._discarding = True
        self.reject()
