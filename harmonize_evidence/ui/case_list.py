"""The safeguarding lead's case list: every case with its risk, status, who it came from, its next
step and when that is due, sorted by what is due, with filters and a search.

Overdue cases are drawn in red and say "Overdue" in words; on opening, overdue and urgent cases
come first, then the rest by when their next step is due. The search ignores case and accents.
The cases come prepared (:func:`~harmonize_evidence.ui.listed_cases.list_cases`), and their cells
are drawn from what was prepared (:class:`CaseTextDelegate`), to keep each frame short with
thousands of cases.
"""

from __future__ import annotations

import functools
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QStaticText, QTransform
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionFocusRect,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from harmonize_evidence.domain.model import Category, Status
from harmonize_evidence.services.case_list import CaseRow
from harmonize_evidence.ui.case_models import (
    ANY,
    CASE_ROLE,
    OPEN_CASES,
    OVERDUE_COLOUR,
    CaseFilterProxy,
    CaseTableModel,
)
from harmonize_evidence.ui.heap import keep_long_lived
from harmonize_evidence.ui.incident_list import StatusBadgeDelegate
from harmonize_evidence.ui.listed_cases import ListedCase, ListedCases
from harmonize_evidence.ui.search_box import offer_clearing
from harmonize_evidence.ui.wording import CATEGORY_NAMES, STATUS_NAMES

__all__ = [
    "ANY",
    "CASE_ROLE",
    "OPEN_CASES",
    "OVERDUE_COLOUR",
    "CaseFilterProxy",
    "CaseListPane",
    "CaseTableModel",
    "CaseTextDelegate",
]

_SHAPED_KEPT = 4000
"""Texts kept shaped by :class:`CaseTextDelegate` (a few screens' worth) before starting again."""
# State flags as ints: tested several times per cell.
_ENABLED = QStyle.StateFlag.State_Enabled.value
_ACTIVE = QStyle.StateFlag.State_Active.value
_SELECTED = QStyle.StateFlag.State_Selected.value
_HAS_FOCUS = QStyle.StateFlag.State_HasFocus.value


class CaseTextDelegate(QStyledItemDelegate):
    """Draws a case's cell as the style draws a text cell, from the case as listed.

    A plain delegate asks the model for about ten roles per cell and lays each text out again at
    every paint; this one reads the prepared case and keeps each text shaped (``QStaticText``).
    """

    def __init__(self, cases: CaseFilterProxy, parent: Any = None) -> None:
        super().__init__(parent)
        self._cases = cases
        self._red = QColor(OVERDUE_COLOUR)
        self._fonts: tuple[QFont, QFont] | None = None
        self._whole: dict[tuple[str, bool], tuple[float, float, QStaticText]] = {}
        """Each text shaped whole, with its width and height."""
        self._elided: dict[tuple[str, bool, int], tuple[float, float, QStaticText]] = {}
        """Texts too wide for their column, shaped elided to the column's width."""
        self._margin: tuple[QStyle, int] | None = None

    def _font(self, base: QFont, bold: bool) -> QFont:
        if self._fonts is None or self._fonts[0] != base:
            strong = QFont(base)
            strong.setBold(True)
            self._fonts = (QFont(base), strong)  # the option's own font dies with the option
            self._whole.clear()
            self._elided.clear()
        return self._fonts[1] if bold else self._fonts[0]

    @staticmethod
    def _shaped(text: str, font: QFont) -> tuple[float, float, QStaticText]:
        shaped = QStaticText(text)
        shaped.setTextFormat(Qt.TextFormat.PlainText)
        shaped.prepare(QTransform(), font)
        size = shaped.size()
        return size.width(), size.height(), shaped

    def _shape(
        self, text: str, font: QFont, bold: bool, width: int
    ) -> tuple[float, float, QStaticText]:
        """``text`` shaped in ``font``, elided to ``width`` when wider; with its size."""
        whole = self._whole.get((text, bold))
        if whole is None:
            if len(self._whole) > _SHAPED_KEPT:
                self._whole.clear()
            whole = self._whole[(text, bold)] = self._shaped(text, font)
        if whole[0] <= width:
            return whole
        elided = self._elided.get((text, bold, width))
        if elided is None:
            if len(self._elided) > _SHAPED_KEPT:
                self._elided.clear()
            fitted = QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight, width)
            elided = self._elided[(text, bold, width)] = self._shaped(fitted, font)
        return elided

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        case: ListedCase | None = self._cases.case_at(index.row())
        if case is None:
            super().paint(painter, option, index)
            return
        column = index.column()
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        # Background and selection as the style draws them (not through initStyleOption: see
        # StatusBadgeDelegate), then the text in the style's colour, margin and alignment.
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, widget)
        state = option.state.value
        palette = option.palette
        if not state & _ENABLED:
            group = QPalette.ColorGroup.Disabled
        else:
            group = QPalette.ColorGroup.Active if state & _ACTIVE else QPalette.ColorGroup.Inactive
        overdue = case.row.overdue
        if state & _SELECTED:
            colour = palette.color(group, QPalette.ColorRole.HighlightedText)
        elif overdue and column in CaseTableModel.RED_COLUMNS:
            colour = self._red
        else:
            colour = palette.color(group, QPalette.ColorRole.Text)
        bold = overdue and column in CaseTableModel.BOLD_COLUMNS
        font = self._font(option.font, bold)
        if self._margin is None or self._margin[0] is not style:
            metric = QStyle.PixelMetric.PM_FocusFrameHMargin
            self._margin = style, style.pixelMetric(metric, None, widget) + 1
        margin = self._margin[1]
        rect = option.rect
        _width, height, shaped = self._shape(
            case.texts[column], font, bold, rect.width() - 2 * margin
        )
        painter.save()
        painter.setPen(colour)
        painter.setFont(font)
        top = rect.top() + (rect.height() - height) / 2
        painter.drawStaticText(QPointF(rect.left() + margin, top), shaped)
        painter.restore()
        if state & _HAS_FOCUS:
            self._draw_focus(painter, option, style, group)

    @staticmethod
    def _draw_focus(
        painter: QPainter, option: QStyleOptionViewItem, style: QStyle, group: QPalette.ColorGroup
    ) -> None:
        """The focus frame, as QCommonStyle draws an item's."""
        focus = QStyleOptionFocusRect()
        focus.palette = option.palette
        focus.direction = option.direction
        focus.fontMetrics = option.fontMetrics
        focus.rect = option.rect
        focus.state = option.state | QStyle.StateFlag.State_KeyboardFocusChange
        focus.state |= QStyle.StateFlag.State_Item
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        focus.backgroundColor = option.palette.color(
            group if group is QPalette.ColorGroup.Disabled else QPalette.ColorGroup.Normal,
            QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Window,
        )
        style.drawPrimitive(
            QStyle.PrimitiveElement.PE_FrameFocusRect, focus, painter, option.widget
        )


class CaseListPane(QWidget):
    """The case list with its search box, filters and a count of what is shown."""

    case_chosen = Signal(object)
    """The chosen :class:`CaseRow`, or None."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cases = CaseTableModel(self)
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
        table.setItemDelegate(CaseTextDelegate(self.proxy, table))
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
        offer_clearing(self.search)
        self.search.textChanged.connect(self._search_changed)
        self.mine = QCheckBox("&Mine")
        self.mine.setToolTip("Only the cases assigned to you at triage")
        self.overdue = QCheckBox("O&verdue")
        self.urgent = QCheckBox("Ur&gent")
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

        search_label = QLabel("Fin&d:")
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

    def set_rows(self, rows: ListedCases, select_id: str | None = None) -> None:
        """Show ``rows`` (prepared by :func:`~harmonize_evidence.ui.listed_cases.list_cases`),
        keeping the chosen case chosen, or choosing ``select_id``.

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
        keep_long_lived()  # the rows stay until the next reading: out of the collector's walks

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
        cases = self.cases.listed
        overdue = cases.overdue_count
        shown = self.proxy.rowCount()
        text = f"{shown:,} of {cases.open_count:,} open cases shown"
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
