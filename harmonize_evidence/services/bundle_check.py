"""Checking a bundle on its own (the bundle-check use case), for the command line and the GUI.

:func:`verify_bundle` checks the bundle (see :mod:`harmonize_evidence.export.verifier`) and
returns a :class:`BundleCheck`; :func:`bundle_check_text` says what the faces show of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harmonize_evidence.domain.chain import Problem
from harmonize_evidence.domain.errors import BadInput
from harmonize_evidence.domain.handover import SHORT_FINGERPRINT_DIGITS, short_fingerprint
from harmonize_evidence.domain.wording import counted
from harmonize_evidence.services.evidence import Progress


@dataclass(frozen=True)
class StaffChainCheck:
    """A member of staff whose custody log a lead's bundle carries, as the check found it."""

    name: str
    initials: str
    school: str
    """Their school, as the bundle's signed manifest gives it."""
    exhibit_prefix: str
    """Their exhibits' prefix in the bundle (``ZL2``)."""
    incident_id: str
    """Their own id for the incident."""
    fingerprint: str | None
    """The SHA-256 fingerprint of their Evidence CA certificate, as the bundle carries it."""
    certificate_name: str | None
    """The person their signing certificate names."""
    certificate_school: str | None
    """The organisation their Evidence CA certificate names."""
    entries_checked: int
    chain_head: tuple[int, str] | None
    exhibits: tuple[tuple[str, str], ...]
    """Each of their exhibits: (reference in the bundle, their own reference)."""

    def as_json(self) -> dict[str, object]:
        """What ``verify-bundle --json`` prints of them."""
        head = self.chain_head
        return {
            "name": self.name,
            "initials": self.initials,
            "school": self.school,
            "exhibit_prefix": self.exhibit_prefix,
            "incident": self.incident_id,
            "fingerprint": self.fingerprint,
            "certificate_name": self.certificate_name,
            "certificate_school": self.certificate_school,
            "entries_checked": self.entries_checked,
            "chain_head": None if head is None else {"seq": head[0], "hash": head[1]},
            "exhibits": [{"exhibit": ref, "sender_ref": theirs} for ref, theirs in self.exhibits],
        }


@dataclass(frozen=True)
class BundleCheck:
    """The result of checking a bundle (see :mod:`harmonize_evidence.export.verifier`)."""

    ok: bool
    problems: tuple[Problem, ...]
    ca_fingerprint: str | None
    """The SHA-256 fingerprint of the bundle's Evidence CA (ca.pem), to compare with the school's
    (the command line prints it as ``signer_fingerprint``)."""
    signer: str | None
    """The person signer.pem names."""
    incident_id: str | None
    exhibits_checked: int
    entries_checked: int
    chain_head: tuple[int, str] | None
    report_signature: str | None
    timestamp: str | None
    refused: bool = False
    """True when the archive was refused unread (not a zip, or built to harm its reader)."""
    school: str | None = None
    """The school (organisation) the Evidence CA certificate names."""
    ca_name: str | None = None
    """The Evidence CA certificate's own name."""
    signer_school: str | None = None
    """The school (organisation) signer.pem names."""
    signing_certificate_fingerprint: str | None = None
    """The SHA-256 fingerprint of signer.pem."""
    expected_fingerprint: str | None = None
    """The Evidence CA fingerprint the recipient said to expect (``AB:CD:...``), if any."""
    fingerprint_matches: bool | None = None
    """Whether ca.pem's fingerprint is the expected one; None when none was given."""
    staff: tuple[StaffChainCheck, ...] = ()
    """For a case the lead received: each member of staff whose custody log it carries."""


def expected_fingerprint(text: str) -> str:
    """A fingerprint as someone typed it: in full as ``AB:CD:...`` (64 hexadecimal digits), or
    in the short form read aloud as ``4F74-1916-5B82-1473-2983`` (its first 20 digits). Colons,
    dashes and spaces are optional, case does not matter.

    Raises :class:`BadInput` when it is neither.
    """
    digits = "".join(text.split()).replace(":", "").replace("-", "")
    if len(digits) not in (64, SHORT_FINGERPRINT_DIGITS) or any(
        char not in "0123456789abcdefABCDEF" for char in digits
    ):
        raise BadInput(
            "The expected fingerprint must be the SHA-256 fingerprint of the school's Evidence CA: "
            "64 hexadecimal digits, in pairs with or without colons, as the school's copy of the "
            "program prints it, or the 20 of its short form read aloud (as 4F74-1916-5B82-1473-"
            "2983)."
        )
    digits = digits.upper()
    if len(digits) == SHORT_FINGERPRINT_DIGITS:
        return short_fingerprint(digits)
    return ":".join(digits[i : i + 2] for i in range(0, 64, 2))


def verify_bundle(
    path: Path, progress: Progress | None = None, *, expect_fingerprint: str | None = None
) -> BundleCheck:
    """Check a bundle on its own: no store, nothing unpacked to disk.

    ``expect_fingerprint`` is the Evidence CA fingerprint the school gave by a second channel,
    as typed (see :func:`expected_fingerprint`); a bundle of another CA then fails.
    """
    from harmonize_evidence.export.verifier import verify_bundle as check

    expected = None if expect_fingerprint is None else expected_fingerprint(expect_fingerprint)
    if path.is_dir():
        raise BadInput(f"{path} is a folder; give the bundle's .zip file inside it.")
    if not path.is_file():
        raise BadInput(f"There is no file {path}.")
    result = check(path, progress, expected)
    return BundleCheck(
        ok=result.ok,
        problems=result.problems,
        ca_fingerprint=result.ca_fingerprint,
        signer=result.signer,
        incident_id=result.incident_id,
        exhibits_checked=result.exhibits_checked,
        entries_checked=result.entries_checked,
        chain_head=result.chain_head,
        report_signature=result.report_signature,
        timestamp=result.timestamp,
        refused=result.refused,
        school=result.school,
        ca_name=result.ca_name,
        signer_school=result.signer_school,
        signing_certificate_fingerprint=result.signer_fingerprint,
        expected_fingerprint=result.expected_fingerprint,
        fingerprint_matches=result.fingerprint_matches,
        staff=tuple(
            StaffChainCheck(
                name=chain.name,
                initials=chain.initials,
                school=chain.school,
                exhibit_prefix=chain.exhibit_prefix,
                incident_id=chain.incident_id,
                fingerprint=chain.ca_fingerprint,
                certificate_name=chain.certificate_name,
                certificate_school=chain.certificate_school,
                entries_checked=chain.entries_checked,
                chain_head=chain.chain_head,
                exhibits=chain.exhibits,
            )
            for chain in result.received
        ),
    )


def bundle_check_text(check: BundleCheck, *, fingerprint_lines: int = 1) -> str:
    """What the command line and the desktop application say of a bundle check.

    The verdict (or each problem, named by its file), then who the certificates name and the
    Evidence CA fingerprint, which the recipient compares with the school's. With
    ``fingerprint_lines=2`` the fingerprint is split into two lines of 16 pairs, as on the
    report's cover, so a dialog shows it whole.
    """
    if check.ok:
        lines = [
            f"The bundle is intact: {counted(check.exhibits_checked, 'exhibit file')}, the "
            f"signed report ({check.report_signature}) and "
            f"{counted(check.entries_checked, 'custody entry')} of {check.incident_id} all check "
            "out."
        ]
    else:
        problems = [str(problem) for problem in check.problems]
        lines = [
            f"The bundle failed {counted(len(problems), 'check')}:",
            *(f"  - {p}" for p in problems),
        ]
    fingerprint = check.ca_fingerprint
    if fingerprint is None:
        return "\n".join(lines)
    if fingerprint_lines == 2:
        pairs = fingerprint.split(":")
        shown = [":".join(pairs[:16]) + ":", ":".join(pairs[16:])]
    else:
        shown = [fingerprint]
    signed_by = ", ".join(part for part in (check.signer, check.signer_school) if part)
    lines += [
        "",
        f"School (named by its Evidence CA): {check.school or 'not named'}",
        f"Signed by: {signed_by or 'not named'}",
        "Evidence CA fingerprint (SHA-256):",
        *(f"  {line}" for line in shown),
    ]
    if check.fingerprint_matches:
        lines.append("This fingerprint matches the one you expected.")
    elif check.ok:
        lines.append(
            "Compare this fingerprint with the one the school gives you by telephone or from a "
            "known school email address; a school's name in a certificate proves nothing."
        )
    lines += _staff_lines(check, fingerprint_lines)
    return "\n".join(lines)


def _staff_lines(check: BundleCheck, fingerprint_lines: int) -> list[str]:
    """Who captured the exhibits of a case the lead received, and their own logs."""
    if not check.staff:
        return []
    lines = [
        "",
        "Received from staff: each custody log as the lead received it, every entry checked "
        "against the staff member's own certificate. The school's signature vouches for those "
        "certificates, so the school's fingerprint above is the one to compare; theirs is shown "
        "for the record.",
    ]
    for staff in check.staff:
        exhibits = ", ".join(f"{ref} (their {theirs})" for ref, theirs in staff.exhibits)
        lines.append(
            f"  {staff.name} ({staff.initials}), {staff.school or 'no school named'}: their "
            f"incident {staff.incident_id}, {staff.entries_checked} custody entries; "
            f"exhibits {exhibits or 'none'}"
        )
        if staff.fingerprint is not None:
            pairs = staff.fingerprint.split(":")
            shown = (
                [":".join(pairs[:16]) + ":", ":".join(pairs[16:])]
                if fingerprint_lines == 2
                else [staff.fingerprint]
            )
            lines.append("  Their Evidence CA fingerprint (SHA-256):")
            lines += [f"    {line}" for line in shown]
    return lines
