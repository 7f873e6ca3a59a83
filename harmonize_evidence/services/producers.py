"""Other producers held by the store, and incidents received from their stores.

A store holds its own producer and may hold others (:func:`add_producer`), whose signed chains it
keeps as received (:func:`receive_chain`): each entry is verified against the producer who signed
it, when it arrives and at every verification after.
:class:`~harmonize_evidence.services.evidence.EvidenceStore` calls these with its vault and clock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace

from harmonize_evidence.domain.chain import (
    CustodyEntry,
    Problem,
    StoredEntry,
    parse_entry,
    verify_producers_chain,
)
from harmonize_evidence.domain.clock import Clock
from harmonize_evidence.domain.errors import BadInput, VerificationFailed
from harmonize_evidence.domain.handover import relate_chains
from harmonize_evidence.domain.model import (
    Exhibit,
    Incident,
    Producer,
    exhibit_prefix,
    format_exhibit_ref,
    format_incident_id,
    normalise_incident_id,
    parse_exhibit_ref,
    validate_initials,
)
from harmonize_evidence.domain.text import NAME_MAX, check_text
from harmonize_evidence.services.verification import check_exhibits, signers
from harmonize_evidence.signing.producers import checked_certificates
from harmonize_evidence.vault.database import CHUNK_SIZE, ProducerRecord, Vault


@dataclass(frozen=True)
class ReceivedExhibit:
    """An exhibit as its sender's store described it (its reference the sender's), and its bytes.

    ``chunks`` is read once, as the bytes are stored; it is empty for an exhibit that has no
    bytes (record-only, or purged by the sender).
    """

    exhibit: Exhibit
    chunks: Iterable[bytes | memoryview] = ()


def add_producer(
    vault: Vault, clock: Clock, producer: Producer, ca_cert_pem: bytes, signer_cert_pem: bytes
) -> ProducerRecord:
    """Hold another producer with their certificates; kept forever.

    ``producer`` is as their own store records them (the name as typed, which their
    entries' actor gives). The signing certificate must be issued by the Evidence CA. They
    get an exhibit prefix unique in this store (see
    :func:`~harmonize_evidence.domain.model.exhibit_prefix`). A producer already held (the
    same signing certificate) is returned as held. Whether the certificates are trusted
    (their fingerprint confirmed by a second channel) is for the caller to have settled.
    """
    ca_pem, signer_pem = checked_certificates(ca_cert_pem, signer_cert_pem)
    producer = Producer(
        name=check_text(producer.name, "name", max_length=NAME_MAX),
        initials=validate_initials(producer.initials),
        school=check_text(producer.school, "school name", max_length=NAME_MAX),
        role=producer.role,
    )
    with vault.transaction():
        held = vault.list_producers()
        for record in held:
            if record.signer_cert_pem == signer_pem:
                return record
        prefix = exhibit_prefix(producer.initials, (r.exhibit_prefix for r in held))
        return vault.insert_producer(producer, prefix, ca_pem, signer_pem, clock.now())


@dataclass(frozen=True)
class ReceivedChain:
    """An incident kept from another store, and what this receipt added to it."""

    case: Incident
    new_entries: int
    """Entries of the sender's chain that were new here (0: nothing was new)."""


def receive_chain(
    vault: Vault,
    clock: Clock,
    sender: ProducerRecord,
    incident: Incident,
    entries: Sequence[StoredEntry],
    *,
    exhibits: Sequence[ReceivedExhibit] = (),
) -> ReceivedChain:
    """Keep an incident from another store: its sender's signed chain exactly as received,
    its exhibits and its record, as a case with this store's next number.

    ``incident`` and ``exhibits`` are as the sender's store has them (its id and references);
    the case keeps them as references (:attr:`Incident.sender_id`,
    :attr:`Exhibit.sender_ref`), and each exhibit gets the sender's exhibit prefix of this
    store. Every entry is checked against the producer who signed it (the sender, unless it
    names another held producer) and every exhibit against the chain and its own bytes,
    before anything is kept: if anything is wrong, nothing is. Recording the receipt on the
    case's own chain is the caller's, in the same
    :meth:`~harmonize_evidence.services.evidence.EvidenceStore.atomic` block.

    The same incident received again must continue the chain kept before (a later handover):
    its new entries are added to the case, with ``exhibits`` (those not kept yet). A chain
    that is the one kept, or an older copy of it, adds nothing (``new_entries`` 0).

    Raises:
        VerificationFailed: an entry or an exhibit does not verify, or the chain does not
            continue the one kept before (rolled back, truncated, rewritten).
        BadInput: the sender is this store's own producer, or the chain is empty.
    """
    if sender.own:
        raise BadInput("An incident can be received only from another producer's store.")
    sender_id = normalise_incident_id(incident.id)
    rows = [incoming(entry, sender.id) for entry in entries]
    if not rows:
        raise BadInput(f"{sender_id} came with no custody log, so it was not kept.")
    refused = f"{sender_id} from {sender.producer.actor} was not kept, as it does not verify"
    parsed, problems = verify_producers_chain(sender_id, rows, signers(vault))
    if problems:
        raise VerificationFailed(f"{refused}: {problems[0]}.")
    for item in exhibits:
        prefix, _ = parse_exhibit_ref(item.exhibit.ref)
        if prefix != sender.producer.initials:
            raise VerificationFailed(
                f"{refused}: exhibit {item.exhibit.ref} is not one of "
                f"{sender.producer.actor}'s own."
            )
    with vault.transaction():
        kept = vault.received_incident(sender.id, sender_id)
        if kept is None:
            before: list[str] = []
            year = clock.now().year
            case = replace(
                incident,
                id=format_incident_id(year, vault.next_incident_number(year)),
                item_count=0,
                sender_producer_id=sender.id,
                sender_id=sender_id,
            )
            vault.insert_incident(case)
        else:
            case = vault.get_incident(kept)
            before = [row.hash for row in vault.stored_entries(case.id, received=True)]
            relation = relate_chains(before, [row.hash for row in rows])
            if relation.forks:
                raise VerificationFailed(
                    f"{sender_id} from {sender.producer.actor} was not kept, as its custody log "
                    f"does not continue the one received before as {case.id}: the two part at "
                    f"entry {relation.parts_at} (the sender's store was restored from an older "
                    "copy, or entries were removed or changed)."
                )
            if relation.new_entries == 0:
                return ReceivedChain(case, 0)
        held_refs = {e.sender_ref for e in vault.list_exhibits(case.id)}
        just_stored: dict[str, str | None] = {}
        # One thread hashes every exhibit's pieces while the database writes them.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hash") as hasher:
            for item in exhibits:
                sent = item.exhibit
                if sent.ref in held_refs:
                    raise VerificationFailed(f"{refused}: exhibit {sent.ref} is already kept here.")
                stored = _Hashed(item.chunks, hasher)
                ref = format_exhibit_ref(sender.exhibit_prefix, sent.number)
                vault.insert_exhibit(
                    replace(
                        sent,
                        ref=ref,
                        incident_id=case.id,
                        purged=False,
                        sender_ref=sent.ref,
                    ),
                    stored,
                )
                if stored.size and (stored.sha256 != sent.sha256 or stored.size != sent.size):
                    raise VerificationFailed(
                        f"{refused}: the bytes of exhibit {sent.ref} do not match its SHA-256."
                    )
                just_stored[ref] = stored.sha256 if stored.size else None
        for row, entry in list(zip(rows, parsed, strict=True))[len(before) :]:
            vault.append_entry(
                entry,
                incident_id=case.id,
                producer_id=sender.id if row.producer is None else row.producer,
                received=True,
            )
        found = check_exhibits(
            vault,
            case.id,
            vault.list_exhibits(case.id),
            [],
            received=parsed,
            sender_id=sender_id,
            just_stored=just_stored,
        )
        if found:
            raise VerificationFailed(f"{refused}: {found[0]}.")
    return ReceivedChain(
        vault.get_incident(normalise_incident_id(case.id)),
        len(rows) - len(before),
    )


@dataclass(frozen=True)
class KeptChain:
    """The chain a case's sender signed, as this store received it, and who the sender is."""

    sender: ProducerRecord
    sender_id: str
    """The sender's id for the incident, which their entries name."""
    entries: list[CustodyEntry]


def kept_chain(vault: Vault, incident: Incident) -> tuple[KeptChain | None, list[Problem]]:
    """The sender's chain of a received case, each entry checked against its signer.

    ``None`` for an incident opened here; the problems name each entry that does not verify.
    """
    if incident.sender_id is None or incident.sender_producer_id is None:
        return None, []
    held = {record.id: record for record in vault.list_producers()}
    sender = held.get(incident.sender_producer_id)
    if sender is None:
        return None, [Problem(incident.id, "its sender is not a producer this store holds")]
    entries, problems = verify_producers_chain(
        incident.sender_id, vault.stored_entries(incident.id, received=True), signers(vault)
    )
    return KeptChain(sender, incident.sender_id, entries), problems


class _Hashed:
    """Bytes passed on as they are stored, hashed and counted on the way.

    They are passed on in the store's own pieces (:data:`CHUNK_SIZE`, the last shorter),
    whatever pieces they arrive in, so that a received exhibit is kept in the rows a local one
    would have, and a package's bytes reach the database in a few large writes rather than
    many small ones. The hashing runs on ``hasher``'s thread while the database writes the
    same piece (both leave Python's lock), so that storing a large package costs the slower of
    the two, not their sum.
    """

    def __init__(self, chunks: Iterable[bytes | memoryview], hasher: ThreadPoolExecutor) -> None:
        self._chunks = _regrouped(chunks, CHUNK_SIZE)
        self._hasher = hasher
        self._digest = hashlib.sha256()
        self.size = 0

    def __iter__(self) -> Iterator[bytes]:
        hashing: Future[None] | None = None
        for chunk in self._chunks:
            if hashing is not None:
                hashing.result()  # at most one piece in hand: memory stays flat
            hashing = self._hasher.submit(self._digest.update, chunk)
            self.size += len(chunk)
            yield chunk
        if hashing is not None:
            hashing.result()

    @property
    def sha256(self) -> str:
        """The SHA-256 of what was passed on so far."""
        return self._digest.hexdigest()


def _regrouped(chunks: Iterable[bytes | memoryview], size: int) -> Iterator[bytes]:
    """The same bytes in pieces of ``size`` (the last shorter; none for no bytes).

    Each byte is copied once, when its piece is joined. The pieces that arrive are held as
    they are until then, so they must not change meanwhile (a package's plaintext does not).
    """
    held: list[memoryview] = []
    length = 0
    for chunk in chunks:
        view = memoryview(chunk).cast("B")
        while view:
            part = view[: size - length]
            held.append(part)
            length += len(part)
            view = view[len(part) :]
            if length == size:
                yield b"".join(held)
                held.clear()
                length = 0
    if held:
        yield b"".join(held)


def incoming(entry: StoredEntry, sender: int) -> StoredEntry:
    """A received entry as it will be stored: its indexed columns read from its signed body,
    and its producer the sender unless it names another."""
    producer = sender if entry.producer is None else entry.producer
    try:
        signed = parse_entry(entry.body, entry.hash, entry.signature)
    except (ValueError, KeyError, TypeError):
        return replace(entry, producer=producer)  # verification names it
    return replace(
        entry, action=signed.action, evidence_sha256=signed.evidence_sha256, producer=producer
    )
