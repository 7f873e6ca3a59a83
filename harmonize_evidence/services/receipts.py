"""The lead's receipt for a handover, and the member of staff's store recording it.

The lead signs a receipt for the latest handover received for a case (:func:`write_receipt`):
which package (its SHA-256), which chain head, when, by whom. The member of staff's store checks
it against the school card it joined (the lead's Evidence CA), against its own identity and its
own ``handed_over`` entries, and records it once (:func:`take_receipt`): "received by the lead
on ...", as is asked when safeguarding records are transferred.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harmonize_evidence.domain.chain import sha256_hex
from harmonize_evidence.domain.clock import format_utc
from harmonize_evidence.domain.errors import BadInput, NotFound, VerificationFailed
from harmonize_evidence.domain.handover import (
    fingerprint_matches,
)
from harmonize_evidence.domain.model import Action, Role
from harmonize_evidence.domain.receipt import RECEIPT_MAX_BYTES, Receipt, parse_receipt
from harmonize_evidence.domain.wording import local_text_of, printed_utc
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.out_paths import target_path, write_new_file
from harmonize_evidence.services.school import require_role
from harmonize_evidence.signing.identity import SignatureChecker, fingerprint
from harmonize_evidence.signing.producers import checked_certificates


@dataclass(frozen=True)
class ReceiptRecorded:
    """What taking a receipt did on the member of staff's store."""

    incident: str
    received_by: str
    received_utc: str
    package_sha256: str
    handover_number: int
    latest: bool
    """Whether it is for the incident's latest handover."""
    already: bool
    """The same receipt was recorded before: nothing changed."""
    case_status: str = ""
    """The case's status as the lead reports it ("" from a receipt that does not say)."""
    received_local: str = ""
    """When the lead received it, as people read it here (local time); ``received_utc`` as
    printed when the receipt's time is not one."""


def receipt_text(result: ReceiptRecorded) -> str:
    """The sentence both faces show after a receipt is taken."""
    which = (
        "its latest handover"
        if result.latest
        else f"handover {result.handover_number}, not its latest"
    )
    said = "was already recorded" if result.already else "is recorded"
    status = f" The lead reports the case as {result.case_status}." if result.case_status else ""
    when = result.received_local or printed_utc(result.received_utc)
    return (
        f"{result.incident}: the receipt from {result.received_by} for {which} "
        f"(received on {when}) {said}.{status}"
    )


def write_receipt(store: EvidenceStore, case_id: str, out: str | Path) -> Path:
    """Write the lead's signed receipt for the latest handover received for a case.

    Raises:
        BadInput: a staff store, a case not received from staff, or ``out`` unusable (exit 2).
    """
    require_role(store, Role.LEAD, "write a receipt")
    incident = store.incident(case_id)
    received = [e for e in store.log(incident.id) if e.action == Action.RECEIVED]
    if incident.sender_id is None or not received:
        raise NotFound(f"{incident.id} was not received from a member of staff.")
    latest = received[-1].details
    receipt = Receipt(
        case=incident.id,
        staff_incident=incident.sender_id,
        staff_fingerprint=str(latest["staff_fingerprint"]),
        package_sha256=str(latest["package_sha256"]),
        head_seq=int(latest["head_seq"]),
        head_hash=str(latest["head_hash"]),
        received_utc=received[-1].utc,
        lead=store.producer.name,
        school=store.producer.school,
        lead_fingerprint=store.fingerprint,
        case_status=incident.status.value,
        reported_utc=format_utc(store.clock.now()),
    )
    data = receipt.file_bytes(
        store.sign(receipt.signed_bytes()),
        store.identity.signer_cert_pem,
        store.identity.ca_cert_pem,
    )
    number = int(latest.get("handover_number", len(received)))
    target, made = target_path(out, f"{incident.sender_id}_receipt-{number}.json", what="receipt")
    write_new_file(target, made, data)
    return target


def take_receipt(store: EvidenceStore, data: bytes) -> ReceiptRecorded:
    """Check the lead's receipt and record it on the incident's chain (once).

    Raises:
        BadInput: a lead's store, or not a receipt (exit 2).
        VerificationFailed: a receipt that is not the joined lead's, not for this store, or
            for a package this store never handed over (exit 1).
    """
    require_role(store, Role.STAFF, "take the lead's receipt")
    if len(data) > RECEIPT_MAX_BYTES:
        raise BadInput("This file is not a receipt: it is far too large.")
    receipt, signature, signer_pem, ca_pem = parse_receipt(data)
    try:
        ca_pem, signer_pem = checked_certificates(ca_pem, signer_pem)
    except BadInput as exc:
        raise VerificationFailed(f"The receipt's certificates do not hold: {exc}") from exc
    lead_fingerprint = fingerprint(ca_pem)
    joined = [card_fp for _card, card_fp, _how, _when in store.vault.school_cards()]
    if lead_fingerprint not in joined:
        raise VerificationFailed(
            "This receipt is not from the lead of a school card this store joined, so it was "
            "not recorded."
        )
    if not SignatureChecker(signer_pem)(signature, receipt.signed_bytes()):
        raise VerificationFailed(
            "The receipt was changed after the lead signed it: its signature does not match."
        )
    if not fingerprint_matches(receipt.staff_fingerprint, store.fingerprint):
        raise VerificationFailed(
            "This receipt is for another member of staff's handover, not this store's."
        )
    try:
        incident = store.incident(receipt.staff_incident)
    except NotFound as exc:
        raise VerificationFailed(
            f"This receipt is for {receipt.staff_incident}, which this store does not hold."
        ) from exc
    chain = store.log(incident.id)
    handovers = [e for e in chain if e.action == Action.HANDED_OVER]
    matching = [e for e in handovers if e.details.get("package_sha256") == receipt.package_sha256]
    if not matching:
        raise VerificationFailed(
            f"This receipt names a package of {incident.id} that this store never handed over."
        )
    handover = matching[0]
    number = int(handover.details.get("number", 0))
    latest = handover is handovers[-1]
    signed = receipt.signed_bytes()
    recorded = [
        e
        for e in chain
        if e.action == Action.RECEIPT_RECORDED
        and e.details.get("receipt_sha256") == sha256_hex(signed)
    ]
    result = ReceiptRecorded(
        incident=incident.id,
        received_by=f"{receipt.lead} ({receipt.school})",
        received_utc=receipt.received_utc,
        package_sha256=receipt.package_sha256,
        handover_number=number,
        latest=latest,
        already=bool(recorded),
        case_status=receipt.case_status,
        received_local=local_text_of(receipt.received_utc, store.clock.zone),
    )
    if recorded:
        return result
    with store.atomic():
        store.record(
            incident.id,
            Action.RECEIPT_RECORDED,
            {
                "package_sha256": receipt.package_sha256,
                "handover_number": number,
                "handover_entry": handover.seq,
                "latest": latest,
                "case": receipt.case,
                "received_by": receipt.lead,
                "school": receipt.school,
                "received_utc": receipt.received_utc,
                "lead_fingerprint": lead_fingerprint,
                "recorded_utc": format_utc(store.clock.now()),
                "case_status": receipt.case_status,
                "reported_utc": receipt.reported_utc,
                "receipt_sha256": sha256_hex(signed),
            },
            evidence_sha256=receipt.package_sha256,
        )
    return result
