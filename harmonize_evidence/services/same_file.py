"""The same file added to an incident twice: found by its SHA-256, said in one sentence.

An incident keeps whatever it is given, and adding a file it already holds makes a second
exhibit with the same bytes. That is allowed (a script may rely on it), but never silent: the
command line adds it and names the earlier exhibit (:func:`add_file`, :func:`added_again`), and
the desktop program asks before adding (:func:`files_already_kept`, :func:`already_kept`).
Both faces find the earlier exhibit here, the same way: the first exhibit of the incident whose
recorded SHA-256 is the file's (a purged exhibit keeps its SHA-256 and still counts; a record
without a file has none).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path

from harmonize_evidence.domain.model import Exhibit, ExhibitKind
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.vault.files import file_sha256 as read_file_sha256


def earlier_exhibit(exhibits: Iterable[Exhibit], sha256: str | None) -> Exhibit | None:
    """The first of ``exhibits`` whose bytes hash to ``sha256``, or None."""
    if sha256 is None:
        return None
    return next((exhibit for exhibit in exhibits if exhibit.sha256 == sha256), None)


def _when(exhibit: Exhibit, zone: tzinfo) -> str:
    """``21 Nov 2026 21:40 GMT``: when the earlier exhibit was added, on this computer's clock."""
    local = exhibit.created_utc.astimezone(zone)
    return f"{local:%d %b %Y %H:%M} {local:%Z}".lstrip("0")


def already_kept(earlier: Exhibit, zone: tzinfo) -> str:
    """``exhibit ZL/3 of INC-2026-0001 (added 21 Nov 2026 21:40 GMT)``, saying if it was purged."""
    purged = ", its copy since purged" if earlier.purged else ""
    return f"exhibit {earlier.ref} of {earlier.incident_id} (added {_when(earlier, zone)}{purged})"


def added_again(earlier: Exhibit, again: Exhibit, zone: tzinfo) -> str:
    """The sentence for a file added although the incident already kept it."""
    verb = "was" if earlier.purged else "is already"
    return f"This file {verb} {already_kept(earlier, zone)}; it was added again as {again.ref}."


@dataclass(frozen=True)
class AddedFile:
    """A file kept as an exhibit, and the earlier exhibit of the incident with the same bytes."""

    exhibit: Exhibit
    earlier: Exhibit | None
    """The incident's first exhibit with the same SHA-256 before this one, or None."""


def add_file(
    store: EvidenceStore,
    incident_id: str,
    path: Path,
    *,
    url: str | None = None,
    note: str = "",
    kind: ExhibitKind | None = None,
    posted_at: str | None = None,
    came_from: str | None = None,
) -> AddedFile:
    """Keep a file as an exhibit (:meth:`EvidenceStore.add_file`), saying if it was kept before."""
    before = store.exhibits(incident_id)
    exhibit = store.add_file(
        incident_id,
        path,
        url=url,
        note=note,
        kind=kind,
        posted_at=posted_at,
        came_from=came_from,
    )
    return AddedFile(exhibit, earlier_exhibit(before, exhibit.sha256))


@dataclass(frozen=True)
class SameFile:
    """A file chosen for adding whose bytes the incident (or the batch) already holds."""

    path: Path
    earlier: Exhibit | None
    """The incident's exhibit with the same bytes; None when it is ``earlier_file``."""
    earlier_file: Path | None = None
    """An earlier file of the same batch with the same bytes (when the incident has none)."""

    def sentence(self, zone: tzinfo) -> str:
        """``photo.png is already exhibit ZL/3, added 21 Nov 2026 21:40 GMT`` (in the incident
        that a heading names)."""
        if self.earlier is not None:
            earlier = self.earlier
            if earlier.purged:
                return f"{self.path.name} was exhibit {earlier.ref}, since purged"
            return (
                f"{self.path.name} is already exhibit {earlier.ref}, added {_when(earlier, zone)}"
            )
        name = self.earlier_file.name if self.earlier_file is not None else "another file"
        return f"{self.path.name} is the same file as {name}, chosen too"


def file_sha256(path: Path) -> str | None:
    """The SHA-256 of a file's bytes, or None if it cannot be read (adding it will say why)."""
    try:
        return read_file_sha256(path)
    except OSError:
        return None


def files_already_kept(
    store: EvidenceStore,
    incident_id: str,
    paths: Sequence[Path],
    *,
    check_cancelled: Callable[[], None] | None = None,
) -> list[SameFile]:
    """Which of ``paths`` the incident already keeps, or repeat an earlier file of ``paths``.

    Each file is hashed (streamed); a file that cannot be read is left for adding to report.
    """
    exhibits = store.exhibits(incident_id)
    seen: dict[str, Path] = {}
    found = []
    for path in paths:
        if check_cancelled is not None:
            check_cancelled()
        sha256 = file_sha256(path)
        if sha256 is None:
            continue
        earlier = earlier_exhibit(exhibits, sha256)
        if earlier is not None:
            found.append(SameFile(path, earlier))
        elif sha256 in seen:
            found.append(SameFile(path, None, seen[sha256]))
        else:
            seen[sha256] = path
    return found
