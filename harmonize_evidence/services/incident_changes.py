"""Use case: a member of staff changes the category or status of their own incident.

The rules (whose incident, which status, a reason) are
:func:`harmonize_evidence.domain.incident_changes.check_changes`; this writes what they allow:
the incident's new values and one custody entry per changed value (old value, new value, reason),
in one transaction. The command line (``incident edit``) and the incident view's "Change category
or status" dialog both call :func:`change_incident`.
"""

from __future__ import annotations

from dataclasses import dataclass

from harmonize_evidence.domain.chain import CustodyEntry
from harmonize_evidence.domain.errors import BadInput
from harmonize_evidence.domain.incident_changes import (
    STAFF_STATUSES,
    check_changeable,
    check_changes,
)
from harmonize_evidence.domain.model import Action, Category, Incident, Status
from harmonize_evidence.services.evidence import EvidenceStore

__all__ = ["STAFF_STATUSES", "IncidentChanged", "change_incident", "refusal"]


@dataclass(frozen=True)
class IncidentChanged:
    """An incident after a change of its category or status."""

    incident: Incident
    """The incident as it now stands."""
    entries: tuple[CustodyEntry, ...]
    """The custody entries that record the change: the category's first, then the status's."""


def change_incident(
    store: EvidenceStore,
    incident_id: str,
    *,
    category: Category | None = None,
    status: Status | None = None,
    reason: str,
) -> IncidentChanged:
    """Change the category, the status or both of one of this store's own open incidents.

    Raises:
        NotFound: no such incident.
        BadInput: the rules refuse the change (see
            :func:`~harmonize_evidence.domain.incident_changes.check_changes`); nothing is
            recorded.
    """
    incident = store.incident(incident_id)
    changes = check_changes(
        incident, store.producer.role, category=category, status=status, reason=reason
    )
    entries = []
    with store.atomic():
        for change in changes:
            if change.action is Action.CATEGORY_CHANGED:
                store.vault.set_incident_category(incident.id, Category(change.new))
            else:
                store.vault.set_incident_status(incident.id, Status(change.new))
            entries.append(store.record(incident.id, change.action, change.details))
    return IncidentChanged(store.incident(incident.id), tuple(entries))


def refusal(store: EvidenceStore, incident: Incident) -> str | None:
    """Why the incident's category and status cannot be changed now, or None when they can
    (for a face to say before it offers the change)."""
    try:
        check_changeable(incident, store.producer.role)
    except BadInput as exc:
        return exc.message
    return None
