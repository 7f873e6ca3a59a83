"""The models behind the lead's case list: every case (:class:`CaseTableModel`) and the cases the
filters let through (:class:`CaseFilterProxy`).

They take the cases prepared (:func:`~harmonize_evidence.ui.listed_cases.list_cases`, where they
are read, off the GUI thread) and only look up texts and orders made there, so that giving 5,000
cases to the list, sorting or filtering them stays within a frame. For the same reason the filter
is not a ``QSortFilterProxyModel``, which calls ``filterAcceptsRow`` (Python) for every case at
every change, twice after a sort: :class:`CaseFilterProxy` filters the prepared cases in one pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from harmonize_evidence.domain.model import Category
from harmonize_evidence.services.case_list import CaseRow
from harmonize_evidence.ui import listed_cases as listed
from harmonize_evidence.ui.listed_cases import DUE_ORDER, ListedCase, ListedCases, folded
from harmonize_evidence.ui.models import INCIDENT_ROLE, STATUS_ROLE, URGENT_ROLE, plain_tooltip

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
# Roles as plain ints: data() is called about ten times per painted cell.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)

CASE_ROLE = int(Qt.ItemDataRole.UserRole) + 40
"""The row's :class:`CaseRow`."""
_CASE_ROLE = CASE_ROLE
_INCIDENT_ROLE = int(INCIDENT_ROLE)
_STATUS_ROLE = int(STATUS_ROLE)
_URGENT_ROLE = int(URGENT_ROLE)

OVERDUE_COLOUR = "#b3261e"
"""Overdue text: red with enough contrast on a light background (and the word says it too)."""
ANY = ""
OPEN_CASES = "open-cases"
"""The status filter's first choice: every status but closed."""


class _CellLook:
    """How an overdue case's cells are drawn (made once, returned for every cell)."""

    def __init__(self) -> None:
        self.red = QBrush(QColor(OVERDUE_COLOUR))
        self.bold = QFont()
        self.bold.setBold(True)

    def data(self, case: ListedCase, column: int, role: int) -> Any:
        """What a cell of ``case`` gives for ``role``."""
        if role == _DISPLAY:
            return case.texts[column]
        if role == _FOREGROUND:
            if case.row.overdue and column in CaseTableModel.RED_COLUMNS:
                return self.red
            return None
        if role == _FONT:
            if case.row.overdue and column in CaseTableModel.BOLD_COLUMNS:
                return self.bold
            return None
        if role < _TOOLTIP or (_TOOLTIP < role < _ACCESSIBLE):
            return None
        if role == _TOOLTIP:
            tip = case.tooltips[column]
            return None if tip is None else plain_tooltip(tip)
        if role == _ACCESSIBLE:
            return case.accessible[column]
        if role == _CASE_ROLE:
            return case.row
        if role == _INCIDENT_ROLE:
            return case.row.incident
        if role == _STATUS_ROLE:
            return case.row.incident.status.value
        if role == _URGENT_ROLE:
            return case.row.incident.urgent
        return None


class _ListedRows(QAbstractTableModel):
    """A table of listed cases, one row each in ``_rows``, every cell from :class:`_CellLook`:
    what the case list's model and its filter share."""

    HEADERS = listed.HEADERS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._look = _CellLook()
        self._rows: list[ListedCase] = []
        """The cases, row by row, as this table shows them."""

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
        row = index.row()
        if not 0 <= row < len(self._rows):
            return None
        return self._look.data(self._rows[row], index.column(), role)


class CaseTableModel(_ListedRows):
    """The lead's cases, one row each; by what is due unless the user sorts otherwise."""

    COLUMN_CASE = listed.COLUMN_CASE
    COLUMN_DUE = listed.COLUMN_DUE
    COLUMN_NEXT = listed.COLUMN_NEXT
    COLUMN_TITLE = listed.COLUMN_TITLE
    COLUMN_RISK = listed.COLUMN_RISK
    COLUMN_STATUS = listed.COLUMN_STATUS
    COLUMN_CATEGORY = listed.COLUMN_CATEGORY
    COLUMN_FROM = listed.COLUMN_FROM

    RED_COLUMNS = frozenset((COLUMN_CASE, COLUMN_DUE, COLUMN_NEXT))
    """The columns drawn red for an overdue case (the due column says "Overdue" too)."""
    BOLD_COLUMNS = frozenset((COLUMN_NEXT, COLUMN_DUE))

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._listed = ListedCases()
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._order: Sequence[int] = ()
        """Row by row, the position of its case in ``self._listed.cases``."""
        self._row_of_case: dict[str, int] | None = None

    def set_rows(self, cases: ListedCases) -> None:
        """Replace every row (in the current order)."""
        self.beginResetModel()
        self._listed = cases
        self._arrange()
        self.endResetModel()

    def clear(self) -> None:
        """Drop every row (the store was locked)."""
        self.set_rows(ListedCases())

    @property
    def listed(self) -> ListedCases:
        """Every case, as given."""
        return self._listed

    @property
    def rows(self) -> Sequence[CaseRow]:
        """The rows, in the order shown before filtering."""
        return tuple(case.row for case in self._rows)

    def row_at(self, row: int) -> CaseRow:
        """The case in ``row``."""
        return self._rows[row].row

    @property
    def row_cases(self) -> Sequence[ListedCase]:
        """The cases as listed, row by row."""
        return self._rows

    def row_of(self, case_id: str) -> int | None:
        """The row of ``case_id``, if listed."""
        if self._row_of_case is None:
            self._row_of_case = {case.row.incident.id: n for n, case in enumerate(self._rows)}
        return self._row_of_case.get(case_id)

    @property
    def order(self) -> Sequence[int]:
        """Row by row, the position of its case in :attr:`listed`."""
        return self._order

    def due_order(self) -> None:
        """Back to the order by what is due (overdue and urgent first)."""
        self.sort(DUE_ORDER)

    # -- sorting ---------------------------------------------------------------------------------

    def _arrange(self) -> None:
        column, order = self._sort if self._sort is not None else (DUE_ORDER, None)
        self._order = self._listed.order(column, order == Qt.SortOrder.DescendingOrder)
        cases = self._listed.cases
        self._rows = [cases[position] for position in self._order]
        self._row_of_case = None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        before = self._order
        self._sort = None if column < 0 else (column, order)  # -1: by what is due
        self._arrange()
        moved = self.persistentIndexList()
        if moved:
            now_at = {position: row for row, position in enumerate(self._order)}
            self.changePersistentIndexList(
                moved, [self.index(now_at[before[i.row()]], i.column()) for i in moved]
            )
        self.layoutChanged.emit()


class CaseFilterProxy(_ListedRows):
    """The cases that pass the filters (mine, overdue, urgent, status, category, search words), in
    the order of the :class:`CaseTableModel` it shows.

    Filters in one pass over the prepared cases when the filters, the cases or their order change,
    and keeps the chosen case (its persistent indexes) where it goes.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.mine = False
        self.overdue = False
        self.urgent = False
        self.status: str = OPEN_CASES
        self.category: Category | None = None
        self._words: tuple[str, ...] = ()
        self._source: CaseTableModel | None = None
        self._shown: list[int] = []
        """Row by row, the row of the source model it shows."""
        self._proxy_row: list[int] = []
        """Source row by source row, the row that shows it (-1: filtered out)."""
        self._moving: list[tuple[QModelIndex, int]] = []

    def setSourceModel(self, model: CaseTableModel) -> None:
        """Show ``model``'s cases."""
        self.beginResetModel()
        self._source = model
        model.modelAboutToBeReset.connect(self.beginResetModel)
        model.modelReset.connect(self._source_reset)
        model.layoutAboutToBeChanged.connect(self._before_layout)
        model.layoutChanged.connect(self._after_layout)
        self._filter()
        self.endResetModel()

    def case_at(self, row: int) -> ListedCase | None:
        """The case shown in ``row``, as listed."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def sourceModel(self) -> CaseTableModel | None:
        """The model whose cases are shown."""
        return self._source

    def mapFromSource(self, index: Index) -> QModelIndex:
        """The index showing the source model's ``index`` (invalid if filtered out)."""
        row = index.row()
        if not index.isValid() or not 0 <= row < len(self._proxy_row):
            return QModelIndex()
        shown = self._proxy_row[row]
        return QModelIndex() if shown < 0 else self.index(shown, index.column())

    def mapToSource(self, index: Index) -> QModelIndex:
        """The source model's index for the shown ``index``."""
        if self._source is None or not index.isValid() or index.row() >= len(self._shown):
            return QModelIndex()
        return self._source.index(self._shown[index.row()], index.column())

    # -- filters ---------------------------------------------------------------------------------

    def set_filters(self, **changes: Any) -> None:
        """Change filters by name (``mine``, ``overdue``, ``urgent``, ``status``, ``category``)."""
        self._before_layout()
        for name, value in changes.items():
            setattr(self, name, value)
        self._after_layout()

    def set_search(self, text: str) -> None:
        """Show only cases whose id, title, people, reporter, sender or assignee hold every word
        (each word the start of a word there), accents and case aside."""
        self._before_layout()
        self._words = tuple(" " + word for word in folded(text).split())
        self._after_layout()

    def accepts(self, case: ListedCase) -> bool:
        """Whether ``case`` passes the filters."""
        return self._accepts_but_search(case) and all(word in case.search for word in self._words)

    def _accepts_but_search(self, case: ListedCase) -> bool:
        incident = case.row.incident
        if self.status == OPEN_CASES:
            if case.closed:
                return False
        elif self.status and incident.status.value != self.status:
            return False
        if self.category is not None and incident.category is not self.category:
            return False
        return (
            (not self.mine or case.row.mine)
            and (not self.overdue or case.row.overdue)
            and (not self.urgent or incident.urgent)
        )

    def _filter(self) -> None:
        rows = self._source.row_cases if self._source is not None else []
        narrowed = self.category is not None or self.mine or self.overdue or self.urgent
        if not narrowed and not self._words and self.status in (ANY, OPEN_CASES):
            # The usual case, without a call per case.
            if self.status == ANY:
                shown = list(range(len(rows)))
            else:
                shown = [n for n, case in enumerate(rows) if not case.closed]
        elif self._words and self._source is not None:
            # The search first, in one scan of every case's text; the other filters on the few
            # cases it leaves.
            matching = self._source.listed.matching(self._words)
            accepts = self._accepts_but_search
            shown = [
                n
                for n, position in enumerate(self._source.order)
                if position in matching and accepts(rows[n])
            ]
        else:
            accepts = self.accepts
            shown = [n for n, case in enumerate(rows) if accepts(case)]
        proxy_row = [-1] * len(rows)
        for n, source_row in enumerate(shown):
            proxy_row[source_row] = n
        self._shown = shown
        self._proxy_row = proxy_row
        self._rows = [rows[source_row] for source_row in shown]

    def _source_reset(self) -> None:
        self._filter()
        self.endResetModel()

    def _before_layout(self, *_args: object) -> None:
        self.layoutAboutToBeChanged.emit()
        # Each persistent index (the chosen case) with the case it points at.
        order = self._source.order if self._source is not None else ()
        self._moving = [
            (index, order[self._shown[index.row()]]) for index in self.persistentIndexList()
        ]

    def _after_layout(self, *_args: object) -> None:
        self._filter()
        if self._moving and self._source is not None:
            source_row = {position: row for row, position in enumerate(self._source.order)}
            moved, to = [], []
            for index, position in self._moving:
                moved.append(index)
                row = self._proxy_row[source_row[position]] if position in source_row else -1
                to.append(QModelIndex() if row < 0 else self.index(row, index.column()))
            self.changePersistentIndexList(moved, to)
        self._moving = []
        self.layoutChanged.emit()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if self._source is not None:
            self._source.sort(column, order)
