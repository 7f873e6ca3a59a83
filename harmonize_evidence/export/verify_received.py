"""The staff chains a lead's bundle carries (manifest version 3), for ``verify-bundle``.

A case the safeguarding lead received from a member of staff holds the staff member's chain as
received, signed by their own key (see :mod:`harmonize_evidence.export.bundle`). For each chain
the bundle carries:

- its two certificate files (``staff/ZL2-ca.pem``, ``staff/ZL2-signer.pem``) are the ones the
  manifest names, hash to the SHA-256 it records, each hold one certificate, have the
  fingerprints it records, and the signer was issued by the CA;
- every entry's hash, link, sequence number and signature (against that signer certificate),
  that each names the staff member as its actor and their incident id, and the head it records;
- each of its exhibits (the items whose reference carries its exhibit prefix) is the one its
  entry recorded (SHA-256 and metadata), and each exhibit it records is in the manifest; the
  bytes of each file are checked against the manifest by the caller, so they match both;
- the lead's own chain records receiving it: a ``received`` entry names the staff incident and
  the fingerprint of the staff CA carried, every such entry's head is an entry of the chain
  carried, and the chain ends at the head of the latest one (nothing added, nothing cut).

Every problem names the file or the entry: ``manifest.json staff chain ZL2 (INC-2026-0003)
custody entry 2: its signature is not valid``. The staff certificates are trusted because the
lead's signature over the manifest vouches for them; the one fingerprint a recipient compares is
still the school's (ca.pem).
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from harmonize_evidence.domain.chain import (
    CustodyEntry,
    Signer,
    StoredEntry,
    verify_producers_chain,
)
from harmonize_evidence.domain.model import EVIDENCE_ADDED, Action
from harmonize_evidence.export import bundle as names
from harmonize_evidence.export.verify_archive import UnsafeArchive, read_small
from harmonize_evidence.export.verify_certificates import (
    Certificates,
    canonical_fingerprint,
    check_certificate_pair,
)
from harmonize_evidence.export.verify_findings import Findings
from harmonize_evidence.export.verify_manifest import (
    check_item_record,
    custody_head,
    custody_rows,
    manifest_items,
    received_chains,
    received_item,
)
from harmonize_evidence.signing.identity import SignatureChecker

_PREFIX = re.compile(r"^[A-Z]{1,4}(?:[2-9]|[1-9]\d+)?$")
_CHAIN_SIGNER = 0  # the one producer each staff chain is checked against


@dataclass(frozen=True)
class ReceivedChainCheck:
    """A member of staff whose chain the bundle carries, as ``verify-bundle`` found it."""

    name: str
    """Their name, as the manifest gives it."""
    initials: str
    school: str
    """Their school, as the manifest gives it."""
    exhibit_prefix: str
    """Their exhibits' prefix in this bundle (``ZL2``)."""
    incident_id: str
    """Their id for the incident, which their entries name."""
    ca_fingerprint: str | None
    """The SHA-256 fingerprint of their Evidence CA certificate, as carried."""
    certificate_name: str | None
    """The person their signing certificate names."""
    certificate_school: str | None
    """The organisation their Evidence CA certificate names."""
    entries_checked: int
    chain_head: tuple[int, str] | None
    exhibits: tuple[tuple[str, str], ...]
    """Each of their exhibits: (reference in this bundle, their own reference)."""

    @property
    def actor(self) -> str:
        """How their entries name them: ``Zoë Lane (ZL)``."""
        return f"{self.name} ({self.initials})"


def check_received(
    archive: zipfile.ZipFile,
    by_name: Mapping[str, zipfile.ZipInfo],
    manifest: Mapping[str, Any] | None,
    lead_entries: Sequence[CustodyEntry],
    found: Findings,
) -> tuple[ReceivedChainCheck, ...]:
    """Check every staff chain the bundle carries, and that the lead's chain received each."""
    if manifest is None:
        return ()
    chains = received_chains(manifest)
    if names.carries_received_chains(manifest) and not chains:
        found.add(names.MANIFEST_NAME, "its list of chains received from staff is empty")
    producer = manifest.get("producer")
    own_prefix = str(producer.get("initials")) if isinstance(producer, Mapping) else None
    items = manifest_items(manifest)
    checked: list[ReceivedChainCheck] = []
    prefixes: set[str] = set()
    for chain in chains:
        result = _check_chain(
            archive, by_name, chain, items=items, lead_entries=lead_entries, found=found
        )
        if result is None:
            continue
        prefix = result.exhibit_prefix
        if prefix in prefixes or prefix == own_prefix:
            found.add(
                names.MANIFEST_NAME,
                f"the exhibit prefix {prefix} names more than one producer, so its references "
                "are ambiguous",
            )
        prefixes.add(prefix)
        checked.append(result)
    for item in items:
        prefix = _prefix(str(item.get("exhibit")))
        if received_item(item) and prefix not in prefixes:
            found.add(
                names.MANIFEST_NAME,
                f"exhibit {item.get('exhibit')} is said to have been received as "
                f"{str(item.get('sender_ref'))[:40]}, but the bundle carries no staff chain "
                "it came with",
            )
    _check_receipts_name_carried_chains(lead_entries, checked, found)
    return tuple(checked)


def _prefix(ref: str) -> str:
    return ref.split("/", 1)[0]


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _check_chain(
    archive: zipfile.ZipFile,
    by_name: Mapping[str, zipfile.ZipInfo],
    chain: Mapping[str, Any],
    *,
    items: Sequence[Mapping[str, Any]],
    lead_entries: Sequence[CustodyEntry],
    found: Findings,
) -> ReceivedChainCheck | None:
    producer = chain.get("producer")
    producer = producer if isinstance(producer, Mapping) else {}
    prefix = _text(producer.get("exhibit_prefix"))
    incident_id = _text(chain.get("incident"))
    if not _PREFIX.match(prefix) or not incident_id:
        found.add(
            names.MANIFEST_NAME,
            "a staff chain in it does not say whose it is (its exhibit prefix or incident)",
        )
        return None
    name, initials = _text(producer.get("name")), _text(producer.get("initials"))
    subject = f"{names.MANIFEST_NAME} staff chain {prefix} ({incident_id[:40]})"
    checker, certificates = _check_certificates(
        archive, by_name, chain, prefix=prefix, subject=subject, found=found
    )
    custody = chain.get("custody")
    if not isinstance(custody, Mapping):
        found.add(subject, "it has no custody log")
        return None
    rows = custody_rows(custody, subject, found)
    entries: list[CustodyEntry] = []
    if checker is not None:
        signer = Signer(checker, f"{name} ({initials})")
        entries, problems = verify_producers_chain(
            incident_id,
            [_by_chain_signer(row) for row in rows],
            {_CHAIN_SIGNER: signer},
        )
        for problem in problems:
            found.add(f"{subject} {problem.subject}", problem.message)
    head = custody_head(custody)
    if not rows:
        found.add(subject, "its custody log is empty")
    elif head is None or head != (rows[-1].seq, rows[-1].hash):
        found.add(subject, "its custody log does not end at the chain head it records")
    mine = [item for item in items if _prefix(str(item.get("exhibit"))) == prefix]
    if checker is not None:
        _check_exhibits(subject, mine, entries, found)
    fingerprint = certificates.ca_fingerprint if certificates else None
    _check_received_by_lead(
        subject, incident_id, fingerprint, rows=rows, lead_entries=lead_entries, found=found
    )
    return ReceivedChainCheck(
        name=name,
        initials=initials,
        school=_text(producer.get("school")),
        exhibit_prefix=prefix,
        incident_id=incident_id,
        ca_fingerprint=fingerprint,
        certificate_name=certificates.signer if certificates else None,
        certificate_school=certificates.school if certificates else None,
        entries_checked=len(entries),
        chain_head=head,
        exhibits=tuple((str(item.get("exhibit")), str(item.get("sender_ref"))) for item in mine),
    )


def _by_chain_signer(row: StoredEntry) -> StoredEntry:
    return replace(row, producer=_CHAIN_SIGNER)


def _check_certificates(
    archive: zipfile.ZipFile,
    by_name: Mapping[str, zipfile.ZipInfo],
    chain: Mapping[str, Any],
    *,
    prefix: str,
    subject: str,
    found: Findings,
) -> tuple[SignatureChecker | None, Certificates | None]:
    """The chain's two certificate files: named, hashed and fingerprinted as recorded."""
    recorded = chain.get("certificates")
    recorded = recorded if isinstance(recorded, Mapping) else {}
    pems: dict[str, tuple[str, bytes]] = {}
    for key, expected in (
        ("ca", f"{names.STAFF_DIR}{prefix}-ca.pem"),
        ("signer", f"{names.STAFF_DIR}{prefix}-signer.pem"),
    ):
        record = recorded.get(key)
        if not isinstance(record, Mapping) or record.get("file") != expected:
            found.add(subject, f"it does not name its certificate file {expected}")
            continue
        info = by_name.get(expected)
        if info is None:
            found.add(expected, "it is missing from the bundle")
            continue
        try:
            data = read_small(archive, info)
        except (zipfile.BadZipFile, OSError, EOFError, UnsafeArchive) as exc:
            found.add(expected, f"it cannot be read ({exc})")
            continue
        if hashlib.sha256(data).hexdigest() != record.get("sha256"):
            found.add(expected, "its SHA-256 does not match the manifest: it was changed")
        pems[key] = (expected, data)
    if len(pems) != 2:
        return None, None
    (ca_name, ca_pem), (signer_name, signer_pem) = pems["ca"], pems["signer"]
    checker, certificates = check_certificate_pair(ca_name, ca_pem, signer_name, signer_pem, found)
    if certificates is not None:
        for key, file_name, actual in (
            ("ca", ca_name, certificates.ca_fingerprint),
            ("signer", signer_name, certificates.signer_fingerprint),
        ):
            value = recorded[key].get("fingerprint_sha256")
            if canonical_fingerprint(value) != actual:
                found.add(
                    subject,
                    f"the fingerprint it records for {file_name} ({str(value)[:120]}) is not "
                    "that file's",
                )
    return checker, certificates


def _check_exhibits(
    subject: str,
    items: Sequence[Mapping[str, Any]],
    entries: Sequence[CustodyEntry],
    found: Findings,
) -> None:
    """Each of the chain's exhibits is what its entry recorded; each it records is listed."""
    added = {
        str(entry.details.get("exhibit")): entry
        for entry in entries
        if entry.action in EVIDENCE_ADDED
    }
    listed = {str(item.get("sender_ref")) for item in items if received_item(item)}
    for sender_ref, adding in added.items():
        if sender_ref not in listed:
            found.add(
                f"{subject} custody entry {adding.seq}",
                f"it records exhibit {sender_ref}, which is missing from the manifest",
            )
    for item in items:
        ref = str(item.get("exhibit"))
        if not received_item(item):
            found.add(
                names.MANIFEST_NAME,
                f"exhibit {ref} carries the prefix of a staff chain but no reference of theirs",
            )
            continue
        sender_ref = str(item.get("sender_ref"))
        entry = added.get(sender_ref)
        if entry is None:
            found.add(
                subject, f"exhibit {ref} (their {sender_ref[:40]}) is not recorded in their log"
            )
            continue
        check_item_record(subject, f"{ref} (their {sender_ref})", item, entry, found)


def _receipts_of(
    incident_id: str, fingerprint: str | None, lead_entries: Sequence[CustodyEntry]
) -> list[CustodyEntry]:
    """The lead's ``received`` entries for this staff incident from this staff CA."""
    return [
        entry
        for entry in lead_entries
        if entry.action == Action.RECEIVED
        and entry.details.get("staff_incident") == incident_id
        and canonical_fingerprint(entry.details.get("staff_fingerprint")) == fingerprint
    ]


def _check_received_by_lead(
    subject: str,
    incident_id: str,
    fingerprint: str | None,
    *,
    rows: Sequence[StoredEntry],
    lead_entries: Sequence[CustodyEntry],
    found: Findings,
) -> None:
    """The lead's chain received this chain, and the chain carried is what it received last."""
    if fingerprint is None or not lead_entries:
        return  # the certificates or the lead's log are already named as broken
    receipts = _receipts_of(incident_id, fingerprint, lead_entries)
    if not receipts:
        found.add(
            subject,
            "no entry of the bundle's own custody log records receiving it from the holder of "
            "its staff certificates",
        )
        return
    hashes: dict[object, str] = {row.seq: row.hash for row in rows}
    for receipt in receipts:
        seq, head_hash = receipt.details.get("head_seq"), receipt.details.get("head_hash")
        if hashes.get(seq) != head_hash:
            found.add(
                subject,
                f"it does not hold entry {seq} as custody entry {receipt.seq} of the bundle's "
                "own log recorded receiving it",
            )
    last = receipts[-1]
    if rows and rows[-1].seq != last.details.get("head_seq"):
        found.add(
            subject,
            f"it does not end at entry {last.details.get('head_seq')}, where custody entry "
            f"{last.seq} of the bundle's own log recorded receiving it",
        )


def _check_receipts_name_carried_chains(
    lead_entries: Sequence[CustodyEntry],
    checked: Sequence[ReceivedChainCheck],
    found: Findings,
) -> None:
    """Every ``received`` entry of the lead's chain names a staff chain the bundle carries."""
    carried = {(chain.incident_id, chain.ca_fingerprint) for chain in checked}
    unreadable = {chain.incident_id for chain in checked if chain.ca_fingerprint is None}
    for entry in lead_entries:
        if entry.action != Action.RECEIVED:
            continue
        key = (
            str(entry.details.get("staff_incident")),
            canonical_fingerprint(entry.details.get("staff_fingerprint")),
        )
        if key not in carried and key[0] not in unreadable:
            found.add(
                f"{names.MANIFEST_NAME} custody entry {entry.seq}",
                f"it records receiving {key[0][:40]} from {str(entry.details.get('from'))[:120]}, "
                "whose chain the bundle does not carry",
            )
