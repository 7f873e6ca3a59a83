"""The safeguarding lead's case work: recording the policy's steps, what is due, the settings.

Every step is one custody entry on the case's own chain (:func:`record_step`), checked by the
pure rules of :mod:`harmonize_evidence.domain.casework` against the state the chain gives. The
deadlines are computed from the chain with the store's clock (:func:`due_cases`). The two periods
(takedown, removal check) are settings of the lead's store; each change is kept with who made it
and when (:func:`change_settings`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from harmonize_evidence.domain.casework import (
    ACTION_STEPS,
    DEFAULT_REMOVAL_CHECK_HOURS,
    DEFAULT_TAKEDOWN_HOURS,
    STEPS,
    CaseState,
    Due,
    Step,
    case_state,
    check_allowed,
    checked_fields,
    next_due,
    parse_when,
)
from harmonize_evidence.domain.chain import CustodyEntry
from harmonize_evidence.domain.clock import format_utc, local_time
from harmonize_evidence.domain.errors import BadInput
from harmonize_evidence.domain.model import Category, Incident, Role, Status
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.school import require_role

TAKEDOWN_SETTING = "takedown_hours"
REMOVAL_CHECK_SETTING = "removal_check_hours"
SETTINGS_HISTORY = "casework_settings_history"
HOURS_RANGE = range(1, 169)
CLOCK_FIELDS = ("category", "outcome", "decision", "route")
"""The step fields that the rules and the clock read (the rest are for people)."""


@dataclass(frozen=True)
class Periods:
    """The two periods the school's policy sets, in hours."""

    takedown_hours: int = DEFAULT_TAKEDOWN_HOURS
    removal_check_hours: int = DEFAULT_REMOVAL_CHECK_HOURS


@dataclass(frozen=True)
class StepRecorded:
    """A step recorded on a case."""

    case: str
    entry: CustodyEntry
    status: Status
    at: datetime
    due: Due | None
    """The case's next step and when it is due; None once it is closed (nothing is due)."""


@dataclass(frozen=True)
class CaseDue:
    """One open case in the list of what is due."""

    incident: Incident
    due: Due
    overdue: bool


def periods(store: EvidenceStore) -> Periods:
    """The periods in force on this store."""
    takedown = store.vault.setting(TAKEDOWN_SETTING)
    check = store.vault.setting(REMOVAL_CHECK_SETTING)
    return Periods(
        int(takedown) if takedown else DEFAULT_TAKEDOWN_HOURS,
        int(check) if check else DEFAULT_REMOVAL_CHECK_HOURS,
    )


def change_settings(
    store: EvidenceStore, takedown_hours: int | None, removal_check_hours: int | None
) -> Periods:
    """Change either period (1 to 168 hours); the change is kept with who made it and when."""
    require_role(store, Role.LEAD, "change the school's periods")
    for value, what in ((takedown_hours, "takedown"), (removal_check_hours, "removal check")):
        if value is not None and value not in HOURS_RANGE:
            raise BadInput(f"The {what} period must be 1 to 168 hours, not {value}.")
    current = periods(store)
    changed = Periods(
        current.takedown_hours if takedown_hours is None else takedown_hours,
        current.removal_check_hours if removal_check_hours is None else removal_check_hours,
    )
    if changed == current:
        return current
    history = json.loads(store.vault.setting(SETTINGS_HISTORY) or "[]")
    history.append(
        {
            "utc": format_utc(store.clock.now()),
            "by": store.producer.actor,
            "takedown_hours": changed.takedown_hours,
            "removal_check_hours": changed.removal_check_hours,
        }
    )
    with store.atomic():
        store.vault.set_setting(TAKEDOWN_SETTING, str(changed.takedown_hours))
        store.vault.set_setting(REMOVAL_CHECK_SETTING, str(changed.removal_check_hours))
        store.vault.set_setting(SETTINGS_HISTORY, json.dumps(history))
    return changed


def settings_history(store: EvidenceStore) -> list[dict[str, object]]:
    """Every change of the periods: when, by whom, and the periods from then on."""
    history: list[dict[str, object]] = json.loads(store.vault.setting(SETTINGS_HISTORY) or "[]")
    return history


def first_known(store: EvidenceStore, incident: Incident) -> datetime:
    """When the school first knew: the case's creation, any exhibit's capture or record time
    (an exhibit's own time), and for a received case the member of staff's earliest entry;
    never the time shown on a post."""
    earliest = store.vault.earliest_times(incident.id).get(incident.id, incident.created_utc)
    return min(incident.created_utc, earliest)


def state_of(store: EvidenceStore, incident: Incident) -> CaseState:
    """The case's state as its chain gives it."""
    entries = [(e.seq, e.action, e.details) for e in store.log(incident.id)]
    return case_state(
        status=incident.status,
        created_category=incident.category,
        first_known=first_known(store, incident),
        entries=entries,
    )


def record_step(
    store: EvidenceStore,
    case_id: str,
    step: Step,
    fields: Mapping[str, str | None],
    *,
    at: str | None = None,
    corrects: int | None = None,
) -> StepRecorded:
    """Record one step of the school's process on a case, as one custody entry.

    Raises:
        BadInput: a staff store, a missing or bad field, a time in the future or that did not
            exist, a step the rules refuse now (a closed case, a referral without consent), or
            ``corrects`` naming no earlier entry of the same step (exit 2). Nothing is recorded.
    """
    require_role(store, Role.LEAD, "record the school's steps on a case")
    incident = store.incident(case_id)
    spec = STEPS[step]
    values = checked_fields(step, fields)
    now = store.clock.now()
    when = now if at is None else parse_when(at, now, store.clock.zone)
    state = state_of(store, incident)
    if corrects is not None:
        earlier = [e for e in store.log(incident.id) if e.seq == corrects]
        if not earlier or earlier[0].action != spec.action.value:
            raise BadInput(
                f"Entry {corrects} of {incident.id} is not a {step.value} step, so this cannot "
                "correct it; nothing was recorded."
            )
    status = check_allowed(state, step, values) if corrects is None else incident.status
    local = local_time(when, store.clock.zone, store.clock.zone_name)
    details: dict[str, object] = {
        "step": step.value,
        "fields": values,
        "at_utc": format_utc(when),
        "at_local": local.local_iso,
        "at_offset": local.utc_offset,
        "from": incident.status.value,
        "status": status.value,
    }
    if corrects is not None:
        details["corrects"] = corrects
    with store.atomic():
        if status is not incident.status:
            store.vault.set_incident_status(incident.id, status)
        if step is Step.TRIAGE and values["category"] != incident.category.value:
            store.vault.set_incident_category(incident.id, Category(values["category"]))
        entry = store.record(incident.id, spec.action, details)
    due = None
    if status is not Status.CLOSED:
        due = next_due(state_of(store, store.incident(incident.id)), **vars(periods(store)))
    return StepRecorded(incident.id, entry, status, when, due)


def due_cases(store: EvidenceStore, *, overdue_only: bool = False) -> list[CaseDue]:
    """Every open case's next step and when it is due: soonest first, then those with none.

    Read for every case at once (three queries, and only the step entries parsed), so that a
    lead's store of thousands of cases answers quickly.
    """
    require_role(store, Role.LEAD, "list what is due")
    now = store.clock.now()
    in_force = vars(periods(store))
    earliest = store.vault.earliest_times()
    steps: dict[str, list[tuple[int, str, Mapping[str, Any]]]] = {}
    paths = ["$.details.at_utc", "$.details.corrects"]
    paths += [f"$.details.fields.{key}" for key in CLOCK_FIELDS]
    for incident_id, seq, action, at_utc, corrects, *values in store.vault.entries_by_action(
        ACTION_STEPS, paths
    ):
        fields = {key: value for key, value in zip(CLOCK_FIELDS, values, strict=True) if value}
        details = {"at_utc": at_utc, "corrects": corrects, "fields": fields}
        steps.setdefault(incident_id, []).append((seq, action, details))
    listed = []
    for incident in store.incidents():
        if incident.status is Status.CLOSED:
            continue
        known = min(incident.created_utc, earliest.get(incident.id, incident.created_utc))
        state = case_state(
            status=incident.status,
            created_category=incident.category,
            first_known=known,
            entries=steps.get(incident.id, ()),
        )
        due = next_due(state, **in_force)
        overdue = due.overdue(now)
        if overdue_only and not overdue:
            continue
        listed.append(CaseDue(incident, due, overdue))
    listed.sort(key=lambda c: (c.due.due is None, c.due.due or now, c.incident.id))
    return listed
