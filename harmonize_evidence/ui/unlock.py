"""The unlock window, and recovery with the recovery key when the passphrase is forgotten.

The slow parts (the keychain, the passphrase KDF) run on a worker thread through
``services.store.unlock_key``; the window only learns the key, which the application then uses to
open its own handle on the GUI thread. A typed passphrase is always checked. An empty box means
"unlock with my computer login" only when the program has just started; after a lock the window
asks for the passphrase.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QFontMetrics, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from harmonize_evidence.domain.errors import HarmonizeError, StoreLocked
from harmonize_evidence.services.store import (
    StoreLocation,
    recover_store,
    set_up_with_keychain,
    unlock_key,
)
from harmonize_evidence.ui.dialogs import problem_label
from harmonize_evidence.ui.errors import show_error
from harmonize_evidence.ui.strength_meter import StrengthMeter
from harmonize_evidence.ui.tasks import Task, run_task

RECOVERED = "A new passphrase is set; use it from now on. The recovery key is unchanged."
AT_START = (
    "Type your passphrase to open it. If the store was set up to unlock with your computer "
    "login, leave the box empty and choose Unlock."
)
AFTER_A_LOCK = (
    "Type your passphrase to open it. After a lock only the passphrase opens the store, even if "
    "it was set up to unlock with your computer login."
)
TYPE_IT = "Type your passphrase, then choose Unlock."
NO_KEYCHAIN = "Type your passphrase to open it."
"""For a store not set up to unlock with the computer login (its key file says so)."""
EMPTY_AFTER_A_LOCK = (
    "After a lock only the passphrase opens the store; type it, then choose Unlock."
)


class UnlockWindow(QWidget):
    """Asks for the passphrase; emits :attr:`unlocked` with the store's key.

    The keychain is not used until :meth:`allow_keychain` says so (the application does at start).
    """

    unlocked = Signal(bytes)
    quit_requested = Signal()

    def __init__(self, location: StoreLocation) -> None:
        super().__init__()
        self.location = location
        self.setWindowTitle("Locked")  # the system adds " — Harmonize Evidence"
        self.setAccessibleName("Unlock the evidence store")
        heading = QLabel("The evidence store is locked.")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)
        self.keychain_allowed = False
        self._keychain_set_up = False
        """Whether the store's key file says it unlocks with the computer login (read by
        :meth:`allow_keychain`)."""
        self.explanation = QLabel(AFTER_A_LOCK)
        self.explanation.setWordWrap(True)
        folder = QLabel(f"Store folder: {location.directory}")
        folder.setTextFormat(Qt.TextFormat.PlainText)
        folder.setWordWrap(True)
        folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        self.message = problem_label("Message")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setAccessibleName("Unlocking")
        self.busy.hide()
        self.unlock_button = QPushButton("&Unlock")
        self.unlock_button.setDefault(True)
        self.unlock_button.setAutoDefault(True)
        self.forgot_button = QPushButton("&Forgot passphrase?")
        self.quit_button = QPushButton("&Quit")
        form = QFormLayout()
        form.addRow("&Passphrase:", self.passphrase)
        buttons = QHBoxLayout()
        buttons.addWidget(self.forgot_button)
        buttons.addStretch()
        buttons.addWidget(self.quit_button)
        buttons.addWidget(self.unlock_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.explanation)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(folder)
        layout.addStretch()
        layout.addLayout(buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 60)

        self.unlock_button.clicked.connect(self.try_unlock)
        self.passphrase.returnPressed.connect(self.try_unlock)
        self.forgot_button.clicked.connect(self.open_recovery)
        self.quit_button.clicked.connect(self.quit_requested)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Quit), self, self.quit_requested.emit)
        self._task: Task[bytes] | None = None
        self.recovery: RecoveryDialog | None = None

    def allow_keychain(self, allowed: bool) -> None:
        """Whether an empty box may unlock with the keychain: at start only, never after a lock.
        A store not set up with the keychain is not said to be opened that way."""
        self.keychain_allowed = allowed
        self._keychain_set_up = set_up_with_keychain(self.location)  # read once, used below
        if not self._keychain_set_up:
            self.explanation.setText(NO_KEYCHAIN)
        else:
            self.explanation.setText(AT_START if allowed else AFTER_A_LOCK)
        self._fit_height()

    def reset(self, message: str = "") -> None:
        """Clear the passphrase and show ``message`` (if any), ready for typing."""
        self.passphrase.clear()
        self._set_busy(False)
        self.show_message(message)
        self.passphrase.setFocus()

    def show_message(self, message: str) -> None:
        """Show a sentence under the passphrase box."""
        self.message.setText(message)
        self.message.setVisible(bool(message))
        self._fit_height()

    def _fit_height(self) -> None:
        # Wrapped text needs more height as it grows; Qt does not grow a shown window for it, and
        # squeezes the sentences over each other instead.
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        needed = layout.totalHeightForWidth(self.width())
        if needed > self.height():
            self.resize(self.width(), needed)

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        for widget in (self.passphrase, self.unlock_button, self.forgot_button):
            widget.setEnabled(not busy)

    def try_unlock(self) -> None:
        """Unlock with the typed passphrase; with an empty box, through the keychain if allowed."""
        if self._task is not None:
            return
        passphrase = self.passphrase.text()
        use_keychain = self.keychain_allowed
        location = self.location

        def unlock(_task: Task[bytes]) -> bytes:
            return unlock_key(location, passphrase, use_keychain=use_keychain)

        def failed(error: BaseException) -> None:
            self._failed(error, typed=bool(passphrase))

        self._set_busy(True)
        self.show_message("")
        self._task = run_task(unlock, self._unlocked, failed)

    def _unlocked(self, key: bytes) -> None:
        self._task = None
        self.passphrase.clear()
        self._set_busy(False)
        self.unlocked.emit(key)

    def _failed(self, error: BaseException, *, typed: bool) -> None:
        self._task = None
        self._set_busy(False)
        if isinstance(error, StoreLocked):
            self.passphrase.selectAll()
            self.passphrase.setFocus()
            if typed:
                self.show_message(error.message)
            elif self.keychain_allowed or not self._keychain_set_up:
                self.show_message(TYPE_IT)
            else:
                self.show_message(EMPTY_AFTER_A_LOCK)
        elif isinstance(error, HarmonizeError):
            self.show_message(error.message)
        else:
            show_error(self, error)

    def open_recovery(self) -> None:
        """Open the recovery dialog (forgotten passphrase)."""
        dialog = RecoveryDialog(self.location, self)
        dialog.recovered.connect(self._recovered)
        self.recovery = dialog
        dialog.open()

    def _recovered(self, key: bytes) -> None:
        self.show_message(RECOVERED)
        self.unlocked.emit(key)


class RecoveryDialog(QDialog):
    """Set a new passphrase with the recovery key; emits :attr:`recovered` with the store's key."""

    recovered = Signal(bytes)

    def __init__(self, location: StoreLocation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.location = location
        self.setWindowTitle("Forgot passphrase")
        self.setAccessibleName("Set a new passphrase with the recovery key")
        intro = QLabel(
            "Type the recovery key from the sheet printed when the store was set up (ask the "
            "school office for it), then choose a new passphrase."
        )
        intro.setWordWrap(True)
        self.recovery_key = QLineEdit()
        self.recovery_key.setAccessibleName("Recovery key")
        self.recovery_key.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
        key_font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.recovery_key.setFont(key_font)
        # The whole key fits, placeholder and all: 39 characters in a fixed-width font.
        self.recovery_key.setMinimumWidth(
            QFontMetrics(key_font).horizontalAdvance(self.recovery_key.placeholderText() + "MM")
        )
        self.new_passphrase = QLineEdit()
        self.new_passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_passphrase.setAccessibleName("New passphrase")
        self.again = QLineEdit()
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        self.again.setAccessibleName("New passphrase again")
        self.strength = StrengthMeter()
        self.message = problem_label("Message")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("&Set new passphrase")
        form = QFormLayout()
        form.addRow("&Recovery key:", self.recovery_key)
        form.addRow("&New passphrase:", self.new_passphrase)
        form.addRow("&Again:", self.again)
        form.addRow("Strength:", self.strength)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.new_passphrase.textChanged.connect(self.strength.show_for)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 72)
        self._task: Task[bytes] | None = None

    def submit(self) -> None:
        """Check the recovery key, set the new passphrase and unlock."""
        if self._task is not None:
            return
        if self.new_passphrase.text() != self.again.text():
            self._show("The two passphrases are different; type them again.")
            return
        recovery_key = self.recovery_key.text()
        passphrase = self.new_passphrase.text()
        location = self.location

        def recover(_task: Task[bytes]) -> bytes:
            return recover_store(location, recovery_key, passphrase)

        self._show("")
        self.busy.show()
        self.buttons.setEnabled(False)
        self._task = run_task(recover, self._done, self._failed)

    def _show(self, message: str) -> None:
        self.message.setText(message)
        self.message.setVisible(bool(message))

    def _done(self, key: bytes) -> None:
        self._task = None
        self.busy.hide()
        self.buttons.setEnabled(True)
        self.accept()
        self.recovered.emit(key)

    def _failed(self, error: BaseException) -> None:
        self._task = None
        self.busy.hide()
        self.buttons.setEnabled(True)
        if isinstance(error, HarmonizeError):
            self._show(error.message)
        else:
            show_error(self, error)
