"""The safeguarding lead's steps on a case, the rules between them, and the clock.

Each step the school's policy names is one custody entry on the case's own chain, holding the
step's fields, when it happened (``at``, given by the lead; never in the future) and the status
that results. Nothing is edited: a correction is a later entry of the same step that names the one
it corrects (``corrects``). These rules are pure: the services read the chain, call them, and
write what they return.

The rules (CLI.md, "Precisely, for action and due"):

- On a closed case every step but ``reopen`` is refused; ``reopen`` only on a closed case.
- ``status`` takes ``open`` and ``under-review`` only, and never the current status; ``closed``
  comes only from ``close``, ``referred-to-police`` only from ``police-referred``.
- A police referral of an incident about a member of staff (category ``cyberbullying-of-staff``,
  as last set by its creation or ``triage``) needs their consent: the latest ``consent`` entry
  decides, so a later refusal withdraws an earlier consent.
- The clock. The school first knew at the earliest of the case's creation, any exhibit's capture
  or record time and, for a received case, the member of staff's earliest such time (the time on
  the post itself does not count). The takedown request is due ``takedown_hours`` after that
  until one is recorded; the removal check is due ``removal_check_hours`` after the latest
  request until a check finds the material removed or amended; after a check that finds it still
  up, the next step is another request or contacting the ISP, due ``takedown_hours`` after that
  check, with a hint naming POSH (48 hours after reporting to the platform) and Report Harmful
  Content (once the platform answered, or a week after the first request). Due times are
  instants: 24 hours are 24 hours of UTC, whatever the clocks do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from harmonize_evidence.domain.errors import BadInput
from harmonize_evidence.domain.model import Action, Category, Status
from harmonize_evidence.domain.post_time import local_instant, read_wall_clock
from harmonize_evidence.domain.text import check_text

ONE_LINE_MAX = 2000
FREE_TEXT_MAX = 20000
DEFAULT_TAKEDOWN_HOURS = 24
DEFAULT_REMOVAL_CHECK_HOURS = 24
POSH_WAIT = timedelta(hours=48)
RHC_WAIT = timedelta(days=7)


class Step(StrEnum):
    """A step of the school's process, as the command line names it."""

    TRIAGE = "triage"
    TAKEDOWN_REQUESTED = "takedown-requested"
    REMOVAL_CHECKED = "removal-checked"
    ISP_CONTACTED = "isp-contacted"
    CONSENT = "consent"
    POLICE_REFERRED = "police-referred"
    SUPPORT_OFFERED = "support-offered"
    PUPIL_ACTION = "pupil-action"
    STATUS = "status"
    CLOSE = "close"
    REOPEN = "reopen"


class FieldKind(StrEnum):
    """How a step's field is checked."""

    LINE = "line"  # one line, at most 2,000 characters
    TEXT = "text"  # free text: new lines and tabs allowed, at most 20,000 characters
    CHOICE = "choice"


@dataclass(frozen=True)
class FieldSpec:
    """One field of a step."""

    name: str
    """As the command line takes it: ``--assigned-to`` is ``assigned-to``."""
    label: str
    kind: FieldKind
    required: bool = True
    choices: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The key in the entry's details: ``assigned_to``."""
        return self.name.replace("-", "_")


def _line(name: str, label: str, required: bool = True) -> FieldSpec:
    return FieldSpec(name, label, FieldKind.LINE, required)


def _text(name: str, label: str, required: bool = True) -> FieldSpec:
    return FieldSpec(name, label, FieldKind.TEXT, required)


def _choice(name: str, label: str, choices: Iterable[str]) -> FieldSpec:
    return FieldSpec(name, label, FieldKind.CHOICE, True, tuple(choices))


RISKS = ("low", "medium", "high")
ROUTES = ("platform", "posh", "report-harmful-content", "other")
OUTCOMES = ("removed", "still-up", "amended")
DECISIONS = ("given", "refused")
SETTABLE_STATUSES = (Status.OPEN.value, Status.UNDER_REVIEW.value)


@dataclass(frozen=True)
class StepSpec:
    """A step: its custody action, what it is in words, and its fields."""

    step: Step
    action: Action
    title: str
    fields: tuple[FieldSpec, ...] = field(default_factory=tuple)


STEPS: dict[Step, StepSpec] = {
    spec.step: spec
    for spec in (
        StepSpec(
            Step.TRIAGE,
            Action.TRIAGED,
            "Triage",
            (
                _choice("category", "Category", (c.value for c in Category)),
                _choice("risk", "Risk", RISKS),
                _line("assigned-to", "Assigned to", required=False),
                _text("summary", "Summary", required=False),
            ),
        ),
        StepSpec(
            Step.TAKEDOWN_REQUESTED,
            Action.TAKEDOWN_REQUESTED,
            "Takedown requested",
            (
                _line("platform", "Platform"),
                _choice("route", "Route", ROUTES),
                _line("reference", "Reference number", required=False),
            ),
        ),
        StepSpec(
            Step.REMOVAL_CHECKED,
            Action.REMOVAL_CHECKED,
            "Removal checked",
            (_choice("outcome", "Outcome", OUTCOMES),),
        ),
        StepSpec(
            Step.ISP_CONTACTED,
            Action.ISP_CONTACTED,
            "Internet provider contacted",
            (_line("isp", "Internet provider"), _line("reference", "Reference", required=False)),
        ),
        StepSpec(
            Step.CONSENT,
            Action.CONSENT_RECORDED,
            "Consent to a police report",
            (
                _choice("decision", "Decision", DECISIONS),
                _line("given-by", "Given by"),
                _text("how", "How it was obtained"),
            ),
        ),
        StepSpec(
            Step.POLICE_REFERRED,
            Action.POLICE_REFERRED,
            "Referred to the police",
            (
                _line("force", "Police force"),
                _line("reference", "Crime or incident reference"),
                _line("officer", "Officer", required=False),
            ),
        ),
        StepSpec(
            Step.SUPPORT_OFFERED,
            Action.SUPPORT_OFFERED,
            "Support offered",
            (_text("what", "What was offered"), _line("by", "By whom", required=False)),
        ),
        StepSpec(
            Step.PUPIL_ACTION,
            Action.PUPIL_ACTION,
            "Behaviour-policy step for a pupil",
            (_text("what", "What was done"),),
        ),
        StepSpec(
            Step.STATUS,
            Action.STATUS_CHANGED,
            "Status changed",
            (_choice("to", "New status", SETTABLE_STATUSES), _text("reason", "Reason")),
        ),
        StepSpec(
            Step.CLOSE,
            Action.CASE_CLOSED,
            "Case closed",
            (_text("outcome", "Outcome"), _text("rationale", "Rationale")),
        ),
        StepSpec(Step.REOPEN, Action.CASE_REOPENED, "Case reopened", (_text("reason", "Reason"),)),
    )
}
ACTION_STEPS: dict[str, Step] = {spec.action.value: spec.step for spec in STEPS.values()}


def checked_fields(step: Step, given: Mapping[str, str | None]) -> dict[str, str]:
    """The step's fields as the entry keeps them (by key), each checked.

    Raises:
        BadInput: a required field is missing, a field is not the step's, a choice is not one
            of its values, or text breaks the rules for text (length, control characters).
    """
    spec = STEPS[step]
    known = {f.key: f for f in spec.fields}
    for key, value in given.items():
        if value is not None and key not in known:
            raise BadInput(f"The {step.value} step has no field --{key.replace('_', '-')}.")
    values: dict[str, str] = {}
    for spec_field in spec.fields:
        value = given.get(spec_field.key)
        if value is None or not value.strip():
            if spec_field.required:
                raise BadInput(
                    f"The {step.value} step needs --{spec_field.name} "
                    f"({spec_field.label.lower()}); nothing was recorded."
                )
            continue
        what = f"{spec_field.label.lower()} of the {step.value} step"
        if spec_field.kind is FieldKind.CHOICE:
            if value not in spec_field.choices:
                raise BadInput(
                    f"The {what} must be one of {', '.join(spec_field.choices)}, not {value!r}."
                )
        elif spec_field.kind is FieldKind.LINE:
            check_text(value, what, max_length=ONE_LINE_MAX)
        else:
            check_text(value, what, max_length=FREE_TEXT_MAX, multiline=True)
        values[spec_field.key] = value
    return values


# -- the state of a case, read from its chain --------------------------------------------------


@dataclass(frozen=True)
class RecordedStep:
    """A step as its entry records it."""

    seq: int
    step: Step
    at: datetime
    """When it happened (the lead's ``--at``), an aware instant."""
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class CaseState:
    """What a case's chain says about it, for the rules and the clock."""

    status: Status
    category: Category
    first_known: datetime
    steps: tuple[RecordedStep, ...] = ()

    def latest(self, step: Step) -> RecordedStep | None:
        """The latest entry of a step (by when it happened), corrections included."""
        found = [s for s in self.steps if s.step is step]
        return max(found, key=lambda s: (s.at, s.seq)) if found else None

    def all(self, step: Step) -> list[RecordedStep]:
        """Every entry of a step, in the order they happened."""
        return sorted((s for s in self.steps if s.step is step), key=lambda s: (s.at, s.seq))

    @property
    def consent_given(self) -> bool:
        """Whether the latest consent entry gives consent to a police report."""
        latest = self.latest(Step.CONSENT)
        return latest is not None and latest.fields.get("decision") == "given"


def case_state(
    *,
    status: Status,
    created_category: Category,
    first_known: datetime,
    entries: Iterable[tuple[int, str, Mapping[str, Any]]],
) -> CaseState:
    """The state of a case from its own chain's entries ``(seq, action, details)``, oldest first.

    An entry that a later one corrects (``corrects``) is replaced by its correction.

    ``first_known`` is the earliest time the school knew, which the caller reads from the case,
    its exhibits and, for a received case, the member of staff's chain.
    """
    listed = list(entries)
    corrected = {details.get("corrects") for _seq, _action, details in listed}
    steps = []
    category = created_category
    for seq, action, details in listed:
        step = ACTION_STEPS.get(action)
        if step is None or "at_utc" not in details or seq in corrected:
            continue  # a corrected entry stays on the chain; its correction counts instead
        fields = details.get("fields", {})
        at = datetime.fromisoformat(str(details["at_utc"]).replace("Z", "+00:00"))
        steps.append(RecordedStep(seq, step, at, fields))
        if step is Step.TRIAGE:
            category = Category(fields["category"])
    return CaseState(status, category, first_known, tuple(steps))


def check_allowed(state: CaseState, step: Step, fields: Mapping[str, str]) -> Status:
    """Refuse a step the rules forbid now; otherwise the status the case has after it.

    Raises:
        BadInput: the step is not allowed on the case as it stands, saying why.
    """
    closed = state.status is Status.CLOSED
    if step is Step.REOPEN:
        if not closed:
            raise BadInput("The case is not closed, so it cannot be reopened.")
        return Status.OPEN
    if closed:
        raise BadInput(f"The case is closed; reopen it first to record a {step.value} step.")
    if step is Step.STATUS:
        target = Status(fields["to"])
        if target is state.status:
            raise BadInput(f"The case is already {target.value}; nothing was recorded.")
        return target
    if step is Step.CLOSE:
        return Status.CLOSED
    if step is Step.POLICE_REFERRED:
        if state.category is Category.STAFF_CYBERBULLYING and not state.consent_given:
            raise BadInput(
                "This incident is about a member of staff, and their consent to a police report "
                "is not recorded (or was withdrawn): record it first with the consent step. "
                "Nothing was recorded."
            )
        return Status.REFERRED
    return state.status


# -- the clock -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """A case's next step and when it is due (None: no deadline outstanding)."""

    next_step: str
    due: datetime | None
    hint: str

    def overdue(self, now: datetime) -> bool:
        """Whether the deadline has passed."""
        return self.due is not None and now >= self.due


def next_due(
    state: CaseState,
    *,
    takedown_hours: int = DEFAULT_TAKEDOWN_HOURS,
    removal_check_hours: int = DEFAULT_REMOVAL_CHECK_HOURS,
) -> Due:
    """The next step the policy asks for, and when it is due, from the case's state."""
    takedown = timedelta(hours=takedown_hours)
    check = timedelta(hours=removal_check_hours)
    requests = state.all(Step.TAKEDOWN_REQUESTED)
    if not requests:
        return Due(
            Step.TAKEDOWN_REQUESTED.value,
            state.first_known + takedown,
            "Ask the website to remove or amend the material, within "
            f"{takedown_hours} hours of the school first knowing.",
        )
    latest_request = requests[-1]
    escalations = [*requests, *state.all(Step.ISP_CONTACTED)]
    latest_escalation = max(escalations, key=lambda s: (s.at, s.seq))
    checks = [c for c in state.all(Step.REMOVAL_CHECKED) if c.at >= latest_escalation.at]
    if any(c.fields.get("outcome") in ("removed", "amended") for c in checks):
        return Due(
            Step.CLOSE.value,
            None,
            "The material was removed or amended: offer support, and close the case with its "
            "outcome when the school's work is done.",
        )
    if not checks:
        return Due(
            Step.REMOVAL_CHECKED.value,
            latest_escalation.at + check,
            f"Check that the material was removed, {removal_check_hours} hours after the "
            "latest request.",
        )
    still_up = checks[-1]
    hints = ["It is still up: ask again, or contact the internet service provider."]
    first_request = requests[0]
    if still_up.at >= latest_request.at + POSH_WAIT or any(
        r.fields.get("route") == "platform" for r in requests
    ):
        hints.append(
            "The Professionals Online Safety Helpline (POSH) can help, 48 hours after reporting "
            "to the platform."
        )
    if still_up.at >= first_request.at + RHC_WAIT:
        hints.append("Report Harmful Content can review the platform's answer.")
    return Due(
        f"{Step.TAKEDOWN_REQUESTED.value} or {Step.ISP_CONTACTED.value}",
        still_up.at + takedown,
        " ".join(hints),
    )


# -- when a step happened ------------------------------------------------------------------------

_DAY_FIRST = (
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H.%M",
    "%d/%m/%y %H:%M",
    "%d/%m/%Y",
)


def parse_when(text: str, now: datetime, zone: tzinfo) -> datetime:
    """When a step happened, as the lead typed it, as an instant in UTC.

    ISO 8601 (with or without an offset), the day-first forms (``20/11/2026 21:40``,
    ``20/11/2026``) and the others a time on a post takes (``yesterday 9.40pm``, ``2 hours ago``:
    :mod:`~harmonize_evidence.domain.post_time`); a time without an offset is local time in
    ``zone``. A local time that does not exist (the hour the clocks skip in March) is refused; an
    ambiguous one (the hour repeated in October) is read as the first, summer-time, reading
    (:func:`~harmonize_evidence.domain.post_time.local_instant`, shared with the time on a post).
    A time after ``now`` is refused.

    Raises:
        BadInput: not a time, a local time that does not exist, or a time in the future.
    """
    cleaned = text.strip()
    moment: datetime | None = None
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        for pattern in _DAY_FIRST:
            try:
                moment = datetime.strptime(cleaned, pattern)
                break
            except ValueError:
                continue
    if moment is None and cleaned:
        try:
            read = read_wall_clock(cleaned, now, zone)
        except (OverflowError, ValueError):
            read = None
        moment = None if read is None else read[0]
    if moment is None:
        raise BadInput(
            f"{text!r} is not a date and time; write it like 20/11/2026 21:40 or 2026-11-20T21:40."
        )
    if moment.tzinfo is None:
        moment = local_instant(moment, zone, cleaned)
    instant = moment.astimezone(UTC)  # an instant: a time in the repeated hour compares right
    if instant > now:
        raise BadInput(f"{cleaned} is in the future; a step is recorded when it has happened.")
    return instant
