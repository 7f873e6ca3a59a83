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

The flow's parts have modules of their own: the first question and the record-only dialog
(:mod:`~harmonize_evidence.ui.capture_question`), the frozen overlay
(:mod:`~harmonize_evidence.ui.capture_overlay`) and the details dialog
(:mod:`~harmonize_evidence.ui.capture_details`).
"""

from __future__ import annotations

import contextlib
import logging
from decimal import Decimal

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from harmonize_evidence.domain.model import Exhibit, Incident
from harmonize_evidence.services.capturing import CaptureTarget, ScreenCapture, grab_screen
from harmonize_evidence.ui.capture_details import CaptureDetailsDialog
from harmonize_evidence.ui.capture_overlay import CaptureOverlay, FrozenScreen, frozen_screen
from harmonize_evidence.ui.capture_question import CaptureQuestion, RecordOnlyDialog
from harmonize_evidence.ui.errors import show_error
from harmonize_evidence.ui.session import Session
from harmonize_evidence.ui.tasks import Task, TaskCancelled, run_task

log = logging.getLogger(__name__)

HIDE_DELAY_MS = 350
"""Time for the window system to take our windows off the screen before a grab."""


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
        dialog = CaptureQuestion(self._parent)
        self.yes_button, self.no_button = dialog.yes_button, dialog.no_button
        dialog.answered.connect(lambda could_be: self._answered(dialog, could_be))
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
