"""Before files are added (Add files, or dropped on the window): where they came from.

One question for the batch: the web address of what they show, where they came from (for example
"screenshot on my phone, emailed to my school address") and the time shown on the post, read
back as it is typed (``PostTimeField``). Each file is then added with those details, its bytes
unchanged. Nothing is added until Add; Cancel adds nothing.

Meanwhile the files are checked, off the GUI thread, against the incident's exhibits
(``services.same_file.files_already_kept``): a file the incident already keeps (or one chosen
twice) is named with its exhibit, and the user chooses to skip it (the default) or add it again.
Add waits for that check, so nothing is added before the user has been told.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from harmonize_evidence.domain.errors import BadInput
from harmonize_evidence.domain.model import Incident
from harmonize_evidence.domain.post_time import BEFORE_NOW
from harmonize_evidence.domain.text import NOTE_MAX, check_text
from harmonize_evidence.domain.urls import validate_url
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.same_file import SameFile, files_already_kept
from harmonize_evidence.ui.capture_details import platform_hint
from harmonize_evidence.ui.dialogs import problem_label
from harmonize_evidence.ui.post_time_field import PostTimeField
from harmonize_evidence.ui.session import Session
from harmonize_evidence.ui.tasks import Task, TaskCancelled

log = logging.getLogger(__name__)

SHOWN_NAMES = 4
"""How many file names the dialog lists before "and N more"."""


class AddFilesDialog(QDialog):
    """Where the files came from, asked once for the batch; ``chosen`` carries the answers."""

    chosen = Signal(object, str, str, object)
    """url (or None), where they came from, note, time on the post (or None)."""

    def __init__(
        self, session: Session, incident: Incident, paths: list[Path], parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.paths = paths
        self.incident_id = incident.id
        self._zone = session.clock.zone
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
        self.came_from = QPlainTextEdit()
        self.came_from.setAccessibleName("Where it came from")
        self.came_from.setTabChangesFocus(True)
        self.came_from.setPlaceholderText(
            "For example: screenshot on my phone, emailed to my school address"
        )
        self.came_from.setMaximumHeight(self.fontMetrics().height() * 4)
        self.note = QPlainTextEdit()
        self.note.setAccessibleName("Note")
        self.note.setTabChangesFocus(True)
        self.note.setPlaceholderText("Anything else to record about it")
        self.note.setMaximumHeight(self.fontMetrics().height() * 4)
        # Files are stamped when they are added, so days and "ago" count from now. A phone
        # screenshot taken earlier than that is better described by the date and time it shows.
        self.posted_at = PostTimeField(
            session.clock.now,
            session.clock.zone,
            before=BEFORE_NOW,
            relative_hint="If the screenshot was taken earlier, type the day and time instead.",
        )
        self.problem = problem_label()
        self._build_already()
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
        came_label = QLabel("Where it came &from:")
        came_label.setBuddy(self.came_from)
        note_label = QLabel("N&ote:")
        note_label.setBuddy(self.note)
        posted_label = QLabel("&Time on the post:")
        posted_label.setBuddy(self.posted_at)
        form = QFormLayout()
        form.addRow(url_label, url_box)
        form.addRow(came_label, self.came_from)
        form.addRow(posted_label, self.posted_at)
        form.addRow(note_label, self.note)
        layout = QVBoxLayout(self)
        layout.addWidget(what)
        layout.addWidget(self.already)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        self.url.textChanged.connect(self._check_url)
        self._check_url("")
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)
        self._start_check(session, incident.id)

    # -- files the incident already keeps ---------------------------------------------------------

    def _build_already(self) -> None:
        """The box naming files already kept, with the choice to skip them or add them again."""
        self.same: list[SameFile] | None = None
        """The chosen files the incident already keeps (or chosen twice); None while checking."""
        self._waiting = False  # Add was pressed before the check was done
        self.already = QFrame()
        self.already.setFrameShape(QFrame.Shape.StyledPanel)
        self.already.setAccessibleName("Files already in the incident")
        self.already_text = QLabel()
        self.already_text.setTextFormat(Qt.TextFormat.PlainText)
        self.already_text.setWordWrap(True)
        font = self.already_text.font()
        font.setBold(True)
        self.already_text.setFont(font)
        self.already_list = QLabel()
        self.already_list.setTextFormat(Qt.TextFormat.PlainText)
        self.already_list.setWordWrap(True)
        self.already_list.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.skip_again = QRadioButton("&Skip them: add only the others")
        self.add_again = QRadioButton("Add them a&gain as new exhibits")
        self.skip_again.setChecked(True)  # a second copy of the same bytes is rarely wanted
        box = QVBoxLayout(self.already)
        box.addWidget(self.already_text)
        box.addWidget(self.already_list)
        box.addWidget(self.skip_again)
        box.addWidget(self.add_again)
        self.skip_again.toggled.connect(self._update_add_button)
        self.already.hide()

    def _start_check(self, session: Session, incident_id: str) -> None:
        paths = list(self.paths)

        def check(store: EvidenceStore, task: Task[list[SameFile]]) -> list[SameFile]:
            return files_already_kept(
                store, incident_id, paths, check_cancelled=task.check_cancelled
            )

        self._check_task = session.run(check, self._checked, self._check_failed)

    def _check_failed(self, error: BaseException) -> None:
        if isinstance(error, TaskCancelled):  # the dialog was closed
            return
        # Adding reports what is wrong with a file (or the incident) in its own words.
        log.warning("could not check the files against the incident: %r", error)
        self._checked([])

    def _checked(self, same: list[SameFile]) -> None:
        self.same = same
        if same:
            self._show_already(same)
        if self._waiting:
            self._waiting = False
            self.add_button.setText("&Add")
            self._update_add_button()
            if not same:
                self.submit()
            else:  # the user has not seen these yet: they choose, then press Add again
                self.problem.hide()

    def _show_already(self, same: list[SameFile]) -> None:
        incident = self.incident_id
        everything = len(same) == len(self.paths)
        if len(same) == 1:
            heading = (
                f"This file is already in {incident}:"
                if len(self.paths) == 1
                else (f"One of these files is already in {incident}:")
            )
            self.skip_again.setText(
                "&Skip it: nothing is added" if everything else "&Skip it: add only the others"
            )
            self.add_again.setText("Add it a&gain as a new exhibit")
        else:
            heading = (
                f"All {len(same)} files are already in {incident}:"
                if everything
                else f"{len(same)} of these files are already in {incident}:"
            )
            self.skip_again.setText(
                "&Skip them: nothing is added" if everything else "&Skip them: add only the others"
            )
        self.already_text.setText(heading)
        self.already_list.setText("\n".join(f"• {s.sentence(self._zone)}." for s in same))
        self.already.show()
        self._update_add_button()
        QTimer.singleShot(0, self._fit_height)

    def _fit_height(self) -> None:
        """Grow to show every wrapped line of the box (a dialog does not by itself)."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        width = self.width()
        needed = (
            layout.totalHeightForWidth(width)
            if layout.hasHeightForWidth()
            else layout.totalSizeHint().height()
        )
        if needed > self.height():
            self.resize(width, needed)

    def _update_add_button(self, _checked: bool = False) -> None:
        self.add_button.setEnabled(not self._waiting and bool(self.files_to_add()))

    def files_to_add(self) -> list[Path]:
        """The files to add: all of them, or those not already kept when the user skips those."""
        if not self.same or self.add_again.isChecked():
            return list(self.paths)
        skipped = {same.path for same in self.same}
        return [path for path in self.paths if path not in skipped]

    def done(self, result: int) -> None:
        self._check_task.cancel()
        super().done(result)

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
            came_from = check_text(
                self.came_from.toPlainText(),
                "where it came from",
                max_length=NOTE_MAX,
                multiline=True,
                required=False,
            )
            note = check_text(
                self.note.toPlainText(), "note", max_length=NOTE_MAX, multiline=True, required=False
            )
        except BadInput as exc:
            self.problem.setText(exc.message)
            self.problem.show()
            return
        posted_at = self.posted_at.text().strip() or None
        if self.same is None:  # still checking the files: Add goes on once that is done
            self._waiting = True
            self.add_button.setText("Checking the files…")
            self.add_button.setEnabled(False)
            return
        if not self.files_to_add():
            return
        self.accept()
        self.chosen.emit(url, came_from, note, posted_at)
