"""Exporting an incident as a signed bundle with a cancellable progress dialog, and checking a
bundle someone sent.

Both go through ``services.exporting`` off the GUI thread. Cancelling raises inside the export's
own progress callback, before the bundle gets its final name, so the service removes its partial
file and nothing is left behind; once the export is complete it can no longer be cancelled.

SIGTERM or SIGHUP (a logout, ``kill``) during an export would end the program on the spot, with
the export's temporary bundle left in the folder. While an export runs, they first abandon it
(:func:`~harmonize_evidence.services.exporting.abandon_unfinished_exports`: Python runs signal
handlers on the GUI thread, never on the worker that exports) and then do what they did before,
normally ending the program. A timer lets Python see a signal while Qt waits for events.
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from harmonize_evidence.domain.errors import HarmonizeError
from harmonize_evidence.services.bundle_check import BundleCheck, bundle_check_text, verify_bundle
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.exporting import (
    ExportOptions,
    ExportResult,
    export_bundle,
    export_result_details,
    export_result_text,
    remember_timestamp_url,
)
from harmonize_evidence.services.key_sheet import KeySheetWritten, key_sheet_text, write_key_sheet
from harmonize_evidence.services.unfinished_exports import abandon_unfinished_exports
from harmonize_evidence.ui.dialogs import progress_dialog
from harmonize_evidence.ui.errors import message_box, show_error
from harmonize_evidence.ui.session import Session
from harmonize_evidence.ui.tasks import Task, TaskCancelled, run_task

log = logging.getLogger(__name__)


def export_done_text(result: ExportResult) -> str:
    """What the user reads once the bundle is written (the command line's words)."""
    return export_result_text(result)


def show_in_folder(path: Path) -> bool:
    """Open the folder holding ``path`` in the system's file manager."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))


_TERMINATING = tuple(
    number for number in (getattr(signal, name, None) for name in ("SIGTERM", "SIGHUP")) if number
)
# How often Python gets the GUI thread while an export runs, to run a signal's handler.
_SIGNAL_CHECK_MS = 100


class _EndingSignals:
    """While exports run, SIGTERM and SIGHUP abandon them before doing what they did before."""

    def __init__(self) -> None:
        self._running = 0
        self._previous: dict[int, Any] = {}

    def export_started(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # handlers can only be set, and only run, on the main thread
        self._running += 1
        if self._running > 1:
            return
        for number in _TERMINATING:
            handler = signal.getsignal(number)
            if handler is not None and handler is not signal.SIG_IGN:  # None: not set by Python
                self._previous[number] = handler
                signal.signal(number, self._on_signal)

    def export_ended(self) -> None:
        if threading.current_thread() is not threading.main_thread() or self._running == 0:
            return
        self._running -= 1
        if self._running == 0:
            self._restore()

    def _restore(self) -> None:
        previous, self._previous = self._previous, {}
        for number, handler in previous.items():
            signal.signal(number, handler)

    def _on_signal(self, signum: int, frame: Any) -> None:
        previous = self._previous.get(signum, signal.SIG_DFL)
        abandon_unfinished_exports()
        self._running = 0
        self._restore()
        if callable(previous):
            previous(signum, frame)
        else:
            signal.raise_signal(signum)  # the default action: the program ends as it would have


_ending_signals = _EndingSignals()


class ExportJob(QObject):
    """One export with its progress dialog. Emits :attr:`finished` with the result or None."""

    finished = Signal(object)

    def __init__(
        self,
        session: Session,
        incident_id: str,
        folder: Path,
        parent: QWidget | None,
        options: ExportOptions | None = None,
    ) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.folder = folder
        self.options = options or ExportOptions()
        self._session = session
        self.result: ExportResult | None = None
        self.done_box: QMessageBox | None = None
        self.progress = progress_dialog(
            f"Exporting {incident_id}: reading the exhibits…",
            f"Export {incident_id}",
            parent,
            accessible_name=f"Exporting {incident_id}",
        )
        self.progress.canceled.connect(self.cancel)
        self._parent = parent

        def work(store: EvidenceStore, task: Task[ExportResult]) -> ExportResult:
            def progress(done: int, total: int) -> None:
                if done < total:  # after the last step the export exists: too late to cancel
                    task.check_cancelled()
                task.report(done, total)

            return export_bundle(
                store, incident_id, folder, options=self.options, progress=progress
            )

        self.progress.show()
        _ending_signals.export_started()
        self._signal_check = QTimer(self)
        # Each tick runs Python on this thread, and with it any pending signal handler; it also
        # notices a task whose outcome the session dropped (a lock during the export).
        self._signal_check.timeout.connect(self._check)
        self._signal_check.start(_SIGNAL_CHECK_MS)
        self.task = session.run(work, self._done, self._failed, self._advanced)

    def _check(self) -> None:
        if self.task.done:
            self._ended()

    def _ended(self) -> None:
        if self._signal_check.isActive():
            self._signal_check.stop()
            _ending_signals.export_ended()

    def cancel(self) -> None:
        """Stop the export; the partial bundle is removed."""
        self.task.cancel()
        self.progress.setLabelText("Cancelling…")

    def _advanced(self, done: int, total: int) -> None:
        self.progress.setMaximum(total)
        self.progress.setValue(done)
        steps = total - 3
        if done < steps:
            text = f"Exporting {self.incident_id}: exhibit {done + 1} of {steps}…"
        elif done == steps:
            text = f"Exporting {self.incident_id}: laying out the report…"
        else:
            text = f"Exporting {self.incident_id}: signing and finishing the bundle…"
        self.progress.setLabelText(text)

    def _done(self, result: ExportResult) -> None:
        self._ended()
        self.result = result
        self.progress.close()
        if self.options.timestamp_url and self._session.is_unlocked:
            try:
                remember_timestamp_url(self._session.store, self.options.timestamp_url)
            except HarmonizeError as exc:  # only a convenience for the next export
                log.info("the time-stamp server was not remembered: %s", exc.message)
        box = message_box(
            self._parent,
            QMessageBox.Icon.Information,
            "The bundle is ready",
            export_done_text(result),
        )
        box.setDetailedText(export_result_details(result))
        show = box.addButton("Show in &folder", QMessageBox.ButtonRole.ActionRole)
        show.clicked.connect(lambda: show_in_folder(result.bundle))
        self.done_box = box
        self.finished.emit(result)

    def _failed(self, error: BaseException) -> None:
        self._ended()
        self.progress.close()
        if not isinstance(error, TaskCancelled):
            show_error(self._parent, error)
        self.finished.emit(None)


class BundleCheckJob(QObject):
    """Checks a bundle (no store needed) and says what was found, in plain words."""

    finished = Signal(object)  # the BundleCheck, or None

    def __init__(self, path: Path, parent: QWidget | None) -> None:
        super().__init__()
        self._parent = parent
        self.box: QMessageBox | None = None
        self.progress = QProgressDialog(f"Checking {path.name}…", "", 0, 0, parent)
        self.progress.setCancelButton(None)
        self.progress.setWindowTitle("Check a bundle")
        self.progress.setMinimumDuration(300)
        self.progress.setAutoClose(False)

        def work(task: Task[BundleCheck]) -> BundleCheck:
            return verify_bundle(path, progress=task.report)

        self.task = run_task(work, self._done, self._failed, self._advanced)

    def _advanced(self, done: int, total: int) -> None:
        self.progress.setMaximum(total)
        self.progress.setValue(done)

    def _done(self, check: BundleCheck) -> None:
        self.progress.close()
        # The command line's words, with the fingerprint in two lines so the dialog shows it whole.
        text = bundle_check_text(check, fingerprint_lines=2)
        icon = QMessageBox.Icon.Information if check.ok else QMessageBox.Icon.Warning
        self.box = message_box(self._parent, icon, "Bundle check", text)
        self.finished.emit(check)

    def _failed(self, error: BaseException) -> None:
        self.progress.close()
        show_error(self._parent, error)
        self.finished.emit(None)


class KeySheetJob(QObject):
    """Writes the "our evidence key" sheet off the GUI thread and says what to do with it."""

    finished = Signal(object)  # the KeySheetWritten, or None

    def __init__(self, session: Session, path: Path, parent: QWidget | None) -> None:
        super().__init__()
        self._parent = parent
        self.box: QMessageBox | None = None
        self.written: KeySheetWritten | None = None

        def work(store: EvidenceStore, _task: Task[KeySheetWritten]) -> KeySheetWritten:
            return write_key_sheet(store, path)

        self.task = session.run(work, self._done, self._failed)

    def _done(self, written: KeySheetWritten) -> None:
        self.written = written
        self.box = message_box(
            self._parent, QMessageBox.Icon.Information, "Our evidence key", key_sheet_text(written)
        )
        show = self.box.addButton("Show in &folder", QMessageBox.ButtonRole.ActionRole)
        show.clicked.connect(lambda: show_in_folder(written.path))
        self.finished.emit(written)

    def _failed(self, error: BaseException) -> None:
        show_error(self._parent, error)
        self.finished.emit(None)
