"""The safeguarding lead's case work on the command line: ``action``, ``due`` and ``settings``
(CLI.md, "The safeguarding lead")."""

from __future__ import annotations

import argparse
from typing import Any, NoReturn

from harmonize_evidence.cli.invocation import Invocation
from harmonize_evidence.domain.casework import STEPS, FieldKind, Step
from harmonize_evidence.domain.errors import BadInput

AT_HELP = (
    "when it happened; default now, never in the future: ISO 8601, 20/11/2026 21:40, "
    "yesterday 9.40pm or 2 hours ago, local time unless an offset is given"
)
ACTION_USAGE = "harmonize-evidence action ID STEP [--FIELD VALUE ...] [--at WHEN] [--corrects SEQ]"


def steps_help() -> str:
    """Every step with its fields, for ``action --help``."""
    lines = ["steps and their fields ([optional]):"]
    for spec in STEPS.values():
        fields = []
        for field in spec.fields:
            value = "|".join(field.choices) if field.kind is FieldKind.CHOICE else "TEXT"
            text = f"--{field.name} {value}"
            fields.append(text if field.required else f"[{text}]")
        lines.append(f"  {spec.step.value:<20} {' '.join(fields)}")
    lines.append("")
    lines.append(
        f"every step also takes --at WHEN ({AT_HELP}) and --corrects SEQ "
        "(the earlier entry of the same step that it corrects; nothing is ever edited)"
    )
    return "\n".join(lines)


class _StepParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise BadInput(f"{message[0].upper()}{message[1:]}; see '{self.prog} --help'.")


def step_parser(step: Step) -> argparse.ArgumentParser:
    spec = STEPS[step]
    parser = _StepParser(
        prog=f"harmonize-evidence action ID {step.value}", description=spec.title, add_help=True
    )
    for field in spec.fields:
        parser.add_argument(
            f"--{field.name}",
            required=field.required,
            choices=field.choices or None,
            metavar=None if field.choices else "TEXT",
            help=field.label + ("" if field.required else " (optional)"),
        )
    parser.add_argument("--at", metavar="WHEN", help=AT_HELP)
    parser.add_argument("--corrects", type=int, metavar="SEQ", help="the entry it corrects")
    return parser


def action(command: Invocation) -> int:
    """(lead) Record a step of the school's process on a case."""
    from harmonize_evidence.services.casework import record_step

    words: list[str] = list(command.args.words)
    steps = {s.value: s for s in Step}
    if words and words[0] in steps and any(w in ("-h", "--help") for w in words):
        step_parser(steps[words[0]]).parse_args(["--help"])
    if len(words) < 2 or words[1] not in steps:
        named = words[1] if len(words) > 1 else None
        raise BadInput(
            (f"{named!r} is not a step; " if named else "Give the case and the step; ")
            + f"usage: {ACTION_USAGE}. The steps: {', '.join(steps)} "
            "(harmonize-evidence action --help lists their fields)."
        )
    case, step = words[0], steps[words[1]]
    parsed = step_parser(step).parse_args(words[2:])
    fields = {f.key: getattr(parsed, f.key) for f in STEPS[step].fields}
    with command.open_store() as store:
        recorded = record_step(store, case, step, fields, at=parsed.at, corrects=parsed.corrects)
        zone = store.clock.zone
    due = recorded.due
    local = recorded.at.astimezone(zone)
    when = f"{local:%d %b %Y, %H:%M} ({local:%Z}, UTC{local:%z})"
    text = (
        f"Recorded {step.value} on {recorded.case} as custody entry {recorded.entry.seq}, "
        f"at {when}; status {recorded.status.value}. "
    )
    if due is None:
        text += "Nothing is due while the case is closed."
    else:
        when_due = due.due and f"{due.due.astimezone(zone):%d %b %Y, %H:%M %Z}"
        text += f"Next: {due.next_step}" + (f", due {when_due}." if when_due else " (no deadline).")
    command.out.result(
        {
            "entry": recorded.entry.seq,
            "case": recorded.case,
            "status": recorded.status.value,
            "at_utc": recorded.entry.details["at_utc"],
            "at_offset": recorded.entry.details["at_offset"],
            "next_step": None if due is None else due.next_step,
            "due_utc": None if due is None else _utc(due.due),
            "hint": None if due is None else due.hint,
        },
        text,
    )
    return 0


def _utc(moment: Any) -> str | None:
    from harmonize_evidence.domain.clock import format_utc

    return None if moment is None else format_utc(moment)


def due(command: Invocation) -> int:
    """(lead) Every open case's next step and when it is due, soonest first."""
    from harmonize_evidence.services.casework import due_cases

    with command.open_store() as store:
        cases = due_cases(store, overdue_only=command.args.overdue)
        zone = store.clock.zone
    rows = [f"{'CASE':<14} {'DUE':<22} {'NEXT STEP':<34} TITLE"]
    for case in cases:
        due_at = case.due.due
        when = "-" if due_at is None else f"{due_at.astimezone(zone):%d %b %Y %H:%M %Z}"
        flag = "OVERDUE " if case.overdue else ""
        rows.append(
            f"{case.incident.id:<14} {when:<22} {flag + case.due.next_step:<34} "
            f"{case.incident.title}"
        )
    text = "\n".join(rows) if cases else "Nothing is due."
    command.out.result(
        {
            "cases": [
                {
                    "id": c.incident.id,
                    "title": c.incident.title,
                    "next_step": c.due.next_step,
                    "due_utc": _utc(c.due.due),
                    "overdue": c.overdue,
                    "hint": c.due.hint,
                }
                for c in cases
            ]
        },
        text,
    )
    return 0


def settings(command: Invocation) -> int:
    """(lead) Show or change the takedown and removal-check periods."""
    from harmonize_evidence.domain.model import Role
    from harmonize_evidence.services.casework import change_settings, periods, settings_history
    from harmonize_evidence.services.school import require_role

    args = command.args
    with command.open_store() as store:
        require_role(store, Role.LEAD, "change the school's periods")
        if args.takedown_hours is None and args.removal_check_hours is None:
            now = periods(store)
        else:
            now = change_settings(store, args.takedown_hours, args.removal_check_hours)
        history = settings_history(store)
    command.out.result(
        {
            "takedown_hours": now.takedown_hours,
            "removal_check_hours": now.removal_check_hours,
            "history": history,
        },
        f"Takedown request due {now.takedown_hours} hours after the school first knew; removal "
        f"check due {now.removal_check_hours} hours after the request.",
    )
    return 0
