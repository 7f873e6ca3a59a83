"""The main window's part in handing evidence to the safeguarding lead.

A member of staff joins their school and hands an incident over; the lead shares the school card,
receives handovers (from the menu, or by dropping the package on the window) and writes receipts.
The Handover menu shows what the store's role can do. Handing over and receiving run off the GUI
thread with a progress dialog (:mod:`~harmonize_evidence.ui.handover_jobs`); a package from a
member of staff not yet confirmed stops before anything is stored and asks the lead to confirm
their fingerprint, then is received again.

The services are imported where they are used: none of this is needed to show the first window.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QMainWindow,
    QMenu,
    QMessageBox,
)

from harmonize_evidence.domain.errors import BadInput
from harmonize_evidence.domain.model import Incident, Role
from harmonize_evidence.ui.errors import message_box, show_error
from harmonize_evidence.ui.session import Session
from harmonize_evidence.ui.tasks import Task

if TYPE_CHECKING:
    from harmonize_evidence.services.receiving import UnconfirmedStaff
    from harmonize_evidence.ui.handover_jobs import HandoverJob, ReceiveJob
    from harmonize_evidence.ui.join_school import JoinSchoolDialog
    from harmonize_evidence.ui.school_dialogs import ConfirmStaffDialog, ShareCardDialog

JOIN_FIRST = (
    "Join your school first: your safeguarding lead gives you the school card and tells you its "
    "fingerprint in person or by phone. Until then nothing can be handed over, but you can keep "
    "capturing and adding evidence as before."
)


class HandoverFlows(QObject):
    """The Handover menu and everything it starts, for one main window."""

    def __init__(
        self,
        window: QMainWindow,
        session: Session,
        *,
        menu_before: QAction,
        current_incident: Callable[[], Incident | None],
        show_incident: Callable[[str], None],
    ) -> None:
        """``show_incident`` reads the list again and chooses the incident (new or changed)."""
        super().__init__(window)
        self._window = window
        self._session = session
        self._current_incident = current_incident
        self._show_incident = show_incident
        self._dialogs: list[QDialog] = []
        self._waiting: list[tuple[Path, str | None, str | None]] = []
        self.handover_job: HandoverJob | None = None
        self.receive_job: ReceiveJob | None = None
        self.confirm_dialog: ConfirmStaffDialog | None = None
        self.join_dialog: JoinSchoolDialog | None = None
        self.card_dialog: ShareCardDialog | None = None

        menu = QMenu("Hand&over", window)
        window.menuBar().insertMenu(menu_before, menu)
        self.menu = menu

        def action(text: str, slot: Callable[[], object], tip: str) -> QAction:
            item = QAction(text, window)
            item.setToolTip(tip)
            item.setStatusTip(tip)
            item.triggered.connect(slot)
            menu.addAction(item)
            return item

        self.join_action = action(
            "&Join your school…",
            self.open_join,
            "Install the school card from your safeguarding lead, to hand incidents over",
        )
        self.hand_over_action = action(
            "&Hand over to the lead…",
            self.hand_over_current,
            "Write the incident, encrypted for your safeguarding lead, to a USB stick",
        )
        self.share_card_action = action(
            "&Share the school card…",
            self.open_share_card,
            "Save the school card that staff join, and see the fingerprint to read to them",
        )
        self.receive_action = action(
            "&Receive a handover…",
            self.choose_package,
            "Check a handover package from a member of staff and keep it as a case",
        )
        self.receipt_action = action(
            "&Write a receipt…",  # R is Receive's, in the same menu
            self.write_receipt_current,
            "Write a signed receipt for the case, to give back to the member of staff",
        )
        session.unlocked.connect(self.update_role)
        self.update_role()

    # -- role ------------------------------------------------------------------------------------

    def role(self) -> Role | None:
        """The store's role, or None while it is locked."""
        return self._session.store.producer.role if self._session.is_unlocked else None

    def update_role(self) -> None:
        """Offer what this store's role can do."""
        lead = self.role() is Role.LEAD
        for item in (self.join_action, self.hand_over_action):
            item.setVisible(not lead)
        for item in (self.share_card_action, self.receive_action, self.receipt_action):
            item.setVisible(lead)

    def _keep(self, dialog: QDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._dialogs.append(dialog)
        dialog.finished.connect(
            lambda _result: self._dialogs.remove(dialog) if dialog in self._dialogs else None
        )

    # -- the lead --------------------------------------------------------------------------------

    def open_share_card(self) -> ShareCardDialog:
        """(lead) The school card: the contact, where to save it, the fingerprint to read."""
        from harmonize_evidence.ui.school_dialogs import ShareCardDialog

        dialog = ShareCardDialog(self._session, self._window)
        self._keep(dialog)
        self.card_dialog = dialog
        dialog.open()
        return dialog

    def choose_package(self) -> None:
        """(lead) Ask for a handover package and receive it."""
        name, _ = QFileDialog.getOpenFileName(
            self._window,
            "Receive a handover",
            str(Path.home()),
            "Handover packages (*.age);;All files (*)",
        )
        if name:
            self.receive(Path(name))

    def receive(
        self, path: Path, accept_staff: str | None = None, confirmed_how: str | None = None
    ) -> ReceiveJob | None:
        """Receive ``path`` (after the one running now, if any)."""
        if self.receive_job is not None or self.confirm_dialog is not None:
            self._waiting.append((path, accept_staff, confirmed_how))
            return None
        from harmonize_evidence.ui.handover_jobs import ReceiveJob  # not on the way to the window

        job = ReceiveJob(
            self._session,
            path,
            self._window,
            accept_staff=accept_staff,
            confirmed_how=confirmed_how,
        )
        job.finished.connect(self._received)
        job.unconfirmed.connect(lambda error: self._confirm_staff(path, error))
        self.receive_job = job
        return job

    def take_dropped(self, paths: Sequence[Path]) -> list[Path]:
        """Receive the handover packages and receipts among dropped files; return the rest."""
        from harmonize_evidence.services.receiving import is_handover_file

        rest = []
        for path in paths:
            if path.is_file() and is_handover_file(path):
                self.receive(path)
            else:
                rest.append(path)
        return rest

    def _received(self, result: object) -> None:
        from harmonize_evidence.services.receipts import ReceiptRecorded
        from harmonize_evidence.services.receiving import PackageReceived

        self.receive_job = None
        if isinstance(result, ReceiptRecorded):
            self._show_incident(result.incident)
        elif isinstance(result, PackageReceived):
            self._show_incident(result.case)
        self._next()

    def _next(self) -> None:
        if self._waiting and self.receive_job is None and self.confirm_dialog is None:
            self.receive(*self._waiting.pop(0))

    def _confirm_staff(self, path: Path, error: UnconfirmedStaff) -> None:
        from harmonize_evidence.ui.school_dialogs import ConfirmStaffDialog

        self.receive_job = None
        fingerprint = error.staff_fingerprint
        dialog = ConfirmStaffDialog(
            error.sender.actor,
            error.sender.school,
            fingerprint,
            error.same_name_held,
            self._window,
        )
        self._keep(dialog)
        self.confirm_dialog = dialog

        def closed(result: int) -> None:
            self.confirm_dialog = None
            if result == QDialog.DialogCode.Accepted:
                self.receive(path, fingerprint, dialog.confirmed_how)
            else:
                self._window.statusBar().showMessage(
                    f"{path.name} was not received: nothing was stored.", 8000
                )
                self._next()

        dialog.finished.connect(closed)
        dialog.open()

    def write_receipt_current(self) -> None:
        """(lead) Ask for a folder and write the receipt for the chosen case into it."""
        incident = self._current_incident()
        if incident is None or incident.sender_id is None:
            show_error(
                self._window,
                BadInput(
                    "Choose a case received from a member of staff first; the receipt tells "
                    "them that you received their handover."
                ),
            )
            return
        folder = QFileDialog.getExistingDirectory(
            self._window,
            f"Choose a folder for the receipt of {incident.id} (the staff member's USB stick)",
            str(Path.home()),
        )
        if folder:
            self.write_receipt(incident.id, Path(folder))

    def write_receipt(self, case_id: str, folder: Path) -> Task[Path]:
        """Write the signed receipt for ``case_id`` into ``folder`` (off the GUI thread)."""
        from harmonize_evidence.services.receipts import write_receipt

        def done(path: Path) -> None:
            message_box(
                self._window,
                QMessageBox.Icon.Information,
                "Receipt written",
                f"The receipt is in {path}. Give it to the member of staff: their program "
                "records it when they drag it onto its window.",
            )

        def failed(error: BaseException) -> None:
            show_error(self._window, error)

        return self._session.run(
            lambda store, _task: write_receipt(store, case_id, folder), done, failed
        )

    # -- a member of staff -----------------------------------------------------------------------

    def open_join(self) -> JoinSchoolDialog:
        """(staff) Join the school with the card from the lead."""
        from harmonize_evidence.ui.join_school import JoinSchoolDialog

        dialog = JoinSchoolDialog(self._session, self._window)
        self._keep(dialog)
        self.join_dialog = dialog
        dialog.open()
        return dialog

    def hand_over_current(self) -> None:
        """(staff) Ask for a folder (a USB stick) and hand the chosen incident over into it."""
        from harmonize_evidence.services.school import joined_card

        incident = self._current_incident()
        if incident is None:
            show_error(self._window, BadInput("Choose an incident first, or open a new one."))
            return
        if joined_card(self._session.store) is None:
            self.explain_join_first()
            return
        folder = QFileDialog.getExistingDirectory(
            self._window,
            f"Choose where to put the handover of {incident.id} (a USB stick, say)",
            str(Path.home()),
        )
        if folder:
            self.start_handover(incident.id, Path(folder))

    def explain_join_first(self) -> QMessageBox:
        """Say that handing over needs the school joined, with a way to join now."""
        box = message_box(
            self._window, QMessageBox.Icon.Information, "Join your school first", JOIN_FIRST
        )
        join = box.addButton("&Join your school…", QMessageBox.ButtonRole.ActionRole)
        join.clicked.connect(self.open_join)
        return box

    def start_handover(self, incident_id: str, folder: Path) -> HandoverJob | None:
        """Hand ``incident_id`` over into ``folder`` with a cancellable progress dialog."""
        if self.handover_job is not None:
            return None
        from harmonize_evidence.ui.handover_jobs import HandoverJob

        job = HandoverJob(self._session, incident_id, folder, self._window)

        def finished(result: object) -> None:
            self.handover_job = None
            self._show_incident(incident_id)  # its status, and the handover line

        job.finished.connect(finished)
        self.handover_job = job
        return job

    # -- locking ---------------------------------------------------------------------------------

    def drop_everything(self) -> None:
        """Close every dialog and stop every job (the store was locked)."""
        self._waiting.clear()
        for dialog in list(self._dialogs):
            dialog.close()
        self.confirm_dialog = None
        for job in (self.handover_job, self.receive_job):
            if job is not None:
                job.task.cancel()
                job.progress.close()
        self.handover_job = None
        self.receive_job = None
