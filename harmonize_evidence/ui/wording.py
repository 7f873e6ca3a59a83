"""The words the windows use for the product's values (statuses, categories, actions, kinds)."""

from __future__ import annotations

from datetime import datetime, tzinfo

from harmonize_evidence.domain.model import Action, Category, ExhibitKind, Status

CATEGORY_NAMES: dict[Category, str] = {
    Category.STAFF_CYBERBULLYING: "Cyberbullying of staff",
    Category.PUPIL_CYBERBULLYING: "Cyberbullying of a pupil",
    Category.SAFEGUARDING: "Safeguarding concern",
    Category.INAPPROPRIATE_CONTENT: "Inappropriate content",
    Category.POLICY_BREACH: "Breach of policy",
    Category.OTHER: "Other",
}

STATUS_NAMES: dict[Status, str] = {
    Status.OPEN: "Open",
    Status.HANDED_OVER: "Handed over",
    Status.UNDER_REVIEW: "Under review",
    Status.REFERRED: "Referred to police",
    Status.CLOSED: "Closed",
}

# Badge colours (background, text): fixed, with enough contrast on light and dark palettes.
STATUS_COLOURS: dict[Status, tuple[str, str]] = {
    Status.OPEN: ("#1f5fbf", "#ffffff"),
    Status.HANDED_OVER: ("#6a3fb5", "#ffffff"),
    Status.UNDER_REVIEW: ("#9a5b00", "#ffffff"),
    Status.REFERRED: ("#b3261e", "#ffffff"),
    Status.CLOSED: ("#5f6368", "#ffffff"),
}
URGENT_COLOURS = ("#b3261e", "#ffffff")

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

ACTION_NAMES: dict[str, str] = {
    Action.INCIDENT_CREATED: "Incident opened",
    Action.EVIDENCE_CAPTURED: "Screen captured",
    Action.EVIDENCE_IMPORTED: "File added",
    Action.EVIDENCE_RECORDED: "Recorded without an image",
    Action.EVIDENCE_EXTRACTED: "Copy of an exhibit written out",
    Action.NOTE_ADDED: "Written account added",
    Action.EVIDENCE_DERIVED: "Derived exhibit added",
    Action.STATUS_CHANGED: "Status changed",
    Action.EXPORTED: "Exported",
    Action.HANDED_OVER: "Handed over",
    Action.RECEIVED: "Received",
    Action.TAKEDOWN_REQUESTED: "Takedown requested",
    Action.REMOVAL_CHECKED: "Removal checked",
    Action.ISP_CONTACTED: "Internet provider contacted",
    Action.CONSENT_RECORDED: "Consent recorded",
    Action.POLICE_REFERRED: "Referred to police",
    Action.SUPPORT_OFFERED: "Support offered",
    Action.PURGED: "Exhibit bytes purged",
}


def action_name(action: str) -> str:
    """Plain words for a custody action; the raw name when it is new to this version."""
    return ACTION_NAMES.get(action, action.replace("_", " ").capitalize())


def local_text(moment: datetime, zone: tzinfo) -> str:
    """A moment as the user reads it: ``21 Nov 2026, 21:40`` in their time zone."""
    return moment.astimezone(zone).strftime("%d %b %Y, %H:%M")


def size_text(size: int) -> str:
    """A byte count for people: ``812 KB``, ``3.4 MB``."""
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{size / 1000:.0f} KB"
    if size < 1_000_000_000:
        return f"{size / 1_000_000:.1f} MB"
    return f"{size / 1_000_000_000:.2f} GB"
