"""Qt models over the store's records: the custom roles, and one incident's exhibits, custody
entries and metadata (the incidents list's models are in :mod:`.incident_models`).

Each model holds plain frozen records (read by a worker, handed over on the GUI thread) and never
decrypted file bytes; pictures come from the thumbnail cache only for the rows a view asks to
paint. ``clear()`` drops everything when the store locks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from harmonize_evidence.domain.chain import CustodyEntry
from harmonize_evidence.domain.clock import parse_utc
from harmonize_evidence.domain.metadata_rows import metadata_rows as exhibit_metadata_rows
from harmonize_evidence.domain.metadata_rows import recorded_utc, source_name
from harmonize_evidence.domain.model import (
    Action,
    Exhibit,
    ExhibitKind,
)
from harmonize_evidence.domain.post_time import format_post_time
from harmonize_evidence.domain.wording import (
    CHANGE_ACTIONS,
    change_text,
    changed_value_name,
    day_time_text,
    moment_text,
)
from harmonize_evidence.ui.wording import (
    KIND_NAMES,
    action_name,
    size_text,
)

if TYPE_CHECKING:
    from harmonize_evidence.ui.thumbnails import ThumbnailCache

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_DECORATION = Qt.ItemDataRole.DecorationRole
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
"""The text the search box matches (see :func:`.incident_models.searchable`): id, title, people,
reporter."""
EXHIBIT_ROLE = _USER + 10
"""The row's :class:`Exhibit`."""
REVEALED_ROLE = _USER + 11
"""Whether the user chose to see this exhibit's picture unblurred."""
CAPTION_ROLE = _USER + 12
"""The lines under a thumbnail: reference and kind, time, where it came from (a tuple)."""
ENTRY_ROLE = _USER + 20
"""The row's :class:`CustodyEntry`."""


def plain_tooltip(text: str) -> str:
    """``text`` as a tooltip that Qt shows as it is, never as markup."""
    # Qt shows tooltips as rich text when they look like markup; user text must stay text.
    import html  # when a tooltip is first asked for: the html package takes 2 ms to import

    return "<p style='white-space:pre-wrap'>" + html.escape(text) + "</p>"


# -- exhibits -----------------------------------------------------------------------------------


class ExhibitListModel(QAbstractListModel):
    """The exhibits of one incident, for the thumbnail grid.

    Pictures are asked of the thumbnail cache only when a view paints the row, and are blurred
    unless the user revealed that exhibit.
    """

    def __init__(self, thumbnails: ThumbnailCache, zone: tzinfo, parent: Any = None) -> None:
        super().__init__(parent)
        self._thumbnails = thumbnails
        self._zone = zone
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
            return " · ".join(part for part in exhibit_caption(exhibit, self._zone) if part)
        if role == CAPTION_ROLE:
            return exhibit_caption(exhibit, self._zone)
        if role == _ACCESSIBLE:
            state = "" if not exhibit.is_picture else (", shown" if revealed else ", blurred")
            caption = ", ".join(part for part in exhibit_caption(exhibit, self._zone) if part)
            return f"Exhibit {caption.replace(' · ', ', ')}{state}"
        if role == _DECORATION:
            return self._thumbnails.decoration(exhibit, revealed)
        if role == _TOOLTIP:
            source = exhibit.metadata.get("url") or exhibit.metadata.get("source_file_name") or ""
            return plain_tooltip(f"{exhibit.ref}: {KIND_NAMES[exhibit.kind]}\n{source}".strip())
        if role == EXHIBIT_ROLE:
            return exhibit
        if role == REVEALED_ROLE:
            return revealed
        return None


def exhibit_caption(exhibit: Exhibit, zone: tzinfo) -> tuple[str, str, str]:
    """The lines under a thumbnail: ``LN/3 · Screenshot``, when it was captured or recorded
    (``Sat 21 Nov 21:40``) and where it came from (``instagram.com``, or its file's name)."""
    kind = "Record only" if exhibit.kind == ExhibitKind.RECORD_ONLY else KIND_NAMES[exhibit.kind]
    if exhibit.purged:
        kind += " (purged)"
    when = day_time_text(recorded_utc(exhibit), zone)
    return f"{exhibit.ref} · {kind}", when, source_name(exhibit) or ""


# -- custody timeline ---------------------------------------------------------------------------


class CustodyTableModel(QAbstractTableModel):
    """An incident's custody log, oldest entry first; for a case received from a member of
    staff, their log as received comes first, its entries numbered ``staff 1``, ``staff 2``..."""

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
        self._received = 0  # the first rows are the member of staff's log, as received

    def set_rows(
        self, entries: Iterable[CustodyEntry], received: Iterable[CustodyEntry] = ()
    ) -> None:
        """Replace every row: ``received`` (the member of staff's log), then ``entries``."""
        self.beginResetModel()
        theirs = list(received)
        self._received = len(theirs)
        self._rows = [*theirs, *entries]
        self.endResetModel()

    def _step_note(self, entry: CustodyEntry) -> str:
        """For a lead's step: when it happened, if not when it was recorded (the Time column),
        and the entry it corrects."""
        notes = []
        happened = entry.details.get("at_utc")
        if isinstance(happened, str) and happened[:16] != entry.utc[:16]:
            try:
                local = parse_utc(happened).astimezone(self._zone)
            except ValueError:
                local = None
            if local is not None:
                notes.append(f"happened {local:%a %d %b %Y %H:%M}")
        corrects = entry.details.get("corrects")
        if corrects is not None:
            notes.append(f"corrects entry {corrects}")
        return f" ({'; '.join(notes)})" if notes else ""

    def is_received(self, row: int) -> bool:
        """Whether ``row`` is an entry of the member of staff's log, as received."""
        return 0 <= row < self._received

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
                return f"staff {entry.seq}" if self.is_received(index.row()) else str(entry.seq)
            if column == self.COLUMN_TIME:  # to the second, with the zone (UTC on hover)
                local = parse_utc(entry.utc).astimezone(self._zone)
                return format_post_time(local, always_seconds=True)
            if column == self.COLUMN_ACTION:
                if _is_change(entry):  # "Status changed to Closed"
                    new = changed_value_name(entry.action, entry.details["to"])
                    return f"{action_name(entry.action)} to {new}"
                return action_name(entry.action) + self._step_note(entry)
            if column == self.COLUMN_SUBJECT:
                return str(entry.details.get("exhibit") or "")
            if column == self.COLUMN_ACTOR:
                return entry.actor
            if column == self.COLUMN_HASH:
                return entry.short_hash
        if role == _TOOLTIP and column == self.COLUMN_SEQ and self.is_received(index.row()):
            return f"Entry {entry.seq} of the custody log that {entry.actor} kept, as received"
        if role == _TOOLTIP and column == self.COLUMN_HASH:
            return f"SHA-256 of this entry: {entry.hash}"
        if role == _TOOLTIP and column == self.COLUMN_TIME:
            return moment_text(parse_utc(entry.utc), self._zone)
        if role == _TOOLTIP and column == self.COLUMN_ACTION and _is_change(entry):
            return change_text(entry.action, entry.details)  # with the reason
        if role == SORT_ROLE:
            return entry.seq
        if role == ENTRY_ROLE:
            return entry
        return None


def _is_change(entry: CustodyEntry) -> bool:
    """Whether the entry is a change of category or status made by a member of staff (a lead's
    ``status`` step keeps its fields otherwise)."""
    return (
        entry.action in CHANGE_ACTIONS and "to" in entry.details and "at_utc" not in entry.details
    )


def written_accounts(entries: Iterable[CustodyEntry]) -> list[CustodyEntry]:
    """The entries that record a written account or note, oldest first."""
    return [entry for entry in entries if entry.action == Action.NOTE_ADDED]


# -- metadata of one exhibit --------------------------------------------------------------------


def metadata_rows(exhibit: Exhibit, zone: tzinfo) -> list[tuple[str, str]]:
    """(label, value) pairs describing an exhibit, for the metadata panel: the exhibit and its
    file in the window's words, then its metadata in the rows the report prints."""
    rows: list[tuple[str, str]] = [("Exhibit", exhibit.ref), ("Kind", KIND_NAMES[exhibit.kind])]
    if recorded_utc(exhibit) is exhibit.created_utc:  # else the metadata says when, once
        rows.append(("Added", moment_text(exhibit.created_utc, zone)))
    if exhibit.sha256 is not None:
        rows += [
            ("File type", exhibit.media_type),
            ("Size", size_text(exhibit.size)),
            ("SHA-256", exhibit.sha256),
        ]
    if exhibit.purged:
        rows.append(("Bytes", "Purged; only the hash and this record remain"))
    rows += exhibit_metadata_rows(exhibit, file_rows=False, zone=zone)
    return rows
