"""Use case: one case as the safeguarding lead reads it, its chronology first.

The chronology merges the two chains a received case has: the member of staff's, as received
(what they captured and wrote, on their own computer), and the case's own on the lead's store
(receiving it, and every step of the school's process). Each line says when (a step: when it
happened, as the lead gave it; anything else: when it was recorded), who, what (in the wording
every face uses) and the exhibit or the step's details. Lines are in time order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from harmonize_evidence.domain.casework import ACTION_STEPS, STEPS, Due, Step, next_due
from harmonize_evidence.domain.chain import CustodyEntry
from harmonize_evidence.domain.clock import parse_utc
from harmonize_evidence.domain.model import Action, Exhibit, ExhibitKind, Incident, Status
from harmonize_evidence.domain.wording import (
    CATEGORY_NAMES,
    CHANGE_ACTIONS,
    KIND_NAMES,
    STATUS_NAMES,
    action_name,
    change_text,
)
from harmonize_evidence.services.casework import periods, state_of
from harmonize_evidence.services.evidence import EvidenceStore

__all__ = ["CaseFile", "ChronologyLine", "choice_text", "read_case", "step_details"]

_EXHIBIT_ACTIONS = frozenset(
    {
        Action.EVIDENCE_CAPTURED.value,
        Action.EVIDENCE_IMPORTED.value,
        Action.EVIDENCE_RECORDED.value,
        Action.EVIDENCE_DERIVED.value,
        Action.EVIDENCE_EXTRACTED.value,
        Action.PURGED.value,
    }
)
_KIND_VALUES = frozenset(kind.value for kind in ExhibitKind)


@dataclass(frozen=True)
class ChronologyLine:
    """One line of a case's chronology."""

    when: datetime
    """When it happened (a step: the time the lead gave), an aware instant."""
    recorded: datetime
    """When its custody entry was written."""
    who: str
    what: str
    details: str
    staff: bool = False
    """From the member of staff's chain as received (else the case's own chain)."""
    seq: int = 0
    """Its entry's number on its own chain."""
    step: Step | None = None
    """The step it records, for the lead's steps."""
    fields: Mapping[str, str] = field(default_factory=dict)
    """A step's fields as recorded (by key)."""
    corrected_by: int | None = None
    """The entry that corrects this one, if any."""


@dataclass(frozen=True)
class CaseFile:
    """A case as the lead's case view shows it."""

    incident: Incident
    lines: tuple[ChronologyLine, ...]
    due: Due | None
    """Its next step and when it is due; None for a closed case."""
    overdue: bool


def choice_text(step: str, key: str, value: str) -> str:
    """Plain words for the value of a step's choice field: a category's or status's name, else
    the value made readable (``still-up``: "Still up")."""
    if key == "category":
        return next((n for c, n in CATEGORY_NAMES.items() if c.value == value), value)
    if key == "to":
        return next((n for s, n in STATUS_NAMES.items() if s.value == value), value)
    return value.replace("-", " ").capitalize()


def step_details(step: Step, fields: Mapping[str, Any]) -> str:
    """A step's fields in words: ``Risk: High; Assigned to: Priya Shah``."""
    parts = []
    for spec in STEPS[step].fields:
        value = fields.get(spec.key)
        if value:
            parts.append(f"{spec.label}: {choice_text(step.value, spec.key, str(value))}")
    return "; ".join(parts)


def _exhibit_details(entry: CustodyEntry, own_refs: Mapping[str, str]) -> str:
    details = entry.details
    ref = str(details.get("exhibit") or details.get("ref") or "")
    if not ref:
        return ""
    ours = own_refs.get(ref, ref)
    text = f"Exhibit {ours}" if ours == ref else f"Exhibit {ours} (their {ref})"
    kind = str(details.get("kind") or "")
    if kind in _KIND_VALUES:
        text += f", {KIND_NAMES[ExhibitKind(kind)].lower()}"
    return text


def _other_details(entry: CustodyEntry) -> str:
    details = entry.details
    action = entry.action
    if action == Action.NOTE_ADDED.value:
        return str(details.get("text", ""))
    if action == Action.RECEIVED.value:
        return (
            f"From {details.get('from')}, their {details.get('staff_incident')} "
            f"(handover {details.get('handover_number')})"
        )
    if action == Action.HANDED_OVER.value:
        return f"To {details.get('lead')} (handover {details.get('number')})"
    if action in CHANGE_ACTIONS and "to" in details:
        return change_text(action, details)
    if action == Action.STAFF_CONFIRMED.value:
        return f"{details.get('staff')}: {details.get('how')}"
    if action == Action.FLAGGED_URGENT.value:
        return str(details.get("reason", ""))
    if action == Action.INCIDENT_CREATED.value:
        return str(details.get("title", ""))
    return ""


def chronology(
    own: Sequence[CustodyEntry],
    received: Sequence[CustodyEntry],
    exhibits: Sequence[Exhibit] = (),
) -> list[ChronologyLine]:
    """The lines of a case's chronology from its own chain and the chain it was received with."""
    own_refs = {e.sender_ref: e.ref for e in exhibits if e.sender_ref}
    corrected_by = {
        int(entry.details["corrects"]): entry.seq
        for entry in own
        if entry.action in ACTION_STEPS and entry.details.get("corrects") is not None
    }
    lines = []
    for staff, entries in ((True, received), (False, own)):
        for entry in entries:
            recorded = parse_utc(entry.utc)
            step = None if staff else ACTION_STEPS.get(entry.action)
            when = recorded
            fields: dict[str, str] = {}
            if step is not None and "at_utc" in entry.details:
                when = parse_utc(str(entry.details["at_utc"]))
                fields = {str(k): str(v) for k, v in dict(entry.details.get("fields", {})).items()}
                details = step_details(step, fields)
                corrects = entry.details.get("corrects")
                if corrects is not None:
                    details = f"Corrects entry {corrects}. {details}"
            elif entry.action in _EXHIBIT_ACTIONS:
                details = _exhibit_details(entry, {} if not staff else own_refs)
            else:
                details = _other_details(entry)
            lines.append(
                ChronologyLine(
                    when=when,
                    recorded=recorded,
                    who=entry.actor,
                    what=action_name(entry.action),
                    details=details,
                    staff=staff,
                    seq=entry.seq,
                    step=step,
                    fields=fields,
                    corrected_by=None if staff else corrected_by.get(entry.seq),
                )
            )
    # In time order; at the same moment the member of staff's lines first (they came first).
    lines.sort(key=lambda line: (line.when, not line.staff, line.seq))
    return lines


def read_case(store: EvidenceStore, case_id: str) -> CaseFile:
    """Everything the case view shows of a case, read at once (no exhibit bytes)."""
    incident = store.incident(case_id)
    own = store.log(incident.id)
    received = store.received_log(incident.id)
    exhibits = store.exhibits(incident.id)
    if incident.status is Status.CLOSED:
        due, overdue = None, False
    else:
        due = next_due(state_of(store, incident), **vars(periods(store)))
        overdue = due.overdue(store.clock.now())
    return CaseFile(incident, tuple(chronology(own, received, exhibits)), due, overdue)
