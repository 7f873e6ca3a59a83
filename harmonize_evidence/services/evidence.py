"""The open evidence store and its use cases: incidents, exhibits, notes, the chain, verification.

:class:`EvidenceStore` is what the command line and the GUI hold once the store is unlocked. Each
change and its custody entry are written in one transaction, so the chain and the store never
disagree, even after a crash.

A store holds its own producer and may hold others (:meth:`EvidenceStore.add_producer`), whose
signed chains it keeps as received (:meth:`EvidenceStore.receive_chain`): each entry is verified
against the producer who signed it, when it arrives and at every verification after. Those two
use cases live in :mod:`.producers`, verification in :mod:`.verification`, signing and
reading the chain in :mod:`.custody`, writing an exhibit's copy to a file in
:mod:`.extracting`, and reading a file to import in :mod:`.importing`; the methods here call
them with the store's vault.

This module stays over 500 lines because :class:`EvidenceStore` is the one façade the command
line and the GUI hold: the incident and exhibit use cases (adding, importing, reading,
extracting and purging evidence) each write their change and its custody entry in one
transaction of the store's vault, and have not yet been moved out beside it.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harmonize_evidence.domain.chain import (
    CustodyEntry,
    Problem,
    StoredEntry,
    metadata_digest,
)
from harmonize_evidence.domain.clock import Clock, local_time
from harmonize_evidence.domain.errors import (
    BadInput,
    FileRejected,
    NotFound,
    StoreDamaged,
)
from harmonize_evidence.domain.metadata import ExhibitMetadata, ImageSize
from harmonize_evidence.domain.model import (
    URGENT_SAFEGUARDING,
    Action,
    Category,
    Exhibit,
    ExhibitKind,
    Incident,
    Producer,
    Status,
    format_exhibit_ref,
    format_incident_id,
    normalise_exhibit_ref,
    normalise_incident_id,
)
from harmonize_evidence.domain.post_time import PostTime, read_post_time
from harmonize_evidence.domain.text import NAME_MAX, NOTE_MAX, PEOPLE_MAX, TITLE_MAX, check_text
from harmonize_evidence.domain.urls import OTHER_PLATFORM, detect_platform, validate_url
from harmonize_evidence.services import custody
from harmonize_evidence.services.extracting import (
    CopyProgress,
    copy_target,
    no_bytes_message,
    write_copy,
)
from harmonize_evidence.services.importing import (
    DEFAULT_MAX_BYTES,
    kind_for,
    read_import,
)
from harmonize_evidence.services.unfinished_writes import (
    COPY,
    finish_interrupted_writes,
    recorded_entry,
    recorded_write,
)
from harmonize_evidence.services.verification import (
    Progress,
    VerificationReport,
    signers,
    verification_text,
    verified_chain,
)
from harmonize_evidence.services.verification import verify as verify_store
from harmonize_evidence.signing.identity import EntrySigner, fingerprint
from harmonize_evidence.vault.database import OWN_PRODUCER_ID, ProducerRecord, Vault

if TYPE_CHECKING:
    from harmonize_evidence.services.producers import ReceivedExhibit

__all__ = [
    "EvidenceStore",
    "Progress",
    "VerificationReport",
    "check_source",
    "read_posted_at",
    "reporter_missing",
    "verification_text",
]

log = logging.getLogger(__name__)


def read_posted_at(text: str | None, *, captured: datetime, zone: tzinfo) -> PostTime | None:
    """Read the time shown on a post as typed, against the capture time, in the user's zone.

    The forms it takes and the rules for clock changes are those of
    :mod:`~harmonize_evidence.domain.post_time`. None: nothing was typed.

    Raises:
        BadInput: one sentence saying why the text cannot be read as the time on the post.
    """
    return read_post_time(text, captured, zone)


def check_source(*, url: str | None, note: str, posted_at: str | None, clock: Clock) -> str | None:
    """Check what a user says about a source before anything is grabbed or opened.

    The time on the post is read against the clock's time now: a capture made just after
    reads it the same way.

    Returns the URL as it will be recorded (or None); raises :class:`BadInput` otherwise.
    """
    checked_url = validate_url(url) if url else None
    check_text(note, "note", max_length=NOTE_MAX, multiline=True, required=False)
    read_posted_at(posted_at, captured=clock.now(), zone=clock.zone)
    return checked_url


class EvidenceStore:
    """An unlocked store. Belongs to the thread that opened it (see :mod:`vault.database`)."""

    def __init__(
        self,
        vault: Vault,
        clock: Clock,
        *,
        key: bytes,
        location_directory: Path,
        opens_with_keychain: bool = False,
    ) -> None:
        self._vault = vault
        self._key = key
        self.clock = clock
        self.directory = location_directory
        self.opens_with_keychain = opens_with_keychain
        """Whether the store also opens with the computer login at start (``init --keychain``)."""
        identity = vault.load_identity()
        self.identity = identity
        self.producer: Producer = identity.producer
        self.exhibit_prefix = vault.exhibit_prefix(OWN_PRODUCER_ID)
        """The own producer's exhibit prefix: their initials (they are the store's first)."""
        self._signer = EntrySigner(identity.signer_key_pem)
        self.fingerprint = fingerprint(identity.ca_cert_pem)

    # -- life cycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Close the store and forget its key."""
        self._vault.close()
        self._key = b""

    def __enter__(self) -> EvidenceStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        """Group several use cases into one transaction: all of them are kept, or none."""
        with self._vault.transaction():
            yield

    def key_for_another_handle(self) -> bytes:
        """The key this store is open with, for a handle that another part of the program opens
        on it (the desktop program's own, after the set-up wizard made the store on a worker
        thread): deriving it again from the passphrase would make the user wait for the
        passphrase's KDF a second time."""
        return self._key

    def open_for_this_thread(self) -> EvidenceStore:
        """A second handle on the same store for another thread (each thread owns its own)."""
        vault = self._vault.open_another(self._key)
        return EvidenceStore(
            vault,
            self.clock,
            key=self._key,
            location_directory=self.directory,
            opens_with_keychain=self.opens_with_keychain,
        )

    @property
    def read_only(self) -> bool:
        """Whether the store's folder can only be read: it lists, shows, verifies and exports."""
        return self._vault.read_only

    @property
    def schema_version(self) -> int:
        """The schema version of the open database."""
        return self._vault.schema_version()

    # -- the chain ------------------------------------------------------------------------------

    def _append(
        self,
        incident_id: str,
        action: Action,
        details: Mapping[str, Any],
        evidence_sha256: str | None = None,
        *,
        utc: datetime | None = None,
    ) -> CustodyEntry:
        """Sign and store the next entry of the incident's chain (inside a transaction)."""
        return custody.append_entry(
            self._vault,
            self._signer,
            self.producer.actor,
            self.clock,
            incident_id,
            action=action,
            details=details,
            evidence_sha256=evidence_sha256,
            utc=utc,
        )

    def record(
        self,
        incident_id: str,
        action: Action,
        details: Mapping[str, Any],
        evidence_sha256: str | None = None,
    ) -> CustodyEntry:
        """Sign and store the next entry of the incident's chain, for a use case of
        :mod:`harmonize_evidence.services` that makes its change in the same transaction."""
        return self._append(incident_id, action, details, evidence_sha256)

    @property
    def vault(self) -> Vault:
        """The open database, for the use cases of :mod:`harmonize_evidence.services` that
        live beside this façade (handover, receipt); the command line and the GUI never hold
        it."""
        return self._vault

    def sign(self, data: bytes) -> bytes:
        """Sign ``data`` with the producer's key (ECDSA P-256, SHA-256, DER)."""
        return self._signer.sign(data)

    def log(self, incident_id: str) -> list[CustodyEntry]:
        """The incident's custody chain (this store's own), oldest first."""
        return custody.own_log(self._vault, self.incident(incident_id))

    def received_log(self, incident_id: str) -> list[CustodyEntry]:
        """The chain its sender signed, as received, for an incident from another store.

        Empty for an incident opened here. Its entries name the sender's id for the incident.
        """
        return custody.received_log(self._vault, self.incident(incident_id))

    def verified_log(self, incident_id: str) -> tuple[list[CustodyEntry], list[Problem]]:
        """The incident's own chain and what is wrong with it (each entry against its signer)."""
        incident = self.incident(incident_id)
        return verified_chain(self._vault, incident.id, signers(self._vault))

    def chain_head(self, incident_id: str) -> tuple[int, str]:
        """(sequence number, hash) of the incident's newest entry."""
        head = self._vault.chain_head(normalise_incident_id(incident_id))
        if head is None:
            raise StoreDamaged(
                f"Incident {incident_id} has no custody chain; the store is damaged."
            )
        return head

    # -- incidents ------------------------------------------------------------------------------

    def new_incident(
        self,
        title: str,
        *,
        category: Category = Category.STAFF_CYBERBULLYING,
        platforms: Iterable[str] = (),
        people: str = "",
        reported_by: str | None = None,
    ) -> Incident:
        """Open an incident; its chain starts with ``incident_created``."""
        check_text(title, "title", max_length=TITLE_MAX)
        check_text(
            people,
            "list of people involved",
            max_length=PEOPLE_MAX,
            multiline=True,  # a list of names, one a line, is normal; bidi overrides are not
            required=False,
        )
        reporter = self.producer.name if reporter_missing(reported_by) else str(reported_by)
        check_text(reporter, "name of the person reporting", max_length=NAME_MAX)
        platform_list = tuple(dict.fromkeys(p.strip() for p in platforms if p.strip()))
        for platform in platform_list:
            check_text(platform, "platform", max_length=NAME_MAX)
        now = self.clock.now()
        with self._vault.transaction():
            number = self._vault.next_incident_number(now.year)
            incident = Incident(
                id=format_incident_id(now.year, number),
                title=title,
                category=category,
                platforms=platform_list,
                people=people,
                reported_by=reporter,
                created_utc=now,
                status=Status.OPEN,
            )
            self._vault.insert_incident(incident)
            self._append(
                incident.id,
                Action.INCIDENT_CREATED,
                {
                    "title": title,
                    "category": category.value,
                    "platforms": list(platform_list),
                    "people": people,
                    "reported_by": reporter,
                },
                utc=now,
            )
        return incident

    def incidents(self, *, by_activity: bool = False) -> list[Incident]:
        """All incidents, newest first, or (``by_activity``) latest custody entry first, as the
        desktop program's list opens."""
        return self._vault.list_incidents(by_activity=by_activity)

    def incident(self, incident_id: str) -> Incident:
        """One incident, or :class:`NotFound`."""
        return self._vault.get_incident(normalise_incident_id(incident_id))

    def exhibits(self, incident_id: str) -> list[Exhibit]:
        """The incident's exhibits in the order they were added."""
        return self._vault.list_exhibits(self.incident(incident_id).id)

    def exhibit(self, incident_id: str, ref: str) -> Exhibit:
        """One exhibit of the incident, or :class:`NotFound`."""
        incident = self.incident(incident_id)
        exhibit = self._vault.get_exhibit(normalise_exhibit_ref(ref))
        if exhibit.incident_id != incident.id:
            raise NotFound(
                f"Exhibit {exhibit.ref} belongs to {exhibit.incident_id}, not {incident.id}."
            )
        return exhibit

    def set_status(self, incident_id: str, status: Status, reason: str = "") -> CustodyEntry:
        """Change an incident's status, recorded on the chain."""
        incident = self.incident(incident_id)
        check_text(reason, "reason", max_length=NOTE_MAX, multiline=True, required=False)
        with self._vault.transaction():
            self._vault.set_incident_status(incident.id, status)
            return self._append(
                incident.id,
                Action.STATUS_CHANGED,
                {"from": incident.status.value, "to": status.value, "reason": reason},
            )

    def flag_urgent(
        self, incident_id: str, reason: str, *, utc: datetime | None = None
    ) -> CustodyEntry:
        """Flag the incident ``urgent-safeguarding`` for the lead, recorded on the chain.

        Flagging again records the new reason; the flag itself stays set. ``utc`` stamps the
        entry with a time already read (the moment of the evidence it is flagged for).
        """
        incident = self.incident(incident_id)
        check_text(reason, "reason", max_length=NOTE_MAX, multiline=True)
        with self._vault.transaction():
            self._vault.set_incident_urgent(incident.id)
            return self._append(
                incident.id,
                Action.FLAGGED_URGENT,
                {"flag": URGENT_SAFEGUARDING, "reason": reason},
                utc=utc,
            )

    # -- evidence -------------------------------------------------------------------------------

    def describe_source(
        self,
        *,
        url: str | None,
        note: str,
        posted_at: str | None,
        now: datetime,
    ) -> ExhibitMetadata:
        """The metadata every exhibit carries: where it came from, when, and who kept it.

        The time on the post is kept as typed and as it was understood, read against ``now``
        (the capture's time).
        """
        checked_url = validate_url(url) if url else None
        check_text(note, "note", max_length=NOTE_MAX, multiline=True, required=False)
        # Imported here: the desktop program opens its store and lists the incidents without it.
        from harmonize_evidence.services import environment

        posted = read_posted_at(posted_at, captured=now, zone=self.clock.zone)
        when = local_time(now, self.clock.zone, self.clock.zone_name)
        return ExhibitMetadata(
            url=checked_url,
            platform=detect_platform(checked_url) if checked_url else None,
            note=note,
            posted_at=None if posted is None else posted.typed,
            posted_at_understood=None if posted is None else posted.understood_iso,
            posted_at_approximate=None if posted is None else posted.approximate,
            utc=when.utc_iso,
            local_time=when.local_iso,
            time_zone=when.zone_name,
            utc_offset=when.utc_offset,
            os_user=environment.os_user(),
            display_name=self.producer.name,
            machine=environment.machine_name(),
            tool=environment.tool(),
        )

    def store_exhibit(
        self,
        incident_id: str,
        *,
        kind: ExhibitKind,
        media_type: str,
        chunks: Iterable[bytes],
        size: int,
        sha256: str | None,
        metadata: ExhibitMetadata | Mapping[str, Any],
        action: Action,
        now: datetime,
        entry_details: Mapping[str, Any] | None = None,
        parent_sha256: str | None = None,
        rehash: bool = True,
    ) -> Exhibit:
        """Store an exhibit, its bytes and its custody entry in one transaction.

        ``chunks`` must hash to ``sha256``. With ``rehash`` (for bytes streamed from a file that
        could change under us) they are hashed again as they are written and the whole
        transaction is undone if they differ; callers that hashed the very bytes object they pass
        may skip that second pass.
        """
        incident = self.incident(incident_id)
        metadata = metadata.to_json() if isinstance(metadata, ExhibitMetadata) else dict(metadata)
        digest = hashlib.sha256()
        written = 0

        def checked(parts: Iterable[bytes]) -> Iterator[bytes]:
            nonlocal written
            for part in parts:
                if rehash:
                    digest.update(part)
                written += len(part)
                yield part

        with self._vault.transaction():
            number = self._vault.next_exhibit_number(self.exhibit_prefix)
            exhibit = Exhibit(
                ref=format_exhibit_ref(self.exhibit_prefix, number),
                incident_id=incident.id,
                kind=kind,
                media_type=media_type,
                size=size,
                sha256=sha256,
                created_utc=now,
                metadata=metadata,
                parent_sha256=parent_sha256,
            )
            self._vault.insert_exhibit(exhibit, checked(chunks))
            if sha256 is not None and (
                written != size or (rehash and digest.hexdigest() != sha256)
            ):
                raise FileRejected(
                    "The file changed while it was being stored, so it was not imported; "
                    "make sure nothing is writing to it and try again."
                )
            platform = metadata.get("platform")
            # An address from a host we do not know says "other" in the exhibit's metadata; it
            # is not added to the incident's platforms, which only a person or a known host names.
            if platform and platform != OTHER_PLATFORM and platform not in incident.platforms:
                self._vault.add_incident_platform(incident.id, str(platform))
            self._append(
                incident.id,
                action,
                {
                    "exhibit": exhibit.ref,
                    "kind": kind.value,
                    "media_type": media_type,
                    "size": size,
                    "metadata_sha256": metadata_digest(metadata),
                    **(entry_details or {}),
                },
                evidence_sha256=sha256,
                # The entry is stamped when it is committed, so the chain reads in time order
                # even if the details dialog was open for a while; the capture or import time
                # (``now``) is the exhibit's own, in its metadata and record.
            )
        return exhibit

    def add_file(
        self,
        incident_id: str,
        path: Path,
        *,
        url: str | None = None,
        note: str = "",
        kind: ExhibitKind | None = None,
        posted_at: str | None = None,
        came_from: str | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> Exhibit:
        """Import a file as an exhibit, its bytes unchanged.

        ``came_from`` says how the file reached this computer, in the user's words (the report's
        statement gives it); empty or None: not said.
        """
        incident = self.incident(incident_id)
        now = self.clock.now()
        metadata = self.describe_source(url=url, note=note, posted_at=posted_at, now=now)
        came_from = (came_from or "").strip() or None
        if came_from is not None:
            check_text(came_from, "where the file came from", max_length=NOTE_MAX, multiline=True)
        read = read_import(path, max_bytes)
        media_type, image_size = read.media_type, read.image_size
        metadata = replace(
            metadata,
            source_file_name=path.name,
            came_from=came_from,
            image=None if image_size is None else ImageSize(*image_size),
        )
        return self.store_exhibit(
            incident.id,
            kind=kind or kind_for(media_type),
            media_type=media_type,
            chunks=read.chunks,
            size=read.size,
            sha256=read.sha256,
            metadata=metadata,
            action=Action.EVIDENCE_IMPORTED,
            now=now,
            entry_details={"source_file_name": path.name},
            rehash=not read.in_memory,
        )

    def add_note(self, incident_id: str, text: str) -> CustodyEntry:
        """Record a written account or contemporaneous note on the chain; it can never change."""
        incident = self.incident(incident_id)
        check_text(text, "note", max_length=NOTE_MAX, multiline=True)
        with self._vault.transaction():
            return self._append(incident.id, Action.NOTE_ADDED, {"text": text})

    def record_export(
        self, incident_id: str, bundle_sha256: str, details: Mapping[str, Any]
    ) -> CustodyEntry:
        """Record on the chain that the incident was exported as a bundle with this SHA-256."""
        incident = self.incident(incident_id)
        with self._vault.transaction():
            return self._append(
                incident.id, Action.EXPORTED, details, evidence_sha256=bundle_sha256
            )

    def read_exhibit(self, incident_id: str, ref: str) -> Iterator[bytes]:
        """The exhibit's original bytes, chunk by chunk."""
        exhibit = self.exhibit(incident_id, ref)
        if not exhibit.has_bytes:
            raise BadInput(no_bytes_message(exhibit))
        return self._vault.exhibit_chunks(exhibit.ref)

    def read_listed_exhibit(self, exhibit: Exhibit) -> Iterator[bytes]:
        """The original bytes of an exhibit just listed by :meth:`exhibits`, chunk by chunk.

        For reading many in a row (an export): the exhibit is not looked up again.
        """
        if not exhibit.has_bytes:
            raise BadInput(no_bytes_message(exhibit))
        return self._vault.exhibit_chunks(exhibit.ref)

    def streaming(self) -> contextlib.AbstractContextManager[None]:
        """Around reading many exhibits in a row: the database caches little meanwhile."""
        return self._vault.streaming()

    def exhibit_bytes(self, incident_id: str, ref: str) -> bytes:
        """The exhibit's whole original bytes."""
        return b"".join(self.read_exhibit(incident_id, ref))

    def extract(
        self, incident_id: str, ref: str, out: Path, progress: CopyProgress | None = None
    ) -> tuple[Path, str]:
        """Write a copy of an exhibit's original bytes to ``out``; logged on the chain.

        An existing file is never overwritten. If ``out`` is a folder the copy is named after the
        exhibit. The copy is checked against the recorded SHA-256 before it is kept. ``progress``
        hears how far it has gone, and may stop it (then nothing is kept or recorded).
        """
        exhibit = self.exhibit(incident_id, ref)
        target = copy_target(exhibit, out)
        finish_interrupted_writes(self.directory, self.log)
        incident = exhibit.incident_id
        after, _ = self.chain_head(incident)
        sha256 = str(exhibit.sha256)  # copy_target refuses an exhibit without bytes

        def record() -> None:
            # Before the copy gets its name: no copy exists that the chain does not record.
            with self._vault.transaction():
                self._append(
                    incident,
                    Action.EVIDENCE_EXTRACTED,
                    {"exhibit": exhibit.ref, "file_name": target.name},
                    evidence_sha256=sha256,
                )

        def recorded() -> CustodyEntry | None:
            """This copy's entry, if it was committed (the chain says)."""
            try:
                head = self._vault.chain_head(incident)
                entries = [] if head is None or head[0] <= after else self.log(incident)
                return recorded_entry(entries, COPY, sha256, target, after)
            except Exception:  # the chain cannot be read: it cannot say so
                return None

        with recorded_write(
            self.directory,
            target,
            COPY,
            incident,
            recorded=recorded,
            what="The copy",
            after_seq=after,
        ) as written:
            write_copy(
                self._vault,
                exhibit,
                target,
                progress,
                temporary=written.temporary,
                recording=record,
                keep=lambda: recorded() is not None,
            )
        return target, sha256  # the copy's: write_copy checks it before the copy is recorded

    def purge(self, incident_id: str, ref: str, reason: str) -> CustodyEntry:
        """Remove an exhibit's bytes for retention (GDPR); a tombstone entry keeps its hash."""
        exhibit = self.exhibit(incident_id, ref)
        check_text(reason, "reason for the purge", max_length=NOTE_MAX, multiline=True)
        if not exhibit.has_bytes:
            raise BadInput(no_bytes_message(exhibit))
        with self._vault.transaction():
            entry = self._append(
                exhibit.incident_id,
                Action.PURGED,
                {"exhibit": exhibit.ref, "reason": reason, "size": exhibit.size},
                evidence_sha256=exhibit.sha256,
            )
            self._vault.delete_exhibit_bytes(exhibit.ref)
        return entry

    # -- other producers ------------------------------------------------------------------------

    def producers(self) -> list[ProducerRecord]:
        """Every producer whose entries or exhibits the store holds, its own first."""
        return self._vault.list_producers()

    def add_producer(
        self, producer: Producer, ca_cert_pem: bytes, signer_cert_pem: bytes
    ) -> ProducerRecord:
        """Hold another producer with their certificates; kept forever.

        See :func:`~harmonize_evidence.services.producers.add_producer`.
        """
        from harmonize_evidence.services import producers as held  # a lead's use case: when used

        return held.add_producer(self._vault, self.clock, producer, ca_cert_pem, signer_cert_pem)

    def receive_chain(
        self,
        sender: ProducerRecord,
        incident: Incident,
        entries: Sequence[StoredEntry],
        exhibits: Sequence[ReceivedExhibit] = (),
    ) -> Incident:
        """Keep an incident from another store: its sender's signed chain exactly as received.

        Returns the case (see :func:`~harmonize_evidence.services.producers.receive_chain`
        for what a receipt added).

        See :func:`~harmonize_evidence.services.producers.receive_chain`.
        """
        from harmonize_evidence.services import producers as held  # a lead's use case: when used

        return held.receive_chain(
            self._vault, self.clock, sender, incident, entries, exhibits=exhibits
        ).case

    # -- verification ---------------------------------------------------------------------------

    def verify(
        self, incident_id: str | None = None, progress: Progress | None = None
    ) -> VerificationReport:
        """Re-check every hash, link and signature, and re-hash every stored exhibit."""
        return verify_store(self._vault, incident_id, progress)


def reporter_missing(value: str | None) -> bool:
    """Whether a reporter name was left out."""
    return value is None or not value.strip()
