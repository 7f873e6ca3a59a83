"""The capture's details dialog: where it came from, a note, and which incident keeps it.

The web address is prefilled from the clipboard when one was copied in the last minutes, and
marked as taken from there (:mod:`~harmonize_evidence.ui.clipboard_watch`); it is checked as it is
typed (its platform shown); the time on the post is read back as it is typed
(``PostTimeField``); the incident is one in the list or a new one, opened with the capture in one
transaction (``services.capturing.store_capture_in``). Nothing is saved until Save.

A preview of what was grabbed heads the dialog: the PNG about to be kept, decoded and shrunk off
the GUI thread to fit :data:`PREVIEW_BOX` in proportion (never enlarged), and not blurred: the
user has just chosen to capture it.
"""

from __future__ import annotations

import logging
import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from harmonize_evidence.domain.errors import BadInput, HarmonizeError
from harmonize_evidence.domain.model import Exhibit, Incident
from harmonize_evidence.domain.text import NOTE_MAX, TITLE_MAX, check_text
from harmonize_evidence.domain.urls import detect_platform, validate_url
from harmonize_evidence.services.capturing import IncidentChoice, ScreenCapture, store_capture_in
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.ui.clipboard_watch import fill_from_clipboard
from harmonize_evidence.ui.dialogs import problem_label
from harmonize_evidence.ui.errors import show_error
from harmonize_evidence.ui.post_time_field import PostTimeField
from harmonize_evidence.ui.session import Session
from harmonize_evidence.ui.tasks import Task, TaskCancelled, run_task

log = logging.getLogger(__name__)

PREVIEW_BOX = (320, 200)
"""The largest preview of a capture, in device-independent pixels (width, height)."""


def preview_size(width: int, height: int, ratio: float = 1.0) -> tuple[int, int]:
    """The preview of a ``width`` x ``height`` pixel capture, in device pixels.

    Shrunk in proportion to fit :data:`PREVIEW_BOX` on a screen of this device pixel ratio, and
    never enlarged: a small capture is shown pixel for pixel.
    """
    ratio = max(1.0, ratio)
    box_width, box_height = PREVIEW_BOX[0] * ratio, PREVIEW_BOX[1] * ratio
    factor = min(1.0, box_width / width, box_height / height)
    return max(1, round(width * factor)), max(1, round(height * factor))


def preview_image(png: bytes, ratio: float = 1.0) -> QImage:
    """The capture's PNG shrunk to :func:`preview_size` (any thread); null if it cannot be read."""
    image = QImage()
    if not image.loadFromData(png, "PNG"):
        return QImage()
    width, height = preview_size(image.width(), image.height(), ratio)
    if (width, height) != (image.width(), image.height()):
        image = image.scaled(
            width,
            height,
            Qt.AspectRatioMode.IgnoreAspectRatio,  # preview_size kept the proportion
            Qt.TransformationMode.SmoothTransformation,
        )
    image.setDevicePixelRatio(max(1.0, ratio))
    return image


def platform_hint(text: str) -> tuple[str, str]:
    """(platform, problem) for a web address as typed: one of them is empty."""
    if not text.strip():
        return "", ""
    try:
        return detect_platform(validate_url(text)), ""
    except BadInput as exc:
        return "", exc.message


# -- choosing the incident ---------------------------------------------------------------------

NEW_INCIDENT = "__new__"


class IncidentChooser(QWidget):
    """An existing incident, or a new one with a title typed here."""

    def __init__(self, incidents: list[Incident], current: str | None) -> None:
        super().__init__()
        self.combo = QComboBox()
        self.combo.setAccessibleName("Incident")
        for incident in incidents:
            self.combo.addItem(f"{incident.id}: {incident.title}", incident.id)
        self.combo.addItem("New incident…", NEW_INCIDENT)
        index = self.combo.findData(current) if current else -1
        self.combo.setCurrentIndex(index if index >= 0 else self.combo.count() - 1)
        self.title = QLineEdit()
        self.title.setAccessibleName("Title of the new incident")
        self.title.setPlaceholderText("Title of the new incident")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        layout.addWidget(self.title)
        self.combo.currentIndexChanged.connect(self._changed)
        self.setFocusProxy(self.combo)
        self._changed()

    def _changed(self, _index: int = 0) -> None:
        self.title.setVisible(self.combo.currentData() == NEW_INCIDENT)

    def choice(self) -> IncidentChoice:
        """The incident chosen, or a new one with the title typed (checked)."""
        value = self.combo.currentData()
        if value == NEW_INCIDENT:
            title = check_text(self.title.text().strip(), "title", max_length=TITLE_MAX)
            return IncidentChoice.new(title)
        return IncidentChoice.existing(str(value))


# -- the details dialog -----------------------------------------------------------------------


class CaptureDetailsDialog(QDialog):
    """Where the capture came from and which incident keeps it; saved in one step."""

    saved = Signal(object)  # the Exhibit

    def __init__(
        self,
        session: Session,
        capture: ScreenCapture,
        incidents: list[Incident],
        current: str | None,
        parent: QWidget | None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._capture: ScreenCapture | None = capture
        details = capture.details
        self.setWindowTitle("Save the capture")
        self.setAccessibleName("Save the capture")
        what = QLabel(
            f"Captured {details.width} × {details.height} pixels"
            + (f" of monitor {details.monitor.number}" if details.monitor else "")
            + ". Nothing is saved until you choose Save."
        )
        what.setWordWrap(True)
        what.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.preview = self._preview_label(capture)
        self.url = QLineEdit()
        self.url.setAccessibleName("Web address")
        self.url.setPlaceholderText("https://… (copy it from the browser's address bar)")
        self.from_clipboard = fill_from_clipboard(self.url)
        self.platform = QLabel()
        self.platform.setTextFormat(Qt.TextFormat.PlainText)
        self.platform.setAccessibleName("Platform")
        self.url_problem = problem_label()
        self.note = QPlainTextEdit()
        self.note.setAccessibleName("Note")
        self.note.setTabChangesFocus(True)
        self.note.setPlaceholderText("optional: what this shows, who posted it")
        self.note.setMaximumHeight(self.fontMetrics().height() * 5)
        grabbed_at = capture.grabbed_at
        self.posted_at = PostTimeField(lambda: grabbed_at, session.clock.zone)
        self.posted_problem = self.posted_at.problem
        self.incident = IncidentChooser(incidents, current)
        self.problem = problem_label()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Discard
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.discard_button = buttons.button(QDialogButtonBox.StandardButton.Discard)
        self.discard_button.setText("&Discard")
        url_box = QVBoxLayout()
        url_box.addWidget(self.url)
        url_box.addWidget(self.from_clipboard)
        url_row = QHBoxLayout()
        url_row.addWidget(self.platform)
        url_row.addStretch()
        url_box.addLayout(url_row)
        url_box.addWidget(self.url_problem)
        url_label = QLabel("&Web address:")
        url_label.setBuddy(self.url)
        posted_label = QLabel("&Time on the post:")
        posted_label.setBuddy(self.posted_at)
        form = QFormLayout()
        form.addRow(url_label, url_box)
        form.addRow("&Note:", self.note)
        form.addRow(posted_label, self.posted_at)
        form.addRow("&Incident:", self.incident)
        heading = QHBoxLayout()
        heading.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignTop)
        heading.addWidget(what, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(heading)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        buttons.accepted.connect(self.submit)
        self.discard_button.clicked.connect(self.reject)
        self.url.textChanged.connect(self._check_url)
        self._check_url(self.url.text())
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)

    def _preview_label(self, capture: ScreenCapture) -> QLabel:
        """A label the size of the preview, filled once the PNG is decoded off the GUI thread."""
        ratio = max(1.0, self.devicePixelRatioF())
        details = capture.details
        width, height = preview_size(details.width, details.height, ratio)
        label = QLabel()
        label.setAccessibleName("Preview of the capture")
        label.setToolTip("What will be saved (shown smaller)")
        label.setFixedSize(math.ceil(width / ratio), math.ceil(height / ratio))
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        png = capture.png

        def shrink(_task: Task[QImage]) -> QImage:
            return preview_image(png, ratio)

        self._preview_task = run_task(shrink, self._show_preview, self._preview_failed)
        return label

    def _show_preview(self, image: QImage) -> None:
        if not image.isNull():
            self.preview.setPixmap(QPixmap.fromImage(image))

    def _preview_failed(self, error: BaseException) -> None:
        if not isinstance(error, TaskCancelled):  # the dialog closed first
            log.warning("could not show a preview of the capture: %r", error)

    def done(self, result: int) -> None:
        self._preview_task.cancel()
        super().done(result)

    def _check_url(self, text: str) -> None:
        platform, problem = platform_hint(text)
        self.platform.setText(f"Platform: {platform}" if platform else "")
        self.url_problem.setText(problem)
        self.url_problem.setVisible(bool(problem))

    def submit(self) -> None:
        """Store the capture with its details (off the GUI thread)."""
        if not self.posted_at.checked():  # said once, under the time it is about
            self.problem.hide()
            return
        try:
            url = validate_url(self.url.text()) if self.url.text().strip() else None
            note = check_text(
                self.note.toPlainText(), "note", max_length=NOTE_MAX, multiline=True, required=False
            )
            posted_at = self.posted_at.text()
            incident = self.incident.choice()
        except BadInput as exc:
            self.problem.setText(exc.message)
            self.problem.show()
            return
        capture = self._capture
        if capture is None:
            return  # already saved or discarded

        def save(store: EvidenceStore, _task: Task[Exhibit]) -> Exhibit:
            return store_capture_in(
                store, incident, capture, url=url, note=note, posted_at=posted_at
            ).exhibit

        self.save_button.setEnabled(False)
        self._session.run(save, self._saved, self._failed)

    def release(self) -> None:
        """Let go of the capture (it was stored, or discarded)."""
        self._capture = None

    def _saved(self, exhibit: Exhibit) -> None:
        self.accept()
        self.saved.emit(exhibit)

    def _failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(error, HarmonizeError):
            self.problem.setText(error.message)
            self.problem.show()
        else:
            show_error(self, error)
