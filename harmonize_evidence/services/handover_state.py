"""Where an incident stands in the handover, in sentences both faces show.

On a member of staff's store: "Handed over to Priya Shah on 21 Nov 2026, 21:40 (handover 1)" and
"Received by the lead Priya Shah (Oak Hill Academy) on ...". On the lead's store: "Received from
Zoë Lane (ZL) as INC-2026-0007 on ...". Read from the incident's own custody chain.
"""

from __future__ import annotations

from collections.abc import Iterable

from harmonize_evidence.domain.chain import CustodyEntry
from harmonize_evidence.domain.model import Action
from harmonize_evidence.domain.wording import local_text_of
from harmonize_evidence.services.evidence import EvidenceStore


def _when(store: EvidenceStore, utc: str) -> str:
    return local_text_of(utc, store.clock.zone)


def handover_lines(
    store: EvidenceStore, incident_id: str, entries: Iterable[CustodyEntry] | None = None
) -> list[str]:
    """One sentence per handover, receipt and receiving of the incident, oldest first.

    ``entries`` is the incident's custody log when the caller has just read it.
    """
    lines = []
    for entry in store.log(incident_id) if entries is None else entries:
        details = entry.details
        if entry.action == Action.HANDED_OVER:
            lines.append(
                f"Handed over to {details.get('lead')} on {_when(store, entry.utc)} "
                f"(handover {details.get('number')})."
            )
        elif entry.action == Action.RECEIPT_RECORDED:
            received = str(details.get("received_utc", entry.utc))
            lines.append(
                f"Received by the lead {details.get('received_by')} ({details.get('school')}) on "
                f"{_when(store, received)} (handover {details.get('handover_number')})."
            )
            status = details.get("case_status")
            if status:
                reported = str(details.get("reported_utc") or entry.utc)
                lines.append(f"The lead reports the case as {status} on {_when(store, reported)}.")
        elif entry.action == Action.RECEIVED:
            lines.append(
                f"Received from {details.get('from')} as {details.get('staff_incident')} on "
                f"{_when(store, entry.utc)} (handover {details.get('handover_number')})."
            )
    return lines
