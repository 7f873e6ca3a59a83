"""Qt models over the store's records: incidents, exhibits, custody entries, metadata.

Each model holds plain frozen records (read by a worker, handed over on the GUI thread) and never
decrypted file bytes; pictures come from the thumbnail cache only for the rows a view asks to
paint. ``clear()`` drops everything when the store locks.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from harmonize_evidence.domain.chain import CustodyEntry
from harmonize_evidence.domain.clock import parse_utc
from harmonize_evidence.domain.metadata import metadata_rows as exhibit_metadata_rows
from harmonize_evidence.domain.model import (
    Action,
    Category,
    Exhibit,
    ExhibitKind,
    Incident,
    Status,
    parse_incident_id,
)
from harmonize_evidence.ui.wording import (
    CATEGORY_NAMES,
    KIND_NAMES,
    STATUS_NAMES,
    action_name,
    local_text,
    size_text,
)

if TYPE_CHECKING:
    from harmonize_evidence.ui.thumbnails import ThumbnailCache

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_DECORATION = Qt.ItemDataRole.DecorationRole
_ALIGN = Qt.ItemDataRole.TextAlignmentRole
_ACCESSIBLE = Qt.ItemDataRole.AccessibleTextRole
_USER = int(Qt.ItemDataRole.UserRole)

# -- custom roles --------------------------------------------------------------------------------

INCIDENT_ROLE = _USER + 1
"""The row's :class:`Incident`."""
SORT_ROLE = _USER + 2
"""A value that sorts the column correctly (numbers, times, not their text)."""
STATUS_ROLE = _USER + 3
"""The incident's :class:`Status` value, e.g. ``"open"`` (Qt hands enums of str back as str)."""
CATEGORY_ROLE = _USER + 4
"""The incident's :class:`Category` value, e.g. ``"other"``."""
PLATFORMS_ROLE = _USER + 5
"""The incident's platforms (a list of names)."""
URGENT_ROLE = _USER + 6
"""Whether the incident is flagged urgent (safeguarding)."""
SEARCH_ROLE = _USER + 7
"""The text the search box matches (see :func:`searchable`): id, title, people, reporter."""
EXHIBIT_ROLE = _USER + 10
"""The row's :class:`Exhibit`."""
REVEALED_ROLE = _USER + 11
"""Whether the user chose to see this exhibit's picture unblurred."""
ENTRY_ROLE = _USER + 20
"""The row's :class:`CustodyEntry`."""

_STATUS_ORDER = {status: index for index, status in enumerate(Status)}


def _plain_tooltip(text: str) -> str:
    # Qt shows tooltips as rich text when they look like markup; user text must stay text.
    return "<p style='white-space:pre-wrap'>" + html.escape(text) + "</p>"


# -- incidents ----------------------------------------------------------------------------------


class IncidentTableModel(QAbstractTableModel):
    """All incidents, one row each; sorted newest first unless the user sorts otherwise."""

    COLUMN_ID = 0
    COLUMN_TITLE = 1
    COLUMN_STATUS = 2
    COLUMN_CATEGORY = 3
    COLUMN_PLATFORMS = 4
    COLUMN_ITEMS = 5
    COLUMN_CREATED = 6
    HEADERS = ("Incident", "Title", "Status", "Category", "Platforms", "Items", "Opened")

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
            return (i.created_utc, parse_incident_id(i.id))

        keys: dict[int, Any] = {
            self.COLUMN_ID: lambda i: parse_incident_id(i.id),
            self.COLUMN_TITLE: lambda i: (i.title.casefold(), parse_incident_id(i.id)),
            self.COLUMN_STATUS: lambda i: (_STATUS_ORDER[i.status], by_created(i)),
            self.COLUMN_CATEGORY: lambda i: (CATEGORY_NAMES[i.category], by_created(i)),
            self.COLUMN_PLATFORMS: lambda i: (", ".join(i.platforms).casefold(), by_created(i)),
            self.COLUMN_ITEMS: lambda i: (i.item_count, by_created(i)),
            self.COLUMN_CREATED: by_created,
        }
        return keys.get(column, by_created)

    def _sorted(self, rows: list[Incident]) -> list[Incident]:
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
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
        if role == _TOOLTIP and column == self.COLUMN_TITLE:
            return _plain_tooltip(f"{incident.title}\nPeople involved: {incident.people or '-'}")
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
        return ""


_NOT_WORD = re.compile(r"[\W_]+")


def searchable(text: str) -> str:
    """Text as the search box matches it: case-folded words, each preceded by a space.

    A search word matches the start of a word ("pho" finds "photo", "b" finds "Pupil B" but
    not "about").
    """
    return " " + _NOT_WORD.sub(" ", text.casefold()).strip()


class IncidentFilterProxy(QSortFilterProxyModel):
    """Filters incidents by status, category, platform and search text (title, people, notes).

    Sorting is passed to the source model, which sorts its Python records directly.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._status: Status | None = None
        self._category: Category | None = None
        self._platform: str | None = None
        self._words: tuple[str, ...] = ()
        self._notes: Mapping[str, str] = {}
        self.setDynamicSortFilter(False)

    def set_status(self, status: Status | None) -> None:
        """Show only incidents with ``status`` (None: any)."""
        self.beginFilterChange()
        self._status = status
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_category(self, category: Category | None) -> None:
        """Show only incidents in ``category`` (None: any)."""
        self.beginFilterChange()
        self._category = category
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_platform(self, platform: str | None) -> None:
        """Show only incidents involving ``platform`` (None: any)."""
        self.beginFilterChange()
        self._platform = platform
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_search(self, text: str) -> None:
        """Show only incidents whose id, title, people, reporter or notes hold every word."""
        self.beginFilterChange()
        self._words = tuple(" " + word for word in searchable(text).split())
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

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


# -- exhibits -----------------------------------------------------------------------------------


class ExhibitListModel(QAbstractListModel):
    """The exhibits of one incident, for the thumbnail grid.

    Pictures are asked of the thumbnail cache only when a view paints the row, and are blurred
    unless the user revealed that exhibit.
    """

    def __init__(self, thumbnails: ThumbnailCache, parent: Any = None) -> None:
        super().__init__(parent)
        self._thumbnails = thumbnails
        self._rows: list[Exhibit] = []
        self._revealed: set[str] = set()
        thumbnails.ready.connect(self._thumbnail_ready)

    def set_rows(self, exhibits: Iterable[Exhibit]) -> None:
        """Replace every row; every picture is blurred again."""
        self.beginResetModel()
        self._rows = list(exhibits)
        self._revealed.clear()
        self.endResetModel()

    def clear(self) -> None:
        """Drop every row."""
        self.set_rows(())

    def append(self, exhibit: Exhibit) -> None:
        """Add a new exhibit at the end."""
        if any(row.ref == exhibit.ref for row in self._rows):
            return
        position = len(self._rows)
        self.beginInsertRows(_ROOT, position, position)
        self._rows.append(exhibit)
        self.endInsertRows()

    def exhibit_at(self, row: int) -> Exhibit:
        """The exhibit in ``row``."""
        return self._rows[row]

    def row_of(self, ref: str) -> int | None:
        """The row of exhibit ``ref``, if it is here."""
        for row, exhibit in enumerate(self._rows):
            if exhibit.ref == ref:
                return row
        return None

    @property
    def exhibits(self) -> Sequence[Exhibit]:
        """The rows."""
        return tuple(self._rows)

    def is_revealed(self, ref: str) -> bool:
        """Whether exhibit ``ref`` is shown unblurred."""
        return ref in self._revealed

    def set_revealed(self, row: int, revealed: bool) -> None:
        """Show the picture in ``row`` unblurred, or blur it again."""
        ref = self._rows[row].ref
        if revealed:
            self._revealed.add(ref)
        else:
            self._revealed.discard(ref)
        index = self.index(row)
        self.dataChanged.emit(index, index, [_DECORATION, REVEALED_ROLE, _DISPLAY, _ACCESSIBLE])

    def blur_all(self) -> None:
        """Blur every picture again."""
        if not self._revealed:
            return
        self._revealed.clear()
        if self._rows:
            self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1), [_DECORATION])

    def _thumbnail_ready(self, ref: str) -> None:
        row = self.row_of(ref)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index, [_DECORATION])

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        exhibit = self._rows[index.row()]
        revealed = exhibit.ref in self._revealed
        if role == _DISPLAY:
            return f"{exhibit.ref}\n{exhibit_caption(exhibit, revealed)}"
        if role == _ACCESSIBLE:
            state = "" if not exhibit.is_picture else (", shown" if revealed else ", blurred")
            return f"Exhibit {exhibit.ref}, {KIND_NAMES[exhibit.kind]}{state}"
        if role == _DECORATION:
            return self._thumbnails.decoration(exhibit, revealed)
        if role == _TOOLTIP:
            source = exhibit.metadata.get("url") or exhibit.metadata.get("source_file_name") or ""
            return _plain_tooltip(f"{exhibit.ref}: {KIND_NAMES[exhibit.kind]}\n{source}".strip())
        if role == EXHIBIT_ROLE:
            return exhibit
        if role == REVEALED_ROLE:
            return revealed
        return None


def exhibit_caption(exhibit: Exhibit, revealed: bool) -> str:
    """The second line under a thumbnail."""
    if exhibit.purged:
        return "Purged"
    if exhibit.kind == ExhibitKind.RECORD_ONLY:
        return "Record only"
    if exhibit.is_picture:
        return "Shown" if revealed else "Blurred: click to show"
    return KIND_NAMES[exhibit.kind]


# -- custody timeline ---------------------------------------------------------------------------


class CustodyTableModel(QAbstractTableModel):
    """An incident's custody log, oldest entry first."""

    COLUMN_SEQ = 0
    COLUMN_TIME = 1
    COLUMN_ACTION = 2
    COLUMN_SUBJECT = 3
    COLUMN_ACTOR = 4
    COLUMN_HASH = 5
    HEADERS = ("#", "Time", "What happened", "Exhibit", "By", "Entry hash")

    def __init__(self, zone: tzinfo, parent: Any = None) -> None:
        super().__init__(parent)
        self._zone = zone
        self._rows: list[CustodyEntry] = []

    def set_rows(self, entries: Iterable[CustodyEntry]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self._rows = list(entries)
        self.endResetModel()

    def clear(self) -> None:
        """Drop every row."""
        self.set_rows(())

    @property
    def entries(self) -> Sequence[CustodyEntry]:
        """The rows."""
        return tuple(self._rows)

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY:
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        entry = self._rows[index.row()]
        column = index.column()
        if role in (_DISPLAY, _ACCESSIBLE):
            if column == self.COLUMN_SEQ:
                return str(entry.seq)
            if column == self.COLUMN_TIME:
                return local_text(parse_utc(entry.utc), self._zone)
            if column == self.COLUMN_ACTION:
                return action_name(entry.action)
            if column == self.COLUMN_SUBJECT:
                return str(entry.details.get("exhibit") or "")
            if column == self.COLUMN_ACTOR:
                return entry.actor
            if column == self.COLUMN_HASH:
                return entry.short_hash
        if role == _TOOLTIP and column == self.COLUMN_HASH:
            return f"SHA-256 of this entry: {entry.hash}"
        if role == SORT_ROLE:
            return entry.seq
        if role == ENTRY_ROLE:
            return entry
        return None


def written_accounts(entries: Iterable[CustodyEntry]) -> list[CustodyEntry]:
    """The entries that record a written account or note, oldest first."""
    return [entry for entry in entries if entry.action == Action.NOTE_ADDED]


# -- metadata of one exhibit --------------------------------------------------------------------


def metadata_rows(exhibit: Exhibit, zone: tzinfo) -> list[tuple[str, str]]:
    """(label, value) pairs describing an exhibit, for the metadata panel: the exhibit and its
    file in the window's words, then its metadata in the rows the report prints."""
    rows: list[tuple[str, str]] = [
        ("Exhibit", exhibit.ref),
        ("Kind", KIND_NAMES[exhibit.kind]),
        ("Added", local_text(exhibit.created_utc, zone)),
    ]
    if exhibit.sha256 is not None:
        rows += [
            ("File type", exhibit.media_type),
            ("Size", size_text(exhibit.size)),
            ("SHA-256", exhibit.sha256),
        ]
    if exhibit.purged:
        rows.append(("Bytes", "Purged; only the hash and this record remain"))
    rows += exhibit_metadata_rows(exhibit, file_rows=False)
    return rows
