"""The lead's case list as it is shown: each case's cell texts, search text and place in every
order, prepared once where the rows are read, off the GUI thread.

The case list on the GUI thread then only looks values up: giving it 5,000 cases, sorting them or
filtering them costs no Python call per case (each would cost a few microseconds, and the list has
50 ms a frame). Nothing here touches Qt.

The search ignores case and accents (typing "lukasz" finds "Łukasz"): both sides are
transliterated with ``anyascii``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from harmonize_evidence.domain.model import Status
from harmonize_evidence.domain.text import search_folded
from harmonize_evidence.domain.wording import next_step_name
from harmonize_evidence.services.case_list import CaseRow
from harmonize_evidence.ui.wording import CATEGORY_NAMES, STATUS_NAMES

# The list's columns. What is due comes first: the list is read for it, and it stays in sight on
# a small screen.
COLUMN_CASE = 0
COLUMN_DUE = 1
COLUMN_NEXT = 2
COLUMN_TITLE = 3
COLUMN_RISK = 4
COLUMN_STATUS = 5
COLUMN_CATEGORY = 6
COLUMN_FROM = 7
HEADERS = ("Case", "Due", "Next step", "Title", "Risk", "Status", "Category", "From")
DUE_ORDER = -1
"""The order by what is due (overdue and urgent first), the list's order until a header is
clicked."""

RISK_NAMES = {"low": "Low", "medium": "Medium", "high": "High"}
_RISK_RANKS = {"low": 0, "medium": 1, "high": 2}


def folded(text: str) -> str:
    """Text as the case search matches it (:func:`~.domain.text.search_folded`)."""
    return search_folded(text)


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


def _priority(row: CaseRow) -> tuple[int, bool, float, str]:
    """Overdue first, then urgent, then soonest due, then those with no deadline, then closed."""
    rank = 0 if row.overdue else 1 if row.incident.urgent else 2
    if row.due is None:
        rank = 3
    due = row.due_utc
    return (rank, due is None, due.timestamp() if due else 0.0, row.incident.id)


def _sort_key(column: int, row: CaseRow, texts: Sequence[str], priority: tuple[Any, ...]) -> Any:
    """What a column sorts ``row`` by (ties go by what is due)."""
    if column in (COLUMN_TITLE, COLUMN_FROM):
        return folded(texts[column])
    if column == COLUMN_RISK:
        return _RISK_RANKS.get(row.risk or "", -1)
    if column == COLUMN_DUE:
        return priority[1:]
    if column in (COLUMN_CATEGORY, COLUMN_STATUS, COLUMN_NEXT):
        return texts[column]
    return row.incident.id


@dataclass(frozen=True, slots=True)
class ListedCase:
    """One case as the list shows it."""

    row: CaseRow
    texts: tuple[str, ...]
    """What each column's cell says."""
    accessible: tuple[str, ...]
    """What a screen reader says of each cell (the status adds ", urgent")."""
    tooltips: tuple[str | None, ...]
    """Each cell's tooltip (plain text), if any."""
    search: str
    """The id, title, people, reporter, sender and assignee, :func:`folded`."""
    closed: bool


@dataclass(frozen=True)
class ListedCases:
    """Every case of the list, in the order read, with the list's orders ready."""

    cases: tuple[ListedCase, ...] = ()
    orders: dict[int, tuple[int, ...]] = field(default_factory=dict)
    """Per column (and :data:`DUE_ORDER`), the positions in :attr:`cases`, ascending."""
    open_count: int = 0
    overdue_count: int = 0
    search_text: str = field(init=False, repr=False)
    """Every case's :attr:`ListedCase.search`, in the order read, each followed by a newline
    (which no search text holds), so that one scan finds a word in all of them. Made from
    :attr:`cases` with the rest of the list, off the GUI thread."""
    search_starts: tuple[int, ...] = field(init=False, repr=False)
    """Where each case's search text starts in :attr:`search_text`."""

    def __post_init__(self) -> None:
        starts, at = [], 0
        for case in self.cases:
            starts.append(at)
            at += len(case.search) + 1
        object.__setattr__(self, "search_text", "".join(c.search + "\n" for c in self.cases))
        object.__setattr__(self, "search_starts", tuple(starts))

    @property
    def rows(self) -> tuple[CaseRow, ...]:
        """The cases' rows, in the order read."""
        return tuple(case.row for case in self.cases)

    def order(self, column: int, descending: bool = False) -> Sequence[int]:
        """The positions in :attr:`cases` sorted by ``column`` (or :data:`DUE_ORDER`); a column's
        ties go by what is due, and the ids make every order total, so descending is simply the
        reverse."""
        ascending = self.orders.get(column, ())
        return ascending[::-1] if descending else ascending

    def matching(self, words: Sequence[str]) -> set[int]:
        """The positions in :attr:`cases` whose search text holds every one of ``words``.

        One scan of :attr:`search_text` per word, rather than a test per case and word: typing
        in the search box filters 5,000 cases on the GUI thread at each key.
        """
        found: set[int] | None = None
        starts = self.search_starts
        for word in words:
            positions = {
                bisect.bisect_right(starts, match.start()) - 1
                for match in re.finditer(re.escape(word), self.search_text)
            }
            found = positions if found is None else found & positions
            if not found:
                return set()
        return found if found is not None else set(range(len(self.cases)))


def list_cases(rows: Iterable[CaseRow], zone: tzinfo, now: datetime | None = None) -> ListedCases:
    """``rows`` prepared for the case list: texts in ``zone`` (a date of ``now``'s year without
    its year), search texts, and the order of every column.

    Slow enough (tens of milliseconds for 5,000 cases) to be done where the rows are read.
    """
    year = now.astimezone(zone).year if now is not None else None
    cases: list[ListedCase] = []
    priorities: list[tuple[int, bool, float, str]] = []
    for row in rows:
        incident = row.incident
        next_step = next_step_name(row.due.next_step) if row.due is not None else ""
        status = STATUS_NAMES[incident.status]
        texts: tuple[str, ...] = (
            incident.id,
            due_text(row, zone, year),
            next_step,
            incident.title,
            RISK_NAMES.get(row.risk or "", "Not triaged"),
            status,
            CATEGORY_NAMES[incident.category],
            row.from_whom or "",
        )
        accessible = texts
        if incident.urgent:
            accessible = (*texts[:COLUMN_STATUS], status + ", urgent", *texts[COLUMN_STATUS + 1 :])
        hint = row.due.hint if row.due is not None else ""
        tooltips: tuple[str | None, ...] = (None, None, hint or None, incident.title) + (None,) * (
            len(HEADERS) - 4
        )
        words = (
            incident.id,
            incident.title,
            incident.people,
            incident.reported_by,
            row.from_whom or "",
            row.assigned_to or "",
        )
        search = folded(" ".join(words))
        closed = incident.status is Status.CLOSED
        cases.append(ListedCase(row, texts, accessible, tooltips, search, closed))
        priorities.append(_priority(row))
    positions = range(len(cases))
    orders = {DUE_ORDER: tuple(sorted(positions, key=priorities.__getitem__))}
    for column in range(len(HEADERS)):
        keys = [
            (_sort_key(column, case.row, case.texts, priority), priority)
            for case, priority in zip(cases, priorities, strict=True)
        ]
        orders[column] = tuple(sorted(positions, key=keys.__getitem__))
    return ListedCases(
        tuple(cases),
        orders,
        open_count=sum(1 for case in cases if not case.closed),
        overdue_count=sum(1 for case in cases if case.row.overdue),
    )
