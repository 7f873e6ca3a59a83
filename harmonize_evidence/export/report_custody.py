"""The record of what was done: the written accounts and notes, and the custody log table."""

from __future__ import annotations

from typing import Any

from harmonize_evidence.domain.chain import CustodyEntry
from harmonize_evidence.domain.wording import printed_utc
from harmonize_evidence.export.report_blocks import Paragraphs, cell_font, grid_table
from harmonize_evidence.export.report_content import ReportContent
from harmonize_evidence.export.report_pages import portrait_area


def entry_summary(entry: CustodyEntry) -> str:
    """A short description of a custody entry's details for the log table."""
    details = entry.details
    parts: list[str] = []
    if "exhibit" in details:
        parts.append(f"exhibit {details['exhibit']}")
    if entry.action == "note_added":
        text = str(details.get("text", ""))
        parts.append(text if len(text) <= 160 else text[:157] + "... (in full under Notes)")
    for key in ("title", "to", "reason", "file_name", "bundle", "media_type"):
        if key in details and details[key] not in ("", None):
            parts.append(f"{key.replace('_', ' ')}: {details[key]}")
    if entry.evidence_sha256:
        parts.append(f"SHA-256 {entry.evidence_sha256[:16]}...")
    return "\n".join(parts) or "-"


def notes_section(content: ReportContent, p: Paragraphs) -> list[Any]:
    """The written accounts and notes of the custody log, each in full."""
    from reportlab.platypus import Spacer

    notes = [entry for entry in content.entries if entry.action == "note_added"]
    story: list[Any] = [p.fixed("Written accounts and notes", "h1")]
    if not notes:
        return [*story, p.fixed("No notes were recorded.", "body"), Spacer(1, 12)]
    for entry in notes:
        story.append(
            p.text(f"{printed_utc(entry.utc)}, {entry.actor} (custody entry {entry.seq})", "h2")
        )
        story.append(p.text(entry.details.get("text", ""), "body"))
    story.append(Spacer(1, 12))
    return story


def custody_log_section(content: ReportContent, p: Paragraphs) -> list[Any]:
    """The custody log: every entry, in order, with its time, actor, action and hash."""
    width, _ = portrait_area()
    widths = [22.0, 64.0, 80.0, 70.0, width - 22 - 64 - 80 - 70 - 74, 74.0]
    rows: list[list[Any]] = [["#", "Time (UTC)", "Actor", "Action", "Details", "Entry hash"]]
    for entry in content.entries:
        rows.append(
            [
                str(entry.seq),
                printed_utc(entry.utc)[:19].replace(" ", "\n", 1) + " UTC",
                p.cell(entry.actor, "cell_small", widths[2]),
                p.cell(entry.action.replace("_", " "), "cell_small", widths[3]),
                p.cell(entry_summary(entry), "cell_small", widths[4]),
                entry.hash[:16],
            ]
        )
    small = cell_font(p.styles["cell_small"])
    return [
        p.fixed("Custody log", "h1"),
        p.fixed(
            "Every action on this incident, in order. Each entry is signed and holds the hash of "
            "the one before it; the full entries, signatures and hashes are in manifest.json.",
            "small",
        ),
        grid_table(
            rows,
            widths,
            header=True,
            fonts_by_column=[small] * 5 + [cell_font(p.styles["mono_small"])],
        ),
    ]
