"""The questions before an export: who the bundle is for, that it goes unencrypted, and whether to
ask a time-stamp server for the time of signing.

The answers become :class:`~harmonize_evidence.services.exporting.ExportOptions`, checked by the
service itself, so a problem is shown in the dialog before a folder is chosen.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QRadioButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from harmonize_evidence.domain.errors import HarmonizeError
from harmonize_evidence.domain.model import Recipient
from harmonize_evidence.domain.text import NAME_MAX
from harmonize_evidence.services.exporting import ExportOptions
from harmonize_evidence.ui.dialogs import problem_label

NOT_ENCRYPTED = (
    "The bundle is not encrypted: anyone who gets the file can read the evidence in it. Send it "
    "only by a secure route, such as a secure upload link or secure email that the recipient "
    "gives you, or an encrypted USB stick handed over in person; never as an ordinary email "
    "attachment."
)

TIMESTAMP_HELP = (
    "A time-stamp server adds a trusted time to the signature, so the time does not rest on "
    "this computer's clock alone. It needs the internet, and sends only a fingerprint of the "
    "report, never the evidence. The police or your school's IT team can give you an address."
)

_CHOICES = (
    (Recipient.SENIOR_MANAGER, "A &senior manager at the school"),
    (Recipient.POLICE, "The &police"),
    (Recipient.OTHER, "Someone &else"),
)
_WHO_HINTS = {
    Recipient.SENIOR_MANAGER: "optional, e.g. Mr Patel, deputy head",
    Recipient.POLICE: "optional, e.g. PC Jo Hart, Thames Valley Police, ref 43/1234/26",
    Recipient.OTHER: "needed, e.g. the local authority designated officer (LADO)",
}


class ExportDialog(QDialog):
    """Asks who the bundle is for, warns that it is not encrypted, offers a time-stamp server.

    Once accepted, :attr:`options` holds the checked answers, and :attr:`folder` the folder
    ``choose_folder`` gave (it is asked when the answers are complete; cancelled, the dialog stays
    open with them, where cancelling the folder chooser used to lose them).
    """

    def __init__(
        self,
        incident_id: str,
        timestamp_url: str = "",
        parent: QWidget | None = None,
        *,
        choose_folder: Callable[[], str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.options: ExportOptions | None = None
        self.folder: Path | None = None
        self._choose_folder = choose_folder
        self.setWindowTitle(f"Export {incident_id}")
        self.setAccessibleName(f"Export {incident_id}")

        intro = QLabel(
            f"This makes a signed bundle of {incident_id}: a zip file holding the report (a "
            "signed PDF), the original files, and instructions for checking them."
        )
        intro.setWordWrap(True)

        who_box = QGroupBox("Who is it for?")
        self.choices = QButtonGroup(self)
        who_layout = QVBoxLayout(who_box)
        self.choice_buttons: dict[Recipient, QRadioButton] = {}
        for recipient, text in _CHOICES:
            button = QRadioButton(text)
            self.choices.addButton(button)
            self.choice_buttons[recipient] = button
            who_layout.addWidget(button)
            button.toggled.connect(self._chosen)
        self.who = QLineEdit()
        self.who.setMaxLength(NAME_MAX)
        self.who.setAccessibleName("Who exactly")
        who_label = QLabel("&Who exactly:")
        who_label.setBuddy(self.who)
        who_row = QHBoxLayout()
        who_row.addWidget(who_label)
        who_row.addWidget(self.who, 1)
        who_layout.addLayout(who_row)

        warning = QFrame()
        warning.setFrameShape(QFrame.Shape.StyledPanel)
        warning.setAccessibleName("Not encrypted")
        warning_layout = QHBoxLayout(warning)
        icon = QLabel()
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_MessageBoxIconSize)
        icon.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(size)
        )
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.warning = QLabel(NOT_ENCRYPTED)
        self.warning.setWordWrap(True)
        warning_layout.addWidget(icon)
        warning_layout.addWidget(self.warning, 1)

        self.use_timestamp = QCheckBox("Add a trusted &time from a time-stamp server")
        self.timestamp_url = QLineEdit(timestamp_url)
        self.timestamp_url.setAccessibleName("Time-stamp server address")
        self.timestamp_url.setPlaceholderText("https://… (an RFC 3161 time-stamp server)")
        url_label = QLabel("Server &address:")
        url_label.setBuddy(self.timestamp_url)
        url_row = QHBoxLayout()
        url_row.addSpacing(24)
        url_row.addWidget(url_label)
        url_row.addWidget(self.timestamp_url, 1)
        timestamp_help = QLabel(TIMESTAMP_HELP)
        timestamp_help.setWordWrap(True)
        timestamp_help.setIndent(24)
        self.use_timestamp.toggled.connect(self._timestamp_toggled)
        self.use_timestamp.setChecked(bool(timestamp_url))
        self._timestamp_toggled(bool(timestamp_url))

        self.problem = problem_label()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.export_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.export_button.setText("Choose a folder and e&xport…")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)

        layout = self._layout = QVBoxLayout(self)
        # The dialog is never smaller than what it shows: a problem appearing makes it taller
        # instead of squeezing the choices.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        layout.addWidget(intro)
        layout.addWidget(who_box)
        layout.addWidget(warning)
        layout.addWidget(self.use_timestamp)
        layout.addLayout(url_row)
        layout.addWidget(timestamp_help)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 78)

    def recipient(self) -> Recipient | None:
        """The recipient chosen, if any."""
        return next((r for r, button in self.choice_buttons.items() if button.isChecked()), None)

    def _chosen(self, checked: bool) -> None:
        chosen = self.recipient()
        if checked and chosen is not None:
            self.who.setPlaceholderText(_WHO_HINTS[chosen])
            self.problem.hide()

    def _timestamp_toggled(self, on: bool) -> None:
        self.timestamp_url.setEnabled(on)
        if on and not self.timestamp_url.text():
            self.timestamp_url.setFocus()

    def submit(self) -> None:
        """Check the answers; accept the dialog when they can be used."""
        recipient = self.recipient()
        if recipient is None:
            self._show_problem("Choose who the bundle is for.")
            self.choice_buttons[Recipient.SENIOR_MANAGER].setFocus()
            return
        url = self.timestamp_url.text().strip() if self.use_timestamp.isChecked() else ""
        if self.use_timestamp.isChecked() and not url:
            self._show_problem(
                "Type the time-stamp server's address, or untick the time-stamp box."
            )
            self.timestamp_url.setFocus()
            return
        try:
            options = ExportOptions(
                timestamp_url=url or None,
                recipient=recipient,
                recipient_name=self.who.text(),
            ).checked()
        except HarmonizeError as exc:
            self._show_problem(exc.message)
            return
        if self._choose_folder is not None:
            folder = self._choose_folder()
            if not folder:
                return  # the answers stay; Export asks for a folder again
            self.folder = Path(folder)
        self.options = options
        self.accept()

    def _show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()
        self._fit()

    def _fit(self) -> None:
        """Grow to show everything at the present width (wrapped text needs more height than
        the layout's minimum says)."""
        layout = self._layout
        layout.activate()
        needed = (
            layout.totalHeightForWidth(self.width())
            if layout.hasHeightForWidth()
            else layout.totalSizeHint().height()
        )
        if needed > self.height():
            self.resize(self.width(), needed)
