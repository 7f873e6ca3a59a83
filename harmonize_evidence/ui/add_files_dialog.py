"""Before files are added (Add files, or dropped on the window): where they came from.

One question for the batch: the web address of what they show, where they came from (for example
"screenshot on my phone, emailed to my school address") and the time shown on the post, read
back as it is typed (``PostTimeField``). Each file is then added with those details, its bytes
unchanged. Nothing is added until Add; Cancel adds nothing.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from harmonize_evidence.domain.errors import BadInput
from harmonize_evidence.domain.model import Incident
from harmonize_evidence.domain.post_time import BEFORE_NOW
from harmonize_evidence.domain.text import NOTE_MAX, check_text
from harmonize_evidence.domain.urls import validate_url
from harmonize_evidence.ui.capture_details import platform_hint
from harmonize_evidence.ui.dialogs import problem_label
from harmonize_evidence.ui.post_time_field import PostTimeField
from harmonize_evidence.ui.session import Session

SHOWN_NAMES = 4
"""How many file names the dialog lists before "and N more"."""


class AddFilesDialog(QDialog):
    """Where the files came from, asked once for the batch; ``chosen`` carries the answers."""

    chosen = Signal(object, str, object)  # url (or None), note, time on the post (or None)

    def __init__(
        self, session: Session, incident: Incident, paths: list[Path], parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.paths = paths
        count = len(paths)
        title = f"Add {count} file{'s' if count != 1 else ''} to {incident.id}"
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        names = ", ".join(path.name for path in paths[:SHOWN_NAMES])
        if count > SHOWN_NAMES:
            names += f" and {count - SHOWN_NAMES} more"
        what = QLabel(
            f"{names}. Each is kept exactly as it is, with what you say here; all of it is "
            "optional."
        )
        what.setTextFormat(Qt.TextFormat.PlainText)
        what.setWordWrap(True)
        self.url = QLineEdit()
        self.url.setAccessibleName("Web address")
        self.url.setPlaceholderText("https://… the address of the post, if you have it")
        self.platform = QLabel()
        self.platform.setTextFormat(Qt.TextFormat.PlainText)
        self.platform.setAccessibleName("Platform")
        self.url_problem = problem_label()
        self.note = QPlainTextEdit()
        self.note.setAccessibleName("Where it came from")
        self.note.setTabChangesFocus(True)
        self.note.setPlaceholderText(
            "For example: screenshot on my phone, emailed to my school address"
        )
        self.note.setMaximumHeight(self.fontMetrics().height() * 5)
        # Files are stamped when they are added, so days and "ago" count from now. A phone
        # screenshot taken earlier than that is better described by the date and time it shows.
        self.posted_at = PostTimeField(
            session.clock.now,
            session.clock.zone,
            before=BEFORE_NOW,
            relative_hint="If the screenshot was taken earlier, type the day and time instead.",
        )
        self.problem = problem_label()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.add_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.add_button.setText("&Add")
        url_box = QVBoxLayout()
        url_box.addWidget(self.url)
        url_box.addWidget(self.platform)
        url_box.addWidget(self.url_problem)
        url_label = QLabel("&Web address:")
        url_label.setBuddy(self.url)
        note_label = QLabel("Where it came &from:")
        note_label.setBuddy(self.note)
        posted_label = QLabel("&Time on the post:")
        posted_label.setBuddy(self.posted_at)
        form = QFormLayout()
        form.addRow(url_label, url_box)
        form.addRow(note_label, self.note)
        form.addRow(posted_label, self.posted_at)
        layout = QVBoxLayout(self)
        layout.addWidget(what)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        self.url.textChanged.connect(self._check_url)
        self._check_url("")
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)

    def _check_url(self, text: str) -> None:
        platform, problem = platform_hint(text)
        self.platform.setText(f"Platform: {platform}" if platform else "")
        self.platform.setVisible(bool(platform))
        self.url_problem.setText(problem)
        self.url_problem.setVisible(bool(problem))

    def submit(self) -> None:
        """Check what was typed; if it can be kept, close and say what was chosen."""
        if not self.posted_at.checked():  # said once, under the time it is about
            self.problem.hide()
            return
        try:
            url = validate_url(self.url.text()) if self.url.text().strip() else None
            note = check_text(
                self.note.toPlainText(), "note", max_length=NOTE_MAX, multiline=True, required=False
            )
        except BadInput as exc:
            self.problem.setText(exc.message)
            self.problem.show()
            return
        posted_at = self.posted_at.text().strip() or None
        self.accept()
        self.chosen.emit(url, note, posted_at)
