"""What the report adds for a case received from a member of staff.

The safeguarding lead exports (and signs) the report of a case that a member of staff captured on
their own computer and handed over. The report then also says who handed it over and under which
of their references (the cover, each exhibit's section and the exhibit list), prints the staff
member's own custody log as received beside the case's (:mod:`.report_custody`), and the
continuity statement follows each exhibit the whole way: recorded by whom, on which computer and
when (from the staff member's signed log and the exhibit's metadata), handed over in which
package, received by the lead when, and every step on the case since.

The lead states what the staff member's signed log says about the time before the handover
("according to their custody log"), and what they did themselves after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from harmonize_evidence.domain.chain import CustodyEntry
from harmonize_evidence.domain.clock import parse_utc
from harmonize_evidence.domain.model import Action, ExhibitKind
from harmonize_evidence.domain.wording import action_name, long_date_time
from harmonize_evidence.export.bundle import SenderChain
from harmonize_evidence.export.report_blocks import Paragraphs
from harmonize_evidence.export.report_content import ReportContent, ReportExhibit


def _when(utc_text: object) -> str | None:
    """``21 November 2026 at 21:40:05 UTC``, or None for a time that cannot be read."""
    try:
        moment = parse_utc(str(utc_text))
    except ValueError:
        return None
    return _when_datetime(moment)


def received_from(chain: SenderChain) -> str:
    """``Zoë Lane (ZL), staff at Oak Hill Academy``."""
    producer = chain.producer
    return f"{producer.actor}, {producer.role.value} at {producer.school}"


def cover_sender_rows(content: ReportContent) -> list[tuple[str, Any]]:
    """The cover's rows for who handed the case over."""
    return [
        (
            "Received from",
            f"{received_from(chain)}: their incident {chain.incident_id}, their exhibits "
            f"listed here as {chain.exhibit_prefix}/...",
        )
        for chain in content.received
    ]


def cover_head_rows(content: ReportContent, p: Paragraphs) -> list[tuple[str, Any]]:
    """The cover's rows for the head of each staff log as received."""
    rows: list[tuple[str, Any]] = []
    for chain in content.received:
        if chain.entries:
            head = chain.entries[-1]
            rows.append(
                (
                    "Their custody chain head",
                    p.text(
                        f"entry {head.seq} of {chain.producer.name}'s custody log as received, "
                        f"SHA-256\n{head.hash}",
                        "mono",
                    ),
                )
            )
    return rows


def exhibit_rows(content: ReportContent, item: ReportExhibit) -> list[tuple[str, Any]]:
    """An exhibit's rows for where it came from, when it was received from a member of staff."""
    chain = content.sender_of(item.exhibit)
    if chain is None:
        return []
    return [
        (
            "Received from",
            f"{received_from(chain)}: their exhibit {item.exhibit.sender_ref} of their incident "
            f"{chain.incident_id}",
        )
    ]


def receipts_of(content: ReportContent, chain: SenderChain) -> list[CustodyEntry]:
    """The case's ``received`` entries for this staff chain, oldest first."""
    return [
        entry
        for entry in content.entries
        if entry.action == Action.RECEIVED
        and entry.details.get("staff_incident") == chain.incident_id
    ]


def _how_recorded(item: ReportExhibit) -> str:
    exhibit = item.exhibit
    source = exhibit.metadata.get("source_file_name")
    if exhibit.kind == ExhibitKind.SCREENSHOT:
        return "a screenshot of their screen, captured"
    if exhibit.kind == ExhibitKind.RECORD_ONLY:
        return "a written description, made without copying the content,"
    if exhibit.parent_sha256:
        return "an exhibit derived from another (such as a redacted copy), made"
    if source:
        return f"the file {source}, imported unchanged"
    return "a file, imported unchanged"


def _by_whom(item: ReportExhibit, chain: SenderChain) -> str:
    metadata = item.exhibit.metadata
    who = str(metadata.get("display_name") or chain.producer.name)
    machine, account = metadata.get("machine"), metadata.get("os_user")
    if machine and account:
        return f"by {who}, signed in as {account} on the computer {machine}"
    if machine:
        return f"by {who} on the computer {machine}"
    return f"by {who}"


def _local(item: ReportExhibit) -> str:
    metadata = item.exhibit.metadata
    local, zone = metadata.get("local_time"), metadata.get("time_zone")
    try:
        moment = datetime.fromisoformat(str(local))
    except ValueError:
        return ""
    return f" ({moment.strftime('%H:%M:%S')} local time, {zone or 'zone not recorded'})"


def exhibit_path(item: ReportExhibit, chain: SenderChain) -> str:
    """One exhibit's beginning, as the staff member's log and its metadata record it."""
    exhibit = item.exhibit
    when = _when(exhibit.metadata.get("utc")) or _when_datetime(exhibit.created_utc)
    sha256 = f"; SHA-256 {exhibit.sha256}" if exhibit.sha256 else ""
    return (
        f"{exhibit.ref} (their {exhibit.sender_ref}): {_how_recorded(item)} on {when}"
        f"{_local(item)} {_by_whom(item, chain)}{sha256}."
    )


def _when_datetime(moment: datetime) -> str:
    return f"{long_date_time(moment)} UTC"


def path_paragraphs(content: ReportContent, p: Paragraphs) -> list[Any]:
    """The continuity statement's account of the exhibits handed over to the lead."""
    from reportlab.platypus import Spacer

    story: list[Any] = []
    for chain in content.received:
        items = [item for item in content.exhibits if content.sender_of(item.exhibit) is chain]
        name = chain.producer.name
        refs = ", ".join(item.exhibit.ref for item in items) or "none"
        story.append(
            p.text(
                f"The exhibits {refs} were recorded by {received_from(chain)}, on their own "
                f"computer, in their incident {chain.incident_id}. {name}'s custody log of that "
                "incident, each entry signed with their own certificate, is printed in this "
                "report and carried whole in its bundle. According to it:",
                "body",
            )
        )
        for item in items:
            story += [Spacer(1, 3), p.text(f"- {exhibit_path(item, chain)}", "body")]
        story.append(Spacer(1, 6))
        for number, receipt in enumerate(receipts_of(content, chain)):
            details = receipt.details
            again = " again" if number else ""
            story.append(Spacer(1, 4 if number else 0))
            story.append(
                p.text(
                    f"{name} handed the incident over to me{again} in an encrypted handover "
                    f"package (handover {details.get('handover_number')}, SHA-256 of the package "
                    f"{details.get('package_sha256')}), holding their custody log up to its "
                    f"entry {details.get('head_seq')}. I received it on {_when(receipt.utc)}, "
                    "after my copy of Harmonize Evidence had checked every hash and signature in "
                    f"it (custody entry {receipt.seq} of this case).",
                    "body",
                )
            )
        confirmed = [
            entry
            for entry in content.entries
            if entry.action == Action.STAFF_CONFIRMED
            and entry.details.get("staff") == chain.producer.actor
        ]
        if confirmed:
            story.append(Spacer(1, 6))
            story.append(
                p.text(
                    f"Before I first received it, I confirmed with {name}, by a second channel, "
                    "the fingerprint of the certificate that signs their custody log (custody "
                    f"entry {confirmed[0].seq} of this case).",
                    "body",
                )
            )
        story.append(Spacer(1, 6))
    return story


def steps_since(content: ReportContent, p: Paragraphs) -> list[Any]:
    """Each step on the case after it was first received (its custody entries), in order."""
    first = next((e for e in content.entries if e.action == Action.RECEIVED), None)
    if first is None:
        return []
    # The receipts themselves are told above, with the handovers.
    told = (Action.RECEIVED, Action.STAFF_CONFIRMED)
    later = [e for e in content.entries if e.seq > first.seq and e.action not in told]
    if not later:
        return [p.fixed("Nothing else was done on the case between its receipt and this export.")]
    from reportlab.platypus import Spacer

    story: list[Any] = [p.fixed("Since I first received the case, in order:", "body")]
    for entry in later:
        story += [Spacer(1, 3), p.text(f"- {_step(entry)}", "body")]
    return story


def _step(entry: CustodyEntry) -> str:
    what = action_name(entry.action).lower()
    exhibit = entry.details.get("exhibit")
    suffix = f" ({exhibit})" if exhibit else ""
    return f"{_when(entry.utc)}: {what}{suffix} by {entry.actor}; custody entry {entry.seq}."


def staff_logs(content: ReportContent) -> Sequence[tuple[SenderChain, dict[str, str]]]:
    """Each staff chain, with their references mapped to this bundle's."""
    return [
        (
            chain,
            {
                str(item.exhibit.sender_ref): item.exhibit.ref
                for item in content.exhibits
                if content.sender_of(item.exhibit) is chain
            },
        )
        for chain in content.received
    ]
