"""Handing an incident over to the safeguarding lead (the member of staff's side).

:func:`hand_over` writes one file: an age file encrypted to the joined school card's recipient
alone, holding the incident, its custody chain with every signature, the staff certificates and
the original bytes of each exhibit the lead is not known to hold, with a manifest signed by the
staff identity (format in :mod:`harmonize_evidence.domain.handover`). Its name carries the incident
id only. The chain records ``handed_over`` with the package's SHA-256 before the file gets its name,
so a package on disk is always on the chain; a process killed in between leaves the package under
a hidden temporary name, which the next start gives its name (:mod:`.unfinished_writes`). A later
handover carries the whole chain again and the lead checks that it continues the one received
before.

Which exhibits a later package carries: every one except those carried by a handover that the
lead's receipt acknowledges (or by an earlier one: the lead stores a package only once it holds
what the handovers before it carried). A package that was lost, or not yet received, is no reason
for a later one to leave out its exhibits: without a receipt, each package is complete on its own,
and the lead checks the bytes of an exhibit it already holds against their hash and keeps the one
copy.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from harmonize_evidence.domain.chain import CustodyEntry
from harmonize_evidence.domain.clock import format_utc
from harmonize_evidence.domain.errors import (
    BadInput,
    StoreDamaged,
    StoreReadOnly,
    VerificationFailed,
)
from harmonize_evidence.domain.handover import (
    MANIFEST_MEMBER,
    SIGNATURE_MEMBER,
    Manifest,
    SentEntry,
    SentExhibit,
    exhibit_member,
    exhibit_record,
)
from harmonize_evidence.domain.model import Action, Exhibit, Role, Status
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.out_paths import target_path, write_refused
from harmonize_evidence.services.school import joined_card, require_role
from harmonize_evidence.services.unfinished_writes import (
    PACKAGE,
    finish_interrupted_writes,
    recorded_entry,
    recorded_write,
)
from harmonize_evidence.services.verification import signers, verified_chain
from harmonize_evidence.transfer.age_stream import encrypt_to, tar_chunks
from harmonize_evidence.vault.disk import STORE_READ_ONLY
from harmonize_evidence.vault.files import write_atomically

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class HandoverResult:
    """A package written and recorded."""

    incident_id: str
    package: Path
    sha256: str
    exhibits: int
    """How many exhibits' bytes it carries (all but those the lead's receipt says it holds)."""
    held_by_lead: int
    """How many exhibits it leaves out, as a receipt from the lead says that it holds them."""
    entries: int
    """How many custody entries it carries (the whole chain)."""
    number: int
    """1 for the incident's first handover, 2 for the next..."""
    entry: CustodyEntry
    lead: str
    school: str


def handover_text(result: HandoverResult) -> str:
    """The sentence both faces show once a package is written."""
    carried = "exhibit" if result.exhibits == 1 else "exhibits"
    held = ""
    if result.held_by_lead:
        earlier = "exhibit" if result.held_by_lead == 1 else "exhibits"
        held = f" (and not the {result.held_by_lead} {earlier} the lead's receipt says they hold)"
    return (
        f"{result.incident_id} is handed over to {result.lead} ({result.school}) in "
        f"{result.package}: {result.exhibits} {carried}{held} and {result.entries} custody "
        f"entries, encrypted so that only the lead can open it. The handover is custody entry "
        f"{result.entry.seq}; SHA-256 {result.sha256}."
    )


def previous_handovers(chain: Iterable[CustodyEntry]) -> list[CustodyEntry]:
    """The incident's ``handed_over`` entries, oldest first."""
    return [entry for entry in chain if entry.action == Action.HANDED_OVER]


def held_by_lead(chain: Iterable[CustodyEntry]) -> set[str]:
    """The exhibits that a receipt from the lead shows it holds: those carried by the latest
    handover it acknowledges, and by every handover before that one."""
    entries = list(chain)
    acknowledged = max(
        (
            int(entry.details.get("handover_number", 0))
            for entry in entries
            if entry.action == Action.RECEIPT_RECORDED
        ),
        default=0,
    )
    return {
        str(ref)
        for entry in previous_handovers(entries)
        if int(entry.details.get("number", 0)) <= acknowledged
        for ref in entry.details.get("exhibits", [])
    }


class _Hashing:
    """A file that hashes what is written to it."""

    def __init__(self, target: BinaryIO) -> None:
        self._target = target
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self._target.write(data)

    def flush(self) -> None:
        self._target.flush()


def hand_over(
    store: EvidenceStore, incident_id: str, out: str | Path, progress: Progress | None = None
) -> HandoverResult:
    """Write the encrypted handover package of an incident for the joined school's lead.

    Raises:
        BadInput: a lead's store, no school joined, or ``out`` unusable (exit 2).
        VerificationFailed: the incident's own chain does not verify (exit 1): nothing handed
            over.
        DiskFull: the disk filled up; nothing is left and nothing recorded (exit 5).
        StoreReadOnly: the store's folder takes no writes, so the handover cannot be recorded;
            nothing is written (exit 5).
    """
    require_role(store, Role.STAFF, "hand an incident over to the lead")
    joined = joined_card(store)
    if joined is None:
        raise BadInput(
            "Join your school first (join CARD, with the school card from your safeguarding "
            "lead); until then nothing can be handed over."
        )
    incident = store.incident(incident_id)
    if store.read_only:  # said before the package is made, not after
        raise StoreReadOnly(STORE_READ_ONLY)
    chain, problems = verified_chain(store.vault, incident.id, signers(store.vault))
    if problems:
        raise VerificationFailed(
            f"{incident.id} was not handed over, as its custody log does not verify: {problems[0]}."
        )
    earlier = previous_handovers(chain)
    held = held_by_lead(chain)
    exhibits = store.exhibits(incident.id)
    carried = [e for e in exhibits if e.has_bytes and e.ref not in held]
    rows = list(store.vault.stored_entries(incident.id))
    number = len(earlier) + 1
    manifest = Manifest(
        created_utc=format_utc(store.clock.now()),
        lead_fingerprint=joined.fingerprint,
        sender={
            "name": store.producer.name,
            "initials": store.producer.initials,
            "school": store.producer.school,
            "role": store.producer.role.value,
        },
        sender_ca_pem=store.identity.ca_cert_pem,
        sender_signer_pem=store.identity.signer_cert_pem,
        incident=incident.as_json(),
        exhibits=tuple(
            SentExhibit(exhibit_record(e), e.has_bytes and e.ref not in held) for e in exhibits
        ),
        entries=tuple(SentEntry(r.seq, r.hash, r.body, r.signature) for r in rows),
        number=number,
        previous_package_sha256=(
            None if not earlier else str(earlier[-1].details.get("package_sha256"))
        ),
    )
    manifest_bytes = manifest.to_bytes()
    signature = store.sign(manifest_bytes)
    target, made_folder = target_path(out, f"{incident.id}_handover-{number}.age", what="package")
    done = 0

    def exhibit_bytes(exhibit: Exhibit) -> Iterator[bytes]:
        nonlocal done
        digest = hashlib.sha256()
        for chunk in store.read_listed_exhibit(exhibit):
            digest.update(chunk)
            yield chunk
        if digest.hexdigest() != exhibit.sha256:
            raise StoreDamaged(
                f"The stored bytes of exhibit {exhibit.ref} no longer match its SHA-256, so "
                f"{incident.id} was not handed over; run verify."
            )
        done += 1
        if progress:
            progress(done, len(carried))

    members = [
        (MANIFEST_MEMBER, len(manifest_bytes), [manifest_bytes]),
        (SIGNATURE_MEMBER, len(signature), [signature]),
        *(
            (exhibit_member(index), e.size, exhibit_bytes(e))
            for index, e in enumerate(carried, start=1)
        ),
    ]
    finish_interrupted_writes(store.directory, store.log)
    if made_folder is not None:
        made_folder.mkdir()
    written: list[str] = []  # the package's SHA-256, once it is whole

    def recorded() -> CustodyEntry | None:
        """The handed_over entry of this package, if it was committed (the chain says)."""
        if not written:
            return None
        try:
            return recorded_entry(store.log(incident.id), PACKAGE, written[0], target)
        except Exception:  # the chain cannot be read: it cannot say so
            return None

    entry: CustodyEntry | None = None
    try:
        with (
            recorded_write(
                store.directory,
                target,
                PACKAGE,
                incident.id,
                recorded=recorded,
                what="The handover",
            ) as package,
            write_atomically(
                target, temporary=package.temporary, keep=lambda: recorded() is not None
            ) as handle,
            store.streaming(),
        ):
            hashing = _Hashing(handle)
            encrypt_to(joined.card.recipient, tar_chunks(members), hashing)  # type: ignore[arg-type]
            package_sha256 = hashing.digest.hexdigest()
            written.append(package_sha256)
            handle.flush()  # a full disk must show before the handover is recorded
            os.fsync(handle.fileno())
            with store.atomic():
                store.vault.set_incident_status(incident.id, Status.HANDED_OVER)
                entry = store.record(
                    incident.id,
                    Action.HANDED_OVER,
                    {
                        "package_sha256": package_sha256,
                        "number": number,
                        "file_name": target.name,
                        "lead": joined.card.lead,
                        "school": joined.card.school,
                        "lead_fingerprint": joined.fingerprint,
                        "exhibits": [e.ref for e in carried],
                        "entries": len(rows),
                        "head_seq": rows[-1].seq,
                        "head_hash": rows[-1].hash,
                        "from": incident.status.value,
                        "status": Status.HANDED_OVER.value,
                    },
                    evidence_sha256=package_sha256,
                )
    except BaseException as exc:
        if made_folder is not None:
            with contextlib.suppress(OSError):
                made_folder.rmdir()  # only if empty: a package kept for later stays
        if isinstance(exc, OSError):
            not_done = "no package was written and nothing was recorded"
            raise write_refused(exc, target, not_done) from exc
        raise
    entry = entry or package.entry  # recorded, then stopped: named all the same
    assert entry is not None
    return HandoverResult(
        incident_id=incident.id,
        package=target,
        sha256=package_sha256,
        exhibits=len(carried),
        held_by_lead=sum(1 for e in exhibits if e.has_bytes and e.ref in held),
        entries=len(rows),
        number=number,
        entry=entry,
        lead=joined.card.lead,
        school=joined.card.school,
    )
