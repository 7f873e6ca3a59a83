"""The export bundle: a zip a senior manager or the police can check without this program.

Contents
========

``INC-2026-0007_2026-11-21.zip`` holds::

    report.pdf         the signed PDF report (PAdES, see export.pades)
    exhibits/ZL-1.png  the original bytes of every exhibit that has a file, named by reference
    manifest.json      what is in the bundle (format below), UTF-8
    manifest.sig       detached ECDSA P-256 / SHA-256 signature (DER) of manifest.json's bytes
                       by signer.pem: openssl dgst -sha256 -verify KEY -signature manifest.sig
    signer.pem         the producer's signing certificate
    ca.pem             the installation's Evidence CA certificate, which issued signer.pem
                       (exactly one certificate)
    staff/ZL2-ca.pem   for an incident received from a member of staff: their Evidence CA and
    staff/ZL2-signer.pem  signing certificates, named by their exhibit prefix in this bundle
    SHA256SUMS         "HASH  NAME" lines for report.pdf, every exhibit, VERIFY.txt and the
                       staff certificates (sha256sum -c)
    VERIFY.txt         how to check all of this by hand

Exhibits and the report are stored uncompressed (they are compressed already); the small text
files are deflated. The zip is written in one pass (entries carry data descriptors), so the
bundle's SHA-256 is known the moment it is finished; the export's custody entry records it.

Every file but the manifest, its signature and the two certificates is covered by a hash that
the signed manifest holds: the report, VERIFY.txt and the staff certificates directly and through
SHA256SUMS, each exhibit directly and through SHA256SUMS, SHA256SUMS itself directly. So
VERIFY.txt and the staff certificates are written first, then SHA256SUMS, then the manifest;
VERIFY.txt never quotes a hash of the files written after it. The certificates are tied to the
rest by what they are: ca.pem's fingerprint is the one printed in the report, the manifest and
VERIFY.txt; signer.pem, issued by ca.pem, signed the report and the manifest.

Manifest format, version 2
==========================

``manifest.json`` is one JSON object (key order and spacing carry no meaning; the signature is
over the exact bytes)::

    {
      "format": "harmonize-evidence/bundle-manifest",
      "version": 2,
      "tool": "Harmonize Evidence 0.1.0",
      "exported": {"utc": "2026-11-21T21:40:05.000000Z", "local_time": "...",
                   "time_zone": "Europe/London", "utc_offset": "+00:00",
                   "recorded_in_custody_log": true},
      "producer": {"name": "Zoë Lane", "initials": "ZL", "role": "staff", "school": "..."},
      "incident": {"id": "INC-2026-0007", "title": ..., "category": ..., "platforms": [...],
                   "people": ..., "reported_by": ..., "status": ..., "urgent": false,
                   "created_utc": ...},
      "certificates": {"signer": "signer.pem", "ca": "ca.pem",
                       "ca_fingerprint_sha256": "AB:CD:...",
                       "signer_fingerprint_sha256": "12:34:..."},
      "report": {"file": "report.pdf", "sha256": ..., "size": ..., "signature": "PAdES B-B"},
      "checksums": {"file": "SHA256SUMS", "sha256": ...},
      "instructions": {"file": "VERIFY.txt", "sha256": ...},
      "items": [{"exhibit": "ZL/1", "kind": "screenshot", "media_type": "image/png",
                 "size": 123, "sha256": "<hex>" | null, "file": "exhibits/ZL-1.png" | null,
                 "created_utc": ..., "metadata": {...}, "metadata_sha256": "<hex>",
                 "parent_sha256": null, "purged": false}, ...],
      "custody": {"entry_format": "harmonize-evidence/custody-entry", "entry_version": 1,
                  "head": {"seq": 9, "hash": "<hex>"},
                  "entries": [{"seq": 1, "hash": "<hex>", "signature": "<base64 DER>",
                               "body": "<the entry's canonical JSON, as a string>"}, ...]}
    }

Each custody entry's ``body`` is the exact text that was hashed and signed (see
``domain/chain.py``): its UTF-8 bytes hash to ``hash`` and ``signature`` verifies over them with
signer.pem, so ``jq -j '.custody.entries[0].body' manifest.json | sha256sum`` prints the hash.
``metadata_sha256`` is the SHA-256 of the item's metadata as RFC 8785 canonical JSON, the value
its custody entry records. ``head`` is the last entry when the bundle was made; the export itself
is recorded afterwards as the next entry, with this bundle's SHA-256. A store that can only be
read (its folder is read-only: a backup on a locked USB stick, say) can still export, but cannot
record the export: ``exported.recorded_in_custody_log`` is then ``false`` and the report says so.

``certificates.ca_fingerprint_sha256`` and ``signer_fingerprint_sha256`` are the SHA-256
fingerprints of ca.pem and signer.pem, upper-case hex pairs separated by colons.

Version 3: received chains
==========================

A safeguarding lead's store keeps incidents handed over by staff (see
``services/receiving.py``): the case has the lead's own chain (which records ``received``, with
the package's SHA-256 and the staff chain's head) and the member of staff's chain exactly as
received, signed by *their* key. The bundle of such a case is signed by the lead, as any other,
and also carries each staff chain with its signatures and the certificates that check them, so
that the police check one fingerprint (the school's, ca.pem) and still see every step from the
staff member's capture on. Version 3 is version 2 with::

      "items": [{..., "exhibit": "ZL2/1", "sender_ref": "ZL/1" | null}, ...],
      "received_chains": [
        {"producer": {"name": "Zoë Lane", "initials": "ZL", "role": "staff",
                      "school": "...", "exhibit_prefix": "ZL2"},
         "incident": "INC-2026-0003",
         "certificates": {
           "ca": {"file": "staff/ZL2-ca.pem", "sha256": "<hex of the file>",
                  "fingerprint_sha256": "AB:CD:..."},
           "signer": {"file": "staff/ZL2-signer.pem", "sha256": ..., "fingerprint_sha256": ...}},
         "custody": {"entry_format": ..., "entry_version": 1, "head": {"seq": 4, "hash": ...},
                     "entries": [...]}}
      ]

An item's ``exhibit`` is always the reference of this bundle (unique in it: the producer's exhibit
prefix in the lead's store, then the number); ``sender_ref`` is the reference the member of
staff gave it, which their chain names, and its prefix in ``exhibit`` is the ``exhibit_prefix``
of the received chain it came with. Such an item is recorded by that chain (the entry that added
``sender_ref``), not by the lead's ``custody``; items without ``sender_ref`` are the lead's own.
``incident`` is the staff member's id for the case, which their entries name. Each staff entry
is checked with that chain's signer certificate, which its ca certificate issued; the lead's
``received`` entries name the staff fingerprint and the head received, which the chain carried
must end at. The staff certificates are vouched for by the lead's signature over the manifest,
so the one fingerprint to compare stays ca.pem's.

Version 4: custody entries a person can read
============================================

Every bundle is now written as version 4: version 2, or version 3 when it carries received
chains (``received_chains`` is then present; without it, none), with each custody entry, in
``custody`` and in every received chain, carrying its body a second time as a JSON object, so
that the manifest reads in a plain text editor::

      "entries": [{"seq": 1,
                   "entry": {"action": "incident_created", "actor": "Zoë Lane (ZL)", ...},
                   "hash": "<hex>", "signature": "<base64 DER>",
                   "body": "<the entry's canonical JSON, as a string>"}, ...]

``body`` stays the exact text that was hashed and signed; ``entry`` is only a copy to read, and
``verify-bundle`` reports a manifest whose ``entry`` says anything else than its ``body``. The
manifest is UTF-8 with names as written (``Łukasz``, not ``\\u0141ukasz``), indented. Bundles of
versions 1 to 3 are still read (below, and the sections above), as their recipients kept them.

Version 1 (bundles exported before VERIFY.txt was hashed) is the same without ``instructions``,
and its SHA256SUMS does not list VERIFY.txt. ``verify-bundle`` still reads it and makes every
other check, but reports VERIFY.txt as a problem, since nothing in such a bundle shows that it
is the text the school wrote; a recipient follows the steps printed in the signed report instead.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from harmonize_evidence.domain.chain import ENTRY_FORMAT, ENTRY_VERSION, CustodyEntry
from harmonize_evidence.domain.clock import LocalTime, format_utc
from harmonize_evidence.domain.model import Exhibit, Incident, Producer
from harmonize_evidence.export.bundle_writer import BundleWriter, FileEntry

__all__ = ["BundleWriter", "FileEntry"]  # the zip's writer lives in bundle_writer

MANIFEST_FORMAT = "harmonize-evidence/bundle-manifest"
MANIFEST_VERSION = 4
"""The version every bundle is written in: custody entries readable as objects (the docstring)."""
RECEIVED_CHAINS_VERSION = 3
"""The first version whose manifest can carry received chains (always, in version 3)."""
READABLE_VERSIONS = (1, 2, 3, 4)
"""Manifest versions that ``verify-bundle`` reads (see the module docstring for version 1)."""


def carries_received_chains(manifest: Mapping[str, Any]) -> bool:
    """Whether a manifest is of a version that lists the chains received from staff: version 3
    always, version 4 when it has ``received_chains``."""
    version = manifest.get("version")
    return version == RECEIVED_CHAINS_VERSION or (
        version == MANIFEST_VERSION and "received_chains" in manifest
    )


REPORT_NAME = "report.pdf"
MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.sig"
SIGNER_NAME = "signer.pem"
CA_NAME = "ca.pem"
SUMS_NAME = "SHA256SUMS"
VERIFY_NAME = "VERIFY.txt"
EXHIBITS_DIR = "exhibits/"
STAFF_DIR = "staff/"
FIXED_NAMES = frozenset(
    {REPORT_NAME, MANIFEST_NAME, SIGNATURE_NAME, SIGNER_NAME, CA_NAME, SUMS_NAME, VERIFY_NAME}
)


def bundle_file_name(incident_id: str, exported: datetime) -> str:
    """``INC-2026-0007_2026-11-21.zip``."""
    return f"{incident_id}_{exported.strftime('%Y-%m-%d')}.zip"


def exhibit_file_name(exhibit: Exhibit) -> str:
    """Where an exhibit's bytes go in the bundle: ``exhibits/ZL-3.png``."""
    return EXHIBITS_DIR + exhibit.file_name


@dataclass(frozen=True)
class SenderChain:
    """A chain received from another producer's store, as the bundle carries it."""

    producer: Producer
    """The producer who signed it, as their own store records them."""
    exhibit_prefix: str
    """Their exhibit prefix in the exporting store (``ZL2``): their exhibits' references here."""
    incident_id: str
    """Their id for the incident, which their entries name."""
    entries: Sequence[CustodyEntry]
    ca_cert_pem: bytes
    signer_cert_pem: bytes

    @property
    def ca_file(self) -> str:
        """``staff/ZL2-ca.pem``."""
        return f"{STAFF_DIR}{self.exhibit_prefix}-ca.pem"

    @property
    def signer_file(self) -> str:
        """``staff/ZL2-signer.pem``."""
        return f"{STAFF_DIR}{self.exhibit_prefix}-signer.pem"

    def files(self) -> list[tuple[str, bytes]]:
        """The certificate files it adds to the bundle, with their bytes."""
        return [(self.ca_file, self.ca_cert_pem), (self.signer_file, self.signer_cert_pem)]


@dataclass(frozen=True)
class ReportFile:
    """The signed report as the manifest records it."""

    sha256: str
    size: int
    signature_level: str


@dataclass(frozen=True)
class ManifestContent:
    """Everything the manifest records."""

    tool: str
    exported: LocalTime
    producer: Producer
    incident: Incident
    exhibits: Sequence[Exhibit]
    entries: Sequence[CustodyEntry]
    ca_fingerprint: str
    signer_fingerprint: str
    report: ReportFile
    sums_sha256: str
    instructions_sha256: str
    """The SHA-256 of VERIFY.txt."""
    recorded: bool = True
    """Whether the export will be recorded on the incident's chain (not from a read-only store)."""
    received: Sequence[SenderChain] = ()
    """The chains received from other producers' stores (a manifest of version 3 if any)."""


def _item(exhibit: Exhibit, with_sender_ref: bool) -> dict[str, Any]:
    from harmonize_evidence.domain.chain import metadata_digest

    sender = {"sender_ref": exhibit.sender_ref} if with_sender_ref else {}
    return {
        "exhibit": exhibit.ref,
        "kind": exhibit.kind.value,
        "media_type": exhibit.media_type,
        "size": exhibit.size,
        "sha256": exhibit.sha256,
        "file": exhibit_file_name(exhibit) if exhibit.has_bytes else None,
        "created_utc": format_utc(exhibit.created_utc),
        "metadata": exhibit.metadata,
        "metadata_sha256": metadata_digest(exhibit.metadata),
        "parent_sha256": exhibit.parent_sha256,
        "purged": exhibit.purged,
        **sender,
    }


def _custody(entries: Sequence[CustodyEntry]) -> dict[str, Any]:
    head = entries[-1] if entries else None
    return {
        "entry_format": ENTRY_FORMAT,
        "entry_version": ENTRY_VERSION,
        "head": None if head is None else {"seq": head.seq, "hash": head.hash},
        "entries": [
            {
                "seq": entry.seq,
                "entry": json.loads(entry.body),
                "hash": entry.hash,
                "signature": base64.b64encode(entry.signature).decode("ascii"),
                "body": entry.body.decode("utf-8"),
            }
            for entry in entries
        ],
    }


def _certificate_file(name: str, pem: bytes) -> dict[str, str]:
    from harmonize_evidence.signing.identity import fingerprint

    return {
        "file": name,
        "sha256": hashlib.sha256(pem).hexdigest(),
        "fingerprint_sha256": fingerprint(pem),
    }


def _received_chain(chain: SenderChain) -> dict[str, Any]:
    return {
        "producer": {
            "name": chain.producer.name,
            "initials": chain.producer.initials,
            "role": chain.producer.role.value,
            "school": chain.producer.school,
            "exhibit_prefix": chain.exhibit_prefix,
        },
        "incident": chain.incident_id,
        "certificates": {
            "ca": _certificate_file(chain.ca_file, chain.ca_cert_pem),
            "signer": _certificate_file(chain.signer_file, chain.signer_cert_pem),
        },
        "custody": _custody(chain.entries),
    }


def manifest_bytes(content: ManifestContent) -> bytes:
    """``manifest.json``: UTF-8 (names as written, not escaped), indented, version 4."""
    incident = content.incident
    exported = content.exported
    received = bool(content.received)
    document: dict[str, Any] = {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "tool": content.tool,
        "exported": {
            "utc": exported.utc_iso,
            "local_time": exported.local_iso,
            "time_zone": exported.zone_name,
            "utc_offset": exported.utc_offset,
            "recorded_in_custody_log": content.recorded,
        },
        "producer": {
            "name": content.producer.name,
            "initials": content.producer.initials,
            "role": content.producer.role.value,
            "school": content.producer.school,
        },
        "incident": incident.as_json(),
        "certificates": {
            "signer": SIGNER_NAME,
            "ca": CA_NAME,
            "ca_fingerprint_sha256": content.ca_fingerprint,
            "signer_fingerprint_sha256": content.signer_fingerprint,
        },
        "report": {
            "file": REPORT_NAME,
            "sha256": content.report.sha256,
            "size": content.report.size,
            "signature": content.report.signature_level,
        },
        "checksums": {"file": SUMS_NAME, "sha256": content.sums_sha256},
        "instructions": {"file": VERIFY_NAME, "sha256": content.instructions_sha256},
        "items": [_item(exhibit, received) for exhibit in content.exhibits],
        "custody": _custody(content.entries),
    }
    if received:
        document["received_chains"] = [_received_chain(chain) for chain in content.received]
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def sums_text(files: Iterable[tuple[str, str]]) -> bytes:
    """``SHA256SUMS``: one ``HASH  NAME`` line per (name, sha256)."""
    return "".join(f"{sha256}  {name}\n" for name, sha256 in files).encode("utf-8")


def parse_manifest(data: bytes) -> Mapping[str, Any]:
    """Read ``manifest.json``; ``ValueError`` if it is not a manifest of a known version."""
    document = json.loads(data.decode("utf-8"))
    if not isinstance(document, dict) or document.get("format") != MANIFEST_FORMAT:
        raise ValueError("it is not a Harmonize Evidence manifest")
    if document.get("version") not in READABLE_VERSIONS:
        raise ValueError(f"its version {document.get('version')!r} is not one this program reads")
    return document
