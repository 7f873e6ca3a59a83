"""Qt models of the incidents list: every incident in a table, and the filters and search over it.

The table holds plain frozen :class:`Incident` records (read by a worker, handed over on the GUI
thread) and sorts them itself, in Python; ``clear()`` drops them when the store locks. The roles
they answer are in :mod:`.models`, with the models of one incident's contents.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt

from harmonize_evidence.domain.model import Category, Incident, Status, parse_incident_id
from harmonize_evidence.domain.text import search_folded
from harmonize_evidence.ui.models import (
    CATEGORY_ROLE,
    INCIDENT_ROLE,
    PLATFORMS_ROLE,
    SEARCH_ROLE,
    SORT_ROLE,
    STATUS_ROLE,
    URGENT_ROLE,
    Index,
    plain_tooltip,
)
from harmonize_evidence.ui.wording import CATEGORY_NAMES, STATUS_NAMES, local_text

_ROOT = QModelIndex()
_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_ALIGN = Qt.ItemDataRole.TextAlignmentRole
_ACCESSIBLE = Qt.ItemDataRole.AccessibleTextRole

_STATUS_ORDER = {status: index for index, status in enumerate(Status)}


def _id_order(incident_id: str) -> tuple[int, int]:
    """(year, number) of an incident id, for sorting: the store's ids are canonical
    (``INC-2026-0007``), so splitting them is enough, and 5,000 sort in a few milliseconds."""
    parts = incident_id.split("-")
    if len(parts) == 3 and parts[0] == "INC" and parts[1].isdecimal() and parts[2].isdecimal():
        return int(parts[1]), int(parts[2])
    return parse_incident_id(incident_id)


class IncidentTableModel(QAbstractTableModel):
    """All incidents, one row each; sorted newest first unless the user sorts otherwise."""

    COLUMN_ID = 0
    COLUMN_TITLE = 1
    COLUMN_STATUS = 2
    COLUMN_CATEGORY = 3
    COLUMN_PLATFORMS = 4
    COLUMN_ITEMS = 5
    COLUMN_CREATED = 6
    COLUMN_ACTIVITY = 7
    HEADERS = (
        "Incident",
        "Title",
        "Status",
        "Category",
        "Platforms",
        "Items",
        "Opened",
        "Last activity",
    )

    def __init__(self, zone: tzinfo, parent: Any = None) -> None:
        super().__init__(parent)
        self._zone = zone
        self._rows: list[Incident] = []
        self._sort_column = self.COLUMN_CREATED
        self._sort_order = Qt.SortOrder.DescendingOrder

    # -- contents --------------------------------------------------------------------------------

    def set_rows(self, incidents: Iterable[Incident]) -> None:
        """Replace every row (kept in the current sort order)."""
        self.beginResetModel()
        self._rows = self._sorted(list(incidents))
        self.endResetModel()

    def clear(self) -> None:
        """Drop every row."""
        self.set_rows(())

    def upsert(self, incident: Incident) -> None:
        """Add a new incident or refresh a changed one."""
        for row, existing in enumerate(self._rows):
            if existing.id == incident.id:
                self._rows[row] = incident
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.HEADERS) - 1))
                self.sort(self._sort_column, self._sort_order)
                return
        position = self._insertion_row(incident)
        self.beginInsertRows(_ROOT, position, position)
        self._rows.insert(position, incident)
        self.endInsertRows()

    def incident_at(self, row: int) -> Incident:
        """The incident in ``row``."""
        return self._rows[row]

    def row_of(self, incident_id: str) -> int | None:
        """The row holding ``incident_id``, if any."""
        for row, incident in enumerate(self._rows):
            if incident.id == incident_id:
                return row
        return None

    @property
    def incidents(self) -> Sequence[Incident]:
        """The rows, in model order."""
        return tuple(self._rows)

    # -- sorting (done here, in Python, so 5,000 rows sort in milliseconds) ----------------------

    def _key(self, column: int) -> Any:
        def by_created(i: Incident) -> Any:
            return (i.created_utc, _id_order(i.id))

        if column in _TIME_FIRST:
            time = _TIME_FIRST[column]
            return lambda i: (time(i), _id_order(i.id))
        keys: dict[int, Any] = {
            self.COLUMN_ID: lambda i: _id_order(i.id),
            self.COLUMN_TITLE: lambda i: (i.title.casefold(), _id_order(i.id)),
            self.COLUMN_STATUS: lambda i: (_STATUS_ORDER[i.status], by_created(i)),
            self.COLUMN_CATEGORY: lambda i: (CATEGORY_NAMES[i.category], by_created(i)),
            self.COLUMN_PLATFORMS: lambda i: (", ".join(i.platforms).casefold(), by_created(i)),
            self.COLUMN_ITEMS: lambda i: (i.item_count, by_created(i)),
        }
        return keys.get(column, by_created)

    def _sorted(self, rows: list[Incident]) -> list[Incident]:
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        first = _TIME_FIRST.get(self._sort_column)
        if descending and first is not None and _descending(rows, first):
            return rows  # already in order, as the store lists them for the list's first order
        return sorted(rows, key=self._key(self._sort_column), reverse=descending)

    def _insertion_row(self, incident: Incident) -> int:
        key = self._key(self._sort_column)
        value = key(incident)
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        for row, existing in enumerate(self._rows):
            other = key(existing)
            if (value > other) if descending else (value < other):
                return row
        return len(self._rows)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by ``column``; persistent indexes follow their rows."""
        self._sort_column, self._sort_order = column, order
        self.layoutAboutToBeChanged.emit()
        old_indexes = self.persistentIndexList()
        old_ids = [self._rows[index.row()].id if index.isValid() else None for index in old_indexes]
        self._rows = self._sorted(self._rows)
        positions = {incident.id: row for row, incident in enumerate(self._rows)}
        new_indexes = [
            self.index(positions[incident_id], index.column())
            if incident_id is not None and index.isValid()
            else QModelIndex()
            for index, incident_id in zip(old_indexes, old_ids, strict=True)
        ]
        self.changePersistentIndexList(old_indexes, new_indexes)
        self.layoutChanged.emit()

    @property
    def sort_column(self) -> int:
        """The column the rows are sorted by."""
        return self._sort_column

    @property
    def sort_order(self) -> Qt.SortOrder:
        """The direction of the sort."""
        return self._sort_order

    # -- Qt model interface ----------------------------------------------------------------------

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY:
            return self.HEADERS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        incident = self._rows[index.row()]
        column = index.column()
        if role in (_DISPLAY, _ACCESSIBLE):
            return self._text(incident, column, accessible=role == _ACCESSIBLE)
        if role == _TOOLTIP:
            return self._tooltip(incident)
        if role == _ALIGN and column == self.COLUMN_ITEMS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == INCIDENT_ROLE:
            return incident
        if role == SORT_ROLE:
            return self._key(column)(incident)
        if role == STATUS_ROLE:
            return incident.status.value
        if role == CATEGORY_ROLE:
            return incident.category.value
        if role == PLATFORMS_ROLE:
            return list(incident.platforms)
        if role == URGENT_ROLE:
            return incident.urgent
        if role == SEARCH_ROLE:
            return searchable(
                " ".join((incident.id, incident.title, incident.people, incident.reported_by))
            )
        return None

    def _text(self, incident: Incident, column: int, *, accessible: bool) -> str:
        if column == self.COLUMN_ID:
            return incident.id
        if column == self.COLUMN_TITLE:
            return incident.title
        if column == self.COLUMN_STATUS:
            text = STATUS_NAMES[incident.status]
            return f"{text}, urgent" if incident.urgent and accessible else text
        if column == self.COLUMN_CATEGORY:
            return CATEGORY_NAMES[incident.category]
        if column == self.COLUMN_PLATFORMS:
            return ", ".join(incident.platforms)
        if column == self.COLUMN_ITEMS:
            return str(incident.item_count)
        if column == self.COLUMN_CREATED:
            return local_text(incident.created_utc, self._zone)
        if column == self.COLUMN_ACTIVITY:
            return local_text(last_activity(incident), self._zone)
        return ""

    def _tooltip(self, incident: Incident) -> str:
        """The whole of what a row may cut short or hide: title, category, people, platforms,
        items, when it was opened and last active."""
        status = STATUS_NAMES[incident.status] + (", urgent" if incident.urgent else "")
        return plain_tooltip(
            f"{incident.title}\n"
            f"{incident.id} · {status} · {CATEGORY_NAMES[incident.category]}\n"
            f"People involved: {incident.people or '-'}\n"
            f"Platforms: {', '.join(incident.platforms) or '-'}\n"
            f"Items: {incident.item_count}\n"
            f"Opened: {local_text(incident.created_utc, self._zone)}\n"
            f"Last activity: {local_text(last_activity(incident), self._zone)}"
        )


def _descending(rows: Sequence[Incident], first: Callable[[Incident], datetime]) -> bool:
    """Whether ``rows`` are in descending order of ``first``, ties by id: checking it costs a
    comparison of times per row, where sorting computes every row's key."""
    for earlier, later in itertools.pairwise(rows):
        one, other = first(earlier), first(later)
        if one < other or (one == other and _id_order(earlier.id) < _id_order(later.id)):
            return False
    return True


def last_activity(incident: Incident) -> datetime:
    """When the incident last had a custody entry (when it was opened, if that is unknown)."""
    return incident.last_activity_utc or incident.created_utc


def _created(incident: Incident) -> datetime:
    return incident.created_utc


_TIME_FIRST: dict[int, Callable[[Incident], datetime]] = {
    IncidentTableModel.COLUMN_CREATED: _created,
    IncidentTableModel.COLUMN_ACTIVITY: last_activity,
}
"""The columns sorted by a time, ties by id (the orders the store can list in already): the
time each compares."""


def searchable(text: str) -> str:
    """Text as the search box matches it: blind to accents and case ("zoe" finds "Zoë"), words
    each preceded by a space, so a search word matches the start of a word ("pho" finds
    "photo", "b" finds "Pupil B" but not "about"). The same folding as the lead's case list.
    """
    return search_folded(text)


class IncidentFilterProxy(QSortFilterProxyModel):
    """Filters incidents by status, category, platform, urgency and search text (title, people,
    notes).

    Sorting is passed to the source model, which sorts its Python records directly.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._status: Status | None = None
        self._category: Category | None = None
        self._platform: str | None = None
        self._urgent = False
        self._words: tuple[str, ...] = ()
        self._notes: Mapping[str, str] = {}
        self._filtering = False
        self.setDynamicSortFilter(False)

    def set_status(self, status: Status | None) -> None:
        """Show only incidents with ``status`` (None: any)."""
        self.beginFilterChange()
        self._status = status
        self._update_filtering()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_category(self, category: Category | None) -> None:
        """Show only incidents in ``category`` (None: any)."""
        self.beginFilterChange()
        self._category = category
        self._update_filtering()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_platform(self, platform: str | None) -> None:
        """Show only incidents involving ``platform`` (None: any)."""
        self.beginFilterChange()
        self._platform = platform
        self._update_filtering()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_urgent(self, urgent: bool) -> None:
        """Show only incidents flagged urgent (True), or any (False)."""
        self.beginFilterChange()
        self._urgent = urgent
        self._update_filtering()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_search(self, text: str) -> None:
        """Show only incidents whose id, title, people, reporter or notes hold every word."""
        self.beginFilterChange()
        self._words = tuple(" " + word for word in searchable(text).split())
        self._update_filtering()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def _update_filtering(self) -> None:
        self._filtering = bool(
            self._status is not None
            or self._category is not None
            or self._platform is not None
            or self._urgent
            or self._words
        )

    @property
    def searching(self) -> bool:
        """Whether search words are set."""
        return bool(self._words)

    def set_note_index(self, notes: Mapping[str, str]) -> None:
        """Note text per incident id, so the search also finds words in notes."""
        self.beginFilterChange()
        self._notes = {incident_id: searchable(text) for incident_id, text in notes.items()}
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if not self._filtering:
            return True  # asked for every row whenever the list is read: keep it quick
        model = self.sourceModel()
        if not isinstance(model, IncidentTableModel):
            return True
        incident = model.incident_at(source_row)
        if self._status is not None and incident.status != self._status:
            return False
        if self._category is not None and incident.category != self._category:
            return False
        if self._platform is not None and self._platform not in incident.platforms:
            return False
        if self._urgent and not incident.urgent:
            return False
        if self._words:
            text = searchable(
                " ".join((incident.id, incident.title, incident.people, incident.reported_by))
            )
            notes = self._notes.get(incident.id, "")
            return all(word in text or word in notes for word in self._words)
        return True

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        model = self.sourceModel()
        if isinstance(model, IncidentTableModel):
            model.sort(column, order)
        else:
            super().sort(column, order)
