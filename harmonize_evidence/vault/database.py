"""The open, unlocked evidence database.

One SQLCipher 4 file, keyed with a random 256-bit *raw* key (no KDF per open; the slow KDF guards
the key file instead). WAL journal, ``synchronous=FULL`` so an acknowledged commit survives a crash
or power cut, temp storage in memory so SQLite never writes a plaintext temp file, and
``secure_delete`` so purged bytes are overwritten.

Threads: a :class:`Vault` and its connection belong to the thread that opened it (sqlcipher3
enforces this). Work on another thread opens its own :class:`Vault` with the same key.

Every sqlcipher3 error is translated at this boundary into the program's exceptions (by
:func:`~harmonize_evidence.vault.sql_errors.translate_errors`); nothing above this layer sees SQL
or sqlcipher3.

Why this module is over 500 lines: :class:`Vault` is one cohesive owner of one connection. Its
methods are the store's every query, each under the connection's error translation, and the
opening functions at the end (:func:`open_database`, read-write or read-only) make the
connection it owns; ``Vault.open_another`` opens another the same way, so they cannot move to a
module of their own without an import circle. What splits off cleanly, the translation of
sqlcipher3's errors, is :mod:`harmonize_evidence.vault.sql_errors`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlcipher3

from harmonize_evidence.domain.chain import CustodyEntry, StoredEntry
from harmonize_evidence.domain.clock import format_utc, parse_utc
from harmonize_evidence.domain.errors import DiskFull, NotFound, StoreDamaged, StoreReadOnly
from harmonize_evidence.domain.model import (
    Category,
    Exhibit,
    ExhibitKind,
    Incident,
    Producer,
    Role,
    Status,
)
from harmonize_evidence.vault import disk
from harmonize_evidence.vault.schema import CURRENT_VERSION, MIGRATIONS
from harmonize_evidence.vault.sql_errors import STORE_DAMAGED, translate_errors

log = logging.getLogger(__name__)

CHUNK_SIZE = 8 * 1024 * 1024
_STREAMING_CACHE_KIB = 256  # page cache while streaming exhibits (see Vault.streaming)

_READ_ONLY_UNFINISHED = (
    "The evidence store's folder is read-only and its latest changes are still in "
    "evidence.db-wal, which can only be read where the folder can be written; copy the whole "
    "store folder to a folder you can write to and open it there."
)
_READ_ONLY_OLD_SCHEMA = (
    "This store was made by an older version of Harmonize Evidence and must be updated before "
    "it can be opened, which its read-only folder does not allow; copy the whole store folder "
    "to a folder you can write to and open it there."
)


OWN_PRODUCER_ID = 1
"""The store's number for its own producer: the first, made when the store was set up."""


@dataclass(frozen=True)
class ProducerRecord:
    """A producer whose entries or exhibits the store keeps, and their certificates (PEM)."""

    id: int
    """The store's own number for them; :data:`OWN_PRODUCER_ID` for this installation's."""
    producer: Producer
    exhibit_prefix: str
    ca_cert_pem: bytes
    signer_cert_pem: bytes
    created_utc: datetime
    """When the store first held them (for the own producer: when the store was set up)."""

    @property
    def own(self) -> bool:
        """Whether this is the installation's own producer (the only one it holds keys for)."""
        return self.id == OWN_PRODUCER_ID


@dataclass(frozen=True)
class IdentityRecord:
    """The store's own producer and their certificates and keys (PEM), as kept in the store."""

    producer: Producer
    ca_cert_pem: bytes
    ca_key_pem: bytes
    signer_cert_pem: bytes
    signer_key_pem: bytes
    created_utc: datetime


class _IncidentRows:
    """Turns rows of ``Vault._INCIDENT_COLUMNS`` into incidents, decoding each distinct text once.

    Thousands of incidents share a handful of categories, statuses and platform lists: looking
    them up instead of decoding them again halved the time to turn 5,000 rows into incidents,
    which the desktop program does before its list is complete.
    """

    def __init__(self) -> None:
        self._categories = {category.value: category for category in Category}
        self._statuses = {status.value: status for status in Status}
        self._platforms: dict[str, tuple[str, ...]] = {}

    def incident(self, row: Any) -> Incident:
        """The incident in ``row``."""
        platforms = self._platforms.get(row[3])
        if platforms is None:
            platforms = self._platforms[row[3]] = tuple(json.loads(row[3]))
        return Incident(
            id=row[0],
            title=row[1],
            category=self._categories.get(row[2]) or Category(row[2]),
            platforms=platforms,
            people=row[4],
            reported_by=row[5],
            created_utc=parse_utc(row[6]),
            status=self._statuses.get(row[7]) or Status(row[7]),
            urgent=bool(row[8]),
            item_count=int(row[9]),
            sender_producer_id=row[10],
            sender_id=row[11],
            last_activity_utc=None if row[12] is None else parse_utc(row[12]),
        )


class Vault:
    """An open evidence database. Use :func:`open_database` to get one."""

    def __init__(
        self,
        connection: sqlcipher3.Connection,
        path: Path,
        page_size: int,
        *,
        read_only: bool = False,
    ) -> None:
        self._db = connection
        self.path = path
        self.page_size = page_size
        self.read_only = read_only
        """Opened read-only because its folder takes no writes (see :func:`open_database`)."""

    def _errors(self) -> contextlib.AbstractContextManager[None]:
        # A read-only store's writes fail as SQLITE_READONLY by themselves; asking its folder
        # about any other error would call a disk that cannot be read "read-only".
        return translate_errors(None if self.read_only else self.path.parent)

    # -- life cycle ---------------------------------------------------------------------------

    def open_another(self, key: bytes) -> Vault:
        """A second connection to the same database, for another thread (one owner each)."""
        return open_database(self.path, key, self.page_size)

    def close(self) -> None:
        """Close the connection (checkpointing the WAL)."""
        with self._errors():
            self._db.close()

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic write: everything inside commits together, or nothing does.

        Transactions nest: an inner one is a savepoint of the outer, so a use case made of
        smaller ones (flag an incident, then store an exhibit) still commits as one.

        A full disk or an I/O error can make SQLite roll the whole transaction back by itself
        (a large write spills pages to the WAL before the commit): then there is nothing left
        to roll back, and the error that did it is the one raised (rolling back again would
        fail and hide it: a full disk was reported as a damaged store).
        """
        with self._errors():
            if self._db.in_transaction:
                self._db.execute("SAVEPOINT nested")
                try:
                    yield
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK TO nested")
                        self._db.execute("RELEASE nested")
                    raise
                self._db.execute("RELEASE nested")
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def schema_version(self) -> int:
        """The schema version of the open database."""
        with self._errors():
            row = self._db.execute("SELECT version FROM schema_version").fetchone()
        return int(row[0])

    def integrity_problems(self) -> list[str]:
        """Pages whose encryption MAC fails, as SQLCipher names them (empty when intact)."""
        with self._errors():
            rows = self._db.execute("PRAGMA cipher_integrity_check").fetchall()
        return [str(row[0]) for row in rows]

    # -- settings -------------------------------------------------------------------------------

    def setting(self, key: str) -> str | None:
        """A stored setting, or None."""
        with self._errors():
            row = self._db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_setting(self, key: str, value: str) -> None:
        """Store a setting."""
        with self._errors():
            self._db.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- identity -------------------------------------------------------------------------------

    def save_identity(self, record: IdentityRecord) -> None:
        """Store the own producer and their keys (once, in a new store; never changed after).

        The own producer is the store's first, so their exhibit prefix is their initials.
        """
        with self._errors():
            self._insert_producer(
                OWN_PRODUCER_ID,
                record.producer,
                record.producer.initials,
                ca_cert_pem=record.ca_cert_pem,
                signer_cert_pem=record.signer_cert_pem,
                created_utc=record.created_utc,
            )
            self._db.execute(
                "INSERT INTO own_keys (producer_id, ca_key, signer_key) VALUES (?, ?, ?)",
                (OWN_PRODUCER_ID, record.ca_key_pem, record.signer_key_pem),
            )

    def load_identity(self) -> IdentityRecord:
        """The store's own producer and signing identity."""
        with self._errors():
            row = self._db.execute(
                "SELECT p.name, p.initials, p.school, p.role, p.ca_cert, k.ca_key, p.signer_cert, "
                "k.signer_key, p.created_utc FROM producers p JOIN own_keys k "
                "ON k.producer_id = p.id WHERE p.id = ?",
                (OWN_PRODUCER_ID,),
            ).fetchone()
        if row is None:
            raise StoreDamaged(STORE_DAMAGED)
        return IdentityRecord(
            producer=Producer(row[0], row[1], row[2], Role(row[3])),
            ca_cert_pem=bytes(row[4]),
            ca_key_pem=bytes(row[5]),
            signer_cert_pem=bytes(row[6]),
            signer_key_pem=bytes(row[7]),
            created_utc=parse_utc(row[8]),
        )

    # -- handover: the lead's age identity, the staff's school cards ---------------------------

    def school_key(self) -> tuple[str, str] | None:
        """The lead's age identity (secret, recipient), or None before the first school card."""
        with self._errors():
            row = self._db.execute("SELECT secret, recipient FROM school_key").fetchone()
        return None if row is None else (str(row[0]), str(row[1]))

    def save_school_key(self, secret: str, recipient: str, created_utc: datetime) -> None:
        """Keep the lead's age identity (once; it never changes)."""
        with self._errors():
            self._db.execute(
                "INSERT INTO school_key (id, secret, recipient, created_utc) VALUES (1, ?, ?, ?)",
                (secret, recipient, format_utc(created_utc)),
            )

    def school_cards(self) -> list[tuple[bytes, str, str, datetime]]:
        """Every school card joined, oldest first: (card file, fingerprint, how, when)."""
        with self._errors():
            rows = self._db.execute(
                "SELECT card, fingerprint, confirmed_how, joined_utc FROM school_cards ORDER BY id"
            ).fetchall()
        return [(bytes(r[0]), str(r[1]), str(r[2]), parse_utc(r[3])) for r in rows]

    def add_school_card(self, card: bytes, fingerprint: str, how: str, when: datetime) -> None:
        """Keep a joined school card (the newest is the one in use)."""
        with self._errors():
            self._db.execute(
                "INSERT INTO school_cards (card, fingerprint, confirmed_how, joined_utc) "
                "VALUES (?, ?, ?, ?)",
                (card, fingerprint, how, format_utc(when)),
            )

    # -- producers ------------------------------------------------------------------------------

    def _insert_producer(
        self,
        producer_id: int | None,
        producer: Producer,
        prefix: str,
        *,
        ca_cert_pem: bytes,
        signer_cert_pem: bytes,
        created_utc: datetime,
    ) -> int:
        cursor = self._db.execute(
            "INSERT INTO producers (id, name, initials, school, role, exhibit_prefix, ca_cert, "
            "signer_cert, created_utc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                producer_id,
                producer.name,
                producer.initials,
                producer.school,
                producer.role.value,
                prefix,
                ca_cert_pem,
                signer_cert_pem,
                format_utc(created_utc),
            ),
        )
        return int(cursor.lastrowid or 0)

    def insert_producer(
        self,
        producer: Producer,
        prefix: str,
        ca_cert_pem: bytes,
        signer_cert_pem: bytes,
        created_utc: datetime,
    ) -> ProducerRecord:
        """Store another producer (kept forever); returns them with the store's number for them."""
        with self._errors():
            producer_id = self._insert_producer(
                None,
                producer,
                prefix,
                ca_cert_pem=ca_cert_pem,
                signer_cert_pem=signer_cert_pem,
                created_utc=created_utc,
            )
        return ProducerRecord(
            producer_id, producer, prefix, ca_cert_pem, signer_cert_pem, created_utc
        )

    def exhibit_prefix(self, producer_id: int) -> str:
        """The exhibit prefix this store gave a producer."""
        with self._errors():
            row = self._db.execute(
                "SELECT exhibit_prefix FROM producers WHERE id = ?", (producer_id,)
            ).fetchone()
        if row is None:
            raise StoreDamaged(STORE_DAMAGED)
        return str(row[0])

    def list_producers(self) -> list[ProducerRecord]:
        """Every producer the store holds, its own first, in the order it came to hold them."""
        with self._errors():
            rows = self._db.execute(
                "SELECT id, name, initials, school, role, exhibit_prefix, ca_cert, signer_cert, "
                "created_utc FROM producers ORDER BY id"
            ).fetchall()
        return [
            ProducerRecord(
                id=int(row[0]),
                producer=Producer(row[1], row[2], row[3], Role(row[4])),
                exhibit_prefix=str(row[5]),
                ca_cert_pem=bytes(row[6]),
                signer_cert_pem=bytes(row[7]),
                created_utc=parse_utc(row[8]),
            )
            for row in rows
        ]

    # -- incidents ------------------------------------------------------------------------------

    def next_incident_number(self, year: int) -> int:
        """The next free incident number in ``year`` (call inside a transaction)."""
        with self._errors():
            row = self._db.execute(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM incidents WHERE year = ?", (year,)
            ).fetchone()
        return int(row[0])

    def insert_incident(self, incident: Incident) -> None:
        """Store a new incident."""
        year, number = (int(part) for part in incident.id.split("-")[1:3])
        with self._errors():
            self._db.execute(
                "INSERT INTO incidents (id, year, number, title, category, platforms, people, "
                "reported_by, created_utc, status, urgent, sender_producer_id, sender_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    incident.id,
                    year,
                    number,
                    incident.title,
                    incident.category.value,
                    json.dumps(list(incident.platforms)),
                    incident.people,
                    incident.reported_by,
                    format_utc(incident.created_utc),
                    incident.status.value,
                    int(incident.urgent),
                    incident.sender_producer_id,
                    incident.sender_id,
                ),
            )

    _INCIDENT_COLUMNS = (
        "i.id, i.title, i.category, i.platforms, i.people, i.reported_by, i.created_utc, "
        "i.status, i.urgent, i.exhibit_count, i.sender_producer_id, i.sender_id, "
        # Kept on the incident by triggers (schema version 6).
        "i.last_activity_utc"
    )

    @staticmethod
    def _incident(row: Any) -> Incident:
        return _IncidentRows().incident(row)

    def get_incident(self, incident_id: str) -> Incident:
        """One incident, or :class:`NotFound`."""
        with self._errors():
            row = self._db.execute(
                f"SELECT {self._INCIDENT_COLUMNS} FROM incidents i WHERE i.id = ?",  # noqa: S608
                (incident_id,),
            ).fetchone()
        if row is None:
            raise NotFound(f"There is no incident {incident_id} in this store.")
        return self._incident(row)

    def list_incidents(self, *, by_activity: bool = False) -> list[Incident]:
        """All incidents, newest first, or (``by_activity``) latest custody entry first (an
        incident with no entry yet by when it was opened); ties by id, highest first."""
        first = "COALESCE(i.last_activity_utc, i.created_utc)" if by_activity else "i.created_utc"
        with self._errors():
            rows = self._db.execute(
                f"SELECT {self._INCIDENT_COLUMNS} FROM incidents i "  # noqa: S608
                f"ORDER BY {first} DESC, i.year DESC, i.number DESC"
            ).fetchall()
        read = _IncidentRows()
        return [read.incident(row) for row in rows]

    def received_incident(self, sender_producer_id: int, sender_id: str) -> str | None:
        """The id of the case this store gave to the sender's incident, if it received it."""
        with self._errors():
            row = self._db.execute(
                "SELECT id FROM incidents WHERE sender_producer_id = ? AND sender_id = ?",
                (sender_producer_id, sender_id),
            ).fetchone()
        return None if row is None else str(row[0])

    def incident_ids(self) -> list[str]:
        """Every incident id, oldest first."""
        with self._errors():
            rows = self._db.execute("SELECT id FROM incidents ORDER BY year, number").fetchall()
        return [str(row[0]) for row in rows]

    def set_incident_status(self, incident_id: str, status: Status) -> None:
        """Change an incident's status (the caller records it on the chain)."""
        with self._errors():
            self._db.execute(
                "UPDATE incidents SET status = ? WHERE id = ?", (status.value, incident_id)
            )

    def set_incident_category(self, incident_id: str, category: Category) -> None:
        """Change an incident's category (the caller records it on the chain)."""
        with self._errors():
            self._db.execute(
                "UPDATE incidents SET category = ? WHERE id = ?", (category.value, incident_id)
            )

    def set_incident_urgent(self, incident_id: str) -> None:
        """Flag an incident urgent (the caller records it on the chain)."""
        with self._errors():
            self._db.execute("UPDATE incidents SET urgent = 1 WHERE id = ?", (incident_id,))

    def add_incident_platform(self, incident_id: str, platform: str) -> None:
        """Add ``platform`` to the incident's platforms if it is not there yet."""
        incident = self.get_incident(incident_id)
        if platform in incident.platforms:
            return
        with self._errors():
            self._db.execute(
                "UPDATE incidents SET platforms = ? WHERE id = ?",
                (json.dumps([*incident.platforms, platform]), incident_id),
            )

    # -- exhibits -------------------------------------------------------------------------------

    def next_exhibit_number(self, prefix: str) -> int:
        """The next exhibit number for this exhibit prefix (call inside a transaction)."""
        with self._errors():
            row = self._db.execute(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM exhibits WHERE prefix = ?",
                (prefix,),
            ).fetchone()
        return int(row[0])

    def insert_exhibit(self, exhibit: Exhibit, chunks: Iterable[bytes | memoryview] = ()) -> None:
        """Store an exhibit and its bytes, chunk by chunk (call inside a transaction)."""
        prefix, number = exhibit.ref.split("/")
        with self._errors():
            cursor = self._db.execute(
                "INSERT INTO exhibits (ref, prefix, number, incident_id, kind, media_type, size, "
                "sha256, metadata, parent_sha256, created_utc, sender_ref) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    exhibit.ref,
                    prefix,
                    int(number),
                    exhibit.incident_id,
                    exhibit.kind.value,
                    exhibit.media_type,
                    exhibit.size,
                    exhibit.sha256,
                    json.dumps(exhibit.metadata, ensure_ascii=False, sort_keys=True),
                    exhibit.parent_sha256,
                    format_utc(exhibit.created_utc),
                    exhibit.sender_ref,
                ),
            )
            exhibit_id = cursor.lastrowid
            for index, chunk in enumerate(chunks):
                self._db.execute(
                    "INSERT INTO exhibit_chunks (exhibit_id, idx, data) VALUES (?, ?, ?)",
                    (exhibit_id, index, chunk),
                )

    _EXHIBIT_COLUMNS = (
        "e.ref, e.incident_id, e.kind, e.media_type, e.size, e.sha256, e.created_utc, "
        "e.metadata, e.parent_sha256, EXISTS (SELECT 1 FROM custody c WHERE "
        "c.incident_id = e.incident_id AND c.action = 'purged' AND c.evidence_sha256 = e.sha256), "
        "e.sender_ref"
    )

    @staticmethod
    def _exhibit(row: Any) -> Exhibit:
        return Exhibit(
            ref=row[0],
            incident_id=row[1],
            kind=ExhibitKind(row[2]),
            media_type=row[3],
            size=int(row[4]),
            sha256=row[5],
            created_utc=parse_utc(row[6]),
            metadata=json.loads(row[7]),
            parent_sha256=row[8],
            purged=bool(row[9]),
            sender_ref=row[10],
        )

    def list_exhibits(self, incident_id: str) -> list[Exhibit]:
        """The incident's exhibits in the order they were added."""
        with self._errors():
            rows = self._db.execute(
                f"SELECT {self._EXHIBIT_COLUMNS} FROM exhibits e "  # noqa: S608
                "WHERE e.incident_id = ? ORDER BY e.id",
                (incident_id,),
            ).fetchall()
        return [self._exhibit(row) for row in rows]

    def get_exhibit(self, ref: str) -> Exhibit:
        """One exhibit by reference, or :class:`NotFound`."""
        with self._errors():
            row = self._db.execute(
                f"SELECT {self._EXHIBIT_COLUMNS} FROM exhibits e WHERE e.ref = ?",  # noqa: S608
                (ref,),
            ).fetchone()
        if row is None:
            raise NotFound(f"There is no exhibit {ref} in this store.")
        return self._exhibit(row)

    def exhibit_chunks(self, ref: str) -> Iterator[bytes]:
        """The exhibit's original bytes, one chunk at a time (never all in memory at once)."""
        with self._errors():
            row = self._db.execute("SELECT id FROM exhibits WHERE ref = ?", (ref,)).fetchone()
            if row is None:
                raise NotFound(f"There is no exhibit {ref} in this store.")
            exhibit_id = int(row[0])
            count = self._db.execute(
                "SELECT COUNT(*) FROM exhibit_chunks WHERE exhibit_id = ?", (exhibit_id,)
            ).fetchone()[0]
        for index in range(int(count)):
            with self._errors():
                chunk = self._db.execute(
                    "SELECT data FROM exhibit_chunks WHERE exhibit_id = ? AND idx = ?",
                    (exhibit_id, index),
                ).fetchone()
            if chunk is None:
                return
            yield bytes(chunk[0])

    @contextlib.contextmanager
    def streaming(self) -> Iterator[None]:
        """Reading many exhibits' bytes in a row (an export): the page cache is kept small.

        Each page of a file is read once, so caching it only costs memory (up to 8 MB at
        SQLCipher's default cache size) and time. The cache size is restored afterwards.
        """
        with self._errors():
            previous = int(self._db.execute("PRAGMA cache_size").fetchone()[0])
            self._db.execute(f"PRAGMA cache_size = {-_STREAMING_CACHE_KIB}")
        try:
            yield
        finally:
            with self._errors():
                self._db.execute(f"PRAGMA cache_size = {previous}")

    def exhibit_bytes(self, ref: str) -> bytes:
        """The exhibit's whole original bytes (for images that are shown or embedded)."""
        return b"".join(self.exhibit_chunks(ref))

    def exhibit_digest(self, ref: str) -> str | None:
        """SHA-256 of the exhibit's stored bytes, or None if it has none."""
        digest = hashlib.sha256()
        seen = False
        for chunk in self.exhibit_chunks(ref):
            digest.update(chunk)
            seen = True
        return digest.hexdigest() if seen else None

    def delete_exhibit_bytes(self, ref: str) -> None:
        """Remove an exhibit's bytes. The database refuses unless a purge entry is recorded."""
        with self._errors():
            self._db.execute(
                "DELETE FROM exhibit_chunks WHERE exhibit_id = (SELECT id FROM exhibits "
                "WHERE ref = ?)",
                (ref,),
            )

    # -- custody --------------------------------------------------------------------------------

    def chain_head(self, incident_id: str, *, received: bool = False) -> tuple[int, str] | None:
        """(sequence number, hash) of the last entry of the incident's own chain (or, with
        ``received``, of its sender's chain), or None when it has none."""
        with self._errors():
            row = self._db.execute(
                "SELECT seq, hash FROM custody WHERE incident_id = ? AND received = ? "
                "ORDER BY seq DESC LIMIT 1",
                (incident_id, int(received)),
            ).fetchone()
        return None if row is None else (int(row[0]), str(row[1]))

    def append_entry(
        self,
        entry: CustodyEntry,
        *,
        incident_id: str | None = None,
        producer_id: int = OWN_PRODUCER_ID,
        received: bool = False,
    ) -> None:
        """Store a signed entry (call inside the transaction that made its change).

        An entry of this store's own chain belongs to the incident it names, signed by the own
        producer. An entry of a sender's chain (``received``) is filed under ``incident_id``,
        the case this store gave it, and names the producer whose key signed it.
        """
        with self._errors():
            self._db.execute(
                "INSERT INTO custody (incident_id, received, seq, producer_id, utc, action, "
                "evidence_sha256, hash, body, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    incident_id or entry.incident_id,
                    int(received),
                    entry.seq,
                    producer_id,
                    entry.utc,
                    entry.action,
                    entry.evidence_sha256,
                    entry.hash,
                    entry.body,
                    entry.signature,
                ),
            )

    def stored_entries(self, incident_id: str, *, received: bool = False) -> Iterator[StoredEntry]:
        """The entries of the incident's own chain (or, with ``received``, of its sender's
        chain) in sequence order, as stored, each with the producer who signed it."""
        with self._errors():
            cursor = self._db.execute(
                "SELECT seq, hash, body, signature, action, evidence_sha256, producer_id "
                "FROM custody WHERE incident_id = ? AND received = ? ORDER BY seq",
                (incident_id, int(received)),
            )
            for row in cursor:
                yield StoredEntry(
                    seq=int(row[0]),
                    hash=str(row[1]),
                    body=bytes(row[2]),
                    signature=bytes(row[3]),
                    action=row[4],
                    evidence_sha256=row[5],
                    producer=int(row[6]),
                )

    def earliest_times(self, incident_id: str | None = None) -> dict[str, datetime]:
        """For every incident (or one), the earliest of its exhibits' times and its sender's
        first entry (for the lead's clock); incidents with neither are absent."""
        where = "" if incident_id is None else " WHERE incident_id = ?"
        with self._errors():
            rows = self._db.execute(
                "SELECT incident_id, MIN(t) FROM ("  # noqa: S608 - no user text in it
                f" SELECT incident_id, created_utc AS t FROM exhibits{where}"
                " UNION ALL SELECT incident_id, utc AS t FROM custody WHERE received = 1"
                f"{'' if incident_id is None else ' AND incident_id = ?'}"
                ") GROUP BY incident_id",
                () if incident_id is None else (incident_id, incident_id),
            ).fetchall()
        return {str(row[0]): parse_utc(row[1]) for row in rows}

    def entries_by_action(
        self, actions: Iterable[str], paths: Sequence[str]
    ) -> Iterator[tuple[Any, ...]]:
        """``(incident id, seq, action, *values)`` of every own-chain entry with one of
        ``actions``, by incident and sequence, where ``values`` are the JSON ``paths`` of each
        signed body (``$.details.at_utc``), read by SQLite: one query for every case, where a
        list needs a few fields of them all."""
        wanted = sorted(set(actions))
        marks = ", ".join("?" for _ in wanted)
        columns = "".join(", json_extract(CAST(body AS TEXT), ?)" for _ in paths)
        with self._errors():
            cursor = self._db.execute(
                f"SELECT incident_id, seq, action{columns} FROM custody "  # noqa: S608 - marks
                f"WHERE received = 0 AND action IN ({marks}) ORDER BY incident_id, seq",
                [*paths, *wanted],
            )
            yield from cursor

    # -- migrations -----------------------------------------------------------------------------

    def migrate(self, target: int = CURRENT_VERSION) -> None:
        """Bring the schema up to ``target``, one migration per transaction."""
        with self._errors():
            exists = self._db.execute(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
                ("schema_version",),
            ).fetchone()[0]
            version = self.schema_version() if exists else 0
            if version > CURRENT_VERSION:
                raise StoreDamaged(
                    "This store was made by a newer version of Harmonize Evidence; "
                    "install the newer version to open it."
                )
            if self.read_only and version < target:
                raise StoreReadOnly(_READ_ONLY_OLD_SCHEMA)
            for number in range(version + 1, target + 1):
                script = MIGRATIONS[number - 1]
                self._db.executescript(
                    f"BEGIN IMMEDIATE;\n{script}\n"
                    f"UPDATE schema_version SET version = {number};\nCOMMIT;"
                )
                log.info("migrated store to schema version %d", number)


def open_database(
    path: Path,
    key: bytes,
    page_size: int,
    *,
    create: bool = False,
    schema_version: int = CURRENT_VERSION,
) -> Vault:
    """Open (or create) the database at ``path`` with the raw ``key`` and migrate it.

    ``schema_version`` is the version to migrate to; only tests that build stores of an older
    version pass anything but the current one.

    The key was already confirmed by the key file's authenticated wrapping, so any failure to
    read here means the database itself is damaged, unless the disk is full or the folder takes
    no writes. A store in a folder that takes no writes is opened read-only (see
    :func:`_open_read_only`): it can be read and verified, and every write is refused with
    :class:`StoreReadOnly`.
    """
    if not create and not path.exists():
        raise StoreDamaged(
            "The evidence database is missing from the store folder, though its key file is "
            "there; restore the store folder from a backup."
        )
    if len(key) != 32:
        raise ValueError("the database key must be 32 bytes")
    try:
        return _open(str(path), path, key, page_size, schema_version, read_only=False)
    except StoreReadOnly as exc:
        if create:
            raise StoreReadOnly(disk.NEW_STORE_READ_ONLY.format(folder=path.parent)) from exc
        log.info("the store folder takes no writes; opening the store read-only")
    except DiskFull as exc:
        if create:
            raise DiskFull(disk.DISK_FULL_NEW_STORE) from exc
        raise
    return _open_read_only(path, key, page_size, schema_version)


def _open_read_only(path: Path, key: bytes, page_size: int, schema_version: int) -> Vault:
    """Open a store whose folder takes no writes, read-only.

    A WAL database needs its ``-wal`` and ``-shm`` files beside it. With ``mode=ro`` SQLite
    reads them when they are there (a store left open, or not closed cleanly), with its usual
    locking, so another process may even be writing meanwhile. When they are not there and the
    folder cannot take them, ``mode=ro`` cannot open the database at all
    (https://www.sqlite.org/wal.html, "Read-Only Databases"); ``immutable=1`` can, because it
    skips locking and change detection, which is safe only while no one can be writing. It is
    safe here, and used only then: without a ``-wal`` file every commit is in ``evidence.db``
    itself (SQLite removes the WAL only after copying all of it back, and an empty one holds
    nothing), and nothing can write to a WAL database without first making its ``-wal`` file in
    this folder, which this folder has just refused. (Only a process with more rights than ours
    could still make one; the ``-wal`` is looked for again once the store is open.) A ``-wal``
    with content that ``mode=ro`` cannot read is never skipped over: the store is refused
    instead, since ``immutable=1`` would silently miss its latest commits.
    """
    wal = path.with_name(path.name + "-wal")
    uri = path.resolve().as_uri()
    try:
        return _open(f"{uri}?mode=ro", path, key, page_size, schema_version, read_only=True)
    except StoreReadOnly as exc:
        if _has_content(wal):
            raise StoreReadOnly(_READ_ONLY_UNFINISHED) from exc
    vault = _open(
        f"{uri}?mode=ro&immutable=1", path, key, page_size, schema_version, read_only=True
    )
    if _has_content(wal):  # a writer came after all: what was read may be out of date
        vault.close()
        raise StoreReadOnly(_READ_ONLY_UNFINISHED)
    return vault


def _has_content(file: Path) -> bool:
    try:
        return file.stat().st_size > 0
    except FileNotFoundError:
        return False


def _open(
    target: str, path: Path, key: bytes, page_size: int, schema_version: int, *, read_only: bool
) -> Vault:
    """Connect to ``target`` (a path, or a ``file:`` URI for a read-only store) and migrate."""
    folder = path.parent
    with translate_errors(folder, opening=True):
        connection = sqlcipher3.connect(target, isolation_level=None, uri=read_only)
    try:
        with translate_errors(folder, opening=True):
            connection.execute("PRAGMA cipher_log_level = NONE")
            # Only our own hex goes into the key pragma; it takes no parameters.
            connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
            connection.execute(f"PRAGMA cipher_page_size = {int(page_size)}")
            connection.execute("PRAGMA temp_store = MEMORY")
            connection.execute("PRAGMA busy_timeout = 5000")
            if not read_only:
                connection.execute("PRAGMA journal_mode = WAL").fetchone()
                connection.execute("PRAGMA synchronous = FULL")
                connection.execute("PRAGMA secure_delete = ON")
            connection.execute("PRAGMA foreign_keys = ON")
            # The first read opens the WAL and its index: a full disk or a folder that takes no
            # writes shows here, while the store is being opened.
            connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        vault = Vault(connection, path, page_size, read_only=read_only)
        vault.migrate(schema_version)
    except BaseException:
        connection.close()
        raise
    return vault
