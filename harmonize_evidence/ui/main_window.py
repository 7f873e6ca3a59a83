"""The main window: the incidents list beside the incident view.

Its parts have modules of their own: the list with its search and filters
(:mod:`~harmonize_evidence.ui.incident_list`), the actions, toolbar and menus
(:mod:`~harmonize_evidence.ui.main_actions`), files dropped on it
(:mod:`~harmonize_evidence.ui.file_drop`) and the Handover menu with what it starts
(:mod:`~harmonize_evidence.ui.handover_flow`).

Why this module is over 500 lines: what stays here is the window's commands, each a few lines
that open a dialog or start a job kept in another module (new incident, add files, written
account, change of category or status, verify, capture, export, key sheet, check a bundle), and
how they refresh the list and the incident afterwards. They share the window's state (the chosen
incident, its open dialogs, the session); split further, each part would reach back into it.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from harmonize_evidence.domain.errors import BadInput
from harmonize_evidence.domain.model import Exhibit, Incident
from harmonize_evidence.domain.wording import saved_text
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.logfile import APP_NAME
from harmonize_evidence.ui.case_work import CaseWork
from harmonize_evidence.ui.errors import show_error
from harmonize_evidence.ui.file_drop import FileDrop
from harmonize_evidence.ui.handover_flow import HandoverFlows
from harmonize_evidence.ui.heap import keep_long_lived
from harmonize_evidence.ui.incident_list import IncidentListPane
from harmonize_evidence.ui.incident_view import IncidentView
from harmonize_evidence.ui.main_actions import (
    MainActions,
    MainCommands,
    show_about,
    show_log_location,
)
from harmonize_evidence.ui.models import INCIDENT_ROLE
from harmonize_evidence.ui.session import Session
from harmonize_evidence.ui.tasks import Task
from harmonize_evidence.ui.thumbnails import ThumbnailCache
from harmonize_evidence.ui.verifying import start_verification

if TYPE_CHECKING:
    # Imported where they are used: the first window shows none of them.
    from harmonize_evidence.services.exporting import ExportOptions
    from harmonize_evidence.ui.add_files_dialog import AddFilesDialog
    from harmonize_evidence.ui.capture_flow import CaptureFlow
    from harmonize_evidence.ui.dialogs import NewIncidentDialog, WrittenAccountDialog
    from harmonize_evidence.ui.export_dialog import ExportDialog
    from harmonize_evidence.ui.export_flow import BundleCheckJob, ExportJob, KeySheetJob
    from harmonize_evidence.ui.incident_change import IncidentChangeDialog

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """Incidents on the left, the chosen incident on the right."""

    lock_requested = Signal()
    quit_requested = Signal()
    close_requested = Signal()
    idle_minutes_chosen = Signal(int)
    capture_saved = Signal(str)
    listed = Signal()
    """The incidents were read and shown (each time the list is read)."""
    """A capture was kept: the sentence that says so (the tray repeats it)."""

    def __init__(self, session: Session, idle_minutes: int = 5) -> None:
        super().__init__()
        self.session = session
        self.setWindowTitle(APP_NAME)
        self.setAccessibleName(APP_NAME)
        ratio = self.devicePixelRatioF()
        self.thumbnails = ThumbnailCache(session, ratio)
        self.file_drop = FileDrop(self, self._files_dropped)

        # The incidents list, and its parts as the window's users know them.
        pane = IncidentListPane(session)
        self.incident_list = pane
        self.incidents = pane.incidents
        self.proxy = pane.proxy
        self.table = pane.table
        self.search = pane.search
        self.status_filter = pane.status_filter
        self.category_filter = pane.category_filter
        self.platform_filter = pane.platform_filter
        self.count_label = pane.count_label
        self.table.selectionModel().currentRowChanged.connect(self._incident_chosen)
        pane.notice.connect(lambda text, timeout: self.statusBar().showMessage(text, timeout))

        # The incident view, or a hint when there is nothing to show.
        self.incident_view = IncidentView(session, self.thumbnails)
        self.incident_view.changed.connect(self._incident_refreshed)
        self.incident_view.add_files_requested.connect(self.choose_files)
        self.incident_view.account_requested.connect(self.write_account)
        self.incident_view.change_requested.connect(self.change_incident)
        self.incident_view.verify_requested.connect(self.verify_current)
        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.right = QStackedWidget()
        self.right.addWidget(self.empty)
        self.right.addWidget(self.incident_view)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(pane)
        splitter.addWidget(self.right)
        splitter.setStretchFactor(0, 1)  # the list's title keeps room beside its other columns
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([5000, 5000])
        splitter.setChildrenCollapsible(False)
        self.setCentralWidget(splitter)
        self.splitter = splitter

        self._load_task: Task[list[Incident]] | None = None
        self._dialogs: list[QDialog] = []
        self.capture_flow: CaptureFlow | None = None
        self.capture_display: str | None = None
        """The X display to capture (None: the one in ``DISPLAY``)."""
        self.export_job: ExportJob | None = None
        self.bundle_jobs: list[BundleCheckJob] = []
        self.key_sheet_job: KeySheetJob | None = None
        commands = MainCommands(
            new_incident=self.new_incident,
            add_files=self.choose_files,
            write_account=self.write_account,
            verify=self.verify_current,
            verify_all=self.verify_all,
            capture=self.start_capture,
            export=self.export_current,
            check_bundle=self.choose_bundle,
            save_key_sheet=self.save_key_sheet,
            lock=self.lock_requested.emit,
            quit=self.quit_requested.emit,
            find=pane.focus_search,
            choose_idle_minutes=self.idle_minutes_chosen.emit,
            show_log_location=lambda: show_log_location(self),
            about=lambda: show_about(self, self.session.store),
        )
        actions = MainActions(self, commands, idle_minutes)
        self.main_actions = actions
        self.new_incident_action = actions.new_incident
        self.add_files_action = actions.add_files
        self.account_action = actions.account
        self.verify_action = actions.verify
        self.verify_all_action = actions.verify_all
        self.capture_action = actions.capture
        self.export_action = actions.export
        self.check_bundle_action = actions.check_bundle
        self.lock_action = actions.lock
        self.quit_action = actions.quit
        self.find_action = actions.find
        self.idle_actions = actions.idle
        self.toolbar = actions.toolbar
        self.handover = HandoverFlows(
            self,
            session,
            menu_before=actions.check_menu.menuAction(),
            current_incident=self.current_incident,
            show_incident=self._show_changed,
        )
        self.incident_view.handover_requested.connect(self.handover.hand_over_current)
        # On a lead's store: the Cases tab, with its steps and its news of overdue cases.
        self.casework = CaseWork(self, session, select_incident=self.select_incident)
        self.casework.incident_changed.connect(self._incident_refreshed)
        self.incident_view.receipt_requested.connect(self.handover.write_receipt_current)
        view = self.incident_view
        chain: list[QWidget] = [
            self.search,
            self.status_filter,
            self.category_filter,
            self.platform_filter,
            self.incident_list.urgent_filter,
            self.table,
            view.add_files_button,
            view.account_button,
            view.verify_button,
            view.handover_button,
            view.receipt_button,
            view.tabs,
            view.grid,
            view.metadata,
            view.open_button,
            view.blur_button,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
        self.statusBar().showMessage("")
        self._show_empty("Loading incidents…")
        # Most of the screen, whatever its size and scaling.
        metrics = self.fontMetrics()
        char = metrics.averageCharWidth()
        available = self.screen().availableGeometry()
        self.resize(
            min(round(available.width() * 0.85), char * 260),
            min(round(available.height() * 0.85), metrics.height() * 56),
        )

    # -- loading ---------------------------------------------------------------------------------

    @property
    def loading(self) -> bool:
        """Whether the incidents are being read now."""
        return self._load_task is not None

    def load(self, select_id: str | None = None) -> None:
        """Read the incidents (off the GUI thread) and show them, choosing ``select_id``."""
        if self._load_task is not None:
            self._load_task.cancel()
        self._load_task = self.session.run(
            lambda store, _task: store.incidents(by_activity=True),  # the list's order
            lambda incidents: self._loaded(incidents, select_id),
        )

    def _loaded(self, incidents: list[Incident], select_id: str | None) -> None:
        self._load_task = None
        self.incidents.set_rows(incidents)
        keep_long_lived()  # the incidents stay until the next reading: out of the collector's walks
        log.info("main window lists %d incidents", len(incidents))
        self.listed.emit()
        self._update_count()
        if not incidents:
            self._show_empty(
                "No incidents yet.\n\nChoose \u201cNew incident\u201d to start keeping evidence."
            )
            return
        self.select_incident(select_id or self.incidents.incident_at(0).id)

    def select_incident(self, incident_id: str) -> bool:
        """Choose ``incident_id`` in the list (clearing filters if they hide it)."""
        return self.incident_list.select_incident(incident_id)

    def current_incident(self) -> Incident | None:
        """The incident chosen in the list."""
        return self.incident_list.current_incident()

    def _incident_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        incident = current.data(INCIDENT_ROLE) if current.isValid() else None
        self.main_actions.set_incident_chosen(isinstance(incident, Incident))
        if not isinstance(incident, Incident):
            self.incident_view.show_incident(None)
            if self.incidents.rowCount():
                self._show_empty("Choose an incident on the left.")
            return
        self.right.setCurrentWidget(self.incident_view)
        self.incident_view.show_incident(incident.id)

    def _incident_refreshed(self, incident: Incident) -> None:
        self.incidents.upsert(incident)
        self._update_count()

    def _show_empty(self, text: str) -> None:
        self.empty.setText(text)
        self.right.setCurrentWidget(self.empty)

    def _update_count(self) -> None:
        self.incident_list.update_count()

    def clear_filters(self) -> None:
        """Show every incident."""
        self.incident_list.clear_filters()

    # -- adding evidence -------------------------------------------------------------------------

    def new_incident(self) -> NewIncidentDialog:
        """Open the new-incident dialog; once saved, the new incident is chosen in the list."""
        from harmonize_evidence.ui.dialogs import NewIncidentDialog

        store = self.session.store
        dialog = NewIncidentDialog(store.new_incident, store.producer.name, self)
        self._keep_dialog(dialog)

        def opened() -> None:
            incident = dialog.incident
            if incident is not None:
                self.incidents.upsert(incident)
                self._update_count()
                self.select_incident(incident.id)

        dialog.accepted.connect(opened)
        dialog.open()
        return dialog

    def _keep_dialog(self, dialog: QDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._dialogs.append(dialog)
        dialog.finished.connect(
            lambda _result: self._dialogs.remove(dialog) if dialog in self._dialogs else None
        )

    @property
    def dialogs(self) -> list[QDialog]:
        """The dialogs open now (closed on lock)."""
        return list(self._dialogs)

    def _incident_or_explain(self) -> Incident | None:
        incident = self.current_incident()
        if incident is None:
            show_error(self, BadInput("Choose an incident first, or open a new one."))
        return incident

    def choose_files(self) -> None:
        """Ask for files and add them to the chosen incident."""
        incident = self._incident_or_explain()
        if incident is None:
            return
        names, _ = QFileDialog.getOpenFileNames(
            self,
            f"Add files to {incident.id}",
            str(Path.home()),
            "Evidence (*.png *.jpg *.jpeg *.gif *.webp *.heic *.bmp *.tif *.tiff *.eml *.msg "
            "*.mp3 *.m4a *.wav *.ogg *.amr *.aac *.mp4 *.mov *.pdf *.doc *.docx *.txt);;"
            "All files (*)",
        )
        if names:
            self.describe_files(incident, [Path(name) for name in names])

    def describe_files(self, incident: Incident, paths: Sequence[Path]) -> AddFilesDialog:
        """Ask where the files came from (once for them all), then add them."""
        from harmonize_evidence.ui.add_files_dialog import AddFilesDialog

        dialog = AddFilesDialog(self.session, incident, list(paths), self)
        self._keep_dialog(dialog)
        dialog.chosen.connect(
            lambda url, came_from, note, posted_at: self.add_files(
                incident.id,
                dialog.files_to_add(),
                url=url,
                came_from=came_from,
                note=note,
                posted_at=posted_at,
            )
        )
        dialog.open()
        return dialog

    def add_files(
        self,
        incident_id: str,
        paths: Sequence[Path],
        *,
        url: str | None = None,
        came_from: str = "",
        note: str = "",
        posted_at: str | None = None,
    ) -> Task[list[Exhibit]]:
        """Import ``paths`` into the incident off the GUI thread, each unchanged, each with
        the same web address, way it came, note and time on the post."""
        files = list(paths)

        def add(store: EvidenceStore, task: Task[list[Exhibit]]) -> list[Exhibit]:
            added = []
            for number, path in enumerate(files, start=1):
                task.check_cancelled()
                task.report(number, len(files), path.name)
                added.append(
                    store.add_file(
                        incident_id,
                        path,
                        url=url,
                        note=note,
                        posted_at=posted_at,
                        came_from=came_from,
                    )
                )
            return added

        def progress(number: int, total: int, name: str) -> None:
            self.statusBar().showMessage(f"Adding {name} ({number} of {total})…")

        def done(added: list[Exhibit]) -> None:
            refs = ", ".join(exhibit.ref for exhibit in added)
            self.statusBar().showMessage(f"Added {refs} to {incident_id}.", 8000)
            self._refresh(incident_id)

        def failed(error: BaseException) -> None:
            self.statusBar().clearMessage()
            self._refresh(incident_id)  # files before the failing one were kept
            show_error(self, error)

        return self.session.run(add, done, failed, progress)

    def _refresh(self, incident_id: str) -> None:
        current = self.current_incident()
        if current is not None and current.id == incident_id:
            self.incident_view.reload()
        else:
            self.select_incident(incident_id)

    def _show_changed(self, incident_id: str) -> None:
        # A case just received is new to the list: read it again; else refresh the incident.
        self.casework.load()
        if self.casework.active:
            self.casework.show_evidence(incident_id)
        if self.incidents.row_of(incident_id) is None:
            self.load(incident_id)
        else:
            self._refresh(incident_id)

    def write_account(self) -> WrittenAccountDialog | None:
        """Open the written-account editor for the chosen incident."""
        incident = self._incident_or_explain()
        if incident is None:
            return None
        from harmonize_evidence.ui.dialogs import WrittenAccountDialog

        store = self.session.store
        dialog = WrittenAccountDialog(
            incident, lambda text: store.add_note(incident.id, text), self
        )
        self._keep_dialog(dialog)

        def saved() -> None:
            entry = dialog.entry
            if entry is None:
                return
            self.incident_list.add_notes(incident.id, [entry])
            self.statusBar().showMessage(
                f"Written account saved as custody entry {entry.seq} of {incident.id}.", 8000
            )
            self._refresh(incident.id)

        dialog.accepted.connect(saved)
        dialog.open()
        return dialog

    def change_incident(self) -> IncidentChangeDialog | None:
        """Ask for a new category or status of the chosen incident, and the reason."""
        incident = self._incident_or_explain()
        if incident is None:
            return None
        from harmonize_evidence.services.incident_changes import change_incident
        from harmonize_evidence.ui.incident_change import IncidentChangeDialog

        store = self.session.store
        dialog = IncidentChangeDialog(
            incident,
            lambda category, status, reason: change_incident(
                store, incident.id, category=category, status=status, reason=reason
            ),
            self,
        )
        self._keep_dialog(dialog)

        def saved() -> None:
            changed = dialog.changed
            if changed is None:
                return
            seqs = [str(entry.seq) for entry in changed.entries]
            entries = f"entry {seqs[0]}" if len(seqs) == 1 else f"entries {' and '.join(seqs)}"
            self.statusBar().showMessage(
                f"The change is on the custody log of {incident.id} as {entries}.", 8000
            )
            self._refresh(incident.id)

        dialog.accepted.connect(saved)
        dialog.open()
        return dialog

    # -- checking --------------------------------------------------------------------------------

    def verify_current(self) -> None:
        """Verify the chosen incident and say what was found, in plain words."""
        incident = self._incident_or_explain()
        if incident is not None:
            self._verify(incident.id)

    def verify_all(self) -> None:
        """Verify every incident in the store."""
        self._verify(None)

    def _verify(self, incident_id: str | None) -> None:
        def shown(box: QMessageBox) -> None:
            self.last_verification = box

        start_verification(self, self.session, incident_id, shown)

    # -- capture and export ----------------------------------------------------------------------

    def start_capture(self) -> CaptureFlow | None:
        """Start a capture (the first question comes first, always)."""
        if self.capture_flow is not None or not self.session.is_unlocked:
            return None
        # Imported here: the capture layer (encoder, Pillow) is not needed to start the program.
        from harmonize_evidence.ui.capture_flow import CaptureFlow

        current = self.current_incident()
        flow = CaptureFlow(
            self.session,
            list(self.incidents.incidents),
            current.id if current else None,
            self,
            display=self.capture_display,
        )
        flow.finished.connect(self._capture_finished)
        self.capture_flow = flow
        flow.start()
        return flow

    def _capture_finished(self, exhibit: Exhibit | None) -> None:
        self.capture_flow = None
        if exhibit is None:
            self.statusBar().showMessage("Nothing was saved.", 6000)
            return
        said = saved_text(exhibit)
        self.statusBar().showMessage(said, 10_000)
        if self.session.is_unlocked:
            self.load(exhibit.incident_id)  # a new incident, a platform or an urgent flag
            if self.incident_view.incident is not None and (
                self.incident_view.incident.id == exhibit.incident_id
            ):
                self.incident_view.reload()
            self.incident_view.choose_exhibit(exhibit.ref)
            self.incident_view.announce(said)
        self.capture_saved.emit(said)

    def export_current(self) -> ExportDialog | None:
        """Ask who the bundle is for (and warn that it is not encrypted), then for a folder, and
        export the chosen incident into it."""
        incident = self._incident_or_explain()
        if incident is None:
            return None
        from harmonize_evidence.services.exporting import remembered_timestamp_url
        from harmonize_evidence.ui.export_dialog import ExportDialog

        def choose_folder() -> str:
            return QFileDialog.getExistingDirectory(
                dialog, f"Choose a folder for the bundle of {incident.id}", str(Path.home())
            )

        dialog = ExportDialog(
            incident.id,
            remembered_timestamp_url(self.session.store),
            self,
            choose_folder=choose_folder,
        )
        self._keep_dialog(dialog)

        def answered() -> None:
            if dialog.folder is not None:
                self.start_export(incident.id, dialog.folder, dialog.options)

        dialog.accepted.connect(answered)
        dialog.open()
        return dialog

    def start_export(
        self, incident_id: str, folder: Path, options: ExportOptions | None = None
    ) -> ExportJob | None:
        """Export ``incident_id`` into ``folder`` with a cancellable progress dialog."""
        if self.export_job is not None:
            return None
        from harmonize_evidence.ui.export_flow import ExportJob

        job = ExportJob(self.session, incident_id, folder, self, options)
        job.finished.connect(lambda result: self._export_finished(incident_id, result))
        self.export_job = job
        return job

    def _export_finished(self, incident_id: str, result: object) -> None:
        self.export_job = None
        if result is None:
            self.statusBar().showMessage("The export was stopped; no bundle was written.", 8000)
            return
        self.statusBar().showMessage(f"Exported {incident_id}.", 8000)
        self._refresh(incident_id)

    def save_key_sheet(self) -> KeySheetJob | None:
        """Ask where to save the "our evidence key" sheet, and save it."""
        if not self.session.is_unlocked:
            return None
        from harmonize_evidence.services.key_sheet import key_sheet_name

        name, _ = QFileDialog.getSaveFileName(
            self,
            "Save our evidence key sheet",
            str(Path.home() / key_sheet_name(self.session.store)),
            "PDF files (*.pdf)",
        )
        return self.write_key_sheet(Path(name)) if name else None

    def write_key_sheet(self, path: Path) -> KeySheetJob:
        """Write the key sheet to ``path`` off the GUI thread and say what to do with it."""
        from harmonize_evidence.ui.export_flow import KeySheetJob

        job = KeySheetJob(self.session, path, self)
        self.key_sheet_job = job
        return job

    def choose_bundle(self) -> None:
        """Ask for a bundle and check it."""
        name, _ = QFileDialog.getOpenFileName(
            self, "Check a bundle", str(Path.home()), "Evidence bundles (*.zip)"
        )
        if name:
            self.check_bundle(Path(name))

    def check_bundle(self, path: Path) -> BundleCheckJob:
        """Check a bundle off the GUI thread and say what was found."""
        from harmonize_evidence.ui.export_flow import BundleCheckJob

        job = BundleCheckJob(path, self)
        self.bundle_jobs.append(job)
        job.finished.connect(lambda _check: self.bundle_jobs.remove(job))
        return job

    def _files_dropped(self, paths: list[Path]) -> None:
        paths = self.handover.take_dropped(paths)  # handover packages and receipts
        if not paths:
            return
        incident = self._incident_or_explain()
        if incident is not None:
            self.describe_files(incident, paths)

    # -- locking ---------------------------------------------------------------------------------

    def drop_everything(self) -> bool:
        """Forget every record and picture (the store was locked). Returns whether a written
        account being typed was thrown away (nothing is kept while the store is locked)."""
        from harmonize_evidence.ui.dialogs import WrittenAccountDialog  # not needed at start

        lost = False
        for dialog in list(self._dialogs):
            if isinstance(dialog, WrittenAccountDialog):  # closed without asking
                lost = lost or dialog.has_unsaved_text
                dialog.discard()
            else:
                dialog.close()
        if self.capture_flow is not None:
            self.capture_flow.abort()
        if self.export_job is not None:
            self.export_job.task.cancel()
            self.export_job.progress.close()
            self.export_job = None
        self.handover.drop_everything()
        self.incident_list.forget_notes()
        if self._load_task is not None:
            self._load_task.cancel()
            self._load_task = None
        self.incident_view.clear()
        self.incidents.clear()
        self.thumbnails.clear()
        self.statusBar().clearMessage()
        self._update_count()
        self._show_empty("Locked.")
        return lost

    def closeEvent(self, event: QCloseEvent) -> None:
        event.ignore()
        self.close_requested.emit()
