"""How a recipient checks a bundle by hand: ``VERIFY.txt`` and the report's last section.

Every command here is run by the tests exactly as written (``openssl``, ``sha256sum``), so what
the police are told to type is known to work.

VERIFY.txt is itself covered by SHA256SUMS and by the signed manifest (see
:mod:`harmonize_evidence.export.bundle`), so it is written before them and never quotes their
hashes, nor the bundle's own.
"""

from __future__ import annotations

from dataclasses import dataclass

from harmonize_evidence.domain.handover import short_fingerprint

PUBLIC_KEY_COMMAND = "openssl x509 -in signer.pem -pubkey -noout -out signer-key.pem"
MANIFEST_COMMAND = (
    "openssl dgst -sha256 -verify signer-key.pem -signature manifest.sig manifest.json"
)
CHAIN_COMMAND = "openssl verify -CAfile ca.pem signer.pem"
FINGERPRINT_COMMAND = "openssl x509 -in ca.pem -noout -fingerprint -sha256"
SUMS_COMMAND = "sha256sum -c SHA256SUMS"
PDFSIG_COMMAND = "pdfsig report.pdf"


@dataclass(frozen=True)
class Step:
    """One step: a heading, what to do and see, and the commands to type (if any)."""

    title: str
    text: str
    commands: tuple[str, ...] = ()


@dataclass(frozen=True)
class StaffFiles:
    """A member of staff whose chain a lead's bundle carries, and their certificate files."""

    producer: str
    """How their entries name them: ``Zoë Lane (ZL)``."""
    exhibit_prefix: str
    ca_file: str
    signer_file: str


@dataclass(frozen=True)
class BundleFacts:
    """What the instructions quote: names, fingerprint and chain head."""

    incident_id: str
    exported: str
    producer: str
    school: str
    ca_fingerprint: str
    chain_head_seq: int
    chain_head_hash: str
    bundle_name: str
    received: tuple[StaffFiles, ...] = ()
    """The staff chains the bundle carries (a case the lead received from staff)."""
    recipient: str = ""
    """Who the bundle is for, in words (``the police``); empty when the exporter did not say."""
    contact: str = ""
    """Whom to ask for the fingerprint (the safeguarding lead, with a phone or an email);
    empty when the store knows nobody to name."""


def _and_staff_certificates(facts: BundleFacts) -> str:
    return " and the staff certificates under staff/" if facts.received else ""


def _staff_step(facts: BundleFacts) -> list[Step]:
    """For a lead's bundle: how the staff member's own log is checked (no second fingerprint)."""
    if not facts.received:
        return []
    who = "; ".join(
        f"{staff.producer}, exhibits {staff.exhibit_prefix}/..., certificates {staff.ca_file} "
        f"and {staff.signer_file}"
        for staff in facts.received
    )
    return [
        Step(
            "6. The member of staff's own log",
            "The exhibits were recorded by a member of staff on their own computer and handed "
            "over to the safeguarding lead, who signed this bundle. manifest.json also holds, "
            "under received_chains, the staff member's custody log exactly as the lead "
            "received it, each entry signed by the staff member's own certificate: "
            f"{who}. Those certificates are vouched for by the lead's signed manifest (step 2), "
            "so there is no second fingerprint to compare. Check that the staff signing "
            'certificate was issued by the staff Evidence CA (it prints "OK"); verify-bundle '
            "(below) checks every staff entry and signature too:",
            tuple(
                f"openssl verify -CAfile {staff.ca_file} {staff.signer_file}"
                for staff in facts.received
            ),
        )
    ]


def confirm_text(facts: BundleFacts) -> str:
    """Whom to ask for the fingerprint, and how far to trust what the bundle says of them."""
    if not facts.contact:
        return (
            f"Ask the school that sent you this bundle ({facts.school}) for this fingerprint by "
            "a second channel: telephone the school on a number you find yourself (its website, "
            "a directory), or use an email from a known school address, and compare."
        )
    return (
        f"To confirm it, contact {facts.contact}. These contact details come with the bundle, so "
        "whoever could change the bundle could change them too: if in any doubt, telephone the "
        "school on a number you find yourself (its website, a directory). The school may also "
        'have given you a one-page "our evidence key" sheet with the same fingerprint.'
    )


def verification_steps(facts: BundleFacts) -> list[Step]:
    """The steps, in the order a recipient should take them."""
    return [
        Step(
            "1. Who signed it",
            "The report and the manifest are signed with a certificate issued by the school's "
            f'"Evidence CA" ({facts.school}). Its SHA-256 fingerprint is '
            f"{facts.ca_fingerprint}; read aloud, it begins "
            f"{short_fingerprint(facts.ca_fingerprint)}. {confirm_text(facts)} Print the "
            "fingerprint of ca.pem, and check that signer.pem was issued by it (it prints "
            '"signer.pem: OK"):',
            (FINGERPRINT_COMMAND, CHAIN_COMMAND),
        ),
        Step(
            "2. The manifest",
            "manifest.json lists the incident, every file with its SHA-256, and the custody "
            "log. manifest.sig is its detached signature (ECDSA P-256, SHA-256) by signer.pem. "
            'Check it; the second command prints "Verified OK":',
            (PUBLIC_KEY_COMMAND, MANIFEST_COMMAND),
        ),
        Step(
            "3. The files",
            "In the folder where the bundle was unpacked, check every file against its SHA-256 "
            "value: SHA256SUMS lists the report, every exhibit file and VERIFY.txt (these "
            f"instructions){_and_staff_certificates(facts)}, and each line must end in "
            '"OK". On a Mac use "shasum -a 256 -c SHA256SUMS"; on Windows, "certutil '
            '-hashfile FILE SHA256" for each file. The '
            "values must also be the ones printed in the signed report and in manifest.json, "
            "which records the SHA-256 of SHA256SUMS and of VERIFY.txt.",
            (SUMS_COMMAND,),
        ),
        Step(
            "4. The report",
            "Open report.pdf in a PDF reader and look at its signature panel: it is signed by "
            f"{facts.producer} and has not been changed since it was signed. The reader shows "
            "the signer as unknown until you trust ca.pem (in Adobe Acrobat Reader: Edit, "
            "Preferences, Signatures, Identities & Trusted Certificates), which you should do "
            "only after comparing its fingerprint (step 1). With poppler's pdfsig, look for "
            '"Signature is Valid." and "Total document signed":',
            (PDFSIG_COMMAND,),
        ),
        Step(
            "5. Nothing removed later",
            f"The custody log of {facts.incident_id} had {facts.chain_head_seq} entries when "
            f"this bundle was made; its last entry (the chain head) has the hash "
            f"{facts.chain_head_hash}. Any later export of the same incident must contain that "
            "entry unchanged, followed by the entries added since, including one recording "
            "this export and the SHA-256 of this bundle.",
        ),
        *_staff_step(facts),
        Step(
            "All at once",
            "With Harmonize Evidence installed, one command makes all of these checks and "
            "names the school and the person in the certificates. Put the fingerprint the "
            "school gave you (step 1) in place of FINGERPRINT, and it also checks that the "
            "bundle was signed by that school's Evidence CA:",
            (
                f"harmonize-evidence verify-bundle {facts.bundle_name} "
                "--expect-fingerprint FINGERPRINT",
            ),
        ),
    ]


def verify_text(facts: BundleFacts) -> str:
    """The plain-English ``VERIFY.txt`` of a bundle."""
    lines = [
        f"HOW TO CHECK THIS EVIDENCE BUNDLE ({facts.incident_id})",
        "",
        *_wrap(
            f"Exported {facts.exported} by {facts.producer}, {facts.school}"
            + (f", for {facts.recipient}." if facts.recipient else "."),
            78,
        ),
        "It was made with Harmonize Evidence, but you can check it without that program,",
        "using standard tools: openssl, sha256sum and a PDF reader.",
        "",
    ]
    for step in verification_steps(facts):
        lines.append(step.title.upper())
        lines.extend(_wrap(step.text, 78))
        lines.extend(f"    {command}" for command in step.commands)
        lines.append("")
    return "\r\n".join(lines)


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)
