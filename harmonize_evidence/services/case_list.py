"""Use case: the safeguarding lead's list of cases, with what the list shows of each.

Every case in the lead's store with its next step and when it is due (:func:`due_cases`), the
risk and the person it is assigned to from its latest triage, and for a received case the member
of staff it came from. Closed cases are listed too (with no next step), so that the lead can find
one to read or reopen. Read for every case at once: the due list's three queries, one more for
the triage fields and one for the producers.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from harmonize_evidence.domain.casework import Due, Step
from harmonize_evidence.domain.model import Action, Incident, Role, Status
from harmonize_evidence.services.casework import due_cases
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.school import require_role

__all__ = ["CaseRow", "case_rows", "same_person"]


@dataclass(frozen=True)
class CaseRow:
    """One case as the lead's list shows it."""

    incident: Incident
    due: Due | None
    """Its next step and when it is due; None for a closed case."""
    overdue: bool
    risk: str | None = None
    """``low``, ``medium`` or ``high`` from the latest triage; None before one."""
    assigned_to: str | None = None
    """Who the latest triage assigned it to, as typed."""
    from_whom: str | None = None
    """For a case received from a member of staff: their name."""
    mine: bool = False
    """Whether it is assigned to this store's lead."""

    @property
    def due_utc(self) -> datetime | None:
        """When the next step is due (None: nothing outstanding, or closed)."""
        return None if self.due is None else self.due.due


def same_person(first: str, second: str) -> bool:
    """Whether two typed names are the same person's: case, spacing and accents aside."""

    def key(name: str) -> str:
        decomposed = unicodedata.normalize("NFKD", name.casefold())
        letters = "".join(c for c in decomposed if not unicodedata.combining(c))
        return " ".join(letters.split())

    return bool(first.strip()) and key(first) == key(second)


def _triage_fields(store: EvidenceStore) -> dict[str, tuple[str | None, str | None]]:
    """The risk and assignee of each case's latest triage (corrections replace what they
    correct), by case id."""
    paths = [
        "$.details.at_utc",
        "$.details.corrects",
        "$.details.fields.risk",
        "$.details.fields.assigned_to",
    ]
    found: dict[str, list[tuple[str, int, str | None, str | None]]] = {}
    corrected: set[tuple[str, int]] = set()
    rows = store.vault.entries_by_action([Action.TRIAGED.value], paths)
    for incident_id, seq, _action, at_utc, corrects, risk, assigned in rows:
        if corrects is not None:
            corrected.add((incident_id, int(corrects)))
        found.setdefault(incident_id, []).append((str(at_utc), seq, risk, assigned))
    latest: dict[str, tuple[str | None, str | None]] = {}
    for incident_id, entries in found.items():
        standing = [e for e in entries if (incident_id, e[1]) not in corrected]
        if standing:
            _at, _seq, risk, assigned = max(standing, key=lambda e: (e[0], e[1]))
            latest[incident_id] = (risk, assigned)
    return latest


def case_rows(store: EvidenceStore) -> list[CaseRow]:
    """Every case in the lead's store: the open ones soonest due first (as :func:`due_cases`
    orders them), then the closed ones, newest first.

    Raises:
        BadInput: a member of staff's store (the list is the lead's).
    """
    require_role(store, Role.LEAD, "list the school's cases")
    lead_name = store.producer.name
    triage = _triage_fields(store)
    names = {record.id: record.producer.name for record in store.producers()}

    def row(incident: Incident, due: Due | None, overdue: bool) -> CaseRow:
        risk, assigned = triage.get(incident.id, (None, None))
        sender = incident.sender_producer_id
        return CaseRow(
            incident,
            due,
            overdue,
            risk=risk,
            assigned_to=assigned,
            from_whom=None if sender is None else names.get(sender),
            mine=assigned is not None and same_person(assigned, lead_name),
        )

    rows = [row(case.incident, case.due, case.overdue) for case in due_cases(store)]
    closed = [i for i in store.incidents() if i.status is Status.CLOSED]
    closed.sort(key=lambda i: i.created_utc, reverse=True)
    rows += [row(incident, None, False) for incident in closed]
    return rows


def next_steps(due: Due) -> list[Step]:
    """The steps a due entry names (``takedown-requested or isp-contacted``: both)."""
    steps = []
    for part in due.next_step.split(" or "):
        try:
            steps.append(Step(part.strip()))
        except ValueError:
            continue
    return steps
