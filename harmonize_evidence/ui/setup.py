"""First run: the setup wizard, ending on the recovery key the user must keep and, for a member of
staff, joining their school.

Pages: about you (name, initials, school, role) -> how to unlock (passphrase, with a strength
hint, and the keychain option) -> the recovery key (large, Print, Save as PDF, and a box the user
must tick before continuing) -> (staff only) join your school, which can be skipped: staff can
capture before they join. The store is created by ``services.store.create_store`` on a worker
thread when the user leaves the second page; there is no way back after that.

Why this module is over 500 lines: it is the wizard's four pages, each small, and the wizard that
joins them; they share the wizard's state (the store being made, its key) and are read in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from harmonize_evidence.domain.clock import Clock
from harmonize_evidence.domain.errors import BadInput, HarmonizeError
from harmonize_evidence.domain.model import Producer, Role, suggested_initials, validate_initials
from harmonize_evidence.domain.text import NAME_MAX, check_text
from harmonize_evidence.services.job_title import checked_job_title
from harmonize_evidence.services.store import (
    StoreLocation,
    create_store,
    open_with_key,
)
from harmonize_evidence.ui.dialogs import problem_label
from harmonize_evidence.ui.errors import show_error
from harmonize_evidence.ui.join_school import JoinDone, JoinFailed, JoinSchoolPanel
from harmonize_evidence.ui.passphrase_strength import passphrase_strength
from harmonize_evidence.ui.recovery_sheet import RecoverySheet, draw_sheet, save_sheet_pdf
from harmonize_evidence.ui.strength_meter import StrengthMeter
from harmonize_evidence.ui.tasks import Task, run_task
from harmonize_evidence.ui.wording import local_text

if TYPE_CHECKING:
    from harmonize_evidence.services.school import Joined


@dataclass(frozen=True)
class CreatedStore:
    """What the wizard's worker hands back once the store exists."""

    key: bytes
    recovery_key: str
    fingerprint: str


class AboutYouPage(QWizardPage):
    """Name, initials, school and role."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("About you")
        self.setSubTitle(
            "Your name and initials go on every exhibit you keep (e.g. exhibit ZL/1), as police "
            "label exhibits."
        )
        self.name = QLineEdit()
        self.name.setAccessibleName("Your full name")
        self.initials = QLineEdit()
        self.initials.setAccessibleName("Your initials")
        self.initials.setMaxLength(4)
        self.school = QLineEdit()
        self.school.setAccessibleName("School")
        self.job_title = QLineEdit()
        self.job_title.setAccessibleName("Your job title")
        self.job_title.setPlaceholderText("e.g. Head of Year 9, Teacher of English")
        self.job_title.setToolTip(
            "The report's statement of continuity gives it after your name, as a witness "
            "statement does. You may leave it empty."
        )
        self.staff = QRadioButton("Member of staff")
        self.lead = QRadioButton("Safeguarding lead")
        self.staff.setChecked(True)
        roles = QButtonGroup(self)
        roles.addButton(self.staff)
        roles.addButton(self.lead)
        role_row = QHBoxLayout()
        role_row.addWidget(self.staff)
        role_row.addWidget(self.lead)
        role_row.addStretch()
        self.error = problem_label()

        form = QFormLayout()
        form.addRow("&Full name:", self.name)
        form.addRow("&Initials:", self.initials)
        form.addRow("&School:", self.school)
        form.addRow("&Job title:", self.job_title)
        form.addRow("Role:", role_row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch()

        self._initials_edited = False
        self.name.textEdited.connect(self._name_changed)
        self.initials.textEdited.connect(self._initials_typed)
        for field in (self.name, self.initials, self.school):
            field.textChanged.connect(self.completeChanged)

    def _name_changed(self, name: str) -> None:
        if not self._initials_edited:
            self.initials.setText(suggested_initials(name))

    def _initials_typed(self, _text: str) -> None:
        self._initials_edited = True

    def isComplete(self) -> bool:
        return all(f.text().strip() for f in (self.name, self.initials, self.school))

    def validatePage(self) -> bool:
        try:
            self.producer()
            self.typed_job_title()
        except BadInput as exc:
            self.error.setText(exc.message)
            self.error.show()
            return False
        self.error.hide()
        return True

    def typed_job_title(self) -> str | None:
        """The job title as typed (None when left empty); :class:`BadInput` if not acceptable."""
        typed = self.job_title.text().strip()
        return checked_job_title(typed) if typed else None

    def producer(self) -> Producer:
        """The producer as typed; :class:`BadInput` if a field is not acceptable."""
        return Producer(
            name=check_text(self.name.text().strip(), "name", max_length=NAME_MAX),
            initials=validate_initials(self.initials.text()),
            school=check_text(self.school.text().strip(), "school name", max_length=NAME_MAX),
            role=Role.LEAD if self.lead.isChecked() else Role.STAFF,
        )


class UnlockingPage(QWizardPage):
    """The passphrase (twice, with a strength hint) and whether the keychain also keeps the key."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("Protect the evidence")
        self.setSubTitle(
            "Everything you keep is encrypted. Choose a passphrase that only you know: a short "
            "sentence is easiest to remember."
        )
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        self.again = QLineEdit()
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        self.again.setAccessibleName("Passphrase again")
        self.strength = StrengthMeter()
        self.keychain = QRadioButton(
            "Unlock with my computer login (the key is also kept in this computer's keychain)"
        )
        self.type_it = QRadioButton("Type my passphrase every time I open the program")
        self.keychain.setChecked(True)
        choice = QButtonGroup(self)
        choice.addButton(self.keychain)
        choice.addButton(self.type_it)
        note = QLabel(
            "Either way the passphrase is needed if the keychain is not available, and the "
            "recovery key on the next page opens the store if the passphrase is forgotten."
        )
        note.setWordWrap(True)
        self.error = problem_label()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setAccessibleName("Creating the evidence store")
        self.busy_label = QLabel(
            "Creating your encrypted store and your signing key. This takes a few seconds; "
            "please wait."
        )
        self.busy_label.setWordWrap(True)
        self.busy.hide()
        self.busy_label.hide()

        form = QFormLayout()
        form.addRow("&Passphrase:", self.passphrase)
        form.addRow("&Again:", self.again)
        form.addRow("Strength:", self.strength)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.keychain)
        layout.addWidget(self.type_it)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(self.busy_label)
        layout.addWidget(self.busy)
        layout.addStretch()
        self.passphrase.textChanged.connect(self.strength.show_for)
        self.passphrase.textChanged.connect(self.completeChanged)
        self.again.textChanged.connect(self.completeChanged)
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Create store")
        self._created: CreatedStore | None = None
        self._working = False

    def isComplete(self) -> bool:
        return (
            not self._working
            and passphrase_strength(self.passphrase.text()).acceptable
            and bool(self.again.text())
        )

    def validatePage(self) -> bool:
        if self._created is not None:
            return True
        if self.passphrase.text() != self.again.text():
            self._show_error("The two passphrases are different; type them again.")
            return False
        self._start_creating()
        return False  # the wizard moves on when the store exists

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def _start_creating(self) -> None:
        producer = self._wizard.about.producer()
        job_title = self._wizard.about.typed_job_title()
        passphrase = self.passphrase.text()
        keychain = self.keychain.isChecked()
        location = self._wizard.location
        clock = self._wizard.clock

        def create(_task: Task[CreatedStore]) -> CreatedStore:
            store, recovery_key = create_store(
                location, producer, passphrase, clock, keychain_cache=keychain, job_title=job_title
            )
            with store:  # the creating thread's handle is closed; the GUI opens its own
                fingerprint = store.fingerprint
                key = store.key_for_another_handle()
            return CreatedStore(key, recovery_key, fingerprint)

        self.error.hide()
        self._set_working(True)
        run_task(create, self._created_ok, self._created_failed)

    def _set_working(self, working: bool) -> None:
        """While the store is made: say so, and nothing can be changed, gone back to or
        cancelled (the store is half made until it is done)."""
        self._working = working
        self.busy.setVisible(working)
        self.busy_label.setVisible(working)
        for widget in (self.passphrase, self.again, self.keychain, self.type_it):
            widget.setEnabled(not working)
        self.completeChanged.emit()  # the wizard sets its buttons again: Back and Cancel after
        for button in (QWizard.WizardButton.BackButton, QWizard.WizardButton.CancelButton):
            self._wizard.button(button).setEnabled(not working)

    @property
    def working(self) -> bool:
        """Whether the store is being made now."""
        return self._working

    def _created_ok(self, created: CreatedStore) -> None:
        self._created = created
        self._set_working(False)
        self._wizard.store_created(created)
        self._wizard.next()

    def _created_failed(self, error: BaseException) -> None:
        self._set_working(False)
        if isinstance(error, HarmonizeError):
            self._show_error(error.message)
        else:
            show_error(self, error)


def key_in_two_lines(recovery_key: str) -> str:
    """The recovery key as the page shows it: four groups on each line, so that it never wraps
    inside a group (``ABCD-EFGH-IJKL-MNOP-`` above ``QRST-UVWX-YZ23-4567``)."""
    groups = recovery_key.split("-")
    half = (len(groups) + 1) // 2
    return "-".join(groups[:half]) + "-\n" + "-".join(groups[half:])


class RecoveryKeyPage(QWizardPage):
    """The recovery key, large, with Print and Save as PDF; the user confirms they kept it."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("Your recovery key")
        self.setSubTitle(
            "If the passphrase is forgotten, this key is the only way into the evidence. It is "
            "shown only this once: print it, and give it to the school office to keep safe."
        )
        self.key = QLabel()
        self.key.setTextFormat(Qt.TextFormat.PlainText)
        self.key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key.setAccessibleName("Recovery key")
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(QFont().pointSizeF() * 2.2)
        font.setBold(True)
        self.key.setFont(font)
        self.key.setFrameShape(QLabel.Shape.StyledPanel)
        self.key.setMargin(12)
        self.print_button = QPushButton("&Print…")
        self.print_button.setAccessibleName("Print the recovery key")
        self.pdf_button = QPushButton("Save as P&DF…")
        self.pdf_button.setAccessibleName("Save the recovery key as a PDF")
        self.saved_to = QLabel()
        self.saved_to.setTextFormat(Qt.TextFormat.PlainText)
        self.saved_to.setWordWrap(True)
        self.kept = QCheckBox(
            "I have printed or saved the recovery key, and I will give it to the school office"
        )
        self.kept.setAccessibleName("I have kept the recovery key")
        buttons = QHBoxLayout()
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.pdf_button)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.addWidget(self.key)
        layout.addLayout(buttons)
        layout.addWidget(self.saved_to)
        layout.addStretch()
        layout.addWidget(self.kept)
        self.kept.toggled.connect(self.completeChanged)
        self.print_button.clicked.connect(self.print_sheet)
        self.pdf_button.clicked.connect(self.choose_pdf)

    def initializePage(self) -> None:
        created = self._wizard.created
        self.key.setText(key_in_two_lines(created.recovery_key) if created else "")

    def isComplete(self) -> bool:
        return self.kept.isChecked()

    def nextId(self) -> int:
        # A member of staff joins their school next; the lead's setup ends here.
        if self._wizard.about.producer().role is Role.STAFF:
            return self._wizard.join_page_id
        return -1

    def sheet(self) -> RecoverySheet:
        """What the printed sheet says."""
        created = self._wizard.created
        producer = self._wizard.about.producer()
        assert created is not None
        return RecoverySheet(
            recovery_key=created.recovery_key,
            name=producer.name,
            school=producer.school,
            store_folder=str(self._wizard.location.directory),
            created=local_text(self._wizard.clock.now(), self._wizard.clock.zone),
            fingerprint=created.fingerprint,
        )

    def print_sheet(self) -> None:
        """Print the sheet through the system's print dialog."""
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print the recovery key")
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return
        try:
            draw_sheet(printer, self.sheet())
        except HarmonizeError as exc:
            show_error(self, exc)
            return
        self.saved_to.setText("Sent to the printer. Check that the page came out.")

    def choose_pdf(self) -> None:
        """Ask where to save the PDF, then save it."""
        suggested = str(Path.home() / "Harmonize Evidence recovery key.pdf")
        name, _ = QFileDialog.getSaveFileName(
            self, "Save the recovery key as a PDF", suggested, "PDF (*.pdf)"
        )
        if name:
            self.save_pdf(Path(name))

    def save_pdf(self, path: Path) -> None:
        """Save the sheet as a PDF at ``path``."""
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        try:
            save_sheet_pdf(path, self.sheet())
        except HarmonizeError as exc:
            show_error(self, exc)
            return
        self.saved_to.setText(
            f"Saved to {path}. Print it, then delete the file: anyone who finds it could use it."
        )


class JoinSchoolPage(QWizardPage):
    """(staff) Join the school with the card from the lead, or skip and join later."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("Join your school")
        self.setSubTitle(
            "So that you can hand incidents to your safeguarding lead. No card yet? Skip this: "
            "capture evidence now, and join later from the Handover menu."
        )
        self.panel = JoinSchoolPanel(self._start_join, None)
        self.panel.joined.connect(self._joined)
        self.panel.busy_changed.connect(lambda _busy: self.completeChanged.emit())
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel)
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Skip and open Harmonize Evidence")

    def _start_join(
        self, data: bytes, fingerprint: str, how: str, done: JoinDone, failed: JoinFailed
    ) -> Task[Joined]:
        # Imported here: the school card's checks are not needed to show the wizard.
        from harmonize_evidence.services.school import join_school

        created = self._wizard.created
        assert created is not None
        location, clock = self._wizard.location, self._wizard.clock

        def join(_task: Task[Joined]) -> Joined:
            with open_with_key(location, created.key, clock) as store:
                return join_school(store, data, fingerprint, how)

        return run_task(join, done, failed)

    def _joined(self, _joined: Joined) -> None:
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Open Harmonize Evidence")

    def isComplete(self) -> bool:
        return not self.panel.busy


class SetupWizard(QWizard):
    """The first-run wizard. Emits :attr:`finished_setup` with the new store's key."""

    finished_setup = Signal(bytes)

    def __init__(
        self, location: StoreLocation, clock: Clock, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.location = location
        self.clock = clock
        self.created: CreatedStore | None = None
        self.setWindowTitle("Set up Harmonize Evidence")
        self.setAccessibleName("Set up Harmonize Evidence")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.about = AboutYouPage()
        self.unlocking = UnlockingPage(self)
        self.recovery = RecoveryKeyPage(self)
        self.join = JoinSchoolPage(self)
        self.addPage(self.about)
        self.addPage(self.unlocking)
        self.addPage(self.recovery)
        self.join_page_id = self.addPage(self.join)
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Open Harmonize Evidence")

    def store_created(self, created: CreatedStore) -> None:
        """Called by the passphrase page once the store exists."""
        self.created = created
        # From here the wizard cannot be left before the recovery key is kept: no Cancel that
        # would do nothing.
        self.setOption(QWizard.WizardOption.NoCancelButton, True)

    def accept(self) -> None:
        if self.created is None:
            return
        key = self.created.key
        super().accept()
        self.finished_setup.emit(key)

    def reject(self) -> None:
        if self.currentPage() is self.join:
            self.accept()  # closing the last page skips joining
            return
        if self.created is not None or self.unlocking.working:
            return  # being made, or made: the user must confirm the recovery key first
        super().reject()

    def back(self) -> None:
        if self.unlocking.working:
            return  # Alt+B while the store is being made
        super().back()
