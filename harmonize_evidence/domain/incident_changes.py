"""A member of staff changing the category or status of their own incident: the rules.

The change is theirs while the incident is in their hands: opened on their own store, not yet
handed over to the safeguarding lead and not closed. Each value that changes is one custody
entry (``category_changed`` or ``status_changed``) holding the old value, the new one and the
reason, which is required. Nothing is edited: a later change is a later entry.

The entries' details (stored form, on the chain and in bundles)::

    {"from": "<old value>", "to": "<new value>", "reason": "<free text>"}

with the values as :class:`~harmonize_evidence.domain.model.Category` and
:class:`~harmonize_evidence.domain.model.Status` spell them (``cyberbullying-of-staff``, ``open``).

On the safeguarding lead's store the category is set by the ``triage`` step and the status by the
``status``, ``close`` and ``reopen`` steps (:mod:`harmonize_evidence.domain.casework`), so these
rules refuse there.

Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from harmonize_evidence.domain.errors import BadInput
from harmonize_evidence.domain.model import Action, Category, Incident, Role, Status
from harmonize_evidence.domain.text import NOTE_MAX, check_text
from harmonize_evidence.domain.wording import CATEGORY_NAMES, STATUS_NAMES

STAFF_STATUSES: tuple[Status, ...] = (
    Status.OPEN,
    Status.UNDER_REVIEW,
    Status.REFERRED,
    Status.CLOSED,
)
"""The statuses a member of staff can give their incident; ``handed-over`` comes only from a
handover."""


@dataclass(frozen=True)
class IncidentChange:
    """One value of an incident that changes, as its custody entry records it."""

    action: Action
    """``category_changed`` or ``status_changed``."""
    old: str
    """The value before, as stored (``open``)."""
    new: str
    """The value after."""
    reason: str

    @property
    def details(self) -> dict[str, str]:
        """The custody entry's details."""
        return {"from": self.old, "to": self.new, "reason": self.reason}


def check_changeable(incident: Incident, role: Role) -> None:
    """Refuse, saying why, when the incident's category and status are not the store's owner's
    to change: on the lead's store, a received incident, one handed over or closed.

    Raises:
        BadInput: the sentence that says why.
    """
    ident = incident.id
    if role is Role.LEAD:
        raise BadInput(
            f"On the safeguarding lead's store the category of {ident} is set by the triage "
            "step and its status by the status, close and reopen steps."
        )
    if incident.sender_id is not None:
        raise BadInput(
            f"{ident} was received from another store, so its category and status are not "
            "yours to change."
        )
    if incident.status is Status.HANDED_OVER:
        raise BadInput(
            f"{ident} has been handed over to the safeguarding lead, who now decides its "
            "category and status."
        )
    if incident.status is Status.CLOSED:
        raise BadInput(f"{ident} is closed, so its category and status can no longer be changed.")


def check_changes(
    incident: Incident,
    role: Role,
    *,
    category: Category | None,
    status: Status | None,
    reason: str,
) -> list[IncidentChange]:
    """The changes to record (category first), or a refusal that says why.

    Args:
        incident: The incident as it stands.
        role: The role of the store it is on.
        category: The new category, or None to keep it.
        status: The new status, or None to keep it.
        reason: Why; kept with each change.

    Raises:
        BadInput: the lead's store, a received incident, one handed over or closed, nothing to
            change, a value equal to the current one, ``handed-over`` asked for, or a missing or
            unacceptable reason. Nothing is recorded.
    """
    check_changeable(incident, role)
    ident = incident.id
    if category is None and status is None:
        raise BadInput(f"Choose a new category or a new status for {ident}; nothing was changed.")
    if category is not None and category is incident.category:
        raise BadInput(
            f"{ident} is already filed as {CATEGORY_NAMES[category].lower()}; nothing was changed."
        )
    if status is not None:
        if status is incident.status:
            raise BadInput(
                f"{ident} is already {STATUS_NAMES[status].lower()}; nothing was changed."
            )
        if status not in STAFF_STATUSES:
            raise BadInput(
                f"An incident becomes {STATUS_NAMES[status].lower()} only when it is handed "
                "over to the safeguarding lead; nothing was changed."
            )
    if not reason.strip():
        raise BadInput(
            "Give a reason for the change: the custody log keeps it with the old and the new "
            "value; nothing was changed."
        )
    check_text(reason, "reason", max_length=NOTE_MAX, multiline=True)
    changes = []
    if category is not None:
        changes.append(
            IncidentChange(Action.CATEGORY_CHANGED, incident.category.value, category.value, reason)
        )
    if status is not None:
        changes.append(
            IncidentChange(Action.STATUS_CHANGED, incident.status.value, status.value, reason)
        )
    return changes
