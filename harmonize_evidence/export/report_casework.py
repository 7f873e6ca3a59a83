"""The safeguarding lead's case work in the report: the police referral and the outcome on the
cover, and the section *The school's actions*, every step the lead recorded on the case.

Each step is a custody entry of the case's own chain (:mod:`harmonize_evidence.domain.casework`):
its fields, when it happened (``at_utc``, and the local time with its offset), the status before
and after it, and, for a correction, the entry it corrects. The section lists every step in the
order the steps happened, corrected entries included and marked, so that a reader sees what was
recorded and when; the cover gives what stands after the corrections: the latest referral to the
police and, for a closed case, its outcome.

Every value is user text: it is wrapped by :mod:`harmonize_evidence.export.layout`, never parsed
as markup. A staff member's bundle has no steps, and nothing here adds to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from harmonize_evidence.domain.casework import (
    ACTION_STEPS,
    STEPS,
    CaseState,
    RecordedStep,
    Step,
    case_state,
)
from harmonize_evidence.domain.chain import CustodyEntry
from harmonize_evidence.domain.model import Status
from harmonize_evidence.domain.wording import STATUS_NAMES, long_date_time, step_choice_name
from harmonize_evidence.export.report_blocks import Paragraphs, key_value_table
from harmonize_evidence.export.report_content import ReportContent

SECTION_TITLE = "The school's actions"
COVER_TEXT_MAX = 240
"""The most of one value the cover prints; the whole value is in the section."""


def step_entries(content: ReportContent) -> list[CustodyEntry]:
    """The case's step entries, in the order the steps happened (then in the log's order)."""
    steps = [
        entry
        for entry in content.entries
        if entry.action in ACTION_STEPS and "at_utc" in entry.details
    ]
    return sorted(steps, key=lambda entry: (_happened(entry), entry.seq))


def _happened(entry: CustodyEntry) -> datetime:
    """When a step happened, as its entry records it (its recording time if that is unreadable)."""
    for text in (entry.details.get("at_utc"), entry.utc):
        try:
            return datetime.fromisoformat(str(text).replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            continue
    return datetime.min.replace(tzinfo=UTC)


def _state(content: ReportContent) -> CaseState:
    """What the case's chain says, corrections applied (the same rule as the clock's)."""
    return case_state(
        status=content.incident.status,
        created_category=content.incident.category,
        first_known=content.incident.created_utc,
        entries=[(entry.seq, entry.action, entry.details) for entry in content.entries],
    )


def _field(step: RecordedStep, key: str) -> str:
    value = step.fields.get(key)
    return "" if value is None else str(value)


def _short(text: str) -> str:
    if len(text) <= COVER_TEXT_MAX:
        return text
    return text[:COVER_TEXT_MAX].rstrip() + f"... (in full under {SECTION_TITLE})"


def cover_case_rows(content: ReportContent) -> list[tuple[str, Any]]:
    """The cover's rows for the case work: the police referral, the status and the outcome.

    Only for a case with steps recorded on it; the latest referral stands (a correction in
    place of the entry it corrects).
    """
    if not step_entries(content):
        return []
    state = _state(content)
    by_seq = {entry.seq: entry for entry in content.entries}
    rows: list[tuple[str, Any]] = []
    referral = state.latest(Step.POLICE_REFERRED)
    if referral is not None:
        rows += [
            (
                "Referred to the police",
                f"{_local(by_seq[referral.seq])} (custody entry {referral.seq})",
            ),
            ("Police force", _short(_field(referral, "force"))),
            ("Police reference", _short(_field(referral, "reference"))),
            ("Police officer", _short(_field(referral, "officer")) or "not recorded"),
        ]
    status = content.incident.status
    rows.append(("Case status", STATUS_NAMES.get(status, status.value)))
    closed = state.latest(Step.CLOSE) if status is Status.CLOSED else None
    if closed is not None:
        rows.append(("Closed", f"{_local(by_seq[closed.seq])} (custody entry {closed.seq})"))
        rows.append(("Outcome", _short(_field(closed, "outcome"))))
    return rows


def _moment(text: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


def _local(entry: CustodyEntry) -> str:
    """When a step happened, in local time with its offset (UTC when that is not recorded)."""
    local = _moment(entry.details.get("at_local"))
    if local is None or local.utcoffset() is None:
        return f"{long_date_time(_happened(entry))} UTC"
    return f"{long_date_time(local)} ({_offset(local)})"


def _offset(local: datetime) -> str:
    offset = local.utcoffset()
    assert offset is not None
    minutes = int(offset.total_seconds() // 60)
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{'+' if minutes >= 0 else '-'}{hours:02d}:{mins:02d}"


def _local_and_utc(entry: CustodyEntry, sep: str = "; ") -> str:
    """When a step happened: ``20 November 2026 at 09:15:00 local time (UTC+00:00); 20 November
    2026 at 09:15:00 UTC``."""
    details = entry.details
    utc = _happened(entry)
    in_utc = f"{long_date_time(utc)} UTC"
    local = _moment(details.get("at_local"))
    if local is None or local.utcoffset() is None:
        return in_utc
    return f"{long_date_time(local)} local time ({_offset(local)}){sep}{in_utc}"


def _recorded(entry: CustodyEntry) -> str:
    moment = _moment(entry.utc)
    when = f"{long_date_time(moment.astimezone(UTC))} UTC" if moment is not None else entry.utc
    return f"{entry.actor}, on {when}"


def _status_words(value: object) -> str:
    try:
        return STATUS_NAMES[Status(str(value))]
    except ValueError:
        return str(value)


def _step_rows(
    entry: CustodyEntry, step: Step, corrected_by: Mapping[int, int], by_seq: Mapping[int, Any]
) -> list[tuple[str, Any]]:
    spec = STEPS[step]
    details = entry.details
    rows: list[tuple[str, Any]] = [
        ("When it happened", _local_and_utc(entry, "\n")),
        ("Recorded by", _recorded(entry)),
    ]
    corrects = details.get("corrects")
    if corrects is not None:
        earlier = by_seq.get(corrects)
        of_when = f", recorded as happening {_local_and_utc(earlier)}" if earlier else ""
        rows.append(
            (
                "Correction",
                f"This entry corrects custody entry {corrects}{of_when}. That entry stays in "
                "the custody log as it was; this one stands in its place.",
            )
        )
    if entry.seq in corrected_by:
        rows.append(
            (
                "Corrected",
                f"This entry was corrected by custody entry {corrected_by[entry.seq]}, which "
                "stands in its place.",
            )
        )
    raw = details.get("fields")
    fields: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    known = set()
    for spec_field in spec.fields:
        known.add(spec_field.key)
        value = fields.get(spec_field.key)
        if value in (None, ""):
            continue
        shown = (
            step_choice_name(step.value, spec_field.key, str(value))
            if spec_field.choices
            else value
        )
        rows.append((spec_field.label, str(shown)))
    for key, value in fields.items():  # a field this version has no label for
        if key not in known and value not in (None, ""):
            rows.append((str(key), str(value)))
    before, after = details.get("from"), details.get("status")
    if after is not None and after != before and corrects is None:
        rows.append(("Case status after", f"{_status_words(after)} (was {_status_words(before)})"))
    return rows


def _heading(entry: CustodyEntry, step: Step, corrected_by: Mapping[int, int]) -> str:
    title = STEPS[step].title
    corrects = entry.details.get("corrects")
    if corrects is not None:
        return f"{title} (custody entry {entry.seq}, a correction of custody entry {corrects})"
    if entry.seq in corrected_by:
        return f"{title} (custody entry {entry.seq}, corrected by entry {corrected_by[entry.seq]})"
    return f"{title} (custody entry {entry.seq})"


def casework_section(content: ReportContent, p: Paragraphs) -> list[Any]:
    """*The school's actions*: every step recorded on the case, in the order they happened."""
    steps = step_entries(content)
    if not steps:
        return []
    from reportlab.platypus import KeepTogether, Spacer

    by_seq = {entry.seq: entry for entry in content.entries}
    corrected_by = _corrected_by(steps)
    story: list[Any] = [
        p.fixed(SECTION_TITLE, "h1"),
        p.fixed(
            "Each step of the school's process recorded on this case, in the order the steps "
            "happened: when it happened (as the safeguarding lead gave it, in local time and in "
            "UTC), who recorded it and when, and what was recorded. Each step is one signed "
            "entry of the custody log of this case. Nothing is edited: a correction is a later "
            "entry that names the entry it corrects, and both are shown.",
            "small",
        ),
        Spacer(1, 4),
    ]
    for entry in steps:
        step = ACTION_STEPS[entry.action]
        # A step is kept on one page when it fits one: a reader never turns over mid-step.
        story.append(
            KeepTogether(
                [
                    p.text(_heading(entry, step, corrected_by), "h2"),
                    key_value_table(_step_rows(entry, step, corrected_by, by_seq), p),
                ]
            )
        )
    story.append(Spacer(1, 12))
    return story


def _corrected_by(steps: Sequence[CustodyEntry]) -> dict[int, int]:
    """Each corrected entry's latest correction, by sequence number."""
    corrected: dict[int, int] = {}
    for entry in sorted(steps, key=lambda e: e.seq):
        corrects = entry.details.get("corrects")
        if isinstance(corrects, int):
            corrected[corrects] = entry.seq
    return corrected


def statement_sentence(content: ReportContent) -> str | None:
    """The continuity statement's pointer to the steps (the program's own markup), when the case
    has any; after the list of what was done since a handover, which gives recording times."""
    if not step_entries(content):
        return None
    where = f"in the section <i>{SECTION_TITLE}</i> of this report"
    if content.received:
        return (
            "The times above are when I recorded each step. Each step of the school's process "
            f"is set out, with when it happened and what I recorded, {where}."
        )
    return (
        "Each step of the school's process that I recorded on this incident is set out, with "
        f"when it happened and what I recorded, {where}."
    )
