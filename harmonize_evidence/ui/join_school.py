"""A member of staff joining their school: the school card chosen, its fingerprint typed as the
lead reads it out (or compared), and the joining itself off the GUI thread.

The panel is the setup wizard's last page for a member of staff and the "Join your school…"
window; a card is joined only once its fingerprint was typed or compared.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from harmonize_evidence.domain.errors import HarmonizeError
from harmonize_evidence.ui.dialogs import grow_to_fit, problem_label
from harmonize_evidence.ui.errors import show_error
from harmonize_evidence.ui.school_dialogs import CARD_FILES, FingerprintPanel, plain_label

if TYPE_CHECKING:
    from harmonize_evidence.services.school import Joined
    from harmonize_evidence.ui.session import Session

JoinDone = Callable[["Joined"], None]
JoinFailed = Callable[[BaseException], None]
StartJoin = Callable[[bytes, str, str, JoinDone, JoinFailed], object]
"""Joins a card off the GUI thread: (card bytes, fingerprint confirmed, how, done, failed)."""


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
        self.card_file = plain_label(selectable=True)
        self.card_file.setAccessibleName("School card file")
        choose_row = QHBoxLayout()
        choose_row.addWidget(self.choose_button)
        choose_row.addWidget(self.card_file, 1)
        self.choose_button.clicked.connect(self.choose_file)

        self.current = plain_label()
        self.current.setAccessibleName("The school joined now")
        if current is not None:
            self.current.setText(
                f"This program has joined {current.card.school}: handovers go to "
                f"{current.card.lead}. A card from a new lead replaces it; later handovers go "
                "to the new lead, and the change is recorded."
            )
        else:
            self.current.hide()

        self.school = plain_label()
        self.lead = plain_label()
        self.contact = plain_label(selectable=True)
        self.details = QWidget()
        form = QFormLayout(self.details)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("School:", self.school)
        form.addRow("Safeguarding lead:", self.lead)
        form.addRow("Contact:", self.contact)
        self.replacing = problem_label("Replacing the school joined before")

        ask = plain_label(
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
        how_row.addWidget(plain_label("My lead told me:", wrap=False))
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

        self.outcome = plain_label(selectable=True)
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
        from harmonize_evidence.services.school import read_card, read_card_file

        self._data = None
        self.confirming.hide()
        self.outcome.hide()
        self.card_file.setText(path.name)
        try:
            data = read_card_file(path)
            card, fingerprint = read_card(data)
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
        intro = plain_label(
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
