"""The windows of joining a school: the lead sharing the school card, a member of staff joining
with it, and the lead confirming a member of staff's identity on their first handover.

Each fingerprint that people must compare by a second channel (in person, by phone) is shown
large in its short read-aloud form, with the full form smaller under it. A school card is joined
only once its fingerprint was typed or compared; the joining itself runs off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
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
from harmonize_evidence.ui.dialogs import problem_label
from harmonize_evidence.ui.errors import show_error

if TYPE_CHECKING:
    from harmonize_evidence.services.evidence import EvidenceStore
    from harmonize_evidence.services.school import Joined
    from harmonize_evidence.ui.session import Session
    from harmonize_evidence.ui.tasks import Task

JoinDone = Callable[["Joined"], None]
JoinFailed = Callable[[BaseException], None]
StartJoin = Callable[[bytes, str, str, JoinDone, JoinFailed], object]
"""Joins a card off the GUI thread: (card bytes, fingerprint confirmed, how, done, failed)."""

CARD_FILES = "School cards (*.json);;All files (*)"


def _plain(text: str = "", *, wrap: bool = True, selectable: bool = False) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)  # names and contacts are data, never markup
    label.setWordWrap(wrap)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


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
        self.heading = _plain(heading)
        self.short = _plain(wrap=False, selectable=True)
        self.short.setAccessibleName("Fingerprint to read aloud")
        self.short.setAlignment(Qt.AlignmentFlag.AlignCenter)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        big = QFont(mono)
        big.setPointSizeF(QFont().pointSizeF() * 2.2)
        big.setBold(True)
        self.short.setFont(big)
        self.full = _plain(wrap=False, selectable=True)
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
        intro = _plain(
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
        form.addRow("School:", _plain(store.producer.school))
        form.addRow("Safeguarding lead:", _plain(store.producer.name))
        form.addRow("&Contact for staff:", self.contact)
        self.fingerprint = FingerprintPanel("Fingerprint to read to staff:")
        self.fingerprint.show_fingerprint(store.fingerprint)
        advice = _plain(
            "Read it to each member of staff yourself, in person or by phone, never in the email "
            "or message that carries the card: that is how they know the card is yours."
        )
        self.problem = problem_label()
        self.saved_to = _plain(selectable=True)
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


class JoinSchoolPanel(QWidget):
    """(staff) Choose the school card, confirm its fingerprint with the lead, join.

    Emits :attr:`joined` with the :class:`~harmonize_evidence.services.school.Joined`.
    """

    joined = Signal(object)
    busy_changed = Signal(bool)
    """True while a join runs off the GUI thread."""

    def __init__(
        self, start_join: StartJoin, current: Joined | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._start_join = start_join
        self._data: bytes | None = None
        self._fingerprint = ""
        self._working = False
        self.result: Joined | None = None
        self.problem = problem_label()

        self.choose_button = QPushButton("&Choose the school card…")
        self.card_file = _plain(selectable=True)
        self.card_file.setAccessibleName("School card file")
        choose_row = QHBoxLayout()
        choose_row.addWidget(self.choose_button)
        choose_row.addWidget(self.card_file, 1)
        self.choose_button.clicked.connect(self.choose_file)

        self.current = _plain()
        self.current.setAccessibleName("The school joined now")
        if current is not None:
            self.current.setText(
                f"This program has joined {current.card.school}: handovers go to "
                f"{current.card.lead}. A card from a new lead replaces it; later handovers go "
                "to the new lead, and the change is recorded."
            )
        else:
            self.current.hide()

        self.school = _plain()
        self.lead = _plain()
        self.contact = _plain(selectable=True)
        self.details = QWidget()
        form = QFormLayout(self.details)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("School:", self.school)
        form.addRow("Safeguarding lead:", self.lead)
        form.addRow("Contact:", self.contact)
        self.replacing = problem_label("Replacing the school joined before")

        ask = _plain(
            "Before this card is used, check that it is your lead's: ask them for its "
            "fingerprint in person or by phone (not by the email or message that brought the "
            "card), and type it here."
        )
        self.typed = QLineEdit()
        self.typed.setAccessibleName("Fingerprint your lead told you")
        self.typed.setPlaceholderText("e.g. 3F2A-91C0-7B44-E1D2-0A9F")
        self.typed.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.typed.textChanged.connect(self._update)
        self.typed.textEdited.connect(lambda _text: self.problem.hide())
        self.compare_button = QPushButton("Or c&ompare it with the card's instead")
        self.compare_button.setCheckable(True)
        self.compare_button.toggled.connect(self._compare_toggled)
        self.card_fingerprint = FingerprintPanel("The card's fingerprint:")
        self.card_fingerprint.hide()
        self.same = QCheckBox("It is exactly what my lead told me, in person or by phone")
        self.same.setAccessibleName("The fingerprint is what my lead told me")
        self.same.hide()
        self.same.toggled.connect(self._update)
        self.in_person = QRadioButton("In &person")
        self.by_phone = QRadioButton("By p&hone")
        how = QButtonGroup(self)
        how.addButton(self.in_person)
        how.addButton(self.by_phone)
        how.buttonToggled.connect(lambda *_args: self._update())
        how_row = QHBoxLayout()
        how_row.addWidget(_plain("My lead told me:", wrap=False))
        how_row.addWidget(self.in_person)
        how_row.addWidget(self.by_phone)
        how_row.addStretch()
        self.join_button = QPushButton("&Join")
        self.join_button.clicked.connect(self.join)
        join_row = QHBoxLayout()
        join_row.addStretch()
        join_row.addWidget(self.join_button)

        self.confirming = QWidget()
        confirm_layout = QVBoxLayout(self.confirming)
        confirm_layout.setContentsMargins(0, 0, 0, 0)
        confirm_layout.addWidget(self.details)
        confirm_layout.addWidget(self.replacing)
        confirm_layout.addWidget(ask)
        confirm_layout.addWidget(self.typed)
        confirm_layout.addWidget(self.compare_button, 0, Qt.AlignmentFlag.AlignLeft)
        confirm_layout.addWidget(self.card_fingerprint)
        confirm_layout.addWidget(self.same)
        confirm_layout.addLayout(how_row)
        confirm_layout.addLayout(join_row)
        self.confirming.hide()

        self.outcome = _plain(selectable=True)
        self.outcome.setAccessibleName("Joined")
        self.outcome.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.current)
        layout.addLayout(choose_row)
        layout.addWidget(self.confirming)
        layout.addWidget(self.problem)
        layout.addWidget(self.outcome)
        layout.addStretch()
        self._current = current
        self._update()

    # -- choosing the card -----------------------------------------------------------------------

    def choose_file(self) -> None:
        """Ask for the school card file."""
        name, _ = QFileDialog.getOpenFileName(
            self, "Choose the school card", str(Path.home()), CARD_FILES
        )
        if name:
            self.load_card(Path(name))

    def load_card(self, path: Path) -> bool:
        """Read the card at ``path`` and show whose it is; False (saying why) if it is not one."""
        from harmonize_evidence.services.school import read_card

        self._data = None
        self.confirming.hide()
        self.outcome.hide()
        self.card_file.setText(path.name)
        try:
            data = path.read_bytes()
            card, fingerprint = read_card(data)
        except OSError as exc:
            self._show_problem(f"{path} cannot be read ({exc.strerror or exc}).")
            return False
        except HarmonizeError as exc:
            self._show_problem(exc.message)
            return False
        self.problem.hide()
        self._data = data
        self._fingerprint = fingerprint
        self.school.setText(card.school)
        self.lead.setText(card.lead)
        self.contact.setText(card.contact or "(none given)")
        current = self._current
        if current is not None and current.fingerprint != fingerprint:
            self.replacing.setText(
                f"Joining with this card replaces {current.card.school} (lead "
                f"{current.card.lead}): later handovers go to {card.lead}."
            )
            self.replacing.show()
        else:
            self.replacing.hide()
        self.card_fingerprint.show_fingerprint(fingerprint)
        self.typed.clear()
        self.same.setChecked(False)
        self.compare_button.setChecked(False)
        self.confirming.show()
        self._update()
        self.typed.setFocus()
        grow_to_fit(self)
        return True

    def _compare_toggled(self, comparing: bool) -> None:
        self.problem.hide()
        self.compare_button.setText(
            "Type it &instead" if comparing else "Or c&ompare it with the card's instead"
        )
        self.card_fingerprint.setVisible(comparing)
        self.same.setVisible(comparing)
        self.typed.setEnabled(not comparing)
        if not comparing:
            self.same.setChecked(False)
        self._update()
        grow_to_fit(self)

    # -- joining ---------------------------------------------------------------------------------

    def confirmed_fingerprint(self) -> str:
        """What the user confirmed: the fingerprint typed, or the card's when they compared it."""
        if self.compare_button.isChecked():
            return self._fingerprint if self.same.isChecked() else ""
        return self.typed.text().strip()

    def how(self) -> str:
        """How the fingerprint reached the user."""
        if self.in_person.isChecked():
            return "in person"
        if self.by_phone.isChecked():
            return "by phone"
        return ""

    @property
    def busy(self) -> bool:
        """Whether a join is running."""
        return self._working

    def _update(self) -> None:
        self.join_button.setEnabled(
            not self._working
            and self._data is not None
            and bool(self.confirmed_fingerprint())
            and bool(self.how())
        )

    def join(self) -> None:
        """Join with the card, off the GUI thread; a fingerprint that differs joins nothing."""
        fingerprint, how = self.confirmed_fingerprint(), self.how()
        if self._data is None or not fingerprint or not how:
            return
        self._working = True
        self.problem.hide()
        self._update()
        self.busy_changed.emit(True)
        self._start_join(self._data, fingerprint, how, self._joined, self._failed)

    def _joined(self, joined: Joined) -> None:
        from harmonize_evidence.services.school import joined_text

        self._working = False
        self.busy_changed.emit(False)
        self.result = joined
        self.confirming.hide()
        self.current.hide()
        self.choose_button.setEnabled(False)
        self.outcome.setText(joined_text(joined))
        self.outcome.show()
        grow_to_fit(self)
        self._update()
        self.joined.emit(joined)

    def _failed(self, error: BaseException) -> None:
        self._working = False
        self.busy_changed.emit(False)
        self._update()
        if isinstance(error, HarmonizeError):
            self._show_problem(error.message)
        else:
            show_error(self, error)

    def _show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()
        grow_to_fit(self)


class JoinSchoolDialog(QDialog):
    """(staff) "Join your school…": the join panel in a window of its own."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from harmonize_evidence.services.school import join_school, joined_card

        self.setWindowTitle("Join your school")
        self.setAccessibleName("Join your school")
        intro = _plain(
            "Joining your school lets you hand incidents over to your safeguarding lead, "
            "encrypted so that only they can open them. Your lead gives you the school card."
        )

        def start_join(
            data: bytes, fingerprint: str, how: str, done: JoinDone, failed: JoinFailed
        ) -> object:
            return session.run(
                lambda store, _task: join_school(store, data, fingerprint, how), done, failed
            )

        self.panel = JoinSchoolPanel(start_join, joined_card(session.store))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        self.panel.joined.connect(lambda _joined: self.close_button.setDefault(True))
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.panel, 1)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)


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
        intro = _plain(
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
        ask = _plain(
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
        how_row.addWidget(_plain("I checked it with them:", wrap=False))
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
