"""Commands between a member of staff and the safeguarding lead: ``school-card``, ``join``,
``handover``, ``receive`` and ``receipt`` (CLI.md, "The safeguarding lead")."""

from __future__ import annotations

import sys
from pathlib import Path

from harmonize_evidence.cli.invocation import Invocation
from harmonize_evidence.domain.errors import BadInput


def school_card(command: Invocation) -> int:
    """(lead) Write the school card that staff join."""
    from harmonize_evidence.domain.handover import short_fingerprint
    from harmonize_evidence.services.out_paths import target_path
    from harmonize_evidence.services.school import make_school_card, write_card

    args, out = command.args, command.out
    with command.open_store() as store:
        data, fingerprint = make_school_card(store, args.contact)
        target, made = target_path(args.out, "school-card.json", what="school card")
        write_card(target, made, data)
    out.result(
        {
            "card": str(target),
            "fingerprint": fingerprint,
            "short_fingerprint": short_fingerprint(fingerprint),
        },
        f"The school card is in {target}. Staff confirm its fingerprint with you before they "
        f"join: {short_fingerprint(fingerprint)} (in full: {fingerprint}).",
    )
    return 0


def _confirm_at_terminal(school: str, lead: str, fingerprint: str) -> bool:
    from harmonize_evidence.domain.handover import short_fingerprint

    if not sys.stdin.isatty():
        raise BadInput(
            "The card's fingerprint must be confirmed with your lead before joining: give it "
            "with --fingerprint FP, or run join in a terminal to be asked."
        )
    print(
        f"School card of {school}, safeguarding lead {lead}.\n"
        f"Fingerprint: {short_fingerprint(fingerprint)}\n(in full: {fingerprint})\n"
        "Check it with your lead in person or by phone, not by the message that brought the card.",
        file=sys.stderr,
    )
    answer = input("Does it match what your lead told you? Type yes to join: ")
    return answer.strip().lower() in {"yes", "y"}


def join(command: Invocation) -> int:
    """(staff) Install a school card once its fingerprint is confirmed."""
    from harmonize_evidence.domain.errors import VerificationFailed
    from harmonize_evidence.services.school import (
        join_school,
        joined_text,
        read_card,
        read_card_file,
    )

    args, out = command.args, command.out
    data = read_card_file(Path(args.card))
    with command.open_store() as store:
        if args.fingerprint is None:
            card, card_fingerprint = read_card(data)
            if not _confirm_at_terminal(card.school, card.lead, card_fingerprint):
                raise VerificationFailed(
                    "The fingerprint was not confirmed, so the school card was not installed."
                )
            confirmed, how = card_fingerprint, "confirmed at the terminal"
        else:
            confirmed, how = args.fingerprint, args.how
        joined = join_school(store, data, confirmed, how)
    card = joined.card
    out.result(
        {
            "school": card.school,
            "lead": card.lead,
            "fingerprint": joined.fingerprint,
            "contact": card.contact,
            "replaced": None if joined.replaced is None else joined.replaced.lead,
        },
        joined_text(joined),
    )
    return 0


def handover(command: Invocation) -> int:
    """(staff) Write the encrypted handover package of an incident for the lead."""
    from harmonize_evidence.services.handing_over import hand_over, handover_text

    args, out = command.args, command.out
    with command.open_store() as store:
        result = hand_over(store, args.id, args.out, progress=out.progress("Handing over"))
    out.result(
        {
            "package": str(result.package),
            "sha256": result.sha256,
            "exhibits": result.exhibits,
            "entries": result.entries,
            "number": result.number,
            "entry": result.entry.seq,
        },
        handover_text(result),
    )
    return 0


def receive(command: Invocation) -> int:
    """A handover package on the lead's store; the lead's receipt on a member of staff's."""
    from harmonize_evidence.services.receipts import ReceiptRecorded, receipt_text
    from harmonize_evidence.services.receiving import receive_file, received_text

    args, out = command.args, command.out
    with command.open_store() as store:
        result = receive_file(
            store,
            Path(args.file),
            accept_staff=args.accept_staff,
            progress=out.progress("Receiving"),
        )
    if isinstance(result, ReceiptRecorded):
        out.result(
            {
                "incident": result.incident,
                "received_by": result.received_by,
                "received_utc": result.received_utc,
                "latest": result.latest,
                "already_recorded": result.already,
                "case_status": result.case_status or None,
            },
            receipt_text(result),
        )
        return 0
    out.result(
        {
            "case": result.case,
            "staff": result.staff,
            "staff_reference": result.staff_reference,
            "staff_fingerprint": result.staff_fingerprint,
            "exhibits": result.exhibits,
            "entries": result.entries,
            "nothing_new": result.nothing_new,
        },
        received_text(result),
    )
    return 0


def receipt(command: Invocation) -> int:
    """(lead) Write a signed receipt for the latest handover received for a case."""
    from harmonize_evidence.services.receipts import write_receipt

    args, out = command.args, command.out
    with command.open_store() as store:
        path = write_receipt(store, args.case, args.out)
    out.result(
        {"receipt": str(path)},
        f"The receipt is in {path}; give it to the member of staff, whose store records it "
        "with receive.",
    )
    return 0
