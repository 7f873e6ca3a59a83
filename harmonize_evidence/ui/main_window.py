"""The main window: the incidents list beside the incident view."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QPainter,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from harmonize_evidence import __version__
from harmonize_evidence.domain.chain import CustodyEntry
from harmonize_evidence.domain.errors import BadInput
from harmonize_evidence.domain.model import Category, Exhibit, Incident, Status
from harmonize_evidence.domain.urls import PLATFORMS
from harmonize_evidence.services.evidence import EvidenceStore, VerificationReport
from harmonize_evidence.services.logfile import APP_NAME, log_file_path
from harmonize_evidence.services.search import add_notes, note_index
from harmonize_evidence.ui.dialogs import NewIncidentDialog, WrittenAccountDialog
from harmonize_evidence.ui.errors import message_box, show_error
from harmonize_evidence.ui.export_flow import BundleCheckJob, ExportJob
from harmonize_evidence.ui.incident_view import IncidentView
from harmonize_evidence.ui.locking import IDLE_CHOICES
from harmonize_evidence.ui.models import (
    INCIDENT_ROLE,
    STATUS_ROLE,
    URGENT_ROLE,
    IncidentFilterProxy,
    IncidentTableModel,
)
from harmonize_evidence.ui.session import Session
from harmonize_evidence.ui.tasks import Task
from harmonize_evidence.ui.thumbnails import ThumbnailCache
from harmonize_evidence.ui.wording import (
    CATEGORY_NAMES,
    STATUS_COLOURS,
    STATUS_NAMES,
    URGENT_COLOURS,
)

if TYPE_CHECKING:
    from harmonize_evidence.ui.capture_flow import CaptureFlow

log = logging.getLogger(__name__)

_STATUS_VALUES = frozenset(status.value for status in Status)
ANY = ""
"""Item data of a filter's "any" choice. Not None: PySide6 6.12 loses a reference to None each
time Python reads an empty QVariant (a combo's currentData(), an index's data())."""


class StatusBadgeDelegate(QStyledItemDelegate):
    """Draws an incident's status as a coloured badge (and URGENT beside it when flagged)."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        value = index.data(STATUS_ROLE)
        if value not in _STATUS_VALUES:
            super().paint(painter, option, index)
            return
        status = Status(value)
        # Background and selection as the style draws them, then the badge on top. (Not through
        # initStyleOption: called from Python, PySide6 6.12 loses a reference to None each time.)
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, widget)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = option.fontMetrics
        pad = max(2, metrics.height() // 5)
        rect: QRect = option.rect.adjusted(pad, pad, -pad, -pad)
        x = rect.left()
        badges = [(STATUS_NAMES[status], STATUS_COLOURS[status])]
        if index.data(URGENT_ROLE):
            badges.append(("URGENT", URGENT_COLOURS))
        for text, (background, foreground) in badges:
            width = metrics.horizontalAdvance(text) + 2 * metrics.averageCharWidth()
            badge = QRect(x, rect.top(), min(width, rect.right() - x), rect.height())
            if badge.width() <= 0:
                break
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(background))
            painter.drawRoundedRect(badge, badge.height() / 2, badge.height() / 2)
            painter.setPen(QColor(foreground))
            painter.drawText(badge, int(Qt.AlignmentFlag.AlignCenter), text)
            x = badge.right() + pad * 2
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        hint = super().sizeHint(option, index)
        metrics = option.fontMetrics
        value = index.data(STATUS_ROLE)
        text = (STATUS_NAMES[Status(value)] if value in _STATUS_VALUES else "") + (
            "  URGENT" if index.data(URGENT_ROLE) else ""
        )
        return QSize(
            metrics.horizontalAdvance(text) + 6 * metrics.averageCharWidth(), hint.height()
        )


class MainWindow(QMainWindow):
    """Incidents on the left, the chosen incident on the right."""

    lock_requested = Signal()
    quit_requested = Signal()
    close_requested = Signal()
    idle_minutes_chosen = Signal(int)

    def __init__(self, session: Session, idle_minutes: int = 5) -> None:
        super().__init__()
        self.session = session
        self.setWindowTitle(APP_NAME)
        self.setAccessibleName(APP_NAME)
        self.setAcceptDrops(True)
        ratio = self.devicePixelRatioF()
        self.thumbnails = ThumbnailCache(session, ratio)

        # Incidents list.
        self.incidents = IncidentTableModel(session.clock.zone, self)
        self.proxy = IncidentFilterProxy(self)
        self.proxy.setSourceModel(self.incidents)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setAccessibleName("Incidents")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(IncidentTableModel.COLUMN_CREATED, Qt.SortOrder.DescendingOrder)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.table.setItemDelegateForColumn(
            IncidentTableModel.COLUMN_STATUS, StatusBadgeDelegate(self.table)
        )
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(IncidentTableModel.COLUMN_TITLE, QHeaderView.ResizeMode.Stretch)
        metrics = self.fontMetrics()
        char = metrics.averageCharWidth()
        for column, sample in (
            (IncidentTableModel.COLUMN_ID, "INC-2026-0000"),
            (IncidentTableModel.COLUMN_STATUS, "Referred to police"),
            (IncidentTableModel.COLUMN_CATEGORY, "Cyberbullying of a pupil"),
            (IncidentTableModel.COLUMN_PLATFORMS, "Instagram"),
            (IncidentTableModel.COLUMN_ITEMS, "Items"),
            (IncidentTableModel.COLUMN_CREATED, "21 Nov 2026, 20:00"),
        ):
            self.table.setColumnWidth(column, metrics.horizontalAdvance(sample) + 3 * char)
        self.table.setColumnHidden(IncidentTableModel.COLUMN_CATEGORY, True)
        self.table.selectionModel().currentRowChanged.connect(self._incident_chosen)

        # Filters.
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search titles, people and notes")
        self.search.setAccessibleName("Search incidents")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._search_changed)
        self.status_filter = QComboBox()
        self.status_filter.setAccessibleName("Filter by status")
        self.status_filter.addItem("Any status", ANY)
        for status in Status:
            self.status_filter.addItem(STATUS_NAMES[status], status)
        self.category_filter = QComboBox()
        self.category_filter.setAccessibleName("Filter by category")
        self.category_filter.addItem("Any category", ANY)
        for category in Category:
            self.category_filter.addItem(CATEGORY_NAMES[category], category)
        self.platform_filter = QComboBox()
        self.platform_filter.setAccessibleName("Filter by platform")
        self.platform_filter.addItem("Any platform", ANY)
        for platform in PLATFORMS:
            self.platform_filter.addItem("Other" if platform == "other" else platform, platform)
        self.status_filter.currentIndexChanged.connect(
            lambda _i: self._filter_changed(
                lambda value: self.proxy.set_status(Status(value) if value else None),
                self.status_filter,
            )
        )
        self.category_filter.currentIndexChanged.connect(
            lambda _i: self._filter_changed(
                lambda value: self.proxy.set_category(Category(value) if value else None),
                self.category_filter,
            )
        )
        self.platform_filter.currentIndexChanged.connect(
            lambda _i: self._filter_changed(
                lambda value: self.proxy.set_platform(value or None), self.platform_filter
            )
        )
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Incidents shown")
        filters = QHBoxLayout()
        filters.addWidget(self.status_filter)
        filters.addWidget(self.category_filter)
        filters.addWidget(self.platform_filter)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        search_label = QLabel("&Find:")
        search_label.setBuddy(self.search)
        search_row = QHBoxLayout()
        search_row.addWidget(search_label)
        search_row.addWidget(self.search, 1)
        left_layout.addLayout(search_row)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.count_label)

        # The incident view, or a hint when there is nothing to show.
        self.incident_view = IncidentView(session, self.thumbnails)
        self.incident_view.changed.connect(self._incident_refreshed)
        self.incident_view.add_files_requested.connect(self.choose_files)
        self.incident_view.account_requested.connect(self.write_account)
        self.incident_view.verify_requested.connect(self.verify_current)
        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.right = QStackedWidget()
        self.right.addWidget(self.empty)
        self.right.addWidget(self.incident_view)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([4500, 5500])
        splitter.setChildrenCollapsible(False)
        self.setCentralWidget(splitter)
        self.splitter = splitter

        self._note_index: dict[str, str] | None = None
        self._note_task: Task[dict[str, str]] | None = None
        self._load_task: Task[list[Incident]] | None = None
        self._dialogs: list[QDialog] = []
        self.capture_flow: CaptureFlow | None = None
        self.capture_display: str | None = None
        """The X display to capture (None: the one in ``DISPLAY``)."""
        self.export_job: ExportJob | None = None
        self.bundle_jobs: list[BundleCheckJob] = []
        self._make_actions(idle_minutes)
        view = self.incident_view
        chain: list[QWidget] = [
            self.search,
            self.status_filter,
            self.category_filter,
            self.platform_filter,
            self.table,
            view.add_files_button,
            view.account_button,
            view.verify_button,
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
        available = self.screen().availableGeometry()
        self.resize(
            min(round(available.width() * 0.85), char * 260),
            min(round(available.height() * 0.85), metrics.height() * 56),
        )

    # -- actions and menus -----------------------------------------------------------------------

    def _make_actions(self, idle_minutes: int) -> None:
        def action(
            text: str,
            shortcut: QKeySequence | QKeySequence.StandardKey | str | None,
            slot: object,
            tip: str,
        ) -> QAction:
            item = QAction(text, self)
            if shortcut is not None:
                item.setShortcut(QKeySequence(shortcut))
            item.setToolTip(tip + (f" ({item.shortcut().toString()})" if shortcut else ""))
            item.setStatusTip(tip)
            item.triggered.connect(slot)
            return item

        self.new_incident_action = action(
            "&New incident…", QKeySequence.StandardKey.New, self.new_incident, "Open a new incident"
        )
        self.add_files_action = action(
            "&Add files…",
            QKeySequence.StandardKey.Open,
            self.choose_files,
            "Add phone screenshots, emails, recordings or documents to the incident",
        )
        self.account_action = action(
            "&Written account…",
            "Ctrl+Shift+W",
            self.write_account,
            "Write an account of what happened",
        )
        self.verify_action = action(
            "&Verify incident",
            "Ctrl+Shift+V",
            self.verify_current,
            "Re-check every hash, signature and stored file of the incident",
        )
        self.verify_all_action = action(
            "Verify &everything", None, self.verify_all, "Re-check every incident in the store"
        )
        self.capture_action = action(
            "&Capture the screen…",
            "Ctrl+Shift+S",
            self.start_capture,
            "Capture the screen into an incident",
        )
        self.capture_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.export_action = action(
            "&Export incident…",
            "Ctrl+E",
            self.export_current,
            "Write a signed bundle of the incident for a senior manager or the police",
        )
        self.check_bundle_action = action(
            "Check a &bundle…", None, self.choose_bundle, "Check a bundle that was exported"
        )
        self.lock_action = action(
            "&Lock", "Ctrl+L", self.lock_requested.emit, "Lock the evidence store now"
        )
        self.quit_action = action(
            "&Quit", QKeySequence.StandardKey.Quit, self.quit_requested.emit, "Quit"
        )
        self.find_action = action(
            "&Find", QKeySequence.StandardKey.Find, self._focus_search, "Search the incidents"
        )
        self.addAction(self.find_action)

        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        toolbar.setAccessibleName("Main toolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        style = self.style()
        self.new_incident_action.setIcon(
            style.standardIcon(QStyle.StandardPixmap.SP_FileDialogNewFolder)
        )
        self.add_files_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_DialogOpenButton))
        self.account_action.setIcon(
            style.standardIcon(QStyle.StandardPixmap.SP_FileDialogContentsView)
        )
        self.verify_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton))
        self.capture_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_ComputerIcon))
        self.export_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton))
        self.lock_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_BrowserStop))
        self.toolbar = toolbar
        for item in (
            self.capture_action,
            self.new_incident_action,
            self.add_files_action,
            self.account_action,
            self.export_action,
            self.verify_action,
        ):
            toolbar.addAction(item)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        toolbar.addAction(self.lock_action)

        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        file_menu.addAction(self.capture_action)
        file_menu.addAction(self.new_incident_action)
        file_menu.addAction(self.add_files_action)
        file_menu.addAction(self.account_action)
        file_menu.addSeparator()
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self.file_menu = file_menu
        check_menu = menus.addMenu("&Check")
        check_menu.addAction(self.verify_action)
        check_menu.addAction(self.verify_all_action)
        check_menu.addSeparator()
        check_menu.addAction(self.check_bundle_action)
        self.check_menu = check_menu
        security = menus.addMenu("&Security")
        security.addAction(self.lock_action)
        idle_menu = security.addMenu("Lock &automatically after")
        group = QActionGroup(self)
        self.idle_actions: dict[int, QAction] = {}
        for minutes in IDLE_CHOICES:
            item = QAction(f"{minutes} minute{'s' if minutes > 1 else ''} without use", self)
            item.setCheckable(True)
            item.setChecked(minutes == idle_minutes)
            item.triggered.connect(
                lambda _checked=False, m=minutes: self.idle_minutes_chosen.emit(m)
            )
            group.addAction(item)
            idle_menu.addAction(item)
            self.idle_actions[minutes] = item
        help_menu = menus.addMenu("&Help")
        help_menu.addAction("&Where is the log?", self._show_log_location)
        help_menu.addAction("&About Harmonize Evidence", self._about)

    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    # -- loading ---------------------------------------------------------------------------------

    def load(self, select_id: str | None = None) -> None:
        """Read the incidents (off the GUI thread) and show them, choosing ``select_id``."""
        if self._load_task is not None:
            self._load_task.cancel()
        self._load_task = self.session.run(
            lambda store, _task: store.incidents(),
            lambda incidents: self._loaded(incidents, select_id),
        )

    def _loaded(self, incidents: list[Incident], select_id: str | None) -> None:
        self._load_task = None
        self.incidents.set_rows(incidents)
        log.info("main window lists %d incidents", len(incidents))
        self._update_count()
        if not incidents:
            self._show_empty(
                "No incidents yet.\n\nChoose \u201cNew incident\u201d to start keeping evidence."
            )
            return
        self.select_incident(select_id or self.incidents.incident_at(0).id)

    def select_incident(self, incident_id: str) -> bool:
        """Choose ``incident_id`` in the list (clearing filters if they hide it)."""
        row = self.incidents.row_of(incident_id)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.incidents.index(row, 0))
        if not index.isValid():
            self.clear_filters()
            index = self.proxy.mapFromSource(self.incidents.index(row, 0))
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        return True

    def current_incident(self) -> Incident | None:
        """The incident chosen in the list."""
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        incident = index.data(INCIDENT_ROLE)
        return incident if isinstance(incident, Incident) else None

    def _incident_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        incident = current.data(INCIDENT_ROLE) if current.isValid() else None
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
        if not self.table.currentIndex().isValid() and self.proxy.rowCount():
            self.table.setCurrentIndex(self.proxy.index(0, 0))  # the best match
        shown, total = self.proxy.rowCount(), self.incidents.rowCount()
        text = f"{total:,} incidents" if shown == total else f"{shown:,} of {total:,} incidents"
        self.count_label.setText(text)

    # -- filters and search ----------------------------------------------------------------------

    def _filter_changed(self, setter: Callable[[str], None], combo: QComboBox) -> None:
        setter(str(combo.currentData()))
        self._update_count()

    def clear_filters(self) -> None:
        """Show every incident."""
        for combo in (self.status_filter, self.category_filter, self.platform_filter):
            combo.setCurrentIndex(0)
        self.search.clear()

    def _search_changed(self, text: str) -> None:
        self.proxy.set_search(text)
        self._update_count()
        if text.strip() and self._note_index is None and self._note_task is None:
            self._build_note_index()

    def _build_note_index(self) -> None:
        """Read the written accounts and exhibit notes of every incident, once, for the search."""

        def build(store: EvidenceStore, task: Task[dict[str, str]]) -> dict[str, str]:
            def progress(number: int, total: int) -> None:
                task.check_cancelled()
                if number % 200 == 0:
                    task.report(number, total)

            return note_index(store, progress=progress)

        self.statusBar().showMessage("Searching notes too…")
        self._note_task = self.session.run(build, self._note_index_built)

    def _note_index_built(self, index: dict[str, str]) -> None:
        self._note_task = None
        self._note_index = index
        self.proxy.set_note_index(index)
        self._update_count()
        self.statusBar().showMessage("Notes are searched too.", 4000)

    def _note_added(self, incident_id: str, entries: Sequence[CustodyEntry]) -> None:
        if self._note_index is not None:
            add_notes(self._note_index, incident_id, entries)
            self.proxy.set_note_index(self._note_index)

    # -- adding evidence -------------------------------------------------------------------------

    def new_incident(self) -> NewIncidentDialog:
        """Open the new-incident dialog; once saved, the new incident is chosen in the list."""
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
            self.add_files(incident.id, [Path(name) for name in names])

    def add_files(self, incident_id: str, paths: Sequence[Path]) -> Task[list[Exhibit]]:
        """Import ``paths`` into the incident off the GUI thread, each unchanged."""
        files = list(paths)

        def add(store: EvidenceStore, task: Task[list[Exhibit]]) -> list[Exhibit]:
            added = []
            for number, path in enumerate(files, start=1):
                task.check_cancelled()
                task.report(number, len(files), path.name)
                added.append(store.add_file(incident_id, path))
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

    def write_account(self) -> WrittenAccountDialog | None:
        """Open the written-account editor for the chosen incident."""
        incident = self._incident_or_explain()
        if incident is None:
            return None
        store = self.session.store
        dialog = WrittenAccountDialog(
            incident, lambda text: store.add_note(incident.id, text), self
        )
        self._keep_dialog(dialog)

        def saved() -> None:
            entry = dialog.entry
            if entry is None:
                return
            self._note_added(incident.id, [entry])
            self.statusBar().showMessage(
                f"Written account saved as custody entry {entry.seq} of {incident.id}.", 8000
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
        what = incident_id or "the whole store"
        self.statusBar().showMessage(f"Verifying {what}…")

        def progress(done: int, total: int) -> None:
            self.statusBar().showMessage(f"Verifying {what}: {done} of {total} incidents…")

        def done(report: VerificationReport) -> None:
            self.statusBar().clearMessage()
            title, text = verification_text(report)
            icon = QMessageBox.Icon.Information if report.ok else QMessageBox.Icon.Warning
            self.last_verification = message_box(self, icon, title, text)

        self.session.run(
            lambda store, task: store.verify(incident_id, progress=task.report),
            done,
            on_progress=progress,
        )

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
        what = "Recorded" if not exhibit.has_bytes else "Saved"
        self.statusBar().showMessage(
            f"{what} exhibit {exhibit.ref} in {exhibit.incident_id}.", 10_000
        )
        if self.session.is_unlocked:
            self.load(exhibit.incident_id)  # a new incident, a platform or an urgent flag
            if self.incident_view.incident is not None and (
                self.incident_view.incident.id == exhibit.incident_id
            ):
                self.incident_view.reload()

    def export_current(self) -> None:
        """Ask for a folder and export the chosen incident into it."""
        incident = self._incident_or_explain()
        if incident is None:
            return
        folder = QFileDialog.getExistingDirectory(
            self, f"Choose a folder for the bundle of {incident.id}", str(Path.home())
        )
        if folder:
            self.start_export(incident.id, Path(folder))

    def start_export(self, incident_id: str, folder: Path) -> ExportJob | None:
        """Export ``incident_id`` into ``folder`` with a cancellable progress dialog."""
        if self.export_job is not None:
            return None
        job = ExportJob(self.session, incident_id, folder, self)
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

    def choose_bundle(self) -> None:
        """Ask for a bundle and check it."""
        name, _ = QFileDialog.getOpenFileName(
            self, "Check a bundle", str(Path.home()), "Evidence bundles (*.zip)"
        )
        if name:
            self.check_bundle(Path(name))

    def check_bundle(self, path: Path) -> BundleCheckJob:
        """Check a bundle off the GUI thread and say what was found."""
        job = BundleCheckJob(path, self)
        self.bundle_jobs.append(job)
        job.finished.connect(lambda _check: self.bundle_jobs.remove(job))
        return job

    # -- drag and drop ---------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _local_files(event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: object) -> None:
        event.acceptProposedAction()  # type: ignore[attr-defined]

    def dropEvent(self, event: QDropEvent) -> None:
        paths = _local_files(event.mimeData().urls())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        incident = self._incident_or_explain()
        if incident is not None:
            self.add_files(incident.id, paths)

    # -- locking ---------------------------------------------------------------------------------

    def drop_everything(self) -> None:
        """Forget every record and picture (the store was locked)."""
        for dialog in list(self._dialogs):
            dialog.close()
        if self.capture_flow is not None:
            self.capture_flow.abort()
        if self.export_job is not None:
            self.export_job.task.cancel()
            self.export_job.progress.close()
            self.export_job = None
        if self._note_task is not None:
            self._note_task.cancel()
            self._note_task = None
        if self._load_task is not None:
            self._load_task.cancel()
            self._load_task = None
        self._note_index = None
        self.proxy.set_note_index({})
        self.incident_view.clear()
        self.incidents.clear()
        self.thumbnails.clear()
        self.statusBar().clearMessage()
        self._update_count()
        self._show_empty("Locked.")

    def closeEvent(self, event: QCloseEvent) -> None:
        event.ignore()
        self.close_requested.emit()

    # -- help ------------------------------------------------------------------------------------

    def _show_log_location(self) -> None:
        message_box(
            self,
            QMessageBox.Icon.Information,
            "Where is the log?",
            f"The program's log is at {log_file_path()}. It holds no evidence, only what the "
            "program did and any errors.",
        )

    def _about(self) -> None:
        store = self.session.store
        message_box(
            self,
            QMessageBox.Icon.Information,
            "About Harmonize Evidence",
            f"Harmonize Evidence {__version__}\n\nStore: {store.directory}\n"
            f"Kept by {store.producer.actor}, {store.producer.school}\n"
            f"Evidence CA fingerprint (SHA-256): {store.fingerprint}",
        )


def verification_text(report: VerificationReport) -> tuple[str, str]:
    """A title and plain-language text for a verification report (the CLI's words)."""
    if report.ok:
        return (
            "Everything is intact",
            f"Verified {len(report.incidents)} incident(s): {report.entries_checked} custody "
            f"entries and {report.exhibits_checked} exhibits; everything is intact.",
        )
    problems = [str(problem) for problem in report.problems]
    return (
        "Verification found problems",
        "\n".join(
            [
                f"Verification found {len(problems)} problem(s):",
                *(f"  - {p}" for p in problems),
                "",
                "Do not rely on the items named above; keep the store as it is and ask for help.",
            ]
        ),
    )


def _local_files(urls: Sequence[object]) -> list[Path]:
    paths = []
    for url in urls:
        if getattr(url, "isLocalFile", lambda: False)():
            paths.append(Path(url.toLocalFile()))  # type: ignore[attr-defined]
    return paths
