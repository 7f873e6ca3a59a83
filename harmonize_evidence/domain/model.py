"""Records of the product: incidents, exhibits, custody entries, the producer's identity.

All records are frozen dataclasses; derived values are properties, never stored twice.

Ids when many producers meet in one store
=========================================

A safeguarding lead's store keeps incidents and exhibits from many members of staff, each made on
their own laptop. The ids people use stay the ones police and schools know, and stay unique:

- **Incidents** are numbered by the store that holds them: ``INC-2026-0007`` is the store's own
  seventh case of 2026. An incident received from another store gets the next number of the
  store that receives it, and keeps the sender's id as a reference (:attr:`Incident.sender_id`,
  with the sender's producer), which is also the id its sender's signed chain names. The same
  incident is never received as two cases.
- **Exhibit references** are ``PREFIX/NUMBER``, as UK police label exhibits (``ZL/3``). Each
  producer of a store has an *exhibit prefix*, unique in that store and never changed once
  given (:func:`exhibit_prefix`): their initials when no producer of the store has that prefix
  yet, otherwise their initials followed by the next number from 2 (a second ``ZL`` is ``ZL2``,
  a third ``ZL3``). Police practice for officers sharing initials is to add a letter, but a
  letter can be someone else's initials (``ZLA``); a digit never can, since initials are letters
  only, so a prefix names exactly one producer and a reference one exhibit, in a store and in
  any bundle it exports. A store's own producer is its first, so on the producer's own laptop
  the prefix is always their initials. Numbers count on per prefix. A received exhibit keeps its
  number and the reference its sender's chain gives it (:attr:`Exhibit.sender_ref`): ``ZL2/3``
  in the lead's store is ``ZL/3`` of the sender.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from harmonize_evidence.domain.clock import format_utc
from harmonize_evidence.domain.errors import BadInput

INCIDENT_ID_RE = re.compile(r"^INC-(\d{4})-(\d{1,9})$")
INITIALS_RE = re.compile(r"^[A-Z]{1,4}$")
EXHIBIT_REF_RE = re.compile(r"^([A-Z]{1,4}(?:[2-9]|[1-9]\d+)?)/(\d+)$")


class Category(StrEnum):
    """What kind of incident this is (the school policy's categories)."""

    STAFF_CYBERBULLYING = "cyberbullying-of-staff"
    PUPIL_CYBERBULLYING = "cyberbullying-of-pupil"
    SAFEGUARDING = "safeguarding-concern"
    INAPPROPRIATE_CONTENT = "inappropriate-content"
    POLICY_BREACH = "breach-of-policy"
    OTHER = "other"


class Status(StrEnum):
    """Where an incident is in the school's process."""

    OPEN = "open"
    HANDED_OVER = "handed-over"
    UNDER_REVIEW = "under-review"
    REFERRED = "referred-to-police"
    CLOSED = "closed"


class Role(StrEnum):
    """The producer's role at the school."""

    STAFF = "staff"
    LEAD = "lead"


class Recipient(StrEnum):
    """Who an exported bundle is for (asked at export, recorded in its custody entry)."""

    SENIOR_MANAGER = "senior-manager"
    POLICE = "police"
    OTHER = "other"


class ExhibitKind(StrEnum):
    """What an evidence item is."""

    SCREENSHOT = "screenshot"
    IMAGE = "image"
    EMAIL = "email"
    AUDIO = "audio"
    VIDEO = "video"
    DOCUMENT = "document"
    WRITTEN_ACCOUNT = "written-account"
    RECORD_ONLY = "record-only"


class Action(StrEnum):
    """What a custody entry records."""

    INCIDENT_CREATED = "incident_created"
    EVIDENCE_CAPTURED = "evidence_captured"
    EVIDENCE_IMPORTED = "evidence_imported"
    EVIDENCE_RECORDED = "evidence_recorded"
    EVIDENCE_EXTRACTED = "evidence_extracted"
    NOTE_ADDED = "note_added"
    EVIDENCE_DERIVED = "evidence_derived"
    STATUS_CHANGED = "status_changed"
    CATEGORY_CHANGED = "category_changed"
    EXPORTED = "exported"
    HANDED_OVER = "handed_over"
    RECEIVED = "received"
    TAKEDOWN_REQUESTED = "takedown_requested"
    REMOVAL_CHECKED = "removal_checked"
    ISP_CONTACTED = "isp_contacted"
    CONSENT_RECORDED = "consent_recorded"
    POLICE_REFERRED = "police_referred"
    SUPPORT_OFFERED = "support_offered"
    PURGED = "purged"
    FLAGGED_URGENT = "flagged_urgent"
    STAFF_CONFIRMED = "staff_confirmed"
    TRIAGED = "triaged"
    PUPIL_ACTION = "pupil_action"
    CASE_CLOSED = "case_closed"
    CASE_REOPENED = "case_reopened"
    RECEIPT_RECORDED = "receipt_recorded"


EVIDENCE_ADDED: frozenset[Action] = frozenset(
    {
        Action.EVIDENCE_CAPTURED,
        Action.EVIDENCE_IMPORTED,
        Action.EVIDENCE_RECORDED,
        Action.EVIDENCE_DERIVED,
    }
)
"""The custody actions that add an exhibit: each names the exhibit and the SHA-256 of its
metadata, which verification checks against the stored exhibit."""

URGENT_SAFEGUARDING = "urgent-safeguarding"
"""The flag on an incident that needs the safeguarding lead at once (e.g. record-only evidence)."""


@dataclass(frozen=True)
class Producer:
    """A person who produces exhibits and signs custody entries: the one this installation
    belongs to, or another whose work a store keeps (a lead's store keeps its staff's)."""

    name: str
    initials: str
    school: str
    role: Role

    @property
    def actor(self) -> str:
        """How custody entries name this person, e.g. ``Zoë Lane (ZL)``."""
        return f"{self.name} ({self.initials})"


@dataclass(frozen=True)
class Incident:
    """A case: everything about one piece of abuse or concern."""

    id: str
    title: str
    category: Category
    platforms: tuple[str, ...]
    people: str
    reported_by: str
    created_utc: datetime
    status: Status
    urgent: bool = False
    item_count: int = 0
    sender_producer_id: int | None = None
    """For an incident received from another store: the store's number for its sender."""
    sender_id: str | None = None
    """For an incident received from another store: the id the sender gave it, which the
    sender's chain names (``INC-2026-0003``); None for an incident opened here."""
    last_activity_utc: datetime | None = None
    """When the incident last had a custody entry (the store keeps it as entries are added)."""

    @property
    def year(self) -> int:
        """The year in the incident id."""
        return parse_incident_id(self.id)[0]

    def as_json(self) -> dict[str, Any]:
        """The incident as the manifest and the command line's JSON show it."""
        return {
            "id": self.id,
            "title": self.title,
            "category": self.category.value,
            "platforms": list(self.platforms),
            "people": self.people,
            "reported_by": self.reported_by,
            "status": self.status.value,
            "urgent": self.urgent,
            "created_utc": format_utc(self.created_utc),
        }


@dataclass(frozen=True)
class Exhibit:
    """One evidence item. Its bytes and SHA-256 never change after it is stored."""

    ref: str
    incident_id: str
    kind: ExhibitKind
    media_type: str
    size: int
    sha256: str | None
    created_utc: datetime
    metadata: dict[str, Any] = field(default_factory=dict)
    parent_sha256: str | None = None
    purged: bool = False
    sender_ref: str | None = None
    """For an exhibit received from another store: the reference its sender's chain gives it
    (``ZL/3`` for this store's ``ZL2/3``); None for an exhibit made here."""

    @property
    def number(self) -> int:
        """The number in the reference: 3 for ``ZL/3``."""
        return parse_exhibit_ref(self.ref)[1]

    @property
    def has_bytes(self) -> bool:
        """Whether there are original bytes to show (not record-only, not purged)."""
        return self.sha256 is not None and not self.purged

    @property
    def is_picture(self) -> bool:
        """Whether there is a picture to show: an image whose bytes are kept."""
        return self.has_bytes and self.media_type.startswith("image/")

    @property
    def file_extension(self) -> str:
        """A file name extension for the media type, e.g. ``.png``."""
        return extension_for(self.media_type)

    @property
    def file_name(self) -> str:
        """A file name for an exported copy: ``ZL-3.png`` for exhibit ``ZL/3``."""
        return self.ref.replace("/", "-") + self.file_extension


_EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/bmp": ".bmp",
    "image/tiff": ".tif",
    "image/heic": ".heic",
    "application/pdf": ".pdf",
    "audio/mpeg": ".mp3",
    "audio/x-wav": ".wav",
    "audio/ogg": ".ogg",
    "audio/mp4": ".m4a",
    "audio/aac": ".aac",
    "audio/amr": ".amr",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "video/webm": ".webm",
    "message/rfc822": ".eml",
    "text/plain": ".txt",
    "application/zip": ".zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/msword": ".doc",
}


PILLOW_FORMATS: dict[str, str] = {
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
    "image/bmp": "BMP",
    "image/tiff": "TIFF",
}
"""The image media types Pillow opens and the program checks or shows, with Pillow's name for
each format; other image types are kept but never decoded."""


def extension_for(media_type: str) -> str:
    """The usual file extension for ``media_type``; ``.bin`` when unknown."""
    return _EXTENSIONS.get(media_type, ".bin")


def format_incident_id(year: int, number: int) -> str:
    """``INC-2026-0007`` for year 2026, number 7."""
    return f"INC-{year:04d}-{number:04d}"


def parse_incident_id(text: str) -> tuple[int, int]:
    """Split ``INC-2026-0007`` into (2026, 7), or raise :class:`BadInput`."""
    match = INCIDENT_ID_RE.match(text.strip().upper())
    if not match:
        raise BadInput(f"'{text}' is not an incident id; ids look like INC-2026-0007.")
    return int(match.group(1)), int(match.group(2))


def normalise_incident_id(text: str) -> str:
    """Accept ``inc-2026-7`` style input and return the canonical id."""
    return format_incident_id(*parse_incident_id(text))


def format_exhibit_ref(prefix: str, number: int) -> str:
    """``ZL/3`` for the third exhibit of the producer whose exhibit prefix is ZL."""
    return f"{prefix}/{number}"


def parse_exhibit_ref(text: str) -> tuple[str, int]:
    """Split ``ZL2/3`` into ("ZL2", 3), or raise :class:`BadInput`."""
    candidate = text.strip().upper().replace("-", "/")
    match = EXHIBIT_REF_RE.match(candidate)
    if not match:
        raise BadInput(f"'{text}' is not an exhibit reference; references look like ZL/3.")
    return match.group(1), int(match.group(2))


def normalise_exhibit_ref(text: str) -> str:
    """Accept ``zl/3`` or ``ZL-3`` and return ``ZL/3``, or raise :class:`BadInput`."""
    return format_exhibit_ref(*parse_exhibit_ref(text))


def exhibit_prefix(initials: str, taken: Iterable[str]) -> str:
    """The exhibit prefix for a producer new to a store whose producers have ``taken`` prefixes.

    Their initials if free, else the initials and the first number from 2 that is free
    (``ZL``, ``ZL2``, ``ZL3``...); see the module's notes on ids.
    """
    used = set(taken)
    if initials not in used:
        return initials
    number = 2
    while f"{initials}{number}" in used:
        number += 1
    return f"{initials}{number}"


def suggested_initials(name: str) -> str:
    """Initials suggested for a name: ``ZL`` for Zoë Lane, ``LN`` for Łukasz Nowak.

    Each word's first letter, transliterated to A to Z (a letter with no Latin reading gives
    none), at most four.
    """
    from anyascii import anyascii  # only when a name is typed

    letters = []
    for part in name.split():
        first = anyascii(part)[:1].upper()
        if "A" <= first <= "Z":
            letters.append(first)
    return "".join(letters[:4])


def validate_initials(text: str) -> str:
    """Upper-case initials of one to four letters A-Z, or :class:`BadInput`."""
    initials = text.strip().upper()
    if not INITIALS_RE.match(initials):
        raise BadInput("Initials must be one to four letters A to Z, for example ZL.")
    return initials
