"""The chain of custody: format of an entry, its hash, and verification of a chain.

Entry format, version 1 (a recipient of a bundle depends on it)
================================================================

An entry's *body* is the RFC 8785 canonical JSON (UTF-8) of this object::

    {
      "format": "harmonize-evidence/custody-entry",
      "version": 1,
      "incident": "INC-2026-0007",
      "seq": 3,                      # 1, 2, 3, ... with no gaps
      "utc": "2026-11-22T21:04:05.123456Z",
      "actor": "Zoë Lane (ZL)",
      "action": "evidence_captured", # see domain.model.Action
      "details": {...},              # action-specific, JSON values only, no floats
      "evidence_sha256": "<hex>" | null,
      "prev_hash": "<hex of the previous entry's hash>"   # 64 zeros for seq 1
    }

The entry's ``hash`` is the lower-case hex SHA-256 of the body bytes, and its ``signature`` is an
ECDSA P-256 / SHA-256 signature (DER) over the same body bytes by the store's signing certificate.
The body is stored exactly as signed, so verification re-hashes the very bytes that were signed
and never depends on re-serialising JSON the same way twice.

Many producers, same format
===========================

A store may hold entries signed by several producers (a safeguarding lead's store keeps the
chains its staff handed over). Which producer signed an entry is *not* part of its body, and the
format stays version 1: the signature itself is bound to one key, so the store records beside
each entry the producer whose key signed it, and verification checks the signature against that
producer's signing certificate and that the body's ``actor`` is that producer's own
(``Name (INITIALS)``). An entry attributed to the wrong producer, or signed by one producer in
another's name, is named by verification. Naming the signer's certificate in the body would have
meant a new version, and a different manifest, for every store of one producer, for no check that
the stored attribution does not already give. A bundle holds one producer's entries, checked
against its ``signer.pem``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import rfc8785

ENTRY_FORMAT = "harmonize-evidence/custody-entry"
ENTRY_VERSION = 1
GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class CustodyEntry:
    """One signed, hash-linked line of an incident's custody log."""

    incident_id: str
    seq: int
    utc: str
    actor: str
    action: str
    details: Mapping[str, Any]
    evidence_sha256: str | None
    prev_hash: str
    hash: str
    body: bytes
    signature: bytes

    @property
    def short_hash(self) -> str:
        """The first 12 hex digits of the hash, for tables."""
        return self.hash[:12]


@dataclass(frozen=True)
class Problem:
    """One thing verification found wrong, named by what it concerns (an entry or an exhibit)."""

    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.message}"


class SignatureCheck(Protocol):
    """Checks a signature over some bytes with one producer's public key."""

    def __call__(self, signature: bytes, data: bytes) -> bool: ...


@dataclass(frozen=True)
class Signer:
    """A producer as verification sees them: their signature check and how entries name them."""

    check: SignatureCheck
    actor: str | None = None
    """The ``actor`` their entries give (``Zoë Lane (ZL)``); None where it is not checked."""


def canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical JSON of ``value``."""
    return rfc8785.dumps(value)


def sha256_hex(data: bytes) -> str:
    """Lower-case hex SHA-256."""
    return hashlib.sha256(data).hexdigest()


def entry_body(
    *,
    incident_id: str,
    seq: int,
    utc: str,
    actor: str,
    action: str,
    details: Mapping[str, Any],
    evidence_sha256: str | None,
    prev_hash: str,
) -> bytes:
    """The canonical bytes that are hashed and signed for one entry."""
    return canonical_json(
        {
            "format": ENTRY_FORMAT,
            "version": ENTRY_VERSION,
            "incident": incident_id,
            "seq": seq,
            "utc": utc,
            "actor": actor,
            "action": action,
            "details": dict(details),
            "evidence_sha256": evidence_sha256,
            "prev_hash": prev_hash,
        }
    )


def parse_entry(body: bytes, hash_: str, signature: bytes) -> CustodyEntry:
    """Rebuild an entry from its stored body; raises ``ValueError`` if the body is not one."""
    data = json.loads(body)
    if not isinstance(data, dict) or data.get("format") != ENTRY_FORMAT:
        raise ValueError("not a custody entry")
    return CustodyEntry(
        incident_id=str(data["incident"]),
        seq=int(data["seq"]),
        utc=str(data["utc"]),
        actor=str(data["actor"]),
        action=str(data["action"]),
        details=dict(data["details"]),
        evidence_sha256=data["evidence_sha256"],
        prev_hash=str(data["prev_hash"]),
        hash=hash_,
        body=body,
        signature=signature,
    )


@dataclass(frozen=True)
class StoredEntry:
    """An entry as read back from storage: the signed body plus the columns kept beside it."""

    seq: int
    hash: str
    body: bytes
    signature: bytes
    action: str | None = None
    evidence_sha256: str | None = None
    producer: int | None = None
    """The store's number for the producer whose key signed it (None: the chain's one signer)."""


def verify_chain(
    incident_id: str, rows: Iterable[StoredEntry], check_signature: SignatureCheck
) -> tuple[list[CustodyEntry], list[Problem]]:
    """Check every hash, link, sequence number and signature of a chain of one signer.

    Returns the entries that parsed and every problem found, each naming its entry.
    """
    signer = Signer(check_signature)
    return _verify(incident_id, rows, lambda _row: signer, ())


def verify_producers_chain(
    incident_id: str, rows: Iterable[StoredEntry], signers: Mapping[int, Signer]
) -> tuple[list[CustodyEntry], list[Problem]]:
    """Check a chain whose entries each name their producer (``StoredEntry.producer``).

    Besides every hash, link and sequence number, each entry's signature is checked against its
    own producer's key and its actor against that producer's name. An entry whose signature is
    another held producer's is named with both.
    """
    return _verify(
        incident_id,
        rows,
        lambda row: None if row.producer is None else signers.get(row.producer),
        tuple(signers.values()),
    )


def _verify(
    incident_id: str,
    rows: Iterable[StoredEntry],
    signer_of: Callable[[StoredEntry], Signer | None],
    everyone: tuple[Signer, ...],
) -> tuple[list[CustodyEntry], list[Problem]]:
    entries: list[CustodyEntry] = []
    problems: list[Problem] = []
    expected_prev = GENESIS_HASH
    expected_seq = 1
    for row in rows:
        subject = f"custody entry {row.seq}"
        if sha256_hex(row.body) != row.hash:
            problems.append(Problem(subject, "its contents do not match its recorded hash"))
        signer = signer_of(row)
        signed = signer is not None and signer.check(row.signature, row.body)
        if signer is None:
            problems.append(Problem(subject, "it names no producer that this store holds"))
        elif not signed:
            problems.append(Problem(subject, _wrong_signature(row, signer, everyone)))
        try:
            entry = parse_entry(row.body, row.hash, row.signature)
        except (ValueError, KeyError, TypeError):
            problems.append(Problem(subject, "it cannot be read as a custody entry"))
            expected_prev = row.hash
            expected_seq = row.seq + 1
            continue
        if signed and signer is not None and signer.actor not in (None, entry.actor):
            problems.append(
                Problem(
                    subject, f"it names {entry.actor} as its actor but {signer.actor} signed it"
                )
            )
        if entry.incident_id != incident_id:
            problems.append(Problem(subject, f"it belongs to {entry.incident_id}, not here"))
        if entry.seq != row.seq:
            problems.append(Problem(subject, f"it says it is entry {entry.seq}"))
        if row.action is not None and row.action != entry.action:
            problems.append(Problem(subject, "its indexed action differs from the signed one"))
        if row.evidence_sha256 != entry.evidence_sha256:
            problems.append(
                Problem(subject, "its indexed evidence hash differs from the signed one")
            )
        if row.seq != expected_seq:
            problems.append(
                Problem(subject, f"entry {expected_seq} is missing or out of order before it")
            )
        if entry.prev_hash != expected_prev:
            problems.append(Problem(subject, "it does not link to the entry before it"))
        entries.append(entry)
        expected_prev = row.hash
        expected_seq = row.seq + 1
    return entries, problems


def _wrong_signature(row: StoredEntry, signer: Signer, everyone: tuple[Signer, ...]) -> str:
    """What is wrong with a signature that its recorded producer's key does not verify."""
    for other in everyone:
        if other is not signer and other.check(row.signature, row.body):
            return f"{other.actor} signed it, not {signer.actor} as this store records"
    return "its signature is not valid"


def metadata_digest(metadata: Mapping[str, Any]) -> str:
    """SHA-256 of an exhibit's metadata as canonical JSON; recorded in its custody entry."""
    return sha256_hex(canonical_json(dict(metadata)))
