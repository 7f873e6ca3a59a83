"""The "our evidence key" sheet: one A4 page, safe to share, that tells a recipient whose key
signs the evidence bundles of a store and how to confirm it.

It prints the store's Evidence CA fingerprint large and grouped, its short read-aloud form, how
to check a bundle against it, and whom to contact to confirm the sheet itself. It holds nothing
secret (no recovery key, no store folder), unlike the recovery sheet. It is set in the report's
fonts; user text (names, the contact) is laid out as text, never parsed as markup.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from harmonize_evidence.export import fonts
from harmonize_evidence.export.instructions import FINGERPRINT_COMMAND

CONTACT_MAX = 400
"""The most characters of the contact the sheet prints, so that it stays one page."""

VERIFY_COMMAND = "harmonize-evidence verify-bundle BUNDLE.zip --expect-fingerprint FINGERPRINT"


@dataclass(frozen=True)
class KeySheet:
    """What the sheet says."""

    school: str
    person: str
    """Whose key it is, as their custody entries name them: ``Zoë Lane (ZL)``."""
    role: str
    """Their role in words: ``member of staff``, ``safeguarding lead``."""
    fingerprint: str
    """The SHA-256 fingerprint of their Evidence CA certificate, ``AB:CD:...``."""
    short_fingerprint: str
    """Its read-aloud form, ``3F2A-91C0-7B44-E1D2-0A9F``."""
    contact: str
    """Whom to ask to confirm the sheet, as a sentence names them; empty when nobody is known."""
    made: str
    """When the sheet was made, as people read dates."""
    tool: str


def grouped_fingerprint(fingerprint: str, pairs_per_line: int = 8) -> str:
    """The fingerprint in lines of ``pairs_per_line`` pairs, each line ending on a pair."""
    pairs = fingerprint.split(":")
    lines = [
        ":".join(pairs[start : start + pairs_per_line])
        for start in range(0, len(pairs), pairs_per_line)
    ]
    return ":\n".join(lines)


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def key_sheet_pdf(sheet: KeySheet) -> bytes:
    """The sheet as a one-page PDF."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle

    from harmonize_evidence.export.report_blocks import Paragraphs, report_styles

    fonts.register_fonts()
    styles = dict(report_styles())
    styles["fingerprint"] = ParagraphStyle(
        "fingerprint", fontName=fonts.MONO, fontSize=19, leading=26
    )
    styles["short"] = ParagraphStyle("short", fontName=fonts.BOLD, fontSize=16, leading=21)
    styles["lead"] = ParagraphStyle(
        "lead", parent=styles["body"], fontSize=10.5, leading=14, spaceAfter=6
    )
    p = Paragraphs(styles)
    out = io.BytesIO()
    margin = 20 * mm
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title="Our evidence key",
        author=sheet.person,
        subject=f"The fingerprint of the key that signs evidence from {sheet.school}",
        creator=sheet.tool,
    )
    width = A4[0] - 2 * margin
    key_box = Table(
        [
            [p.fixed("Fingerprint (SHA-256) of our Evidence CA certificate", "label")],
            [p.text(grouped_fingerprint(sheet.fingerprint), "fingerprint")],
            [p.fixed("Read aloud as (the first 20 characters, in groups of four):", "label")],
            [p.text(sheet.short_fingerprint, "short")],
        ],
        colWidths=[width],
        style=TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.5, colors.black),
                ("LEFTPADDING", (0, 0), (-1, -1), 14),
                ("RIGHTPADDING", (0, 0), (-1, -1), 14),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ("TOPPADDING", (0, 0), (0, 0), 12),
                ("BOTTOMPADDING", (0, 1), (0, 1), 10),
                ("TOPPADDING", (0, 2), (0, 2), 8),
                ("BOTTOMPADDING", (0, -1), (0, -1), 12),
            ]
        ),
    )
    contact = _shortened(sheet.contact, CONTACT_MAX)
    story: list[Any] = [
        p.fixed("Our evidence key", "title"),
        p.text(f"{sheet.school}: evidence from {sheet.person}, {sheet.role}", "subtitle"),
        p.fixed(
            "Evidence we send you (a zip with a signed PDF report, the original files and "
            "VERIFY.txt) is signed with this key. Before relying on a bundle, check that it "
            "carries the fingerprint below. This sheet holds nothing secret: keep it, share it, "
            "pin it up.",
            "lead",
        ),
        Spacer(1, 6),
        key_box,
        Spacer(1, 14),
        p.fixed("How to check a bundle against it", "h1"),
        p.fixed(
            "1. Unpack the bundle and print the fingerprint of its ca.pem. It must be the one "
            "above, every character:",
            "body",
        ),
        p.text(FINGERPRINT_COMMAND, "command"),
        Spacer(1, 4),
        p.fixed(
            "2. Or, with Harmonize Evidence installed, make every check at once, with the "
            "fingerprint above in place of FINGERPRINT (colons and spaces do not matter):",
            "body",
        ),
        p.text(VERIFY_COMMAND, "command"),
        Spacer(1, 4),
        p.fixed(
            "3. The bundle's VERIFY.txt and the last section of its report explain every check "
            "by hand (sha256sum, openssl, a PDF reader's signature panel). Trust ca.pem in a "
            "PDF reader only after comparing its fingerprint with this sheet.",
            "body",
        ),
        Spacer(1, 10),
        KeepTogether(
            [
                p.fixed("To confirm that this sheet is ours", "h1"),
                _confirm(p, sheet, contact),
            ]
        ),
        Spacer(1, 10),
        p.fixed(
            "If a bundle shows another fingerprint, do not rely on it and tell us. The "
            "fingerprint changes only if we set up a new evidence store; we would then send you "
            "a new sheet.",
            "body",
        ),
        Spacer(1, 14),
        p.text(f"Made on {sheet.made} with {sheet.tool}.", "small"),
    ]
    doc.build(story)
    return out.getvalue()


def _confirm(p: Any, sheet: KeySheet, contact: str) -> Any:
    if contact:
        return p.text(
            f"Contact {contact}. If in any doubt, telephone {sheet.school} on a number you find "
            "yourself (its website, a directory) and ask for them.",
            "body",
        )
    return p.text(
        f"Telephone {sheet.school} on a number you find yourself (its website, a directory) and "
        f"ask for {sheet.person} or the safeguarding lead.",
        "body",
    )
