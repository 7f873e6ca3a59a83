"""Use case: the note index, so that searching the incidents also finds words in their notes.

An incident in the list carries its id, title, people and reporter, and the search matches those
directly. What was written about it lives elsewhere: the written accounts and notes in its
custody log, and the note, description and web address of each exhibit. :func:`note_index`
reads them all in one pass over the store (long in a large store: it reports progress, and the
GUI runs it off its thread the first time someone searches); :func:`add_notes` keeps the index
up to date with a note written after that. The text is case-folded; the search box shapes it
further for matching.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence

from harmonize_evidence.domain.chain import CustodyEntry
from harmonize_evidence.domain.model import Exhibit
from harmonize_evidence.services.evidence import EvidenceStore, Progress

__all__ = ["add_notes", "note_index", "notes_text"]

_EXHIBIT_FIELDS = ("note", "description", "url")
"""The metadata fields of an exhibit that the search reads, in this order."""


def note_index(store: EvidenceStore, *, progress: Progress | None = None) -> dict[str, str]:
    """The notes of every incident in ``store``, case-folded, by incident id.

    Args:
        store: The open store (owned by the calling thread).
        progress: Called as ``progress(done, total)`` before each incident is read; it may raise
            to stop the work (the GUI's cancelled task does).
    """
    index: dict[str, str] = {}
    incidents = store.incidents()
    for number, incident in enumerate(incidents):
        if progress is not None:
            progress(number, len(incidents))
        index[incident.id] = notes_text(store.log(incident.id), store.exhibits(incident.id))
    return index


def notes_text(entries: Sequence[CustodyEntry], exhibits: Sequence[Exhibit]) -> str:
    """The searchable notes of one incident: its log's written text and its exhibits' notes."""
    parts = [str(entry.details.get("text", "")) for entry in entries if "text" in entry.details]
    for exhibit in exhibits:
        for key in _EXHIBIT_FIELDS:
            value = exhibit.metadata.get(key)
            if value:
                parts.append(str(value))
    return " ".join(parts).casefold()


def add_notes(
    index: MutableMapping[str, str], incident_id: str, entries: Sequence[CustodyEntry]
) -> None:
    """Add the text of custody entries just recorded (a written account) to ``index``."""
    extra = " ".join(str(entry.details.get("text", "")) for entry in entries).casefold()
    index[incident_id] = index.get(incident_id, "") + " " + extra
