"""The front of the report: the cover, the summary and the list of exhibits with their SHA-256.

The cover names the incident, school, producer, the police referral and outcome of a lead's case
(:mod:`.report_casework`), export time, fingerprints and chain head; the exhibit list is what
``verify-bundle`` compares with the manifest (its pages are in the report index).
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from harmonize_evidence.domain.model import URGENT_SAFEGUARDING
from harmonize_evidence.domain.wording import (
    CATEGORY_NAMES,
    FLAG_WORDS,
    KIND_NAMES,
    STATUS_NAMES,
    action_name,
    printed_moment,
)
from harmonize_evidence.export.report_blocks import (
    Mono,
    Paragraphs,
    cell_font,
    grid_table,
    key_value_table,
)
from harmonize_evidence.export.report_casework import cover_case_rows
from harmonize_evidence.export.report_content import ReportContent
from harmonize_evidence.export.report_pages import portrait_area
from harmonize_evidence.export.report_received import cover_head_rows, cover_sender_rows


def _group_fingerprint(value: str) -> str:
    """A fingerprint in two lines of 16 pairs, so it never wraps mid-pair."""
    pairs = value.split(":")
    return ":".join(pairs[:16]) + ":\n" + ":".join(pairs[16:])


def cover_section(content: ReportContent, p: Paragraphs) -> list[Any]:
    """The cover: the incident, school, producer, the police referral and outcome of a lead's
    case, export time, chain head and fingerprints."""
    from reportlab.platypus import Spacer

    incident = content.incident
    exported = content.exported
    producer = content.producer
    with_files = sum(1 for item in content.exhibits if item.exhibit.has_bytes)
    rows: list[tuple[str, Any]] = [
        ("Incident", incident.id),
        ("Title", incident.title),
        ("School", producer.school),
        ("Produced by", f"{producer.name} ({producer.initials}), {producer.role.value}"),
        *cover_sender_rows(content),
        *cover_case_rows(content),
        (
            "Exported",
            f"{printed_moment(exported.utc, exported.local.tzinfo or UTC)}; local time in "
            f"{exported.zone_name} (UTC{exported.utc_offset})",
        ),
        *([("Exported for", content.recipient)] if content.recipient else []),
        (
            "Exhibits",
            f"{len(content.exhibits)} ({with_files} with original files, "
            f"{len(content.exhibits) - with_files} recorded without a file)",
        ),
        (
            "Custody chain head",
            p.text(
                f"entry {content.chain_head[0]} of the custody log, SHA-256\n"
                f"{content.chain_head[1]}",
                "mono",
            ),
        ),
        *cover_head_rows(content, p),
        ("Evidence CA fingerprint (SHA-256)", Mono(_group_fingerprint(content.ca_fingerprint))),
        (
            "Signing certificate fingerprint (SHA-256)",
            Mono(_group_fingerprint(content.signer_fingerprint)),
        ),
        ("Report signature", content.signature_level),
        ("Made with", content.tool),
    ]
    return [
        p.fixed("Evidence report", "title"),
        p.text(f"{incident.id}: {incident.title}", "subtitle"),
        key_value_table(rows, p),
        Spacer(1, 10),
        p.fixed(
            "This report and the files in its bundle are signed with the certificate above. "
            "Before relying on them, compare the Evidence CA fingerprint with the one the school "
            "gives you by telephone or from a known school email address. The section "
            "<i>How to verify this bundle</i> at the end explains every check.",
            "small",
        ),
    ]


def summary_section(content: ReportContent, p: Paragraphs) -> list[Any]:
    """The summary: category, platforms, people, status and when things were recorded."""
    from reportlab.platypus import Spacer

    incident = content.incident
    entries = content.entries
    recorded = [item.exhibit.created_utc for item in content.exhibits]
    zone = content.exported.local.tzinfo or UTC
    status = STATUS_NAMES[incident.status]
    if incident.urgent:
        status += ". " + FLAG_WORDS[URGENT_SAFEGUARDING]
    rows: list[tuple[str, Any]] = [
        ("Category", CATEGORY_NAMES[incident.category]),
        ("Platforms", ", ".join(incident.platforms) or "none recorded"),
        ("People involved", incident.people or "none recorded"),
        ("Reported by", incident.reported_by),
        ("Status", status),
        ("Incident opened", printed_moment(incident.created_utc, zone)),
    ]
    if recorded:
        rows.append(("First exhibit recorded", printed_moment(min(recorded), zone)))
        rows.append(("Last exhibit recorded", printed_moment(max(recorded), zone)))
    if entries:
        last = entries[-1]
        rows.append(
            (
                "Last custody entry",
                f"{printed_moment(last.utc, zone)} ({action_name(last.action)})",
            )
        )
    return [Spacer(1, 16), p.fixed("Summary", "h1"), key_value_table(rows, p)]


def exhibit_list_section(content: ReportContent, p: Paragraphs) -> list[Any]:
    """The list of every exhibit with the SHA-256 of its original file."""
    if not content.exhibits:
        return [p.fixed("There are no exhibits in this incident.", "body")]
    width, _ = portrait_area()
    # A SHA-256 in 7-point mono needs 278, a time in the Recorded column 124, "Screenshot" in
    # the Kind column 51 (it printed as "Screensho" and "t" in 50).
    widths = [54.0, 52.0, 124.0] if content.received else [40.0, 56.0, 124.0]
    widths.append(width - sum(widths))
    zone = content.exported.local.tzinfo or UTC
    rows: list[list[Any]] = [["Exhibit", "Kind", "Recorded", "SHA-256"]]
    for item in content.exhibits:
        exhibit = item.exhibit
        theirs = f"\n(staff {exhibit.sender_ref})" if exhibit.sender_ref else ""
        recorded = printed_moment(exhibit.created_utc, zone).replace(" (", "\n(", 1)
        rows.append(
            [
                p.cell(exhibit.ref + theirs, "cell_small", widths[0]),
                p.cell(KIND_NAMES.get(exhibit.kind, exhibit.kind.value), "cell_small", widths[1]),
                p.cell(recorded, "cell_small", widths[2]),
                exhibit.sha256 or "(no file: a written record only)",
            ]
        )
    small = cell_font(p.styles["cell_small"])
    received = (
        [
            p.fixed(
                "An exhibit received from a member of staff is listed under its reference in "
                "this bundle, with the reference that the staff member's own custody log gives "
                "it below.",
                "small",
            )
        ]
        if content.received
        else []
    )
    return [
        p.fixed(
            "Every exhibit, with the SHA-256 of its original file. The same values are in "
            "manifest.json and SHA256SUMS in the bundle. Exhibit numbers are each person's "
            "own series across all of their incidents, as police exhibit numbers are, so a "
            "number missing here belongs to another incident, not to this one.",
            "small",
        ),
        *received,
        grid_table(
            rows,
            widths,
            header=True,
            fonts_by_column=[small, small, small, cell_font(p.styles["mono_small"])],
        ),
    ]
