"""One incident: its exhibits as a blurred thumbnail grid, their metadata, written accounts and
the custody timeline, and where it stands in the handover to the safeguarding lead.

The grid's view and the way it draws a cell are in :mod:`~harmonize_evidence.ui.exhibit_grid`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QItemSelection,
    QModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from harmonize_evidence.domain.chain import CustodyEntry
from harmonize_evidence.domain.clock import parse_utc
from harmonize_evidence.domain.model import Exhibit, Incident, Role
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.handover_state import handover_lines
from harmonize_evidence.services.incident_changes import refusal
from harmonize_evidence.ui.exhibit_details import MetadataPanel
from harmonize_evidence.ui.exhibit_grid import ExhibitGrid
from harmonize_evidence.ui.flow_layout import FlowLayout
from harmonize_evidence.ui.models import (
    CustodyTableModel,
    ExhibitListModel,
    written_accounts,
)
from harmonize_evidence.ui.save_copy import SAVE_COPY_TEXT, SAVE_COPY_TIP, SaveCopyJob
from harmonize_evidence.ui.session import Session
from harmonize_evidence.ui.tasks import Task
from harmonize_evidence.ui.thumbnails import ThumbnailCache
from harmonize_evidence.ui.wording import CATEGORY_NAMES, STATUS_NAMES, local_text

if TYPE_CHECKING:
    # Imported when an exhibit is first opened full size, read or saved.
    from harmonize_evidence.ui.reader import ExhibitReader
    from harmonize_evidence.ui.viewer import ExhibitViewer

OPEN_PICTURE_TEXT = "Open full s&ize"
OPEN_TEXT_TEXT = "Read &it"
"""The open button's text for a picture, and for an email, a text file or a PDF (Alt+I both)."""


@dataclass(frozen=True)
class IncidentDetails:
    """Everything the incident view shows, read in one go by a worker."""

    incident: Incident
    exhibits: tuple[Exhibit, ...]
    entries: tuple[CustodyEntry, ...]
    handover: tuple[str, ...] = ()
    """Sentences on the incident's handovers and receipts ("Handed over to ... on ...")."""
    received: tuple[CustodyEntry, ...] = ()
    """The custody log a member of staff kept, as received (a lead's case; else empty)."""


def read_details(store: EvidenceStore, incident_id: str) -> IncidentDetails:
    """Read an incident, its exhibits and its custody log (no exhibit bytes)."""
    incident = store.incident(incident_id)
    entries = tuple(store.log(incident.id))
    return IncidentDetails(
        incident,
        tuple(store.exhibits(incident.id)),
        entries,
        tuple(handover_lines(store, incident.id, entries)),
        tuple(store.received_log(incident.id)),
    )


class IncidentView(QWidget):
    """Everything about one incident. Emits :attr:`changed` after it adds to the incident."""

    changed = Signal(object)  # the refreshed Incident
    add_files_requested = Signal()
    account_requested = Signal()
    verify_requested = Signal()
    handover_requested = Signal()
    """(staff) Hand the incident over to the lead."""
    change_requested = Signal()
    """(staff) Change the incident's category or status, with a reason."""
    receipt_requested = Signal()
    """(lead) Write a receipt for the received case."""

    def __init__(self, session: Session, thumbnails: ThumbnailCache) -> None:
        super().__init__()
        self._session = session
        self._thumbnails = thumbnails
        self.incident: Incident | None = None
        self._viewers: list[ExhibitViewer | ExhibitReader] = []
        self.save_job: SaveCopyJob | None = None
        self._task: Task[IncidentDetails] | None = None

        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        self.title.setAccessibleName("Incident title")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.title.setFont(font)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Incident summary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.handover_state = QLabel()
        self.handover_state.setTextFormat(Qt.TextFormat.PlainText)
        self.handover_state.setWordWrap(True)
        self.handover_state.setAccessibleName("Handover to the safeguarding lead")
        self.handover_state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.handover_state.hide()

        self.add_files_button = QPushButton("&Add files…")
        self.account_button = QPushButton("&Written account…")
        self.verify_button = QPushButton("&Verify")
        self.verify_button.setToolTip("Re-check every hash, signature and stored file")
        self.handover_button = QPushButton("Hand over to &the lead…")
        self.handover_button.setToolTip(
            "Write the incident, encrypted for your safeguarding lead, to a USB stick"
        )
        self.handover_button.hide()
        self.change_button = QPushButton("Chan&ge category or status…")
        self.change_button.setAccessibleName("Change category or status")
        self.change_button.hide()
        self.receipt_button = QPushButton("Write a &receipt…")
        self.receipt_button.setToolTip(
            "Write a signed receipt for this handover, to give back to the member of staff"
        )
        self.receipt_button.hide()
        self.actions_row = FlowLayout()  # wraps on a narrow window (see ui.flow_layout)
        for button in (
            self.add_files_button,
            self.account_button,
            self.verify_button,
            self.change_button,
            self.handover_button,
            self.receipt_button,
        ):
            self.actions_row.addWidget(button)
        self.add_files_button.clicked.connect(self.add_files_requested)
        self.account_button.clicked.connect(self.account_requested)
        self.verify_button.clicked.connect(self.verify_requested)
        self.handover_button.clicked.connect(self.handover_requested)
        self.change_button.clicked.connect(self.change_requested)
        self.receipt_button.clicked.connect(self.receipt_requested)

        # Exhibits tab: grid beside metadata.
        self.exhibits = ExhibitListModel(thumbnails, session.clock.zone, self)
        self.grid = ExhibitGrid(self.exhibits)
        self.grid.open_requested.connect(self.open_exhibit)
        self.grid.visible_changed.connect(self._retain_visible)
        self.grid.selectionModel().selectionChanged.connect(self._exhibit_selected)
        self.metadata = MetadataPanel()
        self.open_button = QPushButton(OPEN_PICTURE_TEXT)
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(lambda: self.open_exhibit(self.grid.currentIndex()))
        self.save_button = QPushButton(SAVE_COPY_TEXT)
        self.save_button.setEnabled(False)
        self.save_button.setToolTip(SAVE_COPY_TIP)
        self.save_button.clicked.connect(self.save_copy)
        self.blur_button = QPushButton("&Blur all")
        self.blur_button.setToolTip("Blur every picture again")
        self.blur_button.clicked.connect(self.exhibits.blur_all)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.metadata, 1)
        side_buttons = QHBoxLayout()
        side_buttons.addWidget(self.open_button)
        side_buttons.addWidget(self.save_button)
        side_buttons.addWidget(self.blur_button)
        side_buttons.addStretch()
        side_layout.addLayout(side_buttons)
        self.empty_exhibits = QLabel(
            "No exhibits yet. Add files with the button above or drag them here."
        )
        self.empty_exhibits.setWordWrap(True)
        self.empty_exhibits.hide()
        grid_area = QWidget()
        grid_layout = QVBoxLayout(grid_area)
        grid_layout.setContentsMargins(0, 0, 0, 0)
        grid_layout.addWidget(self.empty_exhibits)
        grid_layout.addWidget(self.grid, 1)
        exhibits_tab = QSplitter(Qt.Orientation.Horizontal)
        exhibits_tab.addWidget(grid_area)
        exhibits_tab.addWidget(side)
        exhibits_tab.setStretchFactor(0, 3)
        exhibits_tab.setStretchFactor(1, 2)
        exhibits_tab.setSizes([3000, 2000])
        exhibits_tab.setChildrenCollapsible(False)

        # Written accounts tab.
        self.accounts = QListWidget()
        self.accounts.setWordWrap(True)
        self.accounts.setAccessibleName("Written accounts")
        self.accounts.setAlternatingRowColors(True)
        self.accounts.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.accounts.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        accounts_note = QLabel(
            "Saved accounts cannot be changed. To correct one, add a new account that says what "
            "it corrects."
        )
        accounts_note.setWordWrap(True)
        accounts_tab = QWidget()
        accounts_layout = QVBoxLayout(accounts_tab)
        accounts_layout.addWidget(accounts_note)
        accounts_layout.addWidget(self.accounts, 1)
        add_account = QPushButton("Add a written account…")  # Alt+W is the bar's button
        add_account.clicked.connect(self.account_requested)
        accounts_row = QHBoxLayout()
        accounts_row.addWidget(add_account)
        accounts_row.addStretch()
        accounts_layout.addLayout(accounts_row)

        # Custody timeline tab.
        self.custody = CustodyTableModel(session.clock.zone, self)
        self.timeline = QTableView()
        self.timeline.setModel(self.custody)
        self.timeline.setAccessibleName("Custody log")
        self.timeline.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.timeline.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.timeline.verticalHeader().hide()
        self.timeline.setTabKeyNavigation(False)
        self.timeline.setWordWrap(False)
        header = self.timeline.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(CustodyTableModel.COLUMN_ACTOR, QHeaderView.ResizeMode.Stretch)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Incident sections")
        self.tabs.addTab(exhibits_tab, "E&xhibits")
        self.tabs.addTab(accounts_tab, "Written accou&nts")
        self.tabs.addTab(self.timeline, "Custody &log")

        # What was just saved into this incident (a capture), said where the user looks.
        self.banner = QLabel()
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName("Just saved")
        self.banner.setFrameShape(QLabel.Shape.StyledPanel)
        self.banner.setMargin(6)
        self.banner.setAutoFillBackground(True)
        banner_palette = self.banner.palette()
        banner_palette.setColor(QPalette.ColorRole.Window, QColor("#e6f4ea"))
        banner_palette.setColor(QPalette.ColorRole.WindowText, QColor("#14532d"))
        self.banner.setPalette(banner_palette)
        self.banner.hide()
        self._banner_timer = QTimer(self)
        self._banner_timer.setSingleShot(True)
        self._banner_timer.timeout.connect(self.banner.hide)
        self._choose_ref: str | None = None

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addWidget(self.handover_state)
        layout.addLayout(self.actions_row)
        layout.addWidget(self.tabs, 1)

    # -- loading ---------------------------------------------------------------------------------

    def show_incident(self, incident_id: str | None) -> None:
        """Show ``incident_id`` (read off the GUI thread), or nothing."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if incident_id is None:
            self.clear()
            return
        if self.incident is None or self.incident.id != incident_id:
            self.clear()
            self.title.setText(incident_id)
            self.summary.setText("Loading…")
        self._task = self._session.run(
            lambda store, _task: read_details(store, incident_id), self._loaded
        )

    def reload(self) -> None:
        """Read the shown incident again (after something was added)."""
        if self.incident is not None:
            self.show_incident(self.incident.id)

    def _loaded(self, details: IncidentDetails) -> None:
        self._task = None
        same = self.incident is not None and self.incident.id == details.incident.id
        self.incident = details.incident
        self._show_header(details.incident)
        self._show_handover(details)
        if same:
            for exhibit in details.exhibits:
                self.exhibits.append(exhibit)
        else:
            self.exhibits.set_rows(details.exhibits)
        self.empty_exhibits.setVisible(not details.exhibits)
        self.custody.set_rows(details.entries, details.received)
        self._show_accounts(written_accounts(details.received), written_accounts(details.entries))
        if not same and details.exhibits:
            self.grid.setCurrentIndex(self.exhibits.index(0))
        if self._choose_ref is not None:
            self.choose_exhibit(self._choose_ref)
        self.changed.emit(details.incident)

    def announce(self, text: str, milliseconds: int = 20_000) -> None:
        """Say ``text`` in a green band above the incident for a while (a capture was saved)."""
        self.banner.setText(text)
        self.banner.show()
        self._banner_timer.start(milliseconds)

    def choose_exhibit(self, ref: str) -> None:
        """Choose exhibit ``ref`` in the grid and bring it into view; if the incident is still
        being read, once it is."""
        for row, exhibit in enumerate(self.exhibits.exhibits):
            if exhibit.ref == ref:
                self._choose_ref = None
                index = self.exhibits.index(row)
                self.grid.setCurrentIndex(index)
                self.grid.scrollTo(index)
                return
        self._choose_ref = ref if self._task is not None else None

    def _show_header(self, incident: Incident) -> None:
        zone = self._session.clock.zone
        self.title.setText(incident.title)
        parts = [
            incident.id,
            STATUS_NAMES[incident.status]
            + (", URGENT: tell the safeguarding lead" if incident.urgent else ""),
            CATEGORY_NAMES[incident.category],
        ]
        if incident.platforms:
            parts.append(", ".join(incident.platforms))
        lines = [
            " · ".join(parts),
            f"Opened {local_text(incident.created_utc, zone)} · reported by {incident.reported_by}",
        ]
        if incident.people:
            lines.append(f"People involved: {incident.people}")
        self.summary.setText("\n".join(lines))

    def _show_handover(self, details: IncidentDetails) -> None:
        lead = self._session.store.producer.role is Role.LEAD
        self.handover_button.setVisible(not lead)
        # The lead sets category and status through the case's steps (triage, status).
        self.change_button.setVisible(not lead)
        why_not = refusal(self._session.store, details.incident)
        self.change_button.setEnabled(why_not is None)
        self.change_button.setToolTip(
            why_not or "Change what kind of incident this is, or its status, and say why"
        )
        self.receipt_button.setVisible(lead and details.incident.sender_id is not None)
        self.handover_state.setText("\n".join(details.handover))
        self.handover_state.setVisible(bool(details.handover))

    def _show_accounts(self, received: list[CustodyEntry], entries: list[CustodyEntry]) -> None:
        """The written accounts: a member of staff's, as received (a lead's case), then this
        store's own."""
        self.accounts.clear()
        zone = self._session.clock.zone
        shown = [(entry, True) for entry in received] + [(entry, False) for entry in entries]
        for entry, theirs in shown:
            when = local_text(parse_utc(entry.utc), zone)
            text = str(entry.details.get("text", ""))
            which = f"entry {entry.seq} of their log" if theirs else f"entry {entry.seq}"
            item = QListWidgetItem(f"{when}, {entry.actor} ({which}):\n{text}")
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.accounts.addItem(item)
        if not received and not entries:
            item = QListWidgetItem("No written accounts yet.")
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.accounts.addItem(item)

    def clear(self) -> None:
        """Show nothing and drop every record and picture of the incident."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self.incident = None
        self.title.clear()
        self.summary.clear()
        self.handover_state.clear()
        self.handover_state.hide()
        self.exhibits.clear()
        self.custody.clear()
        self.accounts.clear()
        self.metadata.show_exhibit(None, self._session)
        self._show_exhibit_buttons(None)
        self._thumbnails.clear()
        self.close_viewers()

    # -- exhibits --------------------------------------------------------------------------------

    def _exhibit_selected(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        exhibit = self.exhibits.exhibit_at(indexes[0].row()) if indexes else None
        self.metadata.show_exhibit(exhibit, self._session)
        self._show_exhibit_buttons(exhibit)

    def _show_exhibit_buttons(self, exhibit: Exhibit | None) -> None:
        from harmonize_evidence.services.reading import reading_form

        readable = exhibit is not None and reading_form(exhibit) is not None
        self.open_button.setText(OPEN_TEXT_TEXT if readable else OPEN_PICTURE_TEXT)
        self.open_button.setEnabled(exhibit is not None and (exhibit.is_picture or readable))
        self.save_button.setEnabled(exhibit is not None and exhibit.has_bytes)

    def _retain_visible(self) -> None:
        rows = self.grid.visible_rows()
        self._thumbnails.retain(self.exhibits.exhibit_at(row).ref for row in rows)

    def open_exhibit(self, index: QModelIndex) -> ExhibitViewer | ExhibitReader | None:
        """Open the exhibit at ``index`` in its own window: a picture full size; an email, a
        text file or a PDF as text to read."""
        if not index.isValid():
            return None
        exhibit = self.exhibits.exhibit_at(index.row())
        from harmonize_evidence.ui.reader import ExhibitReader, can_be_read

        viewer: ExhibitViewer | ExhibitReader
        if can_be_read(exhibit):
            viewer = ExhibitReader(self._session, exhibit, self.window())
            viewer.copy_saved.connect(self.reload)
        elif exhibit.is_picture:
            from harmonize_evidence.ui.viewer import ExhibitViewer

            viewer = ExhibitViewer(self._session, exhibit, self.window())
            viewer.copy_saved.connect(self.reload)
        else:
            return None
        self._viewers.append(viewer)
        viewer.destroyed.connect(lambda _obj=None, v=viewer: self._forget_viewer(v))
        viewer.show()
        return viewer

    def save_copy(self) -> SaveCopyJob | None:
        """Ask where to save a copy of the chosen exhibit, and save it (the custody log
        records it)."""
        index = self.grid.currentIndex()
        if not index.isValid():
            return None
        exhibit = self.exhibits.exhibit_at(index.row())
        if not exhibit.has_bytes:
            return None
        from harmonize_evidence.ui.save_copy import ask_and_save_copy

        self.save_job = ask_and_save_copy(self, self._session, exhibit, self.reload)
        return self.save_job

    def _forget_viewer(self, viewer: ExhibitViewer | ExhibitReader) -> None:
        if viewer in self._viewers:
            self._viewers.remove(viewer)

    @property
    def viewers(self) -> list[ExhibitViewer | ExhibitReader]:
        """The exhibit windows open now."""
        return list(self._viewers)

    def close_viewers(self) -> None:
        """Close every exhibit window, dropping its picture."""
        viewers, self._viewers = self._viewers, []
        for viewer in viewers:
            viewer.drop_picture()
