"""The incident for this capture: one in the list, or a new one opened with what it keeps.

A real store throughout; the full disk is a real, tiny tmpfs (see tests/faults.py). A new
incident and the capture or record it was opened for are kept together or not at all: a teacher
who sees "not saved" must not find an empty incident, with a signed entry, left behind.
"""

from __future__ import annotations

import io
import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from harmonize_evidence.capture import CaptureDetails, Rect, ScreenCapture
from harmonize_evidence.capture.geometry import Area, Layout, Monitor
from harmonize_evidence.capture.png import DEFAULT_SETTINGS
from harmonize_evidence.capture.windows import WindowTitle
from harmonize_evidence.domain.chain import CustodyEntry
from harmonize_evidence.domain.clock import FixedClock
from harmonize_evidence.domain.errors import BadInput, DiskFull
from harmonize_evidence.domain.model import Category, Producer
from harmonize_evidence.services.capturing import (
    IncidentChoice,
    record_without_image_in,
    store_capture_in,
)
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.store import open_store
from tests.conftest import PASSPHRASE, StoreTemplates
from tests.faults import fill_disk, small_tmpfs

MIB = 1024 * 1024


def screen_capture(
    clock: FixedClock, width: int, height: int, *, noise: bool = False
) -> ScreenCapture:
    """A capture as the capture layer makes it; noise does not compress (~3 bytes a pixel)."""
    pixels = (
        Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
        if noise
        else Image.new("RGB", (width, height), (190, 215, 250))
    )
    png = io.BytesIO()
    pixels.save(png, "PNG")
    screen = Rect(0, 0, width, height)
    details = CaptureDetails(
        area=Area.FULL,
        geometry=screen,
        monitor=None,
        layout=Layout(virtual=screen, monitors=(Monitor(1, screen, "Virtual-1", primary=True),)),
        width=width,
        height=height,
        device_pixel_ratio=Decimal(1),
        device_pixel_ratio_source="Xft.dpi",
        display_server="x11",
        window_title=WindowTitle("Instagram - Mozilla Firefox", "_NET_WM_NAME"),
        encoding=DEFAULT_SETTINGS.describe(),
    )
    return ScreenCapture(png.getvalue(), details, clock.now() - timedelta(seconds=2))


def state(store: EvidenceStore) -> dict[str, list[CustodyEntry]]:
    """Every incident with its whole custody chain."""
    return {incident.id: store.log(incident.id) for incident in store.incidents()}


def actions(store: EvidenceStore, incident_id: str) -> list[str]:
    return [entry.action for entry in store.log(incident_id)]


def test_a_capture_into_a_new_incident_opens_it_with_the_capture(
    store: EvidenceStore, clock: FixedClock
) -> None:
    captured = store_capture_in(
        store,
        IncidentChoice.new("Posts about Ms Lane"),
        screen_capture(clock, 64, 48),
        url="https://www.instagram.com/p/C0ffee/",
        note="Under the staff photo",
    )
    (incident,) = store.incidents()
    assert incident.title == "Posts about Ms Lane"
    assert incident.platforms == ("Instagram",)
    assert captured.exhibit.incident_id == incident.id
    assert actions(store, incident.id) == ["incident_created", "evidence_captured"]
    assert store.verify().ok


def test_a_capture_into_an_incident_in_the_list_opens_none(
    store: EvidenceStore, clock: FixedClock
) -> None:
    chosen = store.new_incident("Messages to Ms Lane")
    captured = store_capture_in(
        store, IncidentChoice.existing(chosen.id), screen_capture(clock, 64, 48)
    )
    assert [incident.id for incident in store.incidents()] == [chosen.id]
    assert captured.exhibit.incident_id == chosen.id
    assert actions(store, chosen.id) == ["incident_created", "evidence_captured"]


def test_a_record_into_a_new_incident_opens_it_flagged_urgent_with_the_record(
    store: EvidenceStore,
) -> None:
    exhibit = record_without_image_in(
        store,
        IncidentChoice.new("An image of a pupil"),
        description="A picture of a Year 9 pupil was posted; not copied.",
        url="https://www.instagram.com/p/D00d/",
    )
    (incident,) = store.incidents()
    assert incident.urgent
    assert incident.category is Category.SAFEGUARDING  # not "cyberbullying of staff"
    assert exhibit.incident_id == incident.id
    assert actions(store, incident.id) == [
        "incident_created",
        "flagged_urgent",
        "evidence_recorded",
    ]


def test_a_refused_address_opens_no_incident(store: EvidenceStore, clock: FixedClock) -> None:
    kept = store.new_incident("Before")
    before = state(store)
    with pytest.raises(BadInput, match="web addresses"):
        store_capture_in(
            store,
            IncidentChoice.new("Posts about Ms Lane"),
            screen_capture(clock, 64, 48),
            url="javascript:alert(1)",
        )
    with pytest.raises(BadInput, match="web addresses"):
        record_without_image_in(
            store,
            IncidentChoice.new("An image of a pupil"),
            description="A picture of a pupil.",
            url="javascript:alert(1)",
        )
    with pytest.raises(BadInput, match="description"):
        record_without_image_in(store, IncidentChoice.new("An image of a pupil"), description=" ")
    assert state(store) == before == {kept.id: before[kept.id]}
    assert store.new_incident("After").id == "INC-2026-0002"  # no number was used up


def test_a_capture_the_full_disk_refuses_leaves_no_empty_incident_behind(
    tmp_path: Path, producer: Producer, clock: FixedClock, store_templates: StoreTemplates
) -> None:
    # Room for a new incident on its own, not for a screenful of detail with it.
    capture = screen_capture(clock, 800, 600, noise=True)
    assert len(capture.png) > MIB
    with small_tmpfs(tmp_path / "disk", 4 * MIB) as disk:
        made = store_templates.copy(disk / "store", producer, clock)
        with open_store(made.location, lambda: PASSPHRASE, clock) as store:
            kept = store.new_incident("Before the disk filled")
            before = state(store)
            filler = fill_disk(disk, leave_free=256 * 1024)
            with pytest.raises(DiskFull, match="nothing saved before was lost"):
                store_capture_in(store, IncidentChoice.new("Posts about Ms Lane"), capture)
            assert state(store) == before
            filler.unlink()
            assert store.verify().ok
            assert kept.id == "INC-2026-0001"
            opened = store.new_incident("After the disk was cleared")
            assert opened.id == "INC-2026-0002"  # the one that failed used up no number
