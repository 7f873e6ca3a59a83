"""The names people read for the product's values, written once for the report, GUI and CLI.

Categories, exhibit kinds, statuses, custody actions and the fields of an exhibit's metadata each
have one name here; a face that shows one of them takes it from this module. The report prints
some of these names to recipients (the category, the metadata labels), so a change here is a
change to the report: change a word only when it was wrong.

Pure: no I/O, nothing but the domain's own values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any

from harmonize_evidence.domain.clock import local_text, parse_utc
from harmonize_evidence.domain.model import (
    URGENT_SAFEGUARDING,
    Action,
    Category,
    Exhibit,
    ExhibitKind,
    Recipient,
    Role,
    Status,
)
from harmonize_evidence.domain.post_time import format_post_time

ROLE_NAMES: dict[Role, str] = {Role.STAFF: "member of staff", Role.LEAD: "safeguarding lead"}
"""A producer's role, as the key sheet names it."""

ROLE_IN_STATEMENT: dict[Role, str] = {
    Role.STAFF: "a member of staff",
    Role.LEAD: "the designated safeguarding lead",
}
"""What the report's statement says after the producer's name when no job title was given."""

CATEGORY_NAMES: dict[Category, str] = {
    Category.STAFF_CYBERBULLYING: "Cyberbullying of a member of staff",
    Category.PUPIL_CYBERBULLYING: "Cyberbullying of a pupil",
    Category.SAFEGUARDING: "Safeguarding concern",
    Category.INAPPROPRIATE_CONTENT: "Inappropriate content",
    Category.POLICY_BREACH: "Breach of policy",
    Category.OTHER: "Other",
}
"""What kind of incident it is, as the report's summary and the GUI's lists name it."""

STATUS_NAMES: dict[Status, str] = {
    Status.OPEN: "Open",
    Status.HANDED_OVER: "Handed over",
    Status.UNDER_REVIEW: "Under review",
    Status.REFERRED: "Referred to police",
    Status.CLOSED: "Closed",
}
"""Where an incident is in the school's process."""

KIND_NAMES: dict[ExhibitKind, str] = {
    ExhibitKind.SCREENSHOT: "Screenshot",
    ExhibitKind.IMAGE: "Image",
    ExhibitKind.EMAIL: "Email",
    ExhibitKind.AUDIO: "Audio",
    ExhibitKind.VIDEO: "Video",
    ExhibitKind.DOCUMENT: "Document",
    ExhibitKind.WRITTEN_ACCOUNT: "Written account",
    ExhibitKind.RECORD_ONLY: "Record only (no image)",
}
"""What an exhibit is."""

ACTION_NAMES: dict[Action, str] = {
    Action.INCIDENT_CREATED: "Incident opened",
    Action.EVIDENCE_CAPTURED: "Screen captured",
    Action.EVIDENCE_IMPORTED: "File added",
    Action.EVIDENCE_RECORDED: "Recorded without an image",
    Action.EVIDENCE_EXTRACTED: "Copy of an exhibit written out",
    Action.NOTE_ADDED: "Written account added",
    Action.EVIDENCE_DERIVED: "Derived exhibit added",
    Action.STATUS_CHANGED: "Status changed",
    Action.CATEGORY_CHANGED: "Category changed",
    Action.EXPORTED: "Exported",
    Action.HANDED_OVER: "Handed over",
    Action.RECEIVED: "Received from a member of staff",
    Action.TAKEDOWN_REQUESTED: "Takedown requested",
    Action.REMOVAL_CHECKED: "Removal checked",
    Action.ISP_CONTACTED: "Internet provider contacted",
    Action.CONSENT_RECORDED: "Consent recorded",
    Action.POLICE_REFERRED: "Referred to police",
    Action.SUPPORT_OFFERED: "Support offered",
    Action.PURGED: "Exhibit bytes purged",
    Action.FLAGGED_URGENT: "Flagged urgent",
    Action.STAFF_CONFIRMED: "Staff identity confirmed",
    Action.RECEIPT_RECORDED: "Receipt from the lead recorded",
    Action.TRIAGED: "Triaged",
    Action.PUPIL_ACTION: "Behaviour-policy step for a pupil",
    Action.CASE_CLOSED: "Case closed",
    Action.CASE_REOPENED: "Case reopened",
}
"""What a custody entry records, in plain words."""


RECIPIENT_NAMES: dict[Recipient, str] = {
    Recipient.SENIOR_MANAGER: "a senior manager at the school",
    Recipient.POLICE: "the police",
    Recipient.OTHER: "someone else",
}
"""Who an export is for, as the export dialog offers it and the bundle says it."""


def recipient_text(recipient: str | None, who: str = "") -> str:
    """Who a bundle is for, as a sentence ends with it: ``the police (PC Ann Reid, Thames Valley
    Police)``; ``who`` alone for someone else; empty when nobody was named."""
    who = " ".join(who.split())
    try:
        named = RECIPIENT_NAMES[Recipient(recipient)] if recipient else ""
    except ValueError:
        named = str(recipient).replace("-", " ")
    if recipient == Recipient.OTHER and who:
        return who
    if named and who:
        return f"{named} ({who})"
    return named or who


FLAG_WORDS: dict[str, str] = {
    URGENT_SAFEGUARDING: "Urgent: a safeguarding concern for the lead at once",
}
"""An incident's flag in words (the stored value is a code)."""


_PLURALS = {"entry": "entries", "custody entry": "custody entries"}


def counted(number: int, noun: str) -> str:
    """``number`` and ``noun`` as a sentence says them: "1 incident", "2 incidents", "1,204
    custody entries" (never "incident(s)")."""
    word = noun if number == 1 else _PLURALS.get(noun, noun + "s")
    return f"{number:,} {word}"


def action_name(action: str) -> str:
    """Plain words for a custody action; its name made readable when it is new to this version."""
    try:
        return ACTION_NAMES[Action(action)]
    except ValueError:
        return action.replace("_", " ").capitalize()


CHANGE_ACTIONS = frozenset({Action.CATEGORY_CHANGED.value, Action.STATUS_CHANGED.value})
"""The custody actions whose details are a change (``from``, ``to``, ``reason``) that
:func:`change_text` says in words (a lead's ``status`` step also holds its step's fields)."""


def changed_value_name(action: str, value: object) -> str:
    """The name of a category or status that a ``category_changed`` or ``status_changed`` entry
    records (the value itself when it has none)."""
    names: dict[str, str]
    if action == Action.CATEGORY_CHANGED:
        names = {category.value: name for category, name in CATEGORY_NAMES.items()}
    else:
        names = {status.value: name for status, name in STATUS_NAMES.items()}
    return names.get(str(value), str(value))


def change_text(action: str, details: Mapping[str, Any]) -> str:
    """A change of category or status in words, as the custody log, the chronology and the
    report say it: ``From Open to Closed. Reason: Resolved with the parents.``"""
    parts = []
    if details.get("to") not in (None, ""):
        new = changed_value_name(action, details["to"])
        if details.get("from") not in (None, ""):
            parts.append(f"From {changed_value_name(action, details['from'])} to {new}.")
        else:
            parts.append(f"To {new}.")
    reason = str(details.get("reason") or "").strip()
    if reason:
        parts.append(f"Reason: {reason}")
    return " ".join(parts)


NEXT_STEP_NAMES: dict[str, str] = {
    "triage": "Triage the case",
    "takedown-requested": "Ask for the takedown",
    "removal-checked": "Check it was removed",
    "isp-contacted": "Contact the internet provider",
    "consent": "Record the consent",
    "police-referred": "Refer to the police",
    "support-offered": "Offer support",
    "pupil-action": "Record the pupil's behaviour step",
    "status": "Change the status",
    "close": "Close the case",
    "reopen": "Reopen the case",
}
"""A case's next step as the lead's list and case view say it (what to do, not what was done),
by the step's name (:class:`~harmonize_evidence.domain.casework.Step`; a test checks that every
step has words). Keyed by name, so that this module does not load the case-work rules, which
the desktop program's start does not need."""


def next_step_name(next_step: str) -> str:
    """Plain words for a next step as the clock names it (``takedown-requested or
    isp-contacted``: "Ask for the takedown again or contact the internet provider")."""
    parts = []
    for part in next_step.split(" or "):
        name = part.strip()
        parts.append(NEXT_STEP_NAMES.get(name) or name.replace("-", " ").capitalize())
    if len(parts) > 1 and next_step.startswith("takedown-requested"):
        parts[0] += " again"
    return " or ".join([parts[0], *(p[:1].lower() + p[1:] for p in parts[1:])])


METADATA_LABELS: dict[str, str] = {
    "url": "Address (URL)",
    "platform": "Platform",
    "window_title": "Window or page title",
    "window_title_source": "Title read from",
    "recorded": "Recorded at",
    "utc": "Recorded (UTC)",
    "local_time": "Recorded (local time)",
    "time_zone": "Time zone",
    "utc_offset": "Offset from UTC",
    "posted_at": "Time shown on the post",
    "posted_at_understood": "Time on the post, understood as",
    "posted_at_approximate": "Time on the post is approximate",
    "display_name": "Recorded by",
    "os_user": "Computer account",
    "machine": "Computer",
    "tool": "Program",
    "image": "Image size",
    "capture": "Capture details",
    "capture.area": "Area captured",
    "capture.geometry": "Area on the screen",
    "capture.monitor": "Monitor",
    "capture.virtual_screen": "Whole screen",
    "capture.monitors": "Monitors at the time",
    "capture.device_pixel_ratio": "Device pixel ratio",
    "capture.device_pixel_ratio_source": "Pixel ratio read from",
    "capture.display_server": "Display server",
    "capture.encoding": "Image encoding",
    "source_file_name": "Original file name",
    "source_file_read": "Offered file opened",
    "kind": "Type",
    "came_from": "How it reached this computer",
    "size": "Size",
    "parent_sha256": "Derived from (SHA-256)",
    "description": "Description (no copy kept)",
    "no_image_reason": "Why there is no image",
    "incident_flag": "Incident flagged as",
    "note": "Note",
}
"""The label of each metadata field the program writes (and of the exhibit's own fields), by
field name; the fields of ``capture`` are named ``capture.<field>``. The report's exhibit tables
print these labels."""

CAPTURE_AREA_NAMES: dict[str, str] = {
    "full-screen": "the whole screen (every monitor)",
    "monitor": "one monitor",
    "region": "a region chosen on the screen",
}
"""What part of the screen a capture holds, by the name its metadata records."""


def moment_text(moment: datetime, zone: tzinfo, *, always_seconds: bool = False) -> str:
    """A moment as the windows show it: local with its zone and UTC beside it,
    ``Sat 21 Nov 2026 21:40:05 GMT (21:40:05 UTC)`` (the UTC day too when it is another day).

    Seconds show when there are any, or always with ``always_seconds`` (the report, whose times
    are all to the second); fractions of a second never show. On a computer whose time zone is
    UTC itself, UTC is not said twice.
    """
    local = moment.astimezone(zone)
    if local.tzname() == "UTC" and not local.utcoffset():
        return format_post_time(local, always_seconds=always_seconds)
    utc = moment.astimezone(UTC)
    clock = utc.strftime("%H:%M:%S" if utc.second or always_seconds else "%H:%M")
    day = "" if utc.date() == local.date() else utc.strftime("%a %d %b ")
    return f"{format_post_time(local, always_seconds=always_seconds)} ({day}{clock} UTC)"


def printed_moment(moment: datetime | str | None, zone: tzinfo) -> str:
    """A time as the report prints it: local in ``zone`` with its zone, and UTC beside it, to
    the second (``Sat 21 Nov 2026 21:40:00 GMT (21:40:00 UTC)``); ``-`` when there is none.

    ``moment`` may be a stored UTC time (``2026-11-21T21:40:05.123456Z``); a text that is not
    one prints as :func:`printed_utc` prints it.
    """
    if moment is None or moment == "":
        return "-"
    if isinstance(moment, str):
        try:
            instant = parse_utc(moment)
        except ValueError:
            return printed_utc(moment)
    else:
        instant = moment
    return moment_text(instant, zone, always_seconds=True)


def long_date(moment: datetime) -> str:
    """A day written out, as a statement or a sheet dates itself: ``21 November 2026``."""
    return f"{moment.day} {moment.strftime('%B %Y')}"


def long_date_time(moment: datetime) -> str:
    """A day written out and the time to the second: ``21 November 2026 at 21:40:05`` (in the
    moment's own zone; the caller says which)."""
    return f"{long_date(moment)} at {moment.strftime('%H:%M:%S')}"


def local_text_of(utc_text: str, zone: tzinfo) -> str:
    """A stored UTC time as people read it in ``zone`` (:func:`local_text`: ``21 Nov 2026,
    21:40``), or as :func:`printed_utc` prints it when it is not a time that can be shown."""
    try:
        return local_text(parse_utc(utc_text), zone)
    except (ValueError, OverflowError):
        return printed_utc(utc_text)


def day_time_text(moment: datetime, zone: tzinfo) -> str:
    """A moment in a few characters, for a caption: ``Sat 21 Nov 21:40`` in ``zone``."""
    return moment.astimezone(zone).strftime("%a %d %b %H:%M")


_FRACTION = re.compile(r"(?<=:\d\d)\.\d+(?=Z|$| )")


def printed_utc(utc_text: str | None) -> str:
    """A UTC time as the report prints it, to the second (``2026-11-21 21:40:05 UTC``), or
    ``-``."""
    if not utc_text:
        return "-"
    text = _FRACTION.sub("", utc_text)
    return text.replace("T", " ").replace("Z", " UTC")


ROUTE_NAMES: dict[str, str] = {
    "platform": "The platform's own reporting form",
    "posh": "POSH, the Professionals Online Safety Helpline",
    "report-harmful-content": "Report Harmful Content",
    "other": "Another route",
}
"""How a takedown was asked for, by the route the ``takedown-requested`` step records."""

STEP_CHOICE_NAMES: dict[tuple[str, str], dict[str, str]] = {
    ("triage", "category"): {category.value: name for category, name in CATEGORY_NAMES.items()},
    ("triage", "risk"): {"low": "Low", "medium": "Medium", "high": "High"},
    ("takedown-requested", "route"): ROUTE_NAMES,
    ("removal-checked", "outcome"): {
        "removed": "The material was removed",
        "still-up": "The material was still up",
        "amended": "The material was amended",
    },
    ("consent", "decision"): {
        "given": "Consent given to a police report",
        "refused": "Consent refused",
    },
    ("status", "to"): {status.value: name for status, name in STATUS_NAMES.items()},
}
"""The words for each value a step's choice field takes, by (step, field key); the report prints
them beside the field's label."""


def step_choice_name(step: str, key: str, value: str) -> str:
    """Plain words for the value of a step's choice field; the value itself when it has none."""
    return STEP_CHOICE_NAMES.get((step, key), {}).get(value, value)


def saved_text(exhibit: Exhibit) -> str:
    """What the window says once a capture is kept: ``Saved exhibit ZL/4, a screenshot, in
    INC-2026-0003.`` (or, for a record without an image, that it was recorded)."""
    if not exhibit.has_bytes:
        return (
            f"Recorded exhibit {exhibit.ref} in {exhibit.incident_id}: a description, with no "
            "image. Tell the safeguarding lead now."
        )
    kind = KIND_NAMES.get(exhibit.kind, "file").lower()
    return f"Saved exhibit {exhibit.ref}, a {kind}, in {exhibit.incident_id}."
