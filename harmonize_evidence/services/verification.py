"""Verifying the store: each chain against the producers who signed it, each exhibit against the
chain and its own bytes.

:meth:`~harmonize_evidence.services.evidence.EvidenceStore.verify` and the chain and receipt
checks of :class:`~harmonize_evidence.services.evidence.EvidenceStore` call these with the
store's vault.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from harmonize_evidence.domain.chain import (
    CustodyEntry,
    Problem,
    Signer,
    metadata_digest,
    verify_producers_chain,
)
from harmonize_evidence.domain.errors import StoreDamaged
from harmonize_evidence.domain.model import (
    EVIDENCE_ADDED,
    Action,
    Exhibit,
    normalise_incident_id,
)
from harmonize_evidence.domain.wording import counted
from harmonize_evidence.signing.identity import SignatureChecker
from harmonize_evidence.vault.database import OWN_PRODUCER_ID, Vault

log = logging.getLogger("harmonize_evidence.services.evidence")

Progress = Callable[[int, int], None]
"""A progress callback: (done, total). The CLI draws a bar, the GUI a progress dialog."""


@dataclass(frozen=True)
class VerificationReport:
    """What verification checked and what it found."""

    incidents: tuple[str, ...]
    entries_checked: int
    exhibits_checked: int
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """True when nothing was found wrong."""
        return not self.problems


def verification_text(report: VerificationReport) -> str:
    """What verification found, in the words the command line and the GUI both show."""
    if report.ok:
        return (
            f"Verified {counted(len(report.incidents), 'incident')}: "
            f"{counted(report.entries_checked, 'custody entry')} and "
            f"{counted(report.exhibits_checked, 'exhibit')}; everything is intact."
        )
    problems = [str(problem) for problem in report.problems]
    return "\n".join(
        [
            f"Verification found {counted(len(problems), 'problem')}:",
            *(f"  - {p}" for p in problems),
        ]
    )


def signers(vault: Vault) -> dict[int, Signer]:
    """Every held producer's signature check and the actor their entries give."""
    return {
        record.id: Signer(SignatureChecker(record.signer_cert_pem), record.producer.actor)
        for record in vault.list_producers()
    }


def verified_chain(
    vault: Vault, incident_id: str, signers: Mapping[int, Signer]
) -> tuple[list[CustodyEntry], list[Problem]]:
    """The incident's own chain, each entry checked against its producer; this store signs
    its own chain with its own key only, so an entry recorded as another's is named too."""
    rows = list(vault.stored_entries(incident_id))
    entries, problems = verify_producers_chain(incident_id, rows, signers)
    for row in rows:
        other = None if row.producer is None else signers.get(row.producer)
        if row.producer != OWN_PRODUCER_ID and other is not None:
            problems.append(
                Problem(
                    f"custody entry {row.seq}",
                    f"it is on this store's own chain but recorded as signed by {other.actor}",
                )
            )
    return entries, problems


def verify(
    vault: Vault, incident_id: str | None = None, progress: Progress | None = None
) -> VerificationReport:
    """Re-check every hash, link and signature, and re-hash every stored exhibit."""
    damaged = vault.integrity_problems()
    if damaged:
        log.error("cipher integrity check: %s", damaged)
        raise StoreDamaged(
            "The evidence store is damaged (" + "; ".join(damaged[:3]) + "); restore the "
            "store folder from a backup, and keep this copy for investigation."
        )
    if incident_id:
        incidents = [vault.get_incident(normalise_incident_id(incident_id))]
    else:
        held = {incident.id: incident for incident in vault.list_incidents()}
        incidents = [held[current] for current in vault.incident_ids()]
    held_signers = signers(vault)
    problems: list[Problem] = []
    entries_checked = exhibits_checked = 0
    for index, incident in enumerate(incidents):
        current = incident.id
        entries, found = verified_chain(vault, current, held_signers)
        problems.extend(Problem(f"{current} {p.subject}", p.message) for p in found)
        received: list[CustodyEntry] = []
        if incident.sender_id is not None:
            received, found = verify_producers_chain(
                incident.sender_id,
                vault.stored_entries(current, received=True),
                held_signers,
            )
            label = f"{current} (received as {incident.sender_id})"
            problems.extend(Problem(f"{label} {p.subject}", p.message) for p in found)
        elif vault.chain_head(current, received=True) is not None:
            problems.append(
                Problem(current, "it holds a sender's custody log but was not received")
            )
        entries_checked += len(entries) + len(received)
        exhibits = vault.list_exhibits(current)
        exhibits_checked += len(exhibits)
        problems.extend(
            check_exhibits(
                vault, current, exhibits, entries, received=received, sender_id=incident.sender_id
            )
        )
        if progress:
            progress(index + 1, len(incidents))
    return VerificationReport(
        tuple(incident.id for incident in incidents),
        entries_checked,
        exhibits_checked,
        tuple(problems),
    )


def check_exhibits(
    vault: Vault,
    incident_id: str,
    exhibits: list[Exhibit],
    entries: list[CustodyEntry],
    *,
    received: Sequence[CustodyEntry] = (),
    sender_id: str | None = None,
    just_stored: Mapping[str, str | None] | None = None,
) -> list[Problem]:
    """Each exhibit against the entry that added it (and its bytes), and each entry that
    adds one against the exhibits. An entry names an exhibit by the reference its own chain
    uses: this store's on its own chain, the sender's on a chain received from them.

    ``just_stored`` gives the SHA-256 of bytes hashed as they were written in this same
    transaction (by reference; None for none), which are not read back to be hashed again."""
    problems: list[Problem] = []
    from_sender = {e.sender_ref: e.ref for e in exhibits if e.sender_ref is not None}
    added: dict[str, CustodyEntry] = {}
    purged: set[str] = set()
    sender_purged: set[str] = set()
    missing: dict[tuple[str, str], CustodyEntry] = {}
    for chain, on_sender_chain in ((entries, False), (received, True)):
        for entry in chain:
            named = str(entry.details.get("exhibit"))
            ref = from_sender.get(named) if on_sender_chain else named
            if entry.action == Action.PURGED and ref is not None:
                # A sender's purge after a handover does not remove the copy kept here (the
                # receiving store keeps its own, under its own retention): either is right.
                (sender_purged if on_sender_chain else purged).add(ref)
            elif entry.action in EVIDENCE_ADDED:
                if ref is None:
                    missing[(named, f"{incident_id} (received as {sender_id})")] = entry
                else:
                    added[ref] = entry
    known = {exhibit.ref for exhibit in exhibits}
    for ref, entry in added.items():
        if ref not in known:
            missing[(ref, incident_id)] = entry
    for (ref, chain_name), entry in missing.items():
        problems.append(
            Problem(
                f"{chain_name} custody entry {entry.seq}",
                f"it records exhibit {ref}, which is missing from the store",
            )
        )
    for exhibit in exhibits:
        subject = f"exhibit {exhibit.ref}"
        recorded = added.get(exhibit.ref)
        if recorded is None:
            problems.append(Problem(subject, "it is not recorded on the custody chain"))
        else:
            if recorded.evidence_sha256 != exhibit.sha256:
                problems.append(
                    Problem(subject, "its recorded SHA-256 differs from the custody chain's")
                )
            if recorded.details.get("metadata_sha256") != metadata_digest(exhibit.metadata):
                problems.append(
                    Problem(subject, "its metadata differs from what the custody chain recorded")
                )
        if exhibit.sha256 is None:
            continue
        if just_stored is not None and exhibit.ref in just_stored:
            actual = just_stored[exhibit.ref]
        else:
            actual = vault.exhibit_digest(exhibit.ref)
        if exhibit.ref in purged:
            if actual is not None:
                problems.append(Problem(subject, "it was purged but its bytes are still here"))
        elif actual is None:
            if exhibit.ref not in sender_purged:
                problems.append(Problem(subject, "its bytes are missing from the store"))
        elif actual != exhibit.sha256:
            problems.append(Problem(subject, "its stored bytes do not match its recorded SHA-256"))
    return problems
