"""The two long jobs of a handover, each off the GUI thread with a progress dialog that can
cancel it: a member of staff writing an incident's package (:class:`HandoverJob`), and receiving
a file (:class:`ReceiveJob`: a package on the lead's store, a receipt on a member of staff's).

The services are imported where they are used: none of this is needed to show the first window.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

from harmonize_evidence.ui.dialogs import progress_dialog
from harmonize_evidence.ui.errors import message_box, show_error
from harmonize_evidence.ui.session import Session
from harmonize_evidence.ui.tasks import Task, TaskCancelled

if TYPE_CHECKING:
    from harmonize_evidence.services.evidence import EvidenceStore
    from harmonize_evidence.services.handing_over import HandoverResult
    from harmonize_evidence.services.receipts import ReceiptRecorded
    from harmonize_evidence.services.receiving import PackageReceived


class HandoverJob(QObject):
    """Writes one incident's handover package with a progress dialog.

    Emits :attr:`finished` with the :class:`HandoverResult`, or None when it was stopped or failed.
    Cancelling stops it while the exhibits are encrypted: the partial file is removed and nothing
    is recorded.
    """

    finished = Signal(object)

    def __init__(
        self, session: Session, incident_id: str, folder: Path, parent: QWidget | None
    ) -> None:
        super().__init__()
        from harmonize_evidence.services.handing_over import hand_over

        self.incident_id = incident_id
        self.result: HandoverResult | None = None
        self.done_box: QMessageBox | None = None
        self._parent = parent
        self.progress = progress_dialog(
            f"Handing over {incident_id}: encrypting for your lead…",
            f"Hand over {incident_id}",
            parent,
        )
        self.progress.canceled.connect(self.cancel)

        def work(store: EvidenceStore, task: Task[HandoverResult]) -> HandoverResult:
            def progress(done: int, total: int) -> None:
                if done < total:  # after the last exhibit the package is being recorded
                    task.check_cancelled()
                task.report(done, total)

            return hand_over(store, incident_id, folder, progress)

        self.progress.show()
        self.task = session.run(work, self._done, self._failed, self._advanced)

    def cancel(self) -> None:
        """Stop the handover; the partial package is removed."""
        self.task.cancel()
        self.progress.setLabelText("Cancelling…")

    def _advanced(self, done: int, total: int) -> None:
        self.progress.setMaximum(total)
        self.progress.setValue(done)
        if done < total:
            self.progress.setLabelText(
                f"Handing over {self.incident_id}: exhibit {done + 1} of {total}…"
            )
        else:
            self.progress.setLabelText(f"Handing over {self.incident_id}: finishing…")

    def _done(self, result: HandoverResult) -> None:
        from harmonize_evidence.services.handing_over import handover_text

        self.result = result
        self.progress.close()
        box = message_box(
            self._parent,
            QMessageBox.Icon.Information,
            "Handed over",
            handover_text(result)
            + "\n\nGive the file to your safeguarding lead. The program records their receipt "
            "when you drag it onto this window.",
        )
        show = box.addButton("Show in &folder", QMessageBox.ButtonRole.ActionRole)
        show.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(result.package.parent)))
        )
        self.done_box = box
        self.finished.emit(result)

    def _failed(self, error: BaseException) -> None:
        self.progress.close()
        if not isinstance(error, TaskCancelled):
            show_error(self._parent, error)
        self.finished.emit(None)


class ReceiveJob(QObject):
    """Receives one file: a handover package on the lead's store, a receipt on staff's.

    Emits :attr:`finished` with the PackageReceived or ReceiptRecorded, or None. A package from
    a member of staff not yet confirmed emits :attr:`unconfirmed` with the error instead.
    """

    finished = Signal(object)
    unconfirmed = Signal(object)  # the UnconfirmedStaff

    def __init__(
        self,
        session: Session,
        path: Path,
        parent: QWidget | None,
        *,
        accept_staff: str | None = None,
        confirmed_how: str | None = None,
    ) -> None:
        super().__init__()
        from harmonize_evidence.services.receiving import receive_file

        self.path = path
        self.result: PackageReceived | ReceiptRecorded | None = None
        self.done_box: QMessageBox | None = None
        self._parent = parent
        self.progress = progress_dialog(
            f"Receiving {path.name}: checking every hash and signature…",
            "Receive a handover",
            parent,
        )
        self.progress.canceled.connect(self.cancel)

        def work(
            store: EvidenceStore, task: Task[PackageReceived | ReceiptRecorded]
        ) -> PackageReceived | ReceiptRecorded:
            def progress(done: int, total: int) -> None:
                task.check_cancelled()  # nothing is stored until the whole package is checked
                task.report(done, total)

            if confirmed_how is None:
                return receive_file(store, path, accept_staff=accept_staff, progress=progress)
            return receive_file(
                store,
                path,
                accept_staff=accept_staff,
                confirmed_how=confirmed_how,
                progress=progress,
            )

        self.progress.show()
        self.task = session.run(work, self._done, self._failed, self._advanced)

    def cancel(self) -> None:
        """Stop receiving; nothing is stored."""
        self.task.cancel()
        self.progress.setLabelText("Cancelling…")

    def _advanced(self, done: int, total: int) -> None:
        self.progress.setMaximum(total)
        self.progress.setValue(done)
        self.progress.setLabelText(f"Receiving {self.path.name}: exhibit {done} of {total}…")

    def _done(self, result: PackageReceived | ReceiptRecorded) -> None:
        from harmonize_evidence.services.receipts import ReceiptRecorded, receipt_text
        from harmonize_evidence.services.receiving import received_text

        self.result = result
        self.progress.close()
        if isinstance(result, ReceiptRecorded):
            title, text = "Receipt recorded", receipt_text(result)
        else:
            title, text = "Handover received", received_text(result)
        self.done_box = message_box(self._parent, QMessageBox.Icon.Information, title, text)
        self.finished.emit(result)

    def _failed(self, error: BaseException) -> None:
        from harmonize_evidence.services.receiving import UnconfirmedStaff

        self.progress.close()
        if isinstance(error, UnconfirmedStaff):
            self.unconfirmed.emit(error)
            return
        if not isinstance(error, TaskCancelled):
            show_error(self._parent, error)
        self.finished.emit(None)
