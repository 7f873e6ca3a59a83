"""Receiving a handover package (the safeguarding lead's side).

:func:`receive_package` decrypts the package as a stream with the lead's age identity (the
plaintext never touches the disk), checks the manifest's signature and the staff certificates,
the staff identity against the one pinned here (or the fingerprint the lead confirmed now),
every hash, link and signature of the chain, that the chain continues what was received before,
and every exhibit's bytes as they are stored, and only then commits: everything is written in one
transaction that is committed only after age has authenticated the last byte of the file. Any
failure stores nothing and names what failed.

The lead's store is the school's witness of each staff chain: a later handover whose chain does
not extend the head received before (a staff store restored from an older copy, entries removed)
is refused, naming the entry where the two part.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from harmonize_evidence.domain.chain import Signer, StoredEntry, verify_producers_chain
from harmonize_evidence.domain.errors import BadInput, VerificationFailed
from harmonize_evidence.domain.handover import (
    MANIFEST_MAX_BYTES,
    MANIFEST_MEMBER,
    SIGNATURE_MEMBER,
    Manifest,
    SentExhibit,
    exhibit_from_record,
    exhibit_member,
    fingerprint_matches,
    incident_from_record,
    parse_manifest,
    relate_chains,
    short_fingerprint,
)
from harmonize_evidence.domain.model import Action, Producer, Role, normalise_incident_id
from harmonize_evidence.domain.receipt import RECEIPT_MAX_BYTES, is_receipt
from harmonize_evidence.domain.text import NAME_MAX, check_text
from harmonize_evidence.domain.wording import counted
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.producers import (
    ReceivedExhibit,
    add_producer,
    incoming,
    receive_chain,
)
from harmonize_evidence.services.receipts import ReceiptRecorded, take_receipt
from harmonize_evidence.services.school import require_role
from harmonize_evidence.signing.identity import SignatureChecker, fingerprint
from harmonize_evidence.signing.producers import checked_certificates
from harmonize_evidence.transfer.age_stream import AGE_MAGIC, ARMOR_BEGIN, DecryptedTar, Member
from harmonize_evidence.vault.database import ProducerRecord

Progress = Callable[[int, int], None]
_UNHELD = -1  # the producer number a staff member not yet held is checked under
CONFIRMED_ON_THE_COMMAND_LINE = "fingerprint confirmed by a second channel and given to receive"


@dataclass(frozen=True)
class PackageReceived:
    """What receiving a handover package did."""

    case: str
    staff: str
    """The member of staff who sent it, as their entries name them (``Zoë Lane (ZL)``)."""
    staff_reference: str
    """Their id for the incident."""
    staff_fingerprint: str
    exhibits: int
    """Exhibits newly kept."""
    entries: int
    """Entries of their chain newly kept (0: nothing was new, nothing stored)."""
    handover_number: int
    package_sha256: str

    @property
    def nothing_new(self) -> bool:
        """The package was the one received before, or an older copy: nothing was stored."""
        return self.entries == 0


def received_text(result: PackageReceived) -> str:
    """The sentence both faces show after a package was received."""
    if result.nothing_new:
        return (
            f"Nothing was new: this package of {result.staff_reference} from {result.staff} "
            f"holds nothing that case {result.case} does not already hold, so nothing was stored."
        )
    return (
        f"Received {result.staff_reference} from {result.staff} as case {result.case}: "
        f"{counted(result.exhibits, 'exhibit')} and {counted(result.entries, 'custody entry')}, "
        "every hash and signature checked. "
        f"Staff fingerprint {short_fingerprint(result.staff_fingerprint)}."
    )


class UnconfirmedStaff(VerificationFailed):
    """A package from a member of staff whose identity the lead has not confirmed (exit 1)."""

    def __init__(
        self,
        message: str,
        sender: Producer,
        staff_fingerprint: str,
        *,
        same_name_held: bool = False,
    ) -> None:
        super().__init__(message)
        self.sender = sender
        self.staff_fingerprint = staff_fingerprint
        self.same_name_held = same_name_held
        """A different key is already held under the sender's name: another person, or a new
        installation of theirs."""


def _sender(manifest: Manifest) -> Producer:
    sender = manifest.sender
    try:
        role = Role(sender["role"])
    except ValueError as exc:
        raise VerificationFailed("The package's sender has no valid role.") from exc
    for key, what in (("name", "sender's name"), ("school", "sender's school")):
        try:
            check_text(sender[key], what, max_length=NAME_MAX)
        except BadInput as exc:
            raise VerificationFailed(f"The package's {what} is not acceptable: {exc}") from exc
    return Producer(sender["name"], sender["initials"], sender["school"], role)


def _held_sender(store: EvidenceStore, ca_pem: bytes, signer_pem: bytes) -> ProducerRecord | None:
    for record in store.producers():
        if record.ca_cert_pem == ca_pem:
            if record.signer_cert_pem != signer_pem:
                raise VerificationFailed(
                    f"The package is signed by a certificate that {record.producer.actor}'s "
                    "confirmed Evidence CA issued, but not the one held for them; nothing was "
                    "stored."
                )
            return record
    return None


def _unconfirmed(
    store: EvidenceStore, sender: Producer, staff_fingerprint: str
) -> UnconfirmedStaff:
    same_name = [r for r in store.producers() if r.producer.name == sender.name and not r.own]
    short = short_fingerprint(staff_fingerprint)
    known = (
        f" A different key is already held under the name {sender.name}: this is another "
        "person, or a new installation, until you confirm it."
        if same_name
        else ""
    )
    return UnconfirmedStaff(
        f"This package comes from {sender.actor} ({sender.school}), whose identity this store "
        f"has not confirmed: fingerprint {staff_fingerprint} ({short}). Nothing was stored.{known}"
        f" Confirm the fingerprint with them by a second channel (in person, by phone), then "
        f"receive it again with --accept-staff {short}.",
        sender,
        staff_fingerprint,
        same_name_held=bool(same_name),
    )


def receive_package(
    store: EvidenceStore,
    path: Path,
    *,
    accept_staff: str | None = None,
    confirmed_how: str = CONFIRMED_ON_THE_COMMAND_LINE,
    progress: Progress | None = None,
) -> PackageReceived:
    """Verify a handover package, then store it as a case (or add to the case it continues).

    ``accept_staff`` is the fingerprint (full or short) of a member of staff that the lead has
    just confirmed by a second channel, ``confirmed_how`` how; without it, a package from
    someone not yet held is refused.

    Raises:
        BadInput: not a package, or one meant for another lead (exit 2).
        VerificationFailed: anything in the package does not verify, the staff identity is
            not confirmed (:class:`UnconfirmedStaff`), or the chain does not continue the one
            received before (exit 1). Nothing is stored.
    """
    require_role(store, Role.LEAD, "receive a handover package")
    check_text(confirmed_how, "how the fingerprint was confirmed", max_length=NAME_MAX)
    held_key = store.vault.school_key()
    if held_key is None:
        raise BadInput(
            "This store has no school key yet, so no handover package can be meant for it: "
            "write the school card first (school-card), and give it to your staff."
        )
    try:
        source = path.open("rb")
    except OSError as exc:
        raise BadInput(f"{path} cannot be read ({exc.strerror or exc}).") from exc
    with source, DecryptedTar(source, held_key[0]) as package:
        members = package.members()
        manifest_bytes = _next(members, MANIFEST_MEMBER, package).read(MANIFEST_MAX_BYTES)
        signature = _next(members, SIGNATURE_MEMBER, package).read(1024)
        manifest = parse_manifest(manifest_bytes)
        if not fingerprint_matches(manifest.lead_fingerprint, store.fingerprint):
            raise VerificationFailed(
                "The package is encrypted to this store's key but names another lead's "
                "fingerprint inside; it was changed after it was made. Nothing was stored."
            )
        try:
            ca_pem, signer_pem = checked_certificates(
                manifest.sender_ca_pem, manifest.sender_signer_pem
            )
        except BadInput as exc:
            raise VerificationFailed(
                f"The package's staff certificates do not hold ({exc}); nothing was stored."
            ) from exc
        if not SignatureChecker(signer_pem)(signature, manifest_bytes):
            raise VerificationFailed(
                "The package's manifest was changed after its sender signed it: the signature "
                "does not match. Nothing was stored."
            )
        sender = _sender(manifest)
        staff_fingerprint = fingerprint(ca_pem)
        held = _held_sender(store, ca_pem, signer_pem)
        confirming = held is None
        accepted = not confirming or bool(
            accept_staff and fingerprint_matches(accept_staff, staff_fingerprint)
        )
        incident = incident_from_record(manifest.incident)
        sender_id = normalise_incident_id(incident.id)
        rows = [StoredEntry(e.seq, e.hash, e.body, e.signature) for e in manifest.entries]
        check = {_UNHELD: Signer(SignatureChecker(signer_pem), sender.actor)}
        _, problems = verify_producers_chain(
            sender_id, [incoming(row, _UNHELD) for row in rows], check
        )
        if problems:
            raise VerificationFailed(
                f"{sender_id} from {sender.actor} was not stored, as its custody log does not "
                f"verify: {problems[0]}."
            )
        kept_case, kept_refs = _kept(store, held, sender_id)
        if kept_case is not None:
            before = [row.hash for row in store.vault.stored_entries(kept_case, received=True)]
            relation = relate_chains(before, [row.hash for row in rows])
            if relation.forks:
                raise VerificationFailed(
                    f"{sender_id} from {sender.actor} was not stored, as its custody log does "
                    f"not continue the one received before as {kept_case}: the two part at "
                    f"entry {relation.parts_at} (the staff store was restored from an older "
                    "copy, or entries were removed or changed)."
                )
            if relation.new_entries == 0:
                package.finish()
                return PackageReceived(
                    case=kept_case,
                    staff=sender.actor,
                    staff_reference=sender_id,
                    staff_fingerprint=staff_fingerprint,
                    exhibits=0,
                    entries=0,
                    handover_number=manifest.number,
                    package_sha256=package.sha256,
                )
        for sent in manifest.exhibits:
            lacking = sent.sha256 is not None and not sent.record.get("purged")
            if lacking and not sent.carried and sent.ref not in kept_refs:
                raise VerificationFailed(
                    f"The package does not carry exhibit {sent.ref}, which an earlier handover "
                    "of this incident carried and this store has not received; receive the "
                    "earlier package first. Nothing was stored."
                )
        carried = _CarriedExhibits(
            members, package, [e for e in manifest.exhibits if e.carried], kept_refs, progress
        )
        if not accepted:
            # Every byte is checked before the lead is asked to confirm who sent it: a damaged
            # package says so, not that its sender is unconfirmed.
            carried.check_the_rest()
            _nothing_more(members, package)
            package.finish()
            raise _unconfirmed(store, sender, staff_fingerprint)
        exhibits = [
            ReceivedExhibit(exhibit_from_record(sent, sender_id), carried.bytes_of(index))
            for index, sent in carried.new()
        ]
        exhibits += [
            ReceivedExhibit(exhibit_from_record(sent, sender_id))
            for sent in manifest.exhibits
            if not sent.carried and sent.ref not in kept_refs
        ]
        with store.atomic():
            record = held or add_producer(store.vault, store.clock, sender, ca_pem, signer_pem)
            kept = receive_chain(
                store.vault, store.clock, record, incident, rows, exhibits=exhibits
            )
            # Nothing new: another receive of this package stored it meanwhile (it was new when
            # checked above), so its exhibits were not read, and are not extra members.
            if kept.new_entries:
                carried.check_the_rest()
                _nothing_more(members, package)
            package.finish()
            if kept.new_entries:
                if confirming:
                    store.record(
                        kept.case.id,
                        Action.STAFF_CONFIRMED,
                        {
                            "staff": sender.actor,
                            "school": sender.school,
                            "fingerprint": staff_fingerprint,
                            "how": confirmed_how,
                        },
                    )
                store.record(
                    kept.case.id,
                    Action.RECEIVED,
                    {
                        "from": sender.actor,
                        "school": sender.school,
                        "staff_fingerprint": staff_fingerprint,
                        "staff_incident": sender_id,
                        "handover_number": manifest.number,
                        "head_seq": manifest.head.seq,
                        "head_hash": manifest.head.hash,
                        "new_entries": kept.new_entries,
                        "exhibits": [e.exhibit.ref for e in exhibits if e.chunks],
                        "package_sha256": package.sha256,
                    },
                    evidence_sha256=package.sha256,
                )
    return PackageReceived(
        case=kept.case.id,
        staff=sender.actor,
        staff_reference=sender_id,
        staff_fingerprint=staff_fingerprint,
        exhibits=len(carried.new()) if kept.new_entries else 0,
        entries=kept.new_entries,
        handover_number=manifest.number,
        package_sha256=package.sha256,
    )


def _kept(
    store: EvidenceStore, held: ProducerRecord | None, sender_id: str
) -> tuple[str | None, dict[str, str | None]]:
    """The case already kept for this incident of this sender, and its exhibits: the sender's
    reference of each, with the SHA-256 of its bytes."""
    if held is None:
        return None, {}
    case = store.vault.received_incident(held.id, sender_id)
    if case is None:
        return None, {}
    exhibits = store.vault.list_exhibits(case)
    return case, {e.sender_ref: e.sha256 for e in exhibits if e.sender_ref}


class _CarriedExhibits:
    """The exhibits whose bytes a package carries, read in the order of its members.

    The bytes of an exhibit new to this store go to the store, which checks them as it writes
    them. An exhibit it already holds is carried again when no receipt told the sender that it
    arrived: its bytes are checked against the SHA-256 of the copy held, and passed over.
    """

    def __init__(
        self,
        members: Iterator[Member],
        package: DecryptedTar,
        carried: list[SentExhibit],
        held: dict[str, str | None],
        progress: Progress | None,
    ) -> None:
        self._members = members
        self._package = package
        self._carried = carried
        self._held = held
        self._progress = progress
        self._taken = 0  # members read so far

    def new(self) -> list[tuple[int, SentExhibit]]:
        """The exhibits new to this store, each with its member's number (from 1)."""
        return [
            (index, sent)
            for index, sent in enumerate(self._carried, start=1)
            if sent.ref not in self._held
        ]

    def bytes_of(self, index: int) -> Iterator[bytes | memoryview]:
        """The bytes of member ``index`` (read once, after the members before it)."""
        self._check_until(index)
        member = self._take(index)
        yield from member.chunks()
        self._done()

    def check_the_rest(self) -> None:
        """Read the members not read yet, and check each one's bytes against its SHA-256."""
        self._check_until(len(self._carried) + 1)

    def _check_until(self, index: int) -> None:
        while self._taken + 1 < index:
            number = self._taken + 1
            sent = self._carried[number - 1]
            digest = hashlib.sha256()
            size = 0
            for chunk in self._take(number).chunks():
                digest.update(chunk)
                size += len(chunk)
            expected = {sent.sha256, self._held.get(sent.ref, sent.sha256)}
            if size != sent.size or expected != {digest.hexdigest()}:
                raise VerificationFailed(
                    f"The bytes of exhibit {sent.ref} in the package do not match its SHA-256; "
                    "nothing was stored."
                )
            self._done()

    def _take(self, index: int) -> Member:
        member = _next(self._members, exhibit_member(index), self._package)
        self._taken = index
        return member

    def _done(self) -> None:
        if self._progress:
            self._progress(self._taken, len(self._carried))


def _nothing_more(members: Iterator[Member], package: DecryptedTar) -> None:
    """Refuse a package with members beyond those its manifest lists."""
    if next(members, None) is not None:
        package.finish()  # a damaged end says so as age's failure, first
        raise VerificationFailed(
            "The package holds more than its manifest lists; nothing was stored."
        )


def _next(members: Iterator[Member], name: str, package: DecryptedTar) -> Member:
    member = next(members, None)
    if member is None or member.name != name:
        package.finish()  # a package cut short says so as age's failure, first
        found = "nothing" if member is None else member.name
        raise VerificationFailed(
            f"The package's contents are not in order: {name} was expected, {found} was found. "
            "Nothing was stored."
        )
    return member


def is_handover_file(path: Path) -> bool:
    """Whether a file looks like a handover package or a lead's receipt (from its first bytes).

    For a file dropped on the window: these are received, anything else is added as evidence.
    A file that cannot be read is not one (adding it says why).
    """
    try:
        with path.open("rb") as source:
            head = source.read(4096)
    except OSError:
        return False
    return head.startswith((AGE_MAGIC, ARMOR_BEGIN)) or is_receipt(head)


def receive_file(
    store: EvidenceStore,
    path: Path,
    *,
    accept_staff: str | None = None,
    confirmed_how: str = CONFIRMED_ON_THE_COMMAND_LINE,
    progress: Progress | None = None,
) -> PackageReceived | ReceiptRecorded:
    """``receive FILE``: a handover package on the lead's store, the lead's receipt on staff's.

    Raises:
        BadInput: the file is neither, or is the other store's kind of file (exit 2).
        VerificationFailed: as :func:`receive_package` and :func:`take_receipt` (exit 1).
    """
    try:
        with path.open("rb") as source:
            head = source.read(RECEIPT_MAX_BYTES + 1)
    except OSError as exc:
        raise BadInput(f"{path} cannot be read ({exc.strerror or exc}).") from exc
    lead = store.producer.role is Role.LEAD
    if head.startswith((AGE_MAGIC, ARMOR_BEGIN)):
        if not lead:
            raise BadInput(
                "This is a handover package, which only the safeguarding lead's store can open; "
                "give it to your lead."
            )
        return receive_package(
            store, path, accept_staff=accept_staff, confirmed_how=confirmed_how, progress=progress
        )
    if is_receipt(head):
        if lead:
            raise BadInput(
                "This is a lead's receipt, for the member of staff's store that handed the "
                "incident over; a lead's store takes handover packages."
            )
        return take_receipt(store, head)
    raise BadInput(f"{path.name} is neither a handover package nor a lead's receipt.")
