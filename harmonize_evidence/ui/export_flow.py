"""Exporting an incident as a signed bundle with a cancellable progress dialog, and checking a
bundle someone sent.

Both go through ``services.exporting`` off the GUI thread. Cancelling raises inside the export's
own progress callback, before the bundle gets its final name, so the service removes its partial
file and nothing is left behind; once the export is complete it can no longer be cancelled.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.exporting import (
    BundleCheck,
    ExportResult,
    bundle_check_text,
    export_bundle,
    verify_bundle,
)
from harmonize_evidence.services.logfile import APP_NAME
from harmonize_evidence.ui.errors import message_box, show_error
from harmonize_evidence.ui.session import Session
from harmonize_evidence.ui.tasks import Task, TaskCancelled, run_task


def export_done_text(result: ExportResult) -> str:
    """What the user reads once the bundle is written (the command line's words)."""
    return (
        f"Wrote {result.bundle} ({result.exhibits} exhibit file(s), report signed "
        f"{result.signature_level}).\nSHA-256 {result.sha256}\n"
        f"The export is custody entry {result.entry.seq} of {result.entry.incident_id}."
    )


def show_in_folder(path: Path) -> bool:
    """Open the folder holding ``path`` in the system's file manager."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))


class ExportJob(QObject):
    """One export with its progress dialog. Emits :attr:`finished` with the result or None."""

    finished = Signal(object)

    def __init__(
        self, session: Session, incident_id: str, folder: Path, parent: QWidget | None
    ) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.folder = folder
        self.result: ExportResult | None = None
        self.done_box: QMessageBox | None = None
        self.progress = QProgressDialog(
            f"Exporting {incident_id}: reading the exhibits…", "&Cancel", 0, 0, parent
        )
        self.progress.setWindowTitle(f"Export {incident_id}")
        self.progress.setAccessibleName(f"Exporting {incident_id}")
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setMinimumDuration(0)
        self.progress.setAutoClose(False)
        self.progress.setAutoReset(False)
        self.progress.canceled.connect(self.cancel)
        self._parent = parent

        def work(store: EvidenceStore, task: Task[ExportResult]) -> ExportResult:
            def progress(done: int, total: int) -> None:
                if done < total:  # after the last step the export exists: too late to cancel
                    task.check_cancelled()
                task.report(done, total)

            return export_bundle(store, incident_id, folder, progress=progress)

        self.progress.show()
        self.task = session.run(work, self._done, self._failed, self._advanced)

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
        self.result = result
        self.progress.close()
        box = message_box(
            self._parent, QMessageBox.Icon.Information, APP_NAME, export_done_text(result)
        )
        show = box.addButton("Show in &folder", QMessageBox.ButtonRole.ActionRole)
        show.clicked.connect(lambda: show_in_folder(result.bundle))
        self.done_box = box
        self.finished.emit(result)

    def _failed(self, error: BaseException) -> None:
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
