"""Handing an incident to the safeguarding lead: fingerprints, the package, how its chain
stands to the one received before.

Three documents travel between a member of staff's store and the lead's. Each is signed inside by
its author's signing certificate, which its author's Evidence CA issued; each names that CA by its
fingerprint, which people confirm by a second channel (in person, by phone) before they trust it.

Handover package, version 1: an age file (X25519, to the lead's recipient alone) whose plaintext
is a POSIX tar stream of ``manifest.json`` (:class:`Manifest`), ``manifest.sig`` (the sender's
signature over the manifest's bytes) and then ``exhibits/NNNN`` for each exhibit the manifest
says is carried, in its order. The manifest holds each carried exhibit's SHA-256 and size, so
the signature covers every byte. A later handover of the same incident carries the whole chain
again (it is small) and every exhibit but those the lead's receipt says it holds, so that a lost
package leaves out nothing; the lead checks that its chain extends the one received before
(:func:`relate_chains`).

The school card is in :mod:`.school_card`, the receipt in :mod:`.receipt`, and the signed JSON
they share in :mod:`.signed_documents`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harmonize_evidence.domain.chain import canonical_json
from harmonize_evidence.domain.clock import format_utc, parse_utc
from harmonize_evidence.domain.errors import BadInput, VerificationFailed
from harmonize_evidence.domain.model import (
    Category,
    Exhibit,
    ExhibitKind,
    Incident,
    Status,
    normalise_incident_id,
    parse_exhibit_ref,
)
from harmonize_evidence.domain.signed_documents import (
    FORMAT_VERSION,
    b64,
    document_of,
    int_field,
    json_object,
    text_field,
    unb64,
)

PACKAGE_FORMAT = "harmonize-evidence/handover"

MANIFEST_MEMBER = "manifest.json"
SIGNATURE_MEMBER = "manifest.sig"
EXHIBIT_MEMBER_PREFIX = "exhibits/"
MANIFEST_MAX_BYTES = 256 * 1024 * 1024
"""A manifest larger than this is refused before it is read into memory (a hostile package)."""
SHORT_FINGERPRINT_DIGITS = 20
"""The read-aloud form: the first 80 bits of the SHA-256, as five groups of four hex digits."""

_HEX = re.compile(r"[0-9A-F]")
_AGE_RECIPIENT = re.compile(r"^age1[02-9ac-hj-np-z]{58}$")


# -- fingerprints --------------------------------------------------------------------------------


def short_fingerprint(fingerprint: str) -> str:
    """The form people read aloud: ``3F2A-91C0-7B44-E1D2-0A9F`` (first 80 bits)."""
    digits = "".join(_HEX.findall(fingerprint.upper()))[:SHORT_FINGERPRINT_DIGITS]
    return "-".join(digits[i : i + 4] for i in range(0, len(digits), 4))


def fingerprint_matches(given: str, fingerprint: str) -> bool:
    """Whether ``given`` is ``fingerprint``, typed in full or in its short form.

    Separators (colons, spaces, dashes) and case do not matter; anything else does.
    """
    typed = given.upper()
    if re.search(r"[^0-9A-F:\s\-]", typed):
        return False
    digits = "".join(_HEX.findall(typed))
    full = "".join(_HEX.findall(fingerprint.upper()))
    return digits == full or (len(digits) == SHORT_FINGERPRINT_DIGITS and full.startswith(digits))


# -- the package's manifest -----------------------------------------------------------------------


@dataclass(frozen=True)
class SentEntry:
    """One custody entry as its sender's store signed it."""

    seq: int
    hash: str
    body: bytes
    signature: bytes

    def as_json(self) -> dict[str, Any]:
        """As the manifest holds it."""
        return {
            "seq": self.seq,
            "hash": self.hash,
            "body": b64(self.body),
            "signature": b64(self.signature),
        }


@dataclass(frozen=True)
class SentExhibit:
    """One exhibit as its sender's store describes it, and whether its bytes are carried."""

    record: Mapping[str, Any]
    """``ref``, ``kind``, ``media_type``, ``size``, ``sha256``, ``metadata``,
    ``parent_sha256``, ``created_utc``, ``purged`` as the sender's store holds them."""
    carried: bool

    @property
    def ref(self) -> str:
        """The sender's reference (``ZL/3``)."""
        return str(self.record["ref"])

    @property
    def sha256(self) -> str | None:
        """The SHA-256 of its original bytes (None for a record without bytes)."""
        value = self.record.get("sha256")
        return None if value is None else str(value)

    @property
    def size(self) -> int:
        """The size of its original bytes."""
        return int(self.record["size"])

    def as_json(self) -> dict[str, Any]:
        """As the manifest holds it."""
        return {**self.record, "carried": self.carried}


@dataclass(frozen=True)
class Manifest:
    """What a handover package says it holds; signed by its sender."""

    created_utc: str
    lead_fingerprint: str
    """The Evidence CA fingerprint of the lead it is meant for."""
    sender: Mapping[str, str]
    """``name``, ``initials``, ``school``, ``role`` as the sender's store records them."""
    sender_ca_pem: bytes
    sender_signer_pem: bytes
    incident: Mapping[str, Any]
    """The incident as its sender's store shows it (:meth:`Incident.as_json`)."""
    exhibits: Sequence[SentExhibit]
    entries: Sequence[SentEntry]
    number: int
    """1 for the incident's first handover, 2 for the next, and so on."""
    previous_package_sha256: str | None = None

    @property
    def incident_id(self) -> str:
        """The sender's id for the incident."""
        return str(self.incident["id"])

    @property
    def head(self) -> SentEntry:
        """The newest entry it carries."""
        return self.entries[-1]

    def to_bytes(self) -> bytes:
        """The manifest's bytes (RFC 8785 JSON), which its sender signs."""
        return canonical_json(
            {
                "format": PACKAGE_FORMAT,
                "version": FORMAT_VERSION,
                "created_utc": self.created_utc,
                "lead_fingerprint": self.lead_fingerprint,
                "sender": dict(self.sender),
                "sender_ca_pem": self.sender_ca_pem.decode("ascii"),
                "sender_signer_pem": self.sender_signer_pem.decode("ascii"),
                "incident": dict(self.incident),
                "exhibits": [exhibit.as_json() for exhibit in self.exhibits],
                "entries": [entry.as_json() for entry in self.entries],
                "handover": {
                    "number": self.number,
                    "previous_package_sha256": self.previous_package_sha256,
                },
            }
        )


def parse_manifest(data: bytes) -> Manifest:
    """A package's manifest, its shape checked (its signature is checked by the caller).

    Raises:
        VerificationFailed: it is not a manifest of this version, or a part is malformed.
    """
    try:
        document = document_of(data, PACKAGE_FORMAT, "handover package")
    except BadInput as exc:
        raise VerificationFailed(f"The package's manifest cannot be read: {exc.message}") from exc
    what = "package's manifest"
    sender = json_object(document.get("sender"), "package's sender")
    for key in ("name", "initials", "school", "role"):
        text_field(sender, key, "package's sender")
    incident = json_object(document.get("incident"), "package's incident")
    text_field(incident, "id", "package's incident")
    exhibits_json = document.get("exhibits")
    entries_json = document.get("entries")
    if not isinstance(exhibits_json, list) or not isinstance(entries_json, list):
        raise VerificationFailed("The package's manifest lists no exhibits or no custody log.")
    exhibits = []
    for item in exhibits_json:
        record = dict(json_object(item, "package's exhibit"))
        carried = record.pop("carried", None)
        if not isinstance(carried, bool):
            raise VerificationFailed("An exhibit of the package does not say if it is carried.")
        text_field(record, "ref", "package's exhibit")
        int_field(record, "size", "package's exhibit")
        sha = record.get("sha256")
        if sha is not None and not (isinstance(sha, str) and re.fullmatch(r"[0-9a-f]{64}", sha)):
            raise VerificationFailed(f"Exhibit {record['ref']} of the package has no valid hash.")
        if carried and sha is None:
            raise VerificationFailed(f"Exhibit {record['ref']} is carried without a hash.")
        exhibits.append(SentExhibit(record, carried))
    entries = []
    for item in entries_json:
        entry = json_object(item, "package's custody entry")
        entries.append(
            SentEntry(
                seq=int_field(entry, "seq", "package's custody entry"),
                hash=text_field(entry, "hash", "package's custody entry"),
                body=unb64(entry.get("body"), "custody entry's body"),
                signature=unb64(entry.get("signature"), "custody entry's signature"),
            )
        )
    if not entries:
        raise VerificationFailed("The package carries no custody log.")
    handover = json_object(document.get("handover"), "package's handover number")
    previous = handover.get("previous_package_sha256")
    if previous is not None and not isinstance(previous, str):
        raise VerificationFailed("The package's previous handover is malformed.")
    number = int_field(handover, "number", "package's handover")
    return Manifest(
        created_utc=text_field(document, "created_utc", what),
        lead_fingerprint=text_field(document, "lead_fingerprint", what),
        sender={key: str(sender[key]) for key in ("name", "initials", "school", "role")},
        sender_ca_pem=text_field(document, "sender_ca_pem", what).encode("ascii", "replace"),
        sender_signer_pem=text_field(document, "sender_signer_pem", what).encode(
            "ascii", "replace"
        ),
        incident=incident,
        exhibits=tuple(exhibits),
        entries=tuple(entries),
        number=number,
        previous_package_sha256=previous,
    )


def exhibit_member(index: int) -> str:
    """The tar member name of the package's ``index``-th carried exhibit (from 1)."""
    return f"{EXHIBIT_MEMBER_PREFIX}{index:04d}"


# -- a later chain against the one received before -----------------------------------------------


@dataclass(frozen=True)
class ChainRelation:
    """How a chain just received stands to the one received before for the same incident."""

    new_entries: int
    """How many entries it adds (0 when it is the same chain or an older copy of it)."""
    parts_at: int | None = None
    """The sequence number of the first entry where the two differ, if they fork."""

    @property
    def forks(self) -> bool:
        """Whether it does not continue what was received (rolled back, truncated, rewritten)."""
        return self.parts_at is not None


def relate_chains(received: Sequence[str], arriving: Sequence[str]) -> ChainRelation:
    """Compare two chains of one incident by their entries' hashes, oldest first.

    The arriving chain continues the received one when the received one is its prefix; it adds
    nothing when it is the received one or a prefix of it (the same package again, an older
    one); otherwise the two part at the first entry where they differ.
    """
    for index, (before, now) in enumerate(zip(received, arriving, strict=False)):
        if before != now:
            return ChainRelation(0, parts_at=index + 1)
    return ChainRelation(max(0, len(arriving) - len(received)))


# -- records as a package carries them -----------------------------------------------------------


def exhibit_record(exhibit: Exhibit) -> dict[str, Any]:
    """An exhibit as the package's manifest describes it (the sender's reference)."""
    return {
        "ref": exhibit.ref,
        "kind": exhibit.kind.value,
        "media_type": exhibit.media_type,
        "size": exhibit.size,
        "sha256": exhibit.sha256,
        "metadata": dict(exhibit.metadata),
        "parent_sha256": exhibit.parent_sha256,
        "created_utc": format_utc(exhibit.created_utc),
        "purged": exhibit.purged,
    }


def exhibit_from_record(sent: SentExhibit, incident_id: str) -> Exhibit:
    """The exhibit a manifest describes, as its sender's store holds it.

    Raises:
        VerificationFailed: the record is malformed.
    """
    record = sent.record
    try:
        metadata = record["metadata"]
        if not isinstance(metadata, dict):
            raise TypeError("metadata is not an object")
        parse_exhibit_ref(str(record["ref"]))
        return Exhibit(
            ref=str(record["ref"]),
            incident_id=incident_id,
            kind=ExhibitKind(record["kind"]),
            media_type=str(record["media_type"]),
            size=int(record["size"]),
            sha256=sent.sha256,
            created_utc=parse_utc(str(record["created_utc"])),
            metadata=metadata,
            parent_sha256=None
            if record.get("parent_sha256") is None
            else str(record["parent_sha256"]),
            purged=bool(record.get("purged", False)),
        )
    except (KeyError, TypeError, ValueError, BadInput) as exc:
        raise VerificationFailed(
            f"Exhibit {record.get('ref')!r} of the package is not described as an exhibit is."
        ) from exc


def incident_from_record(record: Mapping[str, Any]) -> Incident:
    """The incident a manifest describes, as its sender's store holds it.

    Raises:
        VerificationFailed: the record is malformed.
    """
    try:
        incident_id = normalise_incident_id(str(record["id"]))
        platforms = record.get("platforms", [])
        if not isinstance(platforms, list):
            raise TypeError("platforms is not a list")
        return Incident(
            id=incident_id,
            title=str(record["title"]),
            category=Category(record["category"]),
            platforms=tuple(str(p) for p in platforms),
            people=str(record.get("people", "")),
            reported_by=str(record["reported_by"]),
            created_utc=parse_utc(str(record["created_utc"])),
            status=Status.OPEN,
            urgent=bool(record.get("urgent", False)),
        )
    except (KeyError, TypeError, ValueError, BadInput) as exc:
        raise VerificationFailed(
            "The package's incident is not described as an incident is."
        ) from exc
