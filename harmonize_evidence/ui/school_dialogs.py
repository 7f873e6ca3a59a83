"""The windows of joining a school: the lead sharing the school card, a member of staff joining
with it (:mod:`~harmonize_evidence.ui.join_school`), and the lead confirming a member of staff's
identity on their first handover; and what they share: a fingerprint shown to be read aloud.

Each fingerprint that people must compare by a second channel (in person, by phone) is shown
large in its short read-aloud form, with the full form smaller under it. A school card is joined
only once its fingerprint was typed or compared; the joining itself runs off the GUI thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from harmonize_evidence.domain.errors import BadInput, HarmonizeError
from harmonize_evidence.domain.handover import short_fingerprint
from harmonize_evidence.domain.text import NAME_MAX, check_text
from harmonize_evidence.ui.dialogs import grow_to_fit, problem_label
from harmonize_evidence.ui.errors import show_error

if TYPE_CHECKING:
    from harmonize_evidence.services.evidence import EvidenceStore
    from harmonize_evidence.ui.session import Session
    from harmonize_evidence.ui.tasks import Task

CARD_FILES = "School cards (*.json);;All files (*)"


def plain_label(text: str = "", *, wrap: bool = True, selectable: bool = False) -> QLabel:
    """A label that shows ``text`` as it is (never as markup), wrapped unless ``wrap`` is off."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)  # names and contacts are data, never markup
    label.setWordWrap(wrap)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def full_fingerprint_lines(fingerprint: str) -> str:
    """The full fingerprint in two lines of 16 pairs, so a dialog shows it whole."""
    pairs = fingerprint.split(":")
    half = (len(pairs) + 1) // 2
    return ":".join(pairs[:half]) + "\n" + ":".join(pairs[half:])


class FingerprintPanel(QFrame):
    """A fingerprint to read aloud or compare: the short form large, the full form under it."""

    def __init__(self, heading: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.heading = plain_label(heading)
        self.short = plain_label(wrap=False, selectable=True)
        self.short.setAccessibleName("Fingerprint to read aloud")
        self.short.setAlignment(Qt.AlignmentFlag.AlignCenter)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        big = QFont(mono)
        big.setPointSizeF(QFont().pointSizeF() * 2.2)
        big.setBold(True)
        self.short.setFont(big)
        self.full = plain_label(wrap=False, selectable=True)
        self.full.setAccessibleName("Fingerprint in full (SHA-256)")
        self.full.setAlignment(Qt.AlignmentFlag.AlignCenter)
        small = QFont(mono)
        small.setPointSizeF(QFont().pointSizeF() * 0.9)
        self.full.setFont(small)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.short)
        layout.addWidget(self.full)

    def show_fingerprint(self, fingerprint: str) -> None:
        """Show ``fingerprint`` (colon-separated SHA-256)."""
        self.short.setText(short_fingerprint(fingerprint))
        self.full.setText("In full (SHA-256):\n" + full_fingerprint_lines(fingerprint))


class ShareCardDialog(QDialog):
    """(lead) Saves the school card where the lead chooses, and shows the fingerprint to read."""

    saved = Signal(object)  # the card's Path

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from harmonize_evidence.services.school import lead_contact

        store = session.store
        self._session = session
        self.path: Path | None = None
        self.setWindowTitle("Share the school card")
        self.setAccessibleName("Share the school card")
        intro = plain_label(
            "Staff need this card to hand incidents over to you. Save it, give it to them (a USB "
            "stick, the school's email), then read them the fingerprint below in person or by "
            "phone: the program uses the card only once they have confirmed it."
        )
        self.contact = QPlainTextEdit(lead_contact(store))
        self.contact.setAccessibleName("Contact for staff")
        self.contact.setPlaceholderText("e.g. 01234 567890, dsl@school.example")
        self.contact.setTabChangesFocus(True)
        self.contact.setMaximumHeight(self.fontMetrics().height() * 4)
        form = QFormLayout()
        form.addRow("School:", plain_label(store.producer.school))
        form.addRow("Safeguarding lead:", plain_label(store.producer.name))
        form.addRow("&Contact for staff:", self.contact)
        self.fingerprint = FingerprintPanel("Fingerprint to read to staff:")
        self.fingerprint.show_fingerprint(store.fingerprint)
        advice = plain_label(
            "Read it to each member of staff yourself, in person or by phone, never in the email "
            "or message that carries the card: that is how they know the card is yours."
        )
        self.problem = problem_label()
        self.saved_to = plain_label(selectable=True)
        self.saved_to.setAccessibleName("Where the card was saved")
        self.saved_to.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.save_button = QPushButton("&Save the card…")
        self.save_button.setDefault(True)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button.clicked.connect(self.choose_file)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.fingerprint)
        layout.addWidget(advice)
        layout.addWidget(self.problem)
        layout.addWidget(self.saved_to)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)

    def choose_file(self) -> None:
        """Ask where to save the card, then save it."""
        suggested = str(Path.home() / "school-card.json")
        name, _ = QFileDialog.getSaveFileName(self, "Save the school card", suggested, CARD_FILES)
        if name:
            self.save(Path(name))

    def save(self, path: Path) -> None:
        """Make the card with the contact as typed and write it to ``path`` (off the GUI thread)."""
        from harmonize_evidence.services.out_paths import target_path
        from harmonize_evidence.services.school import make_school_card, write_card

        contact = self.contact.toPlainText().strip()
        if path.suffix.lower() != ".json":
            path = path.with_name(path.name + ".json")

        def work(store: EvidenceStore, _task: Task[Path]) -> Path:
            data, _fingerprint = make_school_card(store, contact)
            target, made = target_path(path, "school-card.json", what="school card")
            write_card(target, made, data)
            return target

        self.save_button.setEnabled(False)
        self.problem.hide()
        self._session.run(work, self._saved, self._failed)

    def _saved(self, target: Path) -> None:
        self.save_button.setEnabled(True)
        self.path = target
        self.saved_to.setText(
            f"The card is saved in {target}. Give it to your staff, then read them the fingerprint."
        )
        self.saved_to.show()
        self.problem.hide()
        grow_to_fit(self)
        self.saved.emit(target)

    def _failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(error, HarmonizeError):
            self.problem.setText(error.message)
            self.problem.show()
            grow_to_fit(self)
        else:
            show_error(self, error)


class ConfirmStaffDialog(QDialog):
    """(lead) A first handover from a member of staff: confirm their fingerprint with them."""

    OTHER_HOW = "other"

    def __init__(
        self,
        sender: str,
        school: str,
        fingerprint: str,
        same_name_held: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Confirm who sent this handover")
        self.setAccessibleName("Confirm who sent this handover")
        self.confirmed_how = ""
        intro = plain_label(
            f"This handover is from {sender}, {school}, whose identity this program has not "
            "confirmed yet. Nothing has been stored."
        )
        heading = QFont(intro.font())
        heading.setBold(True)
        intro.setFont(heading)
        self.intro = intro
        self.warning = problem_label("Another key under this name")
        if same_name_held:
            self.warning.setText(
                f"A different key is already held under the name {sender}: this is another "
                "person, or a new installation of theirs. Check with them before you confirm."
            )
            self.warning.show()
        ask = plain_label(
            "Ask them for their fingerprint in person or by phone (not by the email or message "
            "that brought the file; they find it under Help, About Harmonize Evidence) and "
            "check that it is this one:"
        )
        self.fingerprint = FingerprintPanel("Their fingerprint:")
        self.fingerprint.show_fingerprint(fingerprint)
        self.in_person = QRadioButton("In &person")
        self.by_phone = QRadioButton("By p&hone")
        self.other = QRadioButton("&Other:")
        self.other_how = QLineEdit()
        self.other_how.setAccessibleName("How else it was confirmed")
        self.other_how.setEnabled(False)
        group = QButtonGroup(self)
        for button in (self.in_person, self.by_phone, self.other):
            group.addButton(button)
        group.buttonToggled.connect(lambda *_args: self._update())
        self.other_how.textChanged.connect(self._update)
        how_row = QHBoxLayout()
        how_row.addWidget(plain_label("I checked it with them:", wrap=False))
        how_row.addWidget(self.in_person)
        how_row.addWidget(self.by_phone)
        how_row.addWidget(self.other)
        how_row.addWidget(self.other_how, 1)
        self.problem = problem_label()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.receive_button = QPushButton("It &matches: receive")
        buttons.addButton(self.receive_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.warning)
        layout.addWidget(ask)
        layout.addWidget(self.fingerprint)
        layout.addLayout(how_row)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)
        self._update()

    def how(self) -> str:
        """How the lead checked the fingerprint, as the custody entry records it."""
        if self.in_person.isChecked():
            return "in person"
        if self.by_phone.isChecked():
            return "by phone"
        if self.other.isChecked():
            return self.other_how.text().strip()
        return ""

    def _update(self) -> None:
        self.other_how.setEnabled(self.other.isChecked())
        self.receive_button.setEnabled(bool(self.how()))

    def submit(self) -> None:
        """Accept once the lead has said how they checked it."""
        how = self.how()
        try:
            self.confirmed_how = check_text(
                how, "how the fingerprint was checked", max_length=NAME_MAX
            )
        except BadInput as exc:
            self.problem.setText(exc.message)
            self.problem.show()
            grow_to_fit(self)
            return
        self.accept()
