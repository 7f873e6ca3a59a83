"""The incidents list: the table of incidents with its search box, filters and count.

Each row says what kind of incident it is (its category) and when it last had a custody entry
(last activity, read with the list in one query); the most recently active come first. A row's
tooltip holds whatever its cells cut short (the whole title) and the columns shown only on
request (platforms, items, when it was opened). "Urgent" shows only the incidents flagged urgent.

The search matches an incident's id, title, people and reporter at once. The words of their
notes join once the note index is built (:func:`harmonize_evidence.services.search.note_index`,
off the GUI thread), which starts when someone first searches; a written account saved after
that is added to it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from harmonize_evidence.domain.chain import CustodyEntry
from harmonize_evidence.domain.model import Category, Incident, Status
from harmonize_evidence.domain.urls import PLATFORMS
from harmonize_evidence.domain.wording import counted
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.search import add_notes, note_index
from harmonize_evidence.ui.incident_models import IncidentFilterProxy, IncidentTableModel
from harmonize_evidence.ui.models import INCIDENT_ROLE, STATUS_ROLE, URGENT_ROLE
from harmonize_evidence.ui.search_box import offer_clearing
from harmonize_evidence.ui.session import Session
from harmonize_evidence.ui.tasks import Task
from harmonize_evidence.ui.wording import (
    CATEGORY_NAMES,
    STATUS_COLOURS,
    STATUS_NAMES,
    URGENT_COLOURS,
)

_STATUS_VALUES = frozenset(status.value for status in Status)
HIDDEN_COLUMNS = (
    IncidentTableModel.COLUMN_PLATFORMS,
    IncidentTableModel.COLUMN_ITEMS,
    IncidentTableModel.COLUMN_CREATED,
)
"""Columns shown only when chosen from the header's menu (a row's tooltip gives them too), so
that the title keeps room beside the category and the last activity."""
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


class IncidentListPane(QWidget):
    """The incidents, newest first, with a search box, filters by status, category, platform and
    urgency, and how many are shown."""

    notice = Signal(str, int)
    """A message for the status bar, and for how many milliseconds (0: until the next)."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._note_index: dict[str, str] | None = None
        self._note_task: Task[dict[str, str]] | None = None
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
        self.table.sortByColumn(IncidentTableModel.COLUMN_ACTIVITY, Qt.SortOrder.DescendingOrder)
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
            (IncidentTableModel.COLUMN_ACTIVITY, "21 Nov 2026, 20:00"),
        ):
            self.table.setColumnWidth(column, metrics.horizontalAdvance(sample) + 3 * char)
        for column in HIDDEN_COLUMNS:
            self.table.setColumnHidden(column, True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._column_menu)
        header.setToolTip("Right-click to choose the columns")

        # Filters.
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search titles, people and notes")
        self.search.setAccessibleName("Search incidents")
        offer_clearing(self.search)
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
        self.urgent_filter = QCheckBox("&Urgent")
        self.urgent_filter.setToolTip("Only the incidents flagged urgent (tell the lead at once)")
        self.urgent_filter.toggled.connect(self._urgent_changed)
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Incidents shown")
        filters = QHBoxLayout()
        for combo in (self.status_filter, self.category_filter, self.platform_filter):
            narrow_when_needed(combo)
            filters.addWidget(combo, 1)
        filters.addWidget(self.urgent_filter)
        left_layout = QVBoxLayout(self)
        left_layout.setContentsMargins(0, 0, 0, 0)
        search_label = QLabel("Fin&d:")
        search_label.setBuddy(self.search)
        search_row = QHBoxLayout()
        search_row.addWidget(search_label)
        search_row.addWidget(self.search, 1)
        left_layout.addLayout(search_row)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.count_label)

    def _column_menu(self, position: QPoint) -> None:
        menu = QMenu(self)
        for column, name in enumerate(IncidentTableModel.HEADERS):
            if column in (IncidentTableModel.COLUMN_ID, IncidentTableModel.COLUMN_TITLE):
                continue  # what names the row stays
            action = menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(not self.table.isColumnHidden(column))
            action.toggled.connect(
                lambda shown, column=column: self.table.setColumnHidden(column, not shown)
            )
        menu.exec(self.table.horizontalHeader().mapToGlobal(position))

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

    def update_count(self) -> None:
        """Say how many incidents are shown; choose the best match when none is chosen."""
        if not self.table.currentIndex().isValid() and self.proxy.rowCount():
            self.table.setCurrentIndex(self.proxy.index(0, 0))  # the best match
        shown, total = self.proxy.rowCount(), self.incidents.rowCount()
        text = (
            counted(total, "incident")
            if shown == total
            else f"{shown:,} of {counted(total, 'incident')}"
        )
        self.count_label.setText(text)

    # -- filters and search ----------------------------------------------------------------------

    def _filter_changed(self, setter: Callable[[str], None], combo: QComboBox) -> None:
        setter(str(combo.currentData()))
        self.update_count()

    def _urgent_changed(self, urgent: bool) -> None:
        self.proxy.set_urgent(urgent)
        self.update_count()

    def clear_filters(self) -> None:
        """Show every incident."""
        for combo in (self.status_filter, self.category_filter, self.platform_filter):
            combo.setCurrentIndex(0)
        self.urgent_filter.setChecked(False)
        self.search.clear()

    def _search_changed(self, text: str) -> None:
        self.proxy.set_search(text)
        self.update_count()
        if text.strip() and self._note_index is None and self._note_task is None:
            self._build_note_index()

    def focus_search(self) -> None:
        """Put the cursor in the search box, its text selected."""
        self.search.setFocus()
        self.search.selectAll()

    # -- the notes -------------------------------------------------------------------------------

    def _build_note_index(self) -> None:
        """Read the written accounts and exhibit notes of every incident, once, for the search."""

        def build(store: EvidenceStore, task: Task[dict[str, str]]) -> dict[str, str]:
            def progress(number: int, total: int) -> None:
                task.check_cancelled()
                if number % 200 == 0:
                    task.report(number, total)

            return note_index(store, progress=progress)

        self.notice.emit("Searching notes too…", 0)
        self._note_task = self.session.run(build, self._note_index_built)

    def _note_index_built(self, index: dict[str, str]) -> None:
        self._note_task = None
        self._note_index = index
        self.proxy.set_note_index(index)
        self.update_count()
        self.notice.emit("Notes are searched too.", 4000)

    def add_notes(self, incident_id: str, entries: Sequence[CustodyEntry]) -> None:
        """Let the search find the text of entries just recorded (once the index is built)."""
        if self._note_index is not None:
            add_notes(self._note_index, incident_id, entries)
            self.proxy.set_note_index(self._note_index)

    def forget_notes(self) -> None:
        """Stop reading the notes and forget them (the store was locked)."""
        if self._note_task is not None:
            self._note_task.cancel()
            self._note_task = None
        self._note_index = None
        self.proxy.set_note_index({})


def narrow_when_needed(combo: QComboBox) -> None:
    """Let ``combo`` be narrower than its longest choice when the window is (it then elides the
    choice shown), while its list still shows every choice whole.

    Sized to its longest choice ("Cyberbullying of a member of staff"), the filters alone made
    the incidents list 566 pixels wide at the least, and the window too wide for a small laptop.
    """
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(8)
    combo.view().setMinimumWidth(combo.view().sizeHintForColumn(0) + 24)
