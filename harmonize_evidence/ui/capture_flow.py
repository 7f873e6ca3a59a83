"""Capturing the screen from the desktop application, and the record-only path.

The flow, every time:

1. The first question: could this show a nude or semi-nude image of someone under 18? If yes (or
   not sure), nothing is grabbed: the record-only dialog stores a description through
   ``services.capturing.record_without_image_in``, and tells the user to tell the safeguarding lead.
2. Otherwise the program hides its windows and grabs the whole screen once
   (``services.capturing.grab_screen``). That raw grab is shown frozen, full screen, on every
   monitor (straight from its pixels, no PNG round trip): the user drags a region, clicks a
   monitor, presses Enter for everything, or Esc to cancel.
3. The chosen part is cut from that same grab and encoded (``grab.capture(target)``, off the GUI
   thread): the exhibit is exactly the frozen pixels the user chose, never a second look at the
   screen, and its capture time is the grab's. The raw grab (~33 MB at 4K) is dropped as soon as
   that is done, or when the user cancels, or the store locks. Then the details dialog asks for
   the web address (prefilled from the clipboard), a note, the time on the post and the
   incident, and stores it in one step with ``services.capturing.store_capture_in`` (a new
   incident is opened in the same transaction).
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import QObject, QPoint, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QScreen,
)
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from harmonize_evidence.domain.errors import BadInput, HarmonizeError
from harmonize_evidence.domain.model import Exhibit, Incident
from harmonize_evidence.domain.text import NOTE_MAX, TITLE_MAX, check_text
from harmonize_evidence.domain.urls import detect_platform, validate_url
from harmonize_evidence.services.capturing import (
    CaptureTarget,
    IncidentChoice,
    Rect,
    ScreenCapture,
    ScreenGrab,
    grab_screen,
    record_without_image_in,
    store_capture_in,
)
from harmonize_evidence.services.evidence import EvidenceStore, parse_posted_at
from harmonize_evidence.ui.dialogs import problem_label
from harmonize_evidence.ui.errors import show_error
from harmonize_evidence.ui.session import Session
from harmonize_evidence.ui.tasks import Task, TaskCancelled, run_task

log = logging.getLogger(__name__)

HIDE_DELAY_MS = 350
"""Time for the window system to take our windows off the screen before a grab."""
CLICK_SLOP = 4
"""A press and release closer than this (logical pixels) is a click, not a drag."""

UNDER_18_QUESTION = "Could this show a nude or semi-nude image of someone under 18?"
UNDER_18_GUIDANCE = (
    "Do not take a screenshot, and do not save, forward or show it to anyone: the law and the "
    "school's safeguarding policy forbid copying it, even as evidence. Tell the safeguarding "
    "lead now, in person or by phone. Below, describe what you saw and where, in words; it is "
    "kept as a record without an image and the incident is marked urgent for the lead."
)


def url_from_clipboard() -> str:
    """The clipboard's text if it is an http(s) web address, else an empty string."""
    clipboard = QGuiApplication.clipboard()
    text = clipboard.text().strip() if clipboard is not None else ""
    if not text or len(text) > 4096:
        return ""
    try:
        return validate_url(text)
    except BadInput:
        return ""


def platform_hint(text: str) -> tuple[str, str]:
    """(platform, problem) for a web address as typed: one of them is empty."""
    if not text.strip():
        return "", ""
    try:
        return detect_platform(validate_url(text)), ""
    except BadInput as exc:
        return "", exc.message


# -- choosing the incident ----------------------------------------------------------------------

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


# -- the first question and the record-only path ------------------------------------------------


class RecordOnlyDialog(QDialog):
    """Records content that must not be copied: a description, the address, no image."""

    saved = Signal(object)  # the Exhibit

    def __init__(
        self,
        session: Session,
        incidents: list[Incident],
        current: str | None,
        parent: QWidget | None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self.setWindowTitle("Record without an image")
        self.setAccessibleName("Record without an image")
        guidance = QLabel(UNDER_18_GUIDANCE)
        guidance.setWordWrap(True)
        font = guidance.font()
        font.setBold(True)
        guidance.setFont(font)
        guidance.setAccessibleName("What to do now")
        self.url = QLineEdit(url_from_clipboard())
        self.url.setAccessibleName("Web address")
        self.url.setPlaceholderText("https://…")
        self.description = QPlainTextEdit()
        self.description.setAccessibleName("Description")
        self.description.setTabChangesFocus(True)
        self.description.setPlaceholderText(
            "Where it was, who posted it, who it shows (names only), what the post says"
        )
        self.posted_at = QLineEdit()
        self.posted_at.setAccessibleName("Time shown on the post")
        self.posted_at.setPlaceholderText("optional, e.g. 2026-11-21 21:40")
        self.incident = IncidentChooser(incidents, current)
        self.problem = problem_label()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("&Save the record")
        form = QFormLayout()
        form.addRow("&Web address:", self.url)
        form.addRow("&Description:", self.description)
        form.addRow("&Time on the post:", self.posted_at)
        form.addRow("&Incident:", self.incident)
        layout = QVBoxLayout(self)
        layout.addWidget(guidance)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)

    def submit(self) -> None:
        """Store the record (off the GUI thread); problems are shown in the dialog."""
        try:
            url = validate_url(self.url.text()) if self.url.text().strip() else None
            description = check_text(
                self.description.toPlainText(), "description", max_length=NOTE_MAX, multiline=True
            )
            posted_at = parse_posted_at(self.posted_at.text())
            incident = self.incident.choice()
        except BadInput as exc:
            self._show(exc.message)
            return

        def record(store: EvidenceStore, _task: Task[Exhibit]) -> Exhibit:
            return record_without_image_in(
                store, incident, description=description, url=url, posted_at=posted_at
            )

        self.save_button.setEnabled(False)
        self._session.run(record, self._saved, self._failed)

    def _show(self, message: str) -> None:
        self.problem.setText(message)
        self.problem.show()

    def _saved(self, exhibit: Exhibit) -> None:
        self.accept()
        self.saved.emit(exhibit)

    def _failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(error, HarmonizeError):
            self._show(error.message)
        else:
            show_error(self, error)


# -- the frozen overlay -------------------------------------------------------------------------


@dataclass(frozen=True)
class FrozenScreen:
    """The whole-screen grab and the picture of it that the overlays show."""

    grab: ScreenGrab
    image: QImage
    """A view of the grab's own pixels (Qt's RGB32 is blue, green, red, padding in memory)."""


def frozen_screen(grab: ScreenGrab) -> FrozenScreen:
    """Show the grab as it is: a QImage over its raw pixels, not a copy (any thread)."""
    frame = grab.frame
    image = QImage(
        grab.pixels, frame.width, frame.height, frame.width * 4, QImage.Format.Format_RGB32
    )
    return FrozenScreen(grab, image)


def device_rect(screen: QScreen) -> QRect:
    """A Qt screen's area in device pixels (the capture layer's virtual-screen coordinates)."""
    geometry = screen.geometry()
    ratio = screen.devicePixelRatio()
    return QRect(
        round(geometry.x() * ratio),
        round(geometry.y() * ratio),
        round(geometry.width() * ratio),
        round(geometry.height() * ratio),
    )


class CaptureOverlay(QWidget):
    """The frozen grab over one monitor; the user drags a region or clicks the monitor."""

    chosen = Signal(object)  # a CaptureTarget
    cancelled = Signal()

    def __init__(self, frozen: FrozenScreen, screen: QScreen) -> None:
        super().__init__(
            None,
            Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.Tool,
        )
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle("Harmonize Evidence: choose what to capture")
        self.setAccessibleName("Choose what to capture")
        self.setAccessibleDescription(
            "Drag to choose an area, click to capture this whole monitor, press Enter to "
            "capture every monitor, or Escape to cancel."
        )
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._frozen: FrozenScreen | None = frozen
        self._layout = frozen.grab.layout
        self._screen = screen
        self._device = device_rect(screen)
        virtual = self._layout.virtual
        self._source = QRect(
            self._device.x() - virtual.left,
            self._device.y() - virtual.top,
            self._device.width(),
            self._device.height(),
        )
        self._press: QPoint | None = None
        self._current: QPoint | None = None
        self.setGeometry(screen.geometry())

    # -- choosing --------------------------------------------------------------------------------

    def release(self) -> None:
        """Let go of the frozen grab (the overlay is closing)."""
        self._frozen = None

    def monitor_target(self) -> CaptureTarget:
        """This monitor, by its number when the capture layer knows it as a monitor."""
        rect = Rect(self._device.x(), self._device.y(), self._device.width(), self._device.height())
        for monitor in self._layout.monitors:
            if monitor.rect == rect:
                return CaptureTarget.of_monitor(monitor.number)
        return CaptureTarget.of_region(rect)

    def region_target(self, start: QPoint, end: QPoint) -> CaptureTarget:
        """The region between two points of this overlay, in virtual-screen pixels."""
        ratio = self._screen.devicePixelRatio()
        left = max(0, min(start.x(), end.x()))
        top = max(0, min(start.y(), end.y()))
        right = min(self.width(), max(start.x(), end.x()))
        bottom = min(self.height(), max(start.y(), end.y()))
        x = self._device.x() + round(left * ratio)
        y = self._device.y() + round(top * ratio)
        width = max(1, round((right - left) * ratio))
        height = max(1, round((bottom - top) * ratio))
        width = min(width, self._device.right() + 1 - x)
        height = min(height, self._device.bottom() + 1 - y)
        return CaptureTarget.of_region(Rect(x, y, width, height))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
            self._current = self._press
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is not None:
            self._current = event.position().toPoint()
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._press is None:
            return
        end = event.position().toPoint()
        start, self._press, self._current = self._press, None, None
        if (end - start).manhattanLength() < CLICK_SLOP:
            self.chosen.emit(self.monitor_target())
        else:
            self.chosen.emit(self.region_target(start, end))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.chosen.emit(CaptureTarget.full())
        else:
            super().keyPressEvent(event)

    # -- drawing ---------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        frozen = self._frozen
        if frozen is None:
            return
        painter = QPainter(self)
        area = QRectF(self.rect())
        painter.drawImage(area, frozen.image, QRectF(self._source))
        painter.fillRect(self.rect(), QColor(0, 0, 0, 110))
        if self._press is not None and self._current is not None:
            left, right = sorted((self._press.x(), self._current.x()))
            top, bottom = sorted((self._press.y(), self._current.y()))
            chosen = QRect(left, top, right - left, bottom - top)
            ratio = self._source.width() / max(1, self.width())
            source = QRectF(
                self._source.x() + chosen.x() * ratio,
                self._source.y() + chosen.y() * ratio,
                chosen.width() * ratio,
                chosen.height() * ratio,
            )
            painter.drawImage(QRectF(chosen), frozen.image, source)
            painter.setPen(QPen(QColor(255, 255, 255), 2))
            painter.drawRect(chosen)
            size = f"{round(chosen.width() * ratio)} × {round(chosen.height() * ratio)}"
            painter.drawText(chosen.bottomLeft() + QPoint(4, 18), size)
        self._draw_help(painter)
        painter.end()

    def _draw_help(self, painter: QPainter) -> None:
        text = (
            "Drag to choose an area  ·  Click to capture this monitor  ·  "
            "Enter: every monitor  ·  Esc: cancel"
        )
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.2)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        width = metrics.horizontalAdvance(text) + metrics.height() * 2
        box = QRect((self.width() - width) // 2, metrics.height(), width, metrics.height() * 2)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(20, 20, 20, 220))
        painter.drawRoundedRect(box, 8, 8)
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), text)


# -- the details dialog -------------------------------------------------------------------------


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
        self.url = QLineEdit(url_from_clipboard())
        self.url.setAccessibleName("Web address")
        self.url.setPlaceholderText("https://… (copy it from the browser's address bar)")
        self.platform = QLabel()
        self.platform.setTextFormat(Qt.TextFormat.PlainText)
        self.platform.setAccessibleName("Platform")
        self.url_problem = problem_label()
        self.note = QPlainTextEdit()
        self.note.setAccessibleName("Note")
        self.note.setTabChangesFocus(True)
        self.note.setPlaceholderText("optional: what this shows, who posted it")
        self.note.setMaximumHeight(self.fontMetrics().height() * 5)
        self.posted_at = QLineEdit()
        self.posted_at.setAccessibleName("Time shown on the post")
        self.posted_at.setPlaceholderText("optional, e.g. 2026-11-21 21:40")
        self.posted_problem = problem_label()
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
        url_row = QHBoxLayout()
        url_row.addWidget(self.platform)
        url_row.addStretch()
        url_box.addLayout(url_row)
        url_box.addWidget(self.url_problem)
        posted_box = QVBoxLayout()
        posted_box.addWidget(self.posted_at)
        posted_box.addWidget(self.posted_problem)
        url_label = QLabel("&Web address:")
        url_label.setBuddy(self.url)
        posted_label = QLabel("&Time on the post:")
        posted_label.setBuddy(self.posted_at)
        form = QFormLayout()
        form.addRow(url_label, url_box)
        form.addRow("&Note:", self.note)
        form.addRow(posted_label, posted_box)
        form.addRow("&Incident:", self.incident)
        layout = QVBoxLayout(self)
        layout.addWidget(what)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        buttons.accepted.connect(self.submit)
        self.discard_button.clicked.connect(self.reject)
        self.url.textChanged.connect(self._check_url)
        self.posted_at.textChanged.connect(self._check_posted_at)
        self._check_url(self.url.text())
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)

    def _check_url(self, text: str) -> None:
        platform, problem = platform_hint(text)
        self.platform.setText(f"Platform: {platform}" if platform else "")
        self.url_problem.setText(problem)
        self.url_problem.setVisible(bool(problem))

    def _check_posted_at(self, text: str) -> None:
        try:
            parse_posted_at(text)
        except BadInput as exc:
            self.posted_problem.setText(exc.message)
            self.posted_problem.show()
        else:
            self.posted_problem.hide()

    def submit(self) -> None:
        """Store the capture with its details (off the GUI thread)."""
        try:
            url = validate_url(self.url.text()) if self.url.text().strip() else None
            note = check_text(
                self.note.toPlainText(), "note", max_length=NOTE_MAX, multiline=True, required=False
            )
            posted_at = parse_posted_at(self.posted_at.text())
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


# -- the flow -----------------------------------------------------------------------------------


class CaptureFlow(QObject):
    """One capture, from the first question to the stored exhibit (or nothing)."""

    finished = Signal(object)  # the stored Exhibit, or None when nothing was stored

    def __init__(
        self,
        session: Session,
        incidents: list[Incident],
        current: str | None,
        parent_window: QWidget | None,
        *,
        display: str | None = None,
    ) -> None:
        super().__init__()
        self._session = session
        self._incidents = incidents
        self._current = current
        self._parent = parent_window
        self._display = display
        self._hidden: list[QWidget] = []
        self.question: QDialog | None = None
        self.record_dialog: RecordOnlyDialog | None = None
        self.overlays: list[CaptureOverlay] = []
        self.details_dialog: CaptureDetailsDialog | None = None
        self._frozen: FrozenScreen | None = None
        self._task: Task[FrozenScreen] | Task[ScreenCapture] | None = None
        self._done = False
        session.locked.connect(self.abort)

    # -- 1. the first question -------------------------------------------------------------------

    def start(self) -> None:
        """Ask the first question."""
        dialog = QDialog(self._parent)
        dialog.setWindowTitle("Before you capture")
        dialog.setAccessibleName("Before you capture")
        question = QLabel(UNDER_18_QUESTION)
        font = question.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        question.setFont(font)
        question.setWordWrap(True)
        explanation = QLabel(
            "If it could, or you are not sure, no screenshot will be taken: you will record it "
            "in words instead, and tell the safeguarding lead."
        )
        explanation.setWordWrap(True)
        self.yes_button = QPushButton("&Yes, or I am not sure")
        self.no_button = QPushButton("&No, capture the screen")
        cancel = QPushButton("Cancel")
        self.yes_button.setDefault(True)  # Enter takes the safe answer
        self.no_button.setAutoDefault(False)
        row = QHBoxLayout()
        row.addWidget(self.yes_button)
        row.addWidget(self.no_button)
        row.addStretch()
        row.addWidget(cancel)
        layout = QVBoxLayout(dialog)
        layout.addWidget(question)
        layout.addWidget(explanation)
        layout.addLayout(row)
        self.yes_button.clicked.connect(lambda: self._answered(dialog, True))
        self.no_button.clicked.connect(lambda: self._answered(dialog, False))
        cancel.clicked.connect(dialog.reject)
        dialog.rejected.connect(lambda: self._finish(None))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.question = dialog
        dialog.open()

    def _answered(self, dialog: QDialog, could_be: bool) -> None:
        dialog.done(QDialog.DialogCode.Accepted)
        self.question = None
        if could_be:
            self._record_only()
        else:
            self._hide_and_grab()

    # -- the record-only path --------------------------------------------------------------------

    def _record_only(self) -> None:
        dialog = RecordOnlyDialog(self._session, self._incidents, self._current, self._parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._finish)
        dialog.rejected.connect(lambda: self._finish(None))
        self.record_dialog = dialog
        dialog.open()

    # -- 2. hide, grab, freeze -------------------------------------------------------------------

    def _ratio(self) -> Decimal:
        screen = QGuiApplication.primaryScreen()
        return Decimal(str(round(screen.devicePixelRatio(), 2))) if screen else Decimal(1)

    @property
    def frozen(self) -> FrozenScreen | None:
        """The grab shown on the overlays while the user chooses (None before and after)."""
        return self._frozen

    def _hide_and_grab(self) -> None:
        self._hidden = [
            widget
            for widget in QApplication.topLevelWidgets()
            if widget.isVisible() and not isinstance(widget, CaptureOverlay)
        ]
        for widget in self._hidden:
            widget.hide()
        QTimer.singleShot(HIDE_DELAY_MS, self._grab)

    def _grab(self) -> None:
        if self._done:
            return
        clock = self._session.clock
        display = self._display
        ratio = self._ratio()

        def grab(_task: Task[FrozenScreen]) -> FrozenScreen:
            return frozen_screen(grab_screen(clock, display=display, device_pixel_ratio=ratio))

        self._task = run_task(grab, self._frozen_ready, self._failed)

    def _frozen_ready(self, frozen: FrozenScreen) -> None:
        self._task = None
        if self._done:
            return
        self._frozen = frozen
        for screen in QGuiApplication.screens():
            overlay = CaptureOverlay(frozen, screen)
            overlay.chosen.connect(self._chosen)
            overlay.cancelled.connect(lambda: self._finish(None))
            self.overlays.append(overlay)
            overlay.show()
            overlay.raise_()
        if self.overlays:
            first = self.overlays[0]
            first.activateWindow()
            first.setFocus()
            first.grabKeyboard()

    # -- 3. the chosen part of that same grab, then the details ----------------------------------

    def _close_overlays(self) -> None:
        overlays, self.overlays = self.overlays, []
        for overlay in overlays:
            overlay.releaseKeyboard()
            overlay.release()
            overlay.close()

    def _chosen(self, target: CaptureTarget) -> None:
        self._close_overlays()
        frozen, self._frozen = self._frozen, None
        if frozen is None or self._done:
            return
        held = [frozen.grab]  # the only reference once the work has started: see cut()
        del frozen

        def cut(_task: Task[ScreenCapture]) -> ScreenCapture:
            grab = held.pop()
            return grab.capture(target)  # the grab goes when this returns

        self._task = run_task(cut, self._ask_details, self._failed)

    def _ask_details(self, capture: ScreenCapture) -> None:
        self._task = None
        if self._done:
            return
        self._restore_windows()
        dialog = CaptureDetailsDialog(
            self._session, capture, self._incidents, self._current, self._parent
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._finish)
        dialog.rejected.connect(lambda: self._finish(None))
        self.details_dialog = dialog
        dialog.open()
        dialog.raise_()
        dialog.activateWindow()

    # -- ending ----------------------------------------------------------------------------------

    def _restore_windows(self) -> None:
        hidden, self._hidden = self._hidden, []
        for widget in hidden:
            widget.show()

    def _failed(self, error: BaseException) -> None:
        self._task = None
        if self._done or isinstance(error, TaskCancelled):
            return
        show_error(self._parent, error)
        self._finish(None)

    def abort(self) -> None:
        """Stop now and drop the grab (the store was locked)."""
        if self._done:
            return
        for dialog in (self.question, self.record_dialog, self.details_dialog):
            if dialog is not None:
                dialog.close()
        self._finish(None, restore=False)

    def _finish(self, exhibit: Exhibit | None, *, restore: bool = True) -> None:
        if self._done:
            return
        self._done = True
        if self._task is not None:
            self._task.cancel()  # a grab or cut still running: its outcome is dropped
            self._task = None
        self._close_overlays()
        self._frozen = None
        if self.details_dialog is not None:
            self.details_dialog.release()
        if restore:
            self._restore_windows()
        else:
            self._hidden = []
        with contextlib.suppress(RuntimeError, TypeError):
            self._session.locked.disconnect(self.abort)
        self.finished.emit(exhibit)
