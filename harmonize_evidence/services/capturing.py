"""Use cases: capture the screen into an incident, or record evidence that must not be copied.

Both the command line and the GUI's capture overlay call these with an open
:class:`~harmonize_evidence.services.evidence.EvidenceStore`.

A capture goes grab -> crop and PNG in memory -> SHA-256 -> one encrypted transaction holding the
bytes and their custody entry. No temporary file is ever written. Both faces take the same two
steps of the capture layer: :func:`grab_screen` grabs the whole screen once, then
``grab.capture(target)`` cuts the part asked for from those very pixels. The command line does
both at once (:func:`capture_into`); the GUI shows the grab frozen, lets the user choose, and
stores the chosen part of the same grab (:func:`store_capture`), so the exhibit is exactly what
the user saw and chose. The capture time is always the time of the grab.

The GUI also asks which incident keeps what is stored: one in the list, or a new one with a
title typed there. :class:`IncidentChoice` carries that answer, and :func:`store_capture_in` and
:func:`record_without_image_in` open the new incident and store into it in one transaction: if
storing fails (a full disk, a refused address), no empty incident and no custody entry is left
behind, and its number is not used up.

Record-only evidence follows UK safeguarding guidance: staff must never view, copy, save or share
nude or semi-nude images of under-18s, and only the safeguarding lead decides what happens next.
So nothing is grabbed or read; a description is stored, the custody entry says why there is no
image, and the incident is flagged ``urgent-safeguarding``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

# The capture layer's values that the faces handle (what to grab, a grab, its result) are
# reached through this module, so the command line and the GUI never import the capture layer.
from harmonize_evidence.capture import (
    CaptureDetails,
    CaptureTarget,
    Rect,
    ScreenCapture,
    ScreenGrab,
    check_target,
    parse_region,
)
from harmonize_evidence.capture import grab_screen as _grab_screen
from harmonize_evidence.capture.png import DEFAULT_SETTINGS, EncoderSettings
from harmonize_evidence.domain.chain import sha256_hex
from harmonize_evidence.domain.clock import Clock
from harmonize_evidence.domain.metadata import ExhibitMetadata
from harmonize_evidence.domain.model import (
    URGENT_SAFEGUARDING,
    Action,
    Category,
    Exhibit,
    ExhibitKind,
)
from harmonize_evidence.domain.text import NOTE_MAX, TITLE_MAX, check_text
from harmonize_evidence.services.evidence import EvidenceStore, check_source
from harmonize_evidence.services.incident_changes import change_incident, refusal
from harmonize_evidence.vault.database import CHUNK_SIZE

__all__ = [
    "DEFAULT_NO_IMAGE_REASON",
    "RECORD_ONLY_MEDIA_TYPE",
    "CaptureDetails",
    "CaptureTarget",
    "CapturedExhibit",
    "IncidentChoice",
    "Rect",
    "ScreenCapture",
    "ScreenGrab",
    "capture_into",
    "grab_screen",
    "grab_then_store",
    "parse_region",
    "record_without_image",
    "record_without_image_in",
    "store_capture",
    "store_capture_in",
]

DEFAULT_NO_IMAGE_REASON = (
    "The content must not be copied: UK safeguarding guidance says staff must never view, copy, "
    "save or share nude or semi-nude images of under-18s. Recorded as a description only, for "
    "the safeguarding lead."
)
RECORD_ONLY_MEDIA_TYPE = "text/plain"


@dataclass(frozen=True)
class CapturedExhibit:
    """A stored screen capture."""

    exhibit: Exhibit
    details: CaptureDetails
    seconds: dict[str, float] = field(default_factory=dict, compare=False)
    """Time spent in each step: ``grab``, ``describe``, ``encode``, ``hash``, ``store``."""

    @property
    def width(self) -> int:
        """Width of the stored image in pixels."""
        return self.details.width

    @property
    def height(self) -> int:
        """Height of the stored image in pixels."""
        return self.details.height


@dataclass(frozen=True)
class IncidentChoice:
    """The incident that keeps a capture or a record: one that exists, or a new one to open."""

    incident_id: str | None = None
    """The existing incident's id; None to open a new one titled :attr:`new_title`."""
    new_title: str | None = None
    """The title of the incident to open (only when :attr:`incident_id` is None)."""

    def __post_init__(self) -> None:
        if (self.incident_id is None) == (self.new_title is None):
            raise ValueError("choose either an existing incident or the title of a new one")

    @classmethod
    def existing(cls, incident_id: str) -> IncidentChoice:
        """The incident ``incident_id``, which must exist."""
        return cls(incident_id=incident_id)

    @classmethod
    def new(cls, title: str) -> IncidentChoice:
        """A new incident titled ``title``, opened only together with what it keeps."""
        return cls(new_title=title)


def grab_screen(
    clock: Clock,
    *,
    display: str | None = None,
    device_pixel_ratio: Decimal | None = None,
) -> ScreenGrab:
    """Grab the whole screen once (the GUI's first step; see the module docstring).

    Keep the grab only while the user chooses: it holds the raw pixels (~33 MB at 4K). Its
    ``capture(target)`` makes the capture to pass to :func:`store_capture`.

    Args:
        clock: Stamps the grab: the capture time of anything cut from it.
        display: The X11 display (default: ``DISPLAY``).
        device_pixel_ratio: The ratio the caller knows (the GUI's screen), else the platform's.

    Raises:
        EnvironmentProblem: There is no screen to capture.
    """
    return _grab_screen(clock, display=display, device_pixel_ratio=device_pixel_ratio)


def capture_into(
    store: EvidenceStore,
    incident_id: str,
    target: CaptureTarget,
    *,
    url: str | None = None,
    note: str = "",
    posted_at: str | None = None,
    display: str | None = None,
    device_pixel_ratio: Decimal | None = None,
    settings: EncoderSettings = DEFAULT_SETTINGS,
    on_grabbed: Callable[[], None] | None = None,
) -> CapturedExhibit:
    """Grab the screen, cut ``target`` from the grab and store it as a PNG screenshot exhibit.

    The incident, URL, note, time on the post and target are checked before anything is grabbed;
    the target again against the monitors of the grab itself (the connection kept open may be
    renewed by the grab). The capture time is read from the store's clock just before the grab.

    Args:
        store: The open store (owned by the calling thread).
        incident_id: The incident that receives the exhibit.
        target: The whole screen, one monitor, or a region.
        url: The address of the content shown, as given (http or https only).
        note: What the member of staff wants to say about it.
        posted_at: The time shown on the post itself, as typed (day first), if any.
        display: The X11 display (default: ``DISPLAY``).
        device_pixel_ratio: The ratio the caller knows (the GUI's screen), else the platform's.
        settings: Encoder choices; the default is the measured best.
        on_grabbed: Called right after the pixels are grabbed.

    Raises:
        BadInput: Unknown incident, bad URL or note, a missing monitor or an off-screen region.
        EnvironmentProblem: There is no screen to capture.
    """
    incident = store.incident(incident_id)
    store.describe_source(url=url, note=note, posted_at=posted_at, now=store.clock.now())
    check_target(target, display)
    grab = _grab_screen(
        store.clock, display=display, device_pixel_ratio=device_pixel_ratio, on_grabbed=on_grabbed
    )
    capture = grab.capture(target, settings)
    del grab  # the raw frame is not needed once its part is encoded
    return store_capture(store, incident.id, capture, url=url, note=note, posted_at=posted_at)


def grab_then_store(
    open_store: Callable[[], EvidenceStore],
    clock: Clock,
    incident_id: str,
    target: CaptureTarget,
    *,
    url: str | None = None,
    note: str = "",
    posted_at: str | None = None,
    display: str | None = None,
) -> CapturedExhibit:
    """Grab the screen first, then unlock the store and keep ``target`` of that grab.

    For the command line, where unlocking may take a second (the passphrase's slow key
    derivation): posts get deleted, so the screen is grabbed before that wait, not after. What
    the user typed is checked before the grab; the incident is checked once the store is open.

    Raises:
        BadInput: Bad URL, note or post time; unknown incident; missing monitor or off-screen
            region.
        EnvironmentProblem: There is no screen to capture.
        StoreLocked: The store cannot be unlocked.
    """
    check_source(url=url, note=note, posted_at=posted_at, clock=clock)
    check_target(target, display)
    grab = _grab_screen(clock, display=display)
    with open_store() as store:
        incident = store.incident(incident_id)
        capture = grab.capture(target)
        del grab  # the raw frame is not needed once its part is encoded
        return store_capture(store, incident.id, capture, url=url, note=note, posted_at=posted_at)


def store_capture(
    store: EvidenceStore,
    incident_id: str,
    capture: ScreenCapture,
    *,
    url: str | None = None,
    note: str = "",
    posted_at: str | None = None,
) -> CapturedExhibit:
    """Store a capture cut from a grab (``grab_screen(...).capture(target)``).

    The GUI grabs first (the screen must not show its own dialog), lets the user choose the part
    over the frozen grab, then asks for the URL and note, then stores; :func:`capture_into` does
    it all at once for the command line. The capture time recorded is the grab's.

    Args:
        store: The open store (owned by the calling thread).
        incident_id: The incident that receives the exhibit.
        capture: The PNG bytes and details, exactly as the capture layer made them.
        url: The address of the content shown, as given (http or https only).
        note: What the member of staff wants to say about it.
        posted_at: The time shown on the post itself, as typed (day first), if any.

    Raises:
        BadInput: Unknown incident, bad URL, note or time on the post.
    """
    incident = store.incident(incident_id)
    now = capture.grabbed_at
    metadata = store.describe_source(url=url, note=note, posted_at=posted_at, now=now)
    return _store(store, incident.id, capture, metadata, now)


def store_capture_in(
    store: EvidenceStore,
    incident: IncidentChoice,
    capture: ScreenCapture,
    *,
    url: str | None = None,
    note: str = "",
    posted_at: str | None = None,
) -> CapturedExhibit:
    """Store a capture in the chosen incident, opening it first when it is a new one.

    A new incident and the stored capture are one transaction: both are kept, or neither is.
    What the user typed is checked before anything is written. An existing incident is stored
    into exactly as :func:`store_capture` does.

    Raises:
        BadInput: Unknown incident, bad title, URL, note or time on the post.
    """
    if incident.incident_id is not None:
        return store_capture(
            store, incident.incident_id, capture, url=url, note=note, posted_at=posted_at
        )
    title = _new_title(incident)
    check_source(url=url, note=note, posted_at=posted_at, clock=store.clock)
    with store.atomic():
        opened = store.new_incident(title)
        return store_capture(store, opened.id, capture, url=url, note=note, posted_at=posted_at)


def _new_title(incident: IncidentChoice) -> str:
    """The title of the incident to open, checked (the store checks it again)."""
    assert incident.new_title is not None
    return check_text(incident.new_title, "title", max_length=TITLE_MAX)


def _store(
    store: EvidenceStore,
    incident_id: str,
    capture: ScreenCapture,
    metadata: ExhibitMetadata,
    now: datetime,
) -> CapturedExhibit:
    started = time.perf_counter()
    png = capture.png
    sha256 = sha256_hex(png)
    hashed = time.perf_counter()
    metadata = capture.details.described(metadata)
    exhibit = store.store_exhibit(
        incident_id,
        kind=ExhibitKind.SCREENSHOT,
        media_type="image/png",
        chunks=(
            [png]
            if len(png) <= CHUNK_SIZE
            else [png[i : i + CHUNK_SIZE] for i in range(0, len(png), CHUNK_SIZE)]
        ),
        size=len(png),
        sha256=sha256,
        metadata=metadata,
        action=Action.EVIDENCE_CAPTURED,
        now=now,
        entry_details={
            "area": capture.details.area.value,
            "geometry": capture.details.geometry.as_dict(),
        },
        rehash=False,  # sha256 was computed over this very bytes object
    )
    stored = time.perf_counter()
    seconds = {**capture.seconds, "hash": hashed - started, "store": stored - hashed}
    return CapturedExhibit(exhibit, capture.details, seconds)


def record_without_image(
    store: EvidenceStore,
    incident_id: str,
    *,
    description: str,
    url: str | None = None,
    posted_at: str | None = None,
    reason: str | None = None,
    source_file_name: str | None = None,
) -> Exhibit:
    """Store a description-only exhibit (no image) and flag the incident urgent-safeguarding.

    Everything is checked first. The flag and the record are two signed custody entries written
    in one transaction: both are kept, or neither is. An incident of a member of staff's own that
    is filed under another category is filed as a safeguarding concern in the same transaction
    (a third entry, ``category_changed``, that names the exhibit): content that could show a
    child is one, whoever the incident was first about.

    Args:
        store: The open store (owned by the calling thread).
        incident_id: The incident that receives the record.
        description: What was seen, in words.
        url: The address of the content, as given (http or https only).
        posted_at: The time shown on the post itself, as typed (day first), if any.
        reason: Why there is no image; the default cites the safeguarding guidance.
        source_file_name: The name of a file that was offered but deliberately not read.

    Raises:
        BadInput: Unknown incident, bad URL, or an empty or unacceptable description.
    """
    incident = store.incident(incident_id)
    check_text(description, "description", max_length=NOTE_MAX, multiline=True)
    why = DEFAULT_NO_IMAGE_REASON if reason is None or not reason.strip() else reason.strip()
    check_text(why, "reason there is no image", max_length=NOTE_MAX, multiline=True)
    now = store.clock.now()
    metadata = store.describe_source(url=url, note="", posted_at=posted_at, now=now)
    metadata = replace(
        metadata,
        description=description,
        no_image_reason=why,
        incident_flag=URGENT_SAFEGUARDING,
        source_file_name=source_file_name,
        source_file_read=None if source_file_name is None else False,
    )
    with store.atomic():
        store.flag_urgent(
            incident.id,
            "Evidence that must not be copied is being recorded as a description only: " + why,
            utc=now,
        )
        exhibit = store.store_exhibit(
            incident.id,
            kind=ExhibitKind.RECORD_ONLY,
            media_type=RECORD_ONLY_MEDIA_TYPE,
            chunks=(),
            size=0,
            sha256=None,
            metadata=metadata,
            action=Action.EVIDENCE_RECORDED,
            now=now,
            entry_details={"no_image_reason": why, "incident_flag": URGENT_SAFEGUARDING},
        )
        if incident.category is not Category.SAFEGUARDING and refusal(store, incident) is None:
            # Content that could show a child is a safeguarding concern, whoever the incident
            # was first about; an incident already with the lead is theirs to triage.
            change_incident(
                store,
                incident.id,
                category=Category.SAFEGUARDING,
                reason=f"Exhibit {exhibit.ref} records content that could show a nude or "
                "semi-nude image of someone under 18: a safeguarding concern, whoever the "
                "incident was first about.",
            )
        return exhibit


def record_without_image_in(
    store: EvidenceStore,
    incident: IncidentChoice,
    *,
    description: str,
    url: str | None = None,
    posted_at: str | None = None,
) -> Exhibit:
    """Store a description-only record in the chosen incident, opening it first when it is new.

    A new incident, its urgent flag and the record are one transaction: all are kept, or none
    is. What the user typed is checked before anything is written. An existing incident is
    recorded into exactly as :func:`record_without_image` does.

    Raises:
        BadInput: Unknown incident, bad title or URL, or an empty or unacceptable description.
    """
    if incident.incident_id is not None:
        return record_without_image(
            store, incident.incident_id, description=description, url=url, posted_at=posted_at
        )
    title = _new_title(incident)
    check_text(description, "description", max_length=NOTE_MAX, multiline=True)
    check_source(url=url, note="", posted_at=posted_at, clock=store.clock)
    with store.atomic():
        # Content that could show a child is a safeguarding concern, whoever it is about.
        opened = store.new_incident(title, category=Category.SAFEGUARDING)
        return record_without_image(
            store, opened.id, description=description, url=url, posted_at=posted_at
        )
