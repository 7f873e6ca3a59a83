"""The safeguarding lead's case list: every case with its risk, status, who it came from, its next
step and when that is due, sorted by what is due, with filters and a search.

Overdue cases are drawn in red and say "Overdue" in words; on opening, overdue and urgent cases
come first, then the rest by when their next step is due. The search ignores case and accents
(typing "lukasz" finds "Łukasz"): both sides are transliterated with ``anyascii``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, tzinfo
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from harmonize_evidence.domain.model import Category, Status
from harmonize_evidence.domain.wording import next_step_name
from harmonize_evidence.services.case_list import CaseRow
from harmonize_evidence.ui.incident_list import StatusBadgeDelegate
from harmonize_evidence.ui.models import INCIDENT_ROLE, STATUS_ROLE, URGENT_ROLE, plain_tooltip
from harmonize_evidence.ui.wording import CATEGORY_NAMES, STATUS_NAMES

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_FONT = Qt.ItemDataRole.FontRole
_ACCESSIBLE = Qt.ItemDataRole.AccessibleTextRole

CASE_ROLE = int(Qt.ItemDataRole.UserRole) + 40
"""The row's :class:`CaseRow`."""

OVERDUE_COLOUR = "#b3261e"
"""Overdue text: red with enough contrast on a light background (and the word says it too)."""
RISK_NAMES = {"low": "Low", "medium": "Medium", "high": "High"}
ANY = ""
OPEN_CASES = "open-cases"
"""The status filter's first choice: every status but closed."""

_NOT_WORD = re.compile(r"[\W_]+")


@functools.lru_cache(maxsize=20_000)
def folded(text: str) -> str:
    """Text as the case search matches it: transliterated to ASCII (``Łukasz``: ``lukasz``,
    ``Zoë``: ``zoe``), case-folded, words each preceded by a space."""
    from anyascii import anyascii

    return " " + _NOT_WORD.sub(" ", anyascii(text).casefold()).strip()


def _priority(row: CaseRow) -> tuple[int, bool, float, str]:
    """Overdue first, then urgent, then soonest due, then those with no deadline, then closed."""
    rank = 0 if row.overdue else 1 if row.incident.urgent else 2
    if row.due is None:
        rank = 3
    due = row.due_utc
    return (rank, due is None, due.timestamp() if due else 0.0, row.incident.id)


class CaseTableModel(QAbstractTableModel):
    """The lead's cases, one row each; by what is due unless the user sorts otherwise."""

    # What is due comes first: the list is read for it, and it stays in sight on a small screen.
    COLUMN_CASE = 0
    COLUMN_DUE = 1
    COLUMN_NEXT = 2
    COLUMN_TITLE = 3
    COLUMN_RISK = 4
    COLUMN_STATUS = 5
    COLUMN_CATEGORY = 6
    COLUMN_FROM = 7
    HEADERS = ("Case", "Due", "Next step", "Title", "Risk", "Status", "Category", "From")

    RED_COLUMNS = frozenset((COLUMN_CASE, COLUMN_DUE, COLUMN_NEXT))
    """The columns drawn red for an overdue case (the due column says "Overdue" too)."""

    def __init__(self, zone: tzinfo, parent: Any = None, now: Any = None) -> None:
        super().__init__(parent)
        self._zone = zone
        self._now = now
        self._rows: list[CaseRow] = []
        self._sort: tuple[int, Qt.SortOrder] | None = None

    def set_rows(self, rows: Iterable[CaseRow]) -> None:
        """Replace every row (in the current order)."""
        self.beginResetModel()
        self._rows = self._sorted(list(rows))
        self.endResetModel()

    def clear(self) -> None:
        """Drop every row (the store was locked)."""
        self.set_rows(())

    @property
    def rows(self) -> Sequence[CaseRow]:
        """The rows, in the order shown before filtering."""
        return tuple(self._rows)

    def row_at(self, row: int) -> CaseRow:
        """The case in ``row``."""
        return self._rows[row]

    def row_of(self, case_id: str) -> int | None:
        """The row of ``case_id``, if listed."""
        for number, row in enumerate(self._rows):
            if row.incident.id == case_id:
                return number
        return None

    def due_order(self) -> None:
        """Back to the order by what is due (overdue and urgent first)."""
        self._sort = None
        self.layoutAboutToBeChanged.emit()
        self._rows = self._sorted(self._rows)
        self.layoutChanged.emit()

    # -- sorting ---------------------------------------------------------------------------------

    def _key(self, column: int, row: CaseRow) -> Any:
        incident = row.incident
        if column == self.COLUMN_TITLE:
            return folded(incident.title)
        if column == self.COLUMN_CATEGORY:
            return CATEGORY_NAMES[incident.category]
        if column == self.COLUMN_RISK:
            return ("low", "medium", "high").index(row.risk) if row.risk in RISK_NAMES else -1
        if column == self.COLUMN_STATUS:
            return STATUS_NAMES[incident.status]
        if column == self.COLUMN_FROM:
            return folded(row.from_whom or "")
        if column == self.COLUMN_NEXT:
            return next_step_name(row.due.next_step) if row.due else ""
        if column == self.COLUMN_DUE:
            return _priority(row)[1:]
        return incident.id

    def _sorted(self, rows: list[CaseRow]) -> list[CaseRow]:
        if self._sort is None:
            return sorted(rows, key=_priority)
        column, order = self._sort
        return sorted(
            rows,
            key=lambda r: (self._key(column, r), _priority(r)),
            reverse=order == Qt.SortOrder.DescendingOrder,
        )

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort = None if column < 0 else (column, order)  # -1: by what is due
        self.layoutAboutToBeChanged.emit()
        self._rows = self._sorted(self._rows)
        self.layoutChanged.emit()

    # -- Qt --------------------------------------------------------------------------------------

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY:
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role in (_DISPLAY, _ACCESSIBLE):
            text = self.text(row, column)
            if role == _ACCESSIBLE and column == self.COLUMN_STATUS and row.incident.urgent:
                return text + ", urgent"
            return text
        if role == _TOOLTIP:
            if column == self.COLUMN_NEXT and row.due is not None and row.due.hint:
                return plain_tooltip(row.due.hint)
            if column == self.COLUMN_TITLE:
                return plain_tooltip(row.incident.title)
            return None
        if role == _FOREGROUND and row.overdue and column in self.RED_COLUMNS:
            return QBrush(QColor(OVERDUE_COLOUR))
        if role == _FONT and row.overdue and column in (self.COLUMN_NEXT, self.COLUMN_DUE):
            font = QFont()
            font.setBold(True)
            return font
        if role == CASE_ROLE:
            return row
        if role == INCIDENT_ROLE:
            return row.incident
        if role == STATUS_ROLE:
            return row.incident.status.value
        if role == URGENT_ROLE:
            return row.incident.urgent
        return None

    def text(self, row: CaseRow, column: int) -> str:
        """What a cell says."""
        incident = row.incident
        if column == self.COLUMN_CASE:
            return incident.id
        if column == self.COLUMN_TITLE:
            return incident.title
        if column == self.COLUMN_CATEGORY:
            return CATEGORY_NAMES[incident.category]
        if column == self.COLUMN_RISK:
            return RISK_NAMES.get(row.risk or "", "Not triaged")
        if column == self.COLUMN_STATUS:
            return STATUS_NAMES[incident.status]
        if column == self.COLUMN_FROM:
            return row.from_whom or ""
        if column == self.COLUMN_NEXT:
            return next_step_name(row.due.next_step) if row.due is not None else ""
        if column == self.COLUMN_DUE:
            year = self._now().astimezone(self._zone).year if self._now else None
            return due_text(row, self._zone, year)
        return ""


def due_text(row: CaseRow, zone: tzinfo, year: int | None = None) -> str:
    """When a case's next step is due, in words: ``Overdue since 21 Nov, 21:40`` (the year
    only when it is not ``year``)."""
    if row.due is None:
        return "Closed"
    due = row.due_utc
    if due is None:
        return "No deadline"
    local = due.astimezone(zone)
    when = local.strftime("%d %b, %H:%M" if local.year == year else "%d %b %Y, %H:%M")
    return f"Overdue since {when}" if row.overdue else when


class CaseFilterProxy(QSortFilterProxyModel):
    """Filters cases: mine, overdue, urgent, status, category, and search words."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.mine = False
        self.overdue = False
        self.urgent = False
        self.status: str = OPEN_CASES
        self.category: Category | None = None
        self._words: tuple[str, ...] = ()
        self.setDynamicSortFilter(False)

    def set_filters(self, **changes: Any) -> None:
        """Change filters by name (``mine``, ``overdue``, ``urgent``, ``status``, ``category``)."""
        self.beginFilterChange()
        for name, value in changes.items():
            setattr(self, name, value)
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_search(self, text: str) -> None:
        """Show only cases whose id, title, people, reporter, sender or assignee hold every word
        (each word the start of a word there), accents and case aside."""
        self.beginFilterChange()
        self._words = tuple(" " + word for word in folded(text).split())
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        if not isinstance(model, CaseTableModel):
            return True
        row = model.row_at(source_row)
        incident = row.incident
        if self.status == OPEN_CASES:
            if incident.status is Status.CLOSED:
                return False
        elif self.status and incident.status.value != self.status:
            return False
        if self.category is not None and incident.category is not self.category:
            return False
        if (
            (self.mine and not row.mine)
            or (self.overdue and not row.overdue)
            or (self.urgent and not incident.urgent)
        ):
            return False
        if self._words:
            text = folded(
                " ".join(
                    (
                        incident.id,
                        incident.title,
                        incident.people,
                        incident.reported_by,
                        row.from_whom or "",
                        row.assigned_to or "",
                    )
                )
            )
            return all(word in text for word in self._words)
        return True

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        model = self.sourceModel()
        if isinstance(model, CaseTableModel):
            model.sort(column, order)
        else:
            super().sort(column, order)


class CaseListPane(QWidget):
    """The case list with its search box, filters and a count of what is shown."""

    case_chosen = Signal(object)
    """The chosen :class:`CaseRow`, or None."""

    def __init__(
        self, zone: tzinfo, parent: QWidget | None = None, now: Callable[[], datetime] | None = None
    ) -> None:
        super().__init__(parent)
        self.cases = CaseTableModel(zone, self, now)
        self.proxy = CaseFilterProxy(self)
        self.proxy.setSourceModel(self.cases)
        table = QTableView()
        self.table = table
        table.setModel(self.proxy)
        table.setAccessibleName("Cases")
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # By what is due (no column) until a column's header is clicked.
        table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        table.setSortingEnabled(True)
        table.setTabKeyNavigation(False)
        table.setWordWrap(False)
        table.setAlternatingRowColors(True)
        table.verticalHeader().hide()
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        table.setItemDelegateForColumn(CaseTableModel.COLUMN_STATUS, StatusBadgeDelegate(table))
        header = table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        metrics = self.fontMetrics()
        char = metrics.averageCharWidth()
        bold_font = QFont(self.font())
        bold_font.setBold(True)
        bold = QFontMetrics(bold_font)
        for column, sample in (
            (CaseTableModel.COLUMN_CASE, "INC-2026-0000"),
            (CaseTableModel.COLUMN_DUE, "Overdue since 21 Nov, 21:40"),
            (CaseTableModel.COLUMN_NEXT, "Check it was removed"),
            (CaseTableModel.COLUMN_TITLE, "Comments under a class"),
            (CaseTableModel.COLUMN_RISK, "Not triaged"),
            (CaseTableModel.COLUMN_STATUS, "Under review  URGENT"),
            (CaseTableModel.COLUMN_CATEGORY, "Cyberbullying of a pupil"),
            (CaseTableModel.COLUMN_FROM, "Zoë Lane-Smith"),
        ):
            # Measured in bold: an overdue case's due and next step are drawn bold.
            table.setColumnWidth(column, bold.horizontalAdvance(sample) + 3 * char)

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search cases, titles, people and staff names")
        self.search.setAccessibleName("Search cases")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._search_changed)
        self.mine = QCheckBox("&Mine")
        self.mine.setToolTip("Only the cases assigned to you at triage")
        self.overdue = QCheckBox("O&verdue")
        self.urgent = QCheckBox("&Urgent")
        self.urgent.setToolTip("Only the cases flagged urgent (a possible image of a child)")
        for box, name in ((self.mine, "mine"), (self.overdue, "overdue"), (self.urgent, "urgent")):
            box.toggled.connect(functools.partial(self._flag_changed, name))
        self.status_filter = QComboBox()
        self.status_filter.setAccessibleName("Filter cases by status")
        self.status_filter.addItem("Open cases (all but closed)", OPEN_CASES)
        self.status_filter.addItem("Any status", ANY)
        for status in Status:
            self.status_filter.addItem(STATUS_NAMES[status], status.value)
        self.status_filter.currentIndexChanged.connect(self._status_changed)
        shrink = QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        self.category_filter = QComboBox()
        self.category_filter.setAccessibleName("Filter cases by category")
        self.category_filter.addItem("Any category", ANY)
        for category in Category:
            self.category_filter.addItem(CATEGORY_NAMES[category], category.value)
        self.category_filter.currentIndexChanged.connect(self._category_changed)
        for combo in (self.status_filter, self.category_filter):
            combo.setSizeAdjustPolicy(shrink)  # the list fits a small screen; the popup is wide
            combo.setMinimumContentsLength(12)
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Cases shown")

        search_label = QLabel("&Find:")
        search_label.setBuddy(self.search)
        search_row = QHBoxLayout()
        search_row.addWidget(search_label)
        search_row.addWidget(self.search, 1)
        flags = QHBoxLayout()
        for box in (self.mine, self.overdue, self.urgent):
            flags.addWidget(box)
        flags.addStretch(1)
        filters = QHBoxLayout()
        filters.addWidget(self.status_filter, 1)
        filters.addWidget(self.category_filter, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(search_row)
        layout.addLayout(flags)
        layout.addLayout(filters)
        layout.addWidget(table, 1)
        layout.addWidget(self.count_label)
        table.selectionModel().currentRowChanged.connect(self._current_changed)

    # -- contents --------------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[CaseRow], select_id: str | None = None) -> None:
        """Show ``rows``, keeping the chosen case chosen, or choosing ``select_id``.

        The filters stay as they are. When they hide ``select_id`` (a case just closed, under
        "Open cases") nothing is chosen, so the case view keeps showing it; otherwise, when the
        chosen case is no longer shown, the first case is chosen.
        """
        current = self.current_case()
        keep = select_id or (current.incident.id if current else None)
        self.cases.set_rows(rows)
        kept = keep is not None and self.select_case(keep, clear_filters=False)
        if not kept and select_id is None and self.proxy.rowCount():
            self.table.setCurrentIndex(self.proxy.index(0, 0))
        self.update_count()

    def clear(self) -> None:
        """Forget every case (the store was locked)."""
        self.cases.clear()
        self.update_count()

    def select_case(self, case_id: str, *, clear_filters: bool = True) -> bool:
        """Choose ``case_id`` (clearing the filters if they hide it and ``clear_filters``)."""
        row = self.cases.row_of(case_id)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.cases.index(row, 0))
        if not index.isValid():
            if not clear_filters:
                return False
            self.clear_filters()
            index = self.proxy.mapFromSource(self.cases.index(row, 0))
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        return True

    def current_case(self) -> CaseRow | None:
        """The case chosen in the list."""
        index = self.table.currentIndex()
        row = index.data(CASE_ROLE) if index.isValid() else None
        return row if isinstance(row, CaseRow) else None

    def shown(self) -> list[CaseRow]:
        """The cases shown, in order."""
        return [self.proxy.index(r, 0).data(CASE_ROLE) for r in range(self.proxy.rowCount())]

    def update_count(self) -> None:
        """Say how many cases are shown and how many are overdue."""
        rows = self.cases.rows
        open_rows = [r for r in rows if r.incident.status is not Status.CLOSED]
        overdue = sum(1 for r in rows if r.overdue)
        shown = self.proxy.rowCount()
        text = f"{shown:,} of {len(open_rows):,} open cases shown"
        if overdue:
            text += f" \u2014 {overdue:,} overdue"
        self.count_label.setText(text)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = current.data(CASE_ROLE) if current.isValid() else None
        self.case_chosen.emit(row if isinstance(row, CaseRow) else None)

    # -- filters ---------------------------------------------------------------------------------

    def _refiltered(self) -> None:
        current = self.current_case()
        if current is None or not self.select_case(current.incident.id, clear_filters=False):
            if self.proxy.rowCount():
                self.table.setCurrentIndex(self.proxy.index(0, 0))
            else:
                self.case_chosen.emit(None)
        self.update_count()

    def _flag_changed(self, name: str, checked: bool) -> None:
        self.proxy.set_filters(**{name: checked})
        self._refiltered()

    def _status_changed(self, _index: int) -> None:
        self.proxy.set_filters(status=str(self.status_filter.currentData()))
        self._refiltered()

    def _category_changed(self, _index: int) -> None:
        value = str(self.category_filter.currentData())
        self.proxy.set_filters(category=Category(value) if value else None)
        self._refiltered()

    def _search_changed(self, text: str) -> None:
        self.proxy.set_search(text)
        self._refiltered()

    def clear_filters(self) -> None:
        """Show every case (closed ones too)."""
        for box in (self.mine, self.overdue, self.urgent):
            box.setChecked(False)
        self.status_filter.setCurrentIndex(1)
        self.category_filter.setCurrentIndex(0)
        self.search.clear()

    def focus_search(self) -> None:
        """Put the cursor in the search box."""
        self.search.setFocus()
        self.search.selectAll()
