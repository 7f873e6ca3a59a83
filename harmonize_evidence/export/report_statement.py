"""The close of the report: the statement of production and continuity, in the style of a UK
witness statement, and how to verify the bundle.

For a case received from a member of staff, the statement follows the exhibits from their
recording on the staff member's computer, through the handover, to the lead and every step since
(:mod:`.report_received`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any

from harmonize_evidence.domain.model import ExhibitKind
from harmonize_evidence.domain.wording import printed_moment
from harmonize_evidence.export.layout import PageCountLine
from harmonize_evidence.export.report_blocks import Paragraphs, key_value_table
from harmonize_evidence.export.report_content import ReportContent, ReportExhibit


def _refs(items: Sequence[ReportExhibit]) -> str:
    return ", ".join(item.exhibit.ref for item in items)


def _imported(items: Sequence[ReportExhibit]) -> str:
    """Each imported exhibit with the file it was and how it reached the computer, as the member
    of staff said when adding it (or that they did not say)."""
    parts = []
    for item in items:
        metadata = item.exhibit.metadata
        name = metadata.get("source_file_name")
        came = metadata.get("came_from")
        what = f"the file {name}" if isinstance(name, str) and name else "a file"
        how = (
            f"how it reached this computer: {' '.join(came.split())}"
            if isinstance(came, str) and came.strip()
            else "how it reached this computer was not recorded"
        )
        parts.append(f"{item.exhibit.ref} ({what}; {how})")
    return "; ".join(parts)


def continuity_section(content: ReportContent, p: Paragraphs) -> list[Any]:
    """The statement of production and continuity, to sign if it is printed for the police."""
    from reportlab.platypus import Spacer

    from harmonize_evidence.export.report_casework import statement_sentence
    from harmonize_evidence.export.report_received import path_paragraphs, steps_since

    producer = content.producer
    exhibits = [i for i in content.exhibits if content.sender_of(i.exhibit) is None]
    captured = [i for i in exhibits if i.exhibit.kind == ExhibitKind.SCREENSHOT]
    described = [i for i in exhibits if i.exhibit.kind == ExhibitKind.RECORD_ONLY]
    imported = [i for i in exhibits if i not in captured and i not in described]
    story: list[Any] = [p.fixed("Statement of production and continuity", "h1")]
    title = content.producer_title or producer.role.value
    story.append(
        p.text(
            f"I, {producer.name}, {title} at {producer.school}, produce the exhibits listed in "
            f"this report, which relate to incident {content.incident.id}.",
            "body",
        )
    )
    story.append(PageCountLine(p.fonts["body"]))
    story.append(Spacer(1, 6))
    story += path_paragraphs(content, p)
    for items, how, listed in (
        (captured, "I captured as screenshots of my screen", _refs),
        (imported, "I imported from files, unchanged", _imported),
        (described, "I described in writing, without copying the content", _refs),
    ):
        if items:
            story.append(p.text(f"Exhibits that {how}: {listed(items)}.", "body"))
    story.append(Spacer(1, 6))
    if content.received:
        story += steps_since(content, p)
        story.append(Spacer(1, 6))
    steps = statement_sentence(content)
    if steps is not None:
        story += [p.fixed(steps, "body"), Spacer(1, 6)]
    story.append(p.text(_kept_and_exported(content), "body"))
    story.append(Spacer(1, 8))
    story.append(
        p.fixed(
            "This statement is true to the best of my knowledge and belief and I make it "
            "knowing that, if it is tendered in evidence, I shall be liable to prosecution if I "
            "have wilfully stated in it anything which I know to be false, or do not believe to "
            "be true.",
            "body",
        )
    )
    story.append(Spacer(1, 30))
    story.append(key_value_table([("Signature", " "), ("Name", producer.name), ("Date", " ")], p))
    story.append(Spacer(1, 6))
    story.append(
        p.fixed(
            "Sign in ink only if you print this statement to give to the police; the electronic "
            "signature of the report does not replace your signature here.",
            "small",
        )
    )
    return story


def _kept_and_exported(content: ReportContent) -> str:
    exported = printed_moment(content.exported.utc, content.exported.local.tzinfo or UTC)
    if not content.received:
        return (
            "The time each exhibit was recorded, where it came from and the SHA-256 of its "
            "original file are given in its section of this report. From the moment each "
            "exhibit was recorded it was kept, unaltered, in an encrypted evidence store on my "
            f"computer, protected by a passphrase known to me{_unlocked_also(content)}. Every "
            "action on the incident was recorded in the signed custody log printed in this "
            f"report. On {exported} I exported the exhibits, unaltered, into the signed bundle "
            f"that contains this report{_export_record(content)}."
        )
    staff = " and ".join(chain.producer.name for chain in content.received)
    return (
        "The time each exhibit was recorded, where it came from and the SHA-256 of its original "
        "file are given in its section of this report. From the moment I received the exhibits "
        "handed over to me (and recorded any of my own) they were kept, unaltered, in an "
        "encrypted evidence store on my computer, protected by a passphrase known to "
        f"me{_unlocked_also(content)}. Every action on them before the handover is recorded in "
        f"the signed custody log of {staff}, and every action since in the signed custody log "
        f"of this case, both printed in this report. On {exported} I exported the exhibits, "
        "unaltered, into the signed bundle that contains this report"
        f"{_export_record(content)}."
    )


def _unlocked_also(content: ReportContent) -> str:
    if not content.keychain:
        return ""
    return (
        "; it also opened with my login to that computer (through the computer's keychain) "
        "when the program started, and only with the passphrase after the program had locked"
    )


def _export_record(content: ReportContent) -> str:
    if content.export_recorded:
        return ""
    return (
        "; the evidence store could only be read at the time, so this export is not recorded "
        "in the custody log"
    )


def how_to_verify_section(content: ReportContent, p: Paragraphs) -> list[Any]:
    """How to verify this bundle, step by step (the same steps as VERIFY.txt)."""
    story: list[Any] = [p.fixed("How to verify this bundle", "h1")]
    for step in content.verify_steps:
        story.append(p.text(step.title, "h2"))
        story.append(p.text(step.text, "body"))
        for command in step.commands:
            story.append(p.text(command, "command"))
    return story
