"""Commands that check and hand on evidence: ``verify`` (the store), ``export`` (the signed
bundle) and ``verify-bundle`` (a bundle on its own, no store needed)."""

from __future__ import annotations

from pathlib import Path

from harmonize_evidence.cli.invocation import Invocation


def verify(command: Invocation) -> int:
    """Re-check hashes, links, signatures and item bytes; exit 1 if anything is wrong."""
    from harmonize_evidence.services.evidence import verification_text

    out = command.out
    with command.open_store() as store:
        report = store.verify(command.args.id, progress=out.progress("Verifying"))
    out.result(
        {
            "ok": report.ok,
            "problems": [str(p) for p in report.problems],
            "incidents": list(report.incidents),
            "entries_checked": report.entries_checked,
            "exhibits_checked": report.exhibits_checked,
        },
        verification_text(report),
    )
    return 0 if report.ok else 1


def export(command: Invocation) -> int:
    """Write the signed bundle (.zip) of an incident."""
    from harmonize_evidence.domain.handover import short_fingerprint
    from harmonize_evidence.domain.model import Recipient
    from harmonize_evidence.services.exporting import (
        ExportOptions,
        export_bundle,
        export_result_details,
        export_result_text,
    )

    args, out = command.args, command.out
    options = ExportOptions(
        timestamp_url=args.timestamp_url,
        recipient=None if args.recipient is None else Recipient(args.recipient),
        recipient_name=args.for_whom,
    )
    with command.open_store() as store:
        result = export_bundle(
            store,
            args.id,
            args.out,  # as typed: a trailing separator makes it a folder
            options=options,
            progress=out.progress("Exporting"),
        )
    out.result(
        {
            "bundle": str(result.bundle),
            "sha256": result.sha256,
            "size": result.size,
            "exhibits": result.exhibits,
            "signature": result.signature_level,
            "entry": None if result.entry is None else result.entry.seq,
            "recorded": result.entry is not None,
            "recipient": options.recipient.value if options.recipient else None,
            "recipient_name": " ".join(options.recipient_name.split()) or None,
            "fingerprint": result.ca_fingerprint,
            "short_fingerprint": short_fingerprint(result.ca_fingerprint),
        },
        export_result_text(result) + "\n\n" + export_result_details(result),
    )
    return 0


def key_sheet(command: Invocation) -> int:
    """Write the one-page "our evidence key" sheet, safe to share with recipients."""
    from harmonize_evidence.services.key_sheet import key_sheet_text, write_key_sheet

    args, out = command.args, command.out
    with command.open_store() as store:
        written = write_key_sheet(store, args.out)
    out.result(
        {
            "sheet": str(written.path),
            "fingerprint": written.fingerprint,
            "short_fingerprint": written.short_fingerprint,
            "contact": written.contact or None,
        },
        key_sheet_text(written),
    )
    return 0


def verify_bundle(command: Invocation) -> int:
    """Check a bundle on its own; exit 1 if anything is wrong."""
    from harmonize_evidence.services.bundle_check import bundle_check_text, verify_bundle

    args, out = command.args, command.out
    check = verify_bundle(
        Path(args.path),
        progress=out.progress("Checking"),
        expect_fingerprint=args.expect_fingerprint,
    )
    head = check.chain_head
    out.result(
        {
            "ok": check.ok,
            "problems": [str(p) for p in check.problems],
            "signer_fingerprint": check.ca_fingerprint,  # the Evidence CA's, as in CLI.md
            "signer": check.signer,
            "incident": check.incident_id,
            "exhibits_checked": check.exhibits_checked,
            "entries_checked": check.entries_checked,
            "chain_head": None if head is None else {"seq": head[0], "hash": head[1]},
            "report_signature": check.report_signature,
            "timestamp": check.timestamp,
            "school": check.school,
            "ca_name": check.ca_name,
            "signer_school": check.signer_school,
            "signing_certificate_fingerprint": check.signing_certificate_fingerprint,
            "expected_fingerprint": check.expected_fingerprint,
            "fingerprint_matches": check.fingerprint_matches,
            "staff": [staff.as_json() for staff in check.staff],
        },
        bundle_check_text(check),
    )
    return 0 if check.ok else 1
