"""Handing an incident to the safeguarding lead: the school card, the package, the receipt.

Three documents travel between a member of staff's store and the lead's. Each is signed inside by
its author's signing certificate, which its author's Evidence CA issued; each names that CA by its
fingerprint, which people confirm by a second channel (in person, by phone) before they trust it.

School card, version 1 (JSON, UTF-8)::

    {"format": "harmonize-evidence/school-card", "version": 1,
     "card": {"school": ..., "lead": ..., "lead_initials": ..., "contact": ...,
              "recipient": "age1...", "ca_pem": ..., "signer_pem": ...},
     "signature": "<base64 DER ECDSA over the RFC 8785 JSON of card>"}

The lead's age recipient is signed with the CA that the fingerprint names, so a card whose key was
swapped fails at ``join`` even when its CA certificate (and so its fingerprint) is the lead's.

Handover package, version 1: an age file (X25519, to the lead's recipient alone) whose plaintext
is a POSIX tar stream of ``manifest.json`` (:class:`Manifest`), ``manifest.sig`` (the sender's
signature over the manifest's bytes) and then ``exhibits/NNNN`` for each exhibit the manifest
says is carried, in its order. The manifest holds each carried exhibit's SHA-256 and size, so
the signature covers every byte. A later handover of the same incident carries the whole chain
again (it is small) and only the exhibits not carried before; the lead checks that its chain
extends the one received before (:func:`relate_chains`).

Receipt, version 1 (JSON, UTF-8): the lead's signed statement that a package was received::

    {"format": "harmonize-evidence/receipt", "version": 1,
     "receipt": {"case": ..., "staff_incident": ..., "staff_fingerprint": ...,
                 "package_sha256": ..., "chain_head": {"seq": N, "hash": ...},
                 "received_utc": ..., "lead": ..., "school": ..., "lead_fingerprint": ...,
                 "case_status": ..., "reported_utc": ...},
     "signature": ..., "signer_pem": ..., "ca_pem": ...}
"""

from __future__ import annotations

import base64
import binascii
import json
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

CARD_FORMAT = "harmonize-evidence/school-card"
PACKAGE_FORMAT = "harmonize-evidence/handover"
RECEIPT_FORMAT = "harmonize-evidence/receipt"
FORMAT_VERSION = 1

MANIFEST_MEMBER = "manifest.json"
SIGNATURE_MEMBER = "manifest.sig"
EXHIBIT_MEMBER_PREFIX = "exhibits/"
MANIFEST_MAX_BYTES = 256 * 1024 * 1024
"""A manifest larger than this is refused before it is read into memory (a hostile package)."""
CARD_MAX_BYTES = 1024 * 1024
RECEIPT_MAX_BYTES = 1024 * 1024
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


# -- signed documents ----------------------------------------------------------------------------


def b64(data: bytes) -> str:
    """Standard base64 text."""
    return base64.b64encode(data).decode("ascii")


def unb64(text: object, what: str) -> bytes:
    """Bytes from base64 text, or :class:`VerificationFailed` naming ``what``."""
    if not isinstance(text, str):
        raise VerificationFailed(f"The {what} is missing.")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise VerificationFailed(f"The {what} is not valid base64.") from exc


def _object(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise VerificationFailed(f"The {what} is missing or is not a JSON object.")
    return value


def _text(data: Mapping[str, Any], key: str, what: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise VerificationFailed(f"The {what} has no {key.replace('_', ' ')}.")
    return value


def _int(data: Mapping[str, Any], key: str, what: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise VerificationFailed(f"The {what} has no valid {key.replace('_', ' ')}.")
    return value


def _document(data: bytes, format_name: str, what: str) -> dict[str, Any]:
    """A signed JSON document of ours, its format and version checked."""
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadInput(f"This file is not a {what}: it is not JSON.") from exc
    document = value if isinstance(value, dict) else {}
    if document.get("format") != format_name:
        raise BadInput(f"This file is not a {what}.")
    if document.get("version") != FORMAT_VERSION:
        raise BadInput(
            f"This {what} is of version {document.get('version')!r}, which this version of the "
            "program does not read; update the program."
        )
    return document


# -- the school card -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolCard:
    """What a member of staff needs to hand evidence to their school's safeguarding lead."""

    school: str
    lead: str
    lead_initials: str
    contact: str
    recipient: str
    """The lead's age X25519 recipient (``age1...``)."""
    ca_pem: bytes
    signer_pem: bytes

    def body(self) -> dict[str, Any]:
        """The signed part, as JSON values."""
        return {
            "school": self.school,
            "lead": self.lead,
            "lead_initials": self.lead_initials,
            "contact": self.contact,
            "recipient": self.recipient,
            "ca_pem": self.ca_pem.decode("ascii"),
            "signer_pem": self.signer_pem.decode("ascii"),
        }

    def signed_bytes(self) -> bytes:
        """The bytes the lead signs."""
        return canonical_json(self.body())

    def file_bytes(self, signature: bytes) -> bytes:
        """The card as a file, with the lead's signature."""
        document = {
            "format": CARD_FORMAT,
            "version": FORMAT_VERSION,
            "card": self.body(),
            "signature": b64(signature),
        }
        return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def parse_card(data: bytes) -> tuple[SchoolCard, bytes]:
    """A card file's card and signature (not yet checked: see the services).

    Raises:
        BadInput: not a school card, or a version this program does not read.
        VerificationFailed: a card whose parts are missing or malformed.
    """
    document = _document(data, CARD_FORMAT, "school card")
    body = _object(document.get("card"), "school card")
    what = "school card"
    recipient = _text(body, "recipient", what)
    if not _AGE_RECIPIENT.match(recipient):
        raise VerificationFailed("The school card's encryption key is not an age X25519 key.")
    card = SchoolCard(
        school=_text(body, "school", what),
        lead=_text(body, "lead", what),
        lead_initials=_text(body, "lead_initials", what),
        contact=_text(body, "contact", what),
        recipient=recipient,
        ca_pem=_text(body, "ca_pem", what).encode("ascii", "replace"),
        signer_pem=_text(body, "signer_pem", what).encode("ascii", "replace"),
    )
    return card, unb64(document.get("signature"), "school card's signature")


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
        document = _document(data, PACKAGE_FORMAT, "handover package")
    except BadInput as exc:
        raise VerificationFailed(f"The package's manifest cannot be read: {exc.message}") from exc
    what = "package's manifest"
    sender = _object(document.get("sender"), "package's sender")
    for key in ("name", "initials", "school", "role"):
        _text(sender, key, "package's sender")
    incident = _object(document.get("incident"), "package's incident")
    _text(incident, "id", "package's incident")
    exhibits_json = document.get("exhibits")
    entries_json = document.get("entries")
    if not isinstance(exhibits_json, list) or not isinstance(entries_json, list):
        raise VerificationFailed("The package's manifest lists no exhibits or no custody log.")
    exhibits = []
    for item in exhibits_json:
        record = dict(_object(item, "package's exhibit"))
        carried = record.pop("carried", None)
        if not isinstance(carried, bool):
            raise VerificationFailed("An exhibit of the package does not say if it is carried.")
        _text(record, "ref", "package's exhibit")
        _int(record, "size", "package's exhibit")
        sha = record.get("sha256")
        if sha is not None and not (isinstance(sha, str) and re.fullmatch(r"[0-9a-f]{64}", sha)):
            raise VerificationFailed(f"Exhibit {record['ref']} of the package has no valid hash.")
        if carried and sha is None:
            raise VerificationFailed(f"Exhibit {record['ref']} is carried without a hash.")
        exhibits.append(SentExhibit(record, carried))
    entries = []
    for item in entries_json:
        entry = _object(item, "package's custody entry")
        entries.append(
            SentEntry(
                seq=_int(entry, "seq", "package's custody entry"),
                hash=_text(entry, "hash", "package's custody entry"),
                body=unb64(entry.get("body"), "custody entry's body"),
                signature=unb64(entry.get("signature"), "custody entry's signature"),
            )
        )
    if not entries:
        raise VerificationFailed("The package carries no custody log.")
    handover = _object(document.get("handover"), "package's handover number")
    previous = handover.get("previous_package_sha256")
    if previous is not None and not isinstance(previous, str):
        raise VerificationFailed("The package's previous handover is malformed.")
    number = _int(handover, "number", "package's handover")
    return Manifest(
        created_utc=_text(document, "created_utc", what),
        lead_fingerprint=_text(document, "lead_fingerprint", what),
        sender={key: str(sender[key]) for key in ("name", "initials", "school", "role")},
        sender_ca_pem=_text(document, "sender_ca_pem", what).encode("ascii", "replace"),
        sender_signer_pem=_text(document, "sender_signer_pem", what).encode("ascii", "replace"),
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


# -- the receipt ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    """The lead's statement that the package with this SHA-256 was received."""

    case: str
    staff_incident: str
    staff_fingerprint: str
    package_sha256: str
    head_seq: int
    head_hash: str
    received_utc: str
    lead: str
    school: str
    lead_fingerprint: str
    case_status: str = ""
    """The case's status on the lead's store when the receipt was written (``referred-to-police``):
    how the lead reports the case back to the member of staff."""
    reported_utc: str = ""
    """When the receipt was written."""

    def body(self) -> dict[str, Any]:
        """The signed part, as JSON values."""
        return {
            "case_status": self.case_status,
            "reported_utc": self.reported_utc,
            "case": self.case,
            "staff_incident": self.staff_incident,
            "staff_fingerprint": self.staff_fingerprint,
            "package_sha256": self.package_sha256,
            "chain_head": {"seq": self.head_seq, "hash": self.head_hash},
            "received_utc": self.received_utc,
            "lead": self.lead,
            "school": self.school,
            "lead_fingerprint": self.lead_fingerprint,
        }

    def signed_bytes(self) -> bytes:
        """The bytes the lead signs."""
        return canonical_json(self.body())

    def file_bytes(self, signature: bytes, signer_pem: bytes, ca_pem: bytes) -> bytes:
        """The receipt as a file."""
        document = {
            "format": RECEIPT_FORMAT,
            "version": FORMAT_VERSION,
            "receipt": self.body(),
            "signature": b64(signature),
            "signer_pem": signer_pem.decode("ascii"),
            "ca_pem": ca_pem.decode("ascii"),
        }
        return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def is_receipt(data: bytes) -> bool:
    """Whether these bytes claim to be a receipt (checked properly by :func:`parse_receipt`)."""
    return data.lstrip()[:1] == b"{" and RECEIPT_FORMAT.encode() in data[:4096]


def parse_receipt(data: bytes) -> tuple[Receipt, bytes, bytes, bytes]:
    """A receipt file's receipt, signature, signing certificate and CA certificate (unchecked).

    Raises:
        BadInput: not a receipt, or a version this program does not read.
        VerificationFailed: a receipt whose parts are missing or malformed.
    """
    document = _document(data, RECEIPT_FORMAT, "receipt")
    body = _object(document.get("receipt"), "receipt")
    head = _object(body.get("chain_head"), "receipt's chain head")
    what = "receipt"
    receipt = Receipt(
        case=_text(body, "case", what),
        staff_incident=_text(body, "staff_incident", what),
        staff_fingerprint=_text(body, "staff_fingerprint", what),
        package_sha256=_text(body, "package_sha256", what),
        head_seq=_int(head, "seq", "receipt's chain head"),
        head_hash=_text(head, "hash", "receipt's chain head"),
        received_utc=_text(body, "received_utc", what),
        lead=_text(body, "lead", what),
        school=_text(body, "school", what),
        lead_fingerprint=_text(body, "lead_fingerprint", what),
        case_status=str(body.get("case_status", "")),
        reported_utc=str(body.get("reported_utc", "")),
    )
    return (
        receipt,
        unb64(document.get("signature"), "receipt's signature"),
        _text(document, "signer_pem", what).encode("ascii", "replace"),
        _text(document, "ca_pem", what).encode("ascii", "replace"),
    )


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
