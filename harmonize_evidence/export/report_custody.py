"""The record of what was done: the written accounts and notes, and the custody log table.

For a case received from a member of staff, their notes and their custody log as received come
first (their references shown with this bundle's), then the case's own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, tzinfo
from typing import Any

from harmonize_evidence.domain.chain import CustodyEntry
from harmonize_evidence.domain.wording import (
    CHANGE_ACTIONS,
    FLAG_WORDS,
    action_name,
    change_text,
    printed_moment,
)
from harmonize_evidence.export.report_blocks import Paragraphs, cell_font, grid_table
from harmonize_evidence.export.report_content import ReportContent
from harmonize_evidence.export.report_pages import portrait_area

# What the log table shows of a handover, as the member of staff and the lead record it.
_HANDOVER_DETAILS = {
    "received": (
        ("from", "from"),
        ("staff_incident", "their incident"),
        ("handover_number", "handover"),
        ("head_seq", "their log up to entry"),
    ),
    "staff_confirmed": (("staff", "staff"),),
    "handed_over": (("lead", "to"), ("number", "handover"), ("head_seq", "log up to entry")),
}


def entry_summary(entry: CustodyEntry, here: Mapping[str, str] | None = None) -> str:
    """A short description of a custody entry's details for the log table.

    ``here`` maps the references of a received log to this bundle's (``ZL/1`` to ``ZL2/1``).
    """
    details = entry.details
    parts: list[str] = []
    if "exhibit" in details:
        named = str(details["exhibit"])
        shown = (here or {}).get(named)
        parts.append(f"exhibit {named}" + (f" ({shown} in this bundle)" if shown else ""))
    if entry.action == "note_added":
        text = str(details.get("text", ""))
        parts.append(
            text
            if len(text) <= 160
            else text[:150] + "... (in full under Written accounts and notes)"
        )
    said: tuple[str, ...] = ()
    if entry.action in CHANGE_ACTIONS and "at_utc" not in details:
        parts.append(change_text(entry.action, details))  # from, to and why, in words
        said = ("to", "reason")
    flag = details.get("flag", details.get("incident_flag"))
    if isinstance(flag, str) and flag in FLAG_WORDS:
        parts.append(FLAG_WORDS[flag])
    for key in ("title", "to", "reason", "file_name", "bundle", "media_type"):
        if key in said:
            continue
        if key in details and details[key] not in ("", None):
            parts.append(f"{key.replace('_', ' ')}: {details[key]}")
    for key, label in _HANDOVER_DETAILS.get(entry.action, ()):
        if details.get(key) not in ("", None):
            parts.append(f"{label}: {details[key]}")
    if entry.evidence_sha256:
        parts.append(f"SHA-256 {entry.evidence_sha256[:16]}...")
    return "\n".join(parts) or "-"


def notes_section(content: ReportContent, p: Paragraphs) -> list[Any]:
    """The written accounts and notes of the custody log, each in full."""
    from reportlab.platypus import Spacer

    logs: list[tuple[Sequence[CustodyEntry], str]] = [
        (chain.entries, f"entry {{seq}} of their custody log of {chain.incident_id}, as received")
        for chain in content.received
    ]
    logs.append((content.entries, "custody entry {seq}"))
    zone = _zone(content)
    story: list[Any] = [p.fixed("Written accounts and notes", "h1")]
    found = False
    for entries, where in logs:
        for entry in entries:
            if entry.action != "note_added":
                continue
            found = True
            story.append(
                p.text(
                    f"{printed_moment(entry.utc, zone)}, {entry.actor} "
                    f"({where.format(seq=entry.seq)})",
                    "h2",
                )
            )
            story.append(p.text(entry.details.get("text", ""), "body"))
    if not found:
        story.append(p.fixed("No notes were recorded.", "body"))
    story.append(Spacer(1, 12))
    return story


def _zone(content: ReportContent) -> tzinfo:
    """The zone the report's local times are in: the exporter's."""
    return content.exported.local.tzinfo or UTC


def _time_cell(utc: str, zone: tzinfo) -> str:
    """A log entry's time in three short lines: the day, the local time with its zone, UTC (two
    when the local time is UTC)."""
    local, _, utc_part = printed_moment(utc, zone).partition(" (")
    words = local.split(" ")
    if len(words) < 5:
        return local
    lines = [" ".join(words[:4]), " ".join(words[4:])]
    if utc_part:
        lines.append(utc_part.rstrip(")"))
    return "\n".join(lines)


def _log_table(
    entries: Sequence[CustodyEntry],
    p: Paragraphs,
    zone: tzinfo,
    here: Mapping[str, str] | None = None,
) -> Any:
    width, _ = portrait_area()
    widths = [22.0, 72.0, 80.0, 70.0, width - 22 - 72 - 80 - 70 - 74, 74.0]
    rows: list[list[Any]] = [["#", "Time", "Actor", "Action", "Details", "Entry hash"]]
    for entry in entries:
        rows.append(
            [
                str(entry.seq),
                p.cell(_time_cell(entry.utc, zone), "cell_small", widths[1]),
                p.cell(entry.actor, "cell_small", widths[2]),
                p.cell(action_name(entry.action), "cell_small", widths[3]),
                p.cell(entry_summary(entry, here), "cell_small", widths[4]),
                entry.hash[:16],
            ]
        )
    small = cell_font(p.styles["cell_small"])
    return grid_table(
        rows,
        widths,
        header=True,
        fonts_by_column=[small] * 5 + [cell_font(p.styles["mono_small"])],
    )


def custody_log_section(content: ReportContent, p: Paragraphs) -> list[Any]:
    """The custody log: every entry, in order, with its time, actor, action and hash.

    A case received from a member of staff shows their log as received first, then the case's.
    """
    from harmonize_evidence.export.report_received import received_from, staff_logs

    if not content.received:
        return [
            p.fixed("Custody log", "h1"),
            p.fixed(
                "Every action on this incident, in order. Each entry is signed and holds the "
                "hash of the one before it; the full entries, signatures and hashes are in "
                "manifest.json.",
                "small",
            ),
            _log_table(content.entries, p, _zone(content)),
        ]
    story: list[Any] = [
        p.fixed("Custody logs", "h1"),
        p.fixed(
            "Every action on these exhibits, in order: first in the custody log of the member of "
            "staff who recorded them, exactly as it was handed over, then in the custody log of "
            "this case. Each entry is signed (the member of staff's entries with their own "
            "certificate, carried in the bundle under staff/) and holds the hash of the one "
            "before it; the full entries, signatures and hashes are in manifest.json.",
            "small",
        ),
    ]
    for chain, here in staff_logs(content):
        story.append(
            p.text(
                f"The custody log of {chain.incident_id} kept by {received_from(chain)}, as "
                "received",
                "h2",
            )
        )
        story.append(_log_table(chain.entries, p, _zone(content), here))
    producer = content.producer
    story.append(
        p.text(
            f"The custody log of this case, {content.incident.id}, kept by {producer.actor}, "
            f"{producer.role.value} at {producer.school}",
            "h2",
        )
    )
    story.append(_log_table(content.entries, p, _zone(content)))
    return story
