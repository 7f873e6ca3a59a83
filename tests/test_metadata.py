"""An exhibit's metadata is typed, stored exactly as before, read back whatever wrote it, and
every field it can hold has a label a reader understands."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from harmonize_evidence.capture import CaptureDetails, Rect
from harmonize_evidence.capture.geometry import Area, Layout, Monitor
from harmonize_evidence.capture.png import DEFAULT_SETTINGS
from harmonize_evidence.capture.windows import WindowTitle
from harmonize_evidence.domain.metadata import (
    ExhibitMetadata,
    ImageSize,
    metadata_field_names,
)
from harmonize_evidence.domain.metadata_rows import metadata_rows
from harmonize_evidence.domain.model import Exhibit, ExhibitKind
from harmonize_evidence.domain.wording import METADATA_LABELS

SOURCE = ExhibitMetadata(
    url="https://www.instagram.com/p/Cxyz/",
    platform="Instagram",
    note="Seen at 21:40",
    posted_at="2026-11-21T20:15",
    utc="2026-11-21T21:40:05.000000Z",
    local_time="2026-11-21T21:40:05+00:00",
    time_zone="Europe/London",
    utc_offset="+00:00",
    os_user="zlane",
    display_name="Zoë Lane",
    machine="LAPTOP-7",
    tool="Harmonize Evidence 0.1.0",
)
SOURCE_JSON: dict[str, Any] = {
    "url": "https://www.instagram.com/p/Cxyz/",
    "platform": "Instagram",
    "note": "Seen at 21:40",
    "posted_at": "2026-11-21T20:15",
    "utc": "2026-11-21T21:40:05.000000Z",
    "local_time": "2026-11-21T21:40:05+00:00",
    "time_zone": "Europe/London",
    "utc_offset": "+00:00",
    "os_user": "zlane",
    "display_name": "Zoë Lane",
    "machine": "LAPTOP-7",
    "tool": "Harmonize Evidence 0.1.0",
}


def _capture_details() -> CaptureDetails:
    monitor = Monitor(1, Rect(0, 0, 1280, 800), "HDMI-1", True)
    return CaptureDetails(
        area=Area.REGION,
        geometry=Rect(100, 80, 640, 360),
        monitor=monitor,
        layout=Layout(Rect(0, 0, 2560, 800), (monitor, Monitor(2, Rect(1280, 0, 1280, 800)))),
        width=640,
        height=360,
        device_pixel_ratio=Decimal("1.25"),
        device_pixel_ratio_source="reported by the program's screen",
        display_server="x11",
        window_title=WindowTitle("Comments – Instagram", "_NET_WM_NAME"),
        encoding=DEFAULT_SETTINGS.describe(),
    )


def test_every_field_of_the_metadata_has_a_label_for_readers() -> None:
    missing = [name for name in metadata_field_names() if name not in METADATA_LABELS]
    assert missing == []


def test_a_screen_capture_is_stored_in_the_form_stores_and_bundles_already_hold() -> None:
    described = _capture_details().described(SOURCE)
    assert described.to_json() == {
        **SOURCE_JSON,
        "window_title": "Comments – Instagram",
        "window_title_source": "_NET_WM_NAME",
        "image": {"width": 640, "height": 360},
        "capture": {
            "area": "region",
            "geometry": {"left": 100, "top": 80, "width": 640, "height": 360},
            "monitor": 1,
            "virtual_screen": {"left": 0, "top": 0, "width": 2560, "height": 800},
            "monitors": [
                {
                    "number": 1,
                    "left": 0,
                    "top": 0,
                    "width": 1280,
                    "height": 800,
                    "name": "HDMI-1",
                    "primary": True,
                },
                {
                    "number": 2,
                    "left": 1280,
                    "top": 0,
                    "width": 1280,
                    "height": 800,
                    "name": "",
                    "primary": False,
                },
            ],
            "device_pixel_ratio": "1.25",
            "device_pixel_ratio_source": "reported by the program's screen",
            "display_server": "x11",
            "encoding": DEFAULT_SETTINGS.describe(),
        },
    }
    assert ExhibitMetadata.from_json(described.to_json()) == described


def test_an_imported_file_and_a_record_without_an_image_keep_their_stored_form() -> None:
    imported = ExhibitMetadata(**{**SOURCE.__dict__, "source_file_name": "phone.png"})
    imported = ExhibitMetadata.from_json({**imported.to_json(), "image": {"width": 3, "height": 2}})
    assert imported.image == ImageSize(3, 2)
    assert imported.to_json() == {
        **SOURCE_JSON,
        "source_file_name": "phone.png",
        "image": {"width": 3, "height": 2},
    }
    record = {
        **SOURCE_JSON,
        "url": None,
        "platform": None,
        "posted_at": None,
        "description": "What was seen",
        "no_image_reason": "Must not be copied",
        "incident_flag": "urgent-safeguarding",
        "source_file_name": "offered.jpg",
        "source_file_read": False,
    }
    read = ExhibitMetadata.from_json(record)
    assert read.source_file_read is False and read.other == {}
    assert read.to_json() == record


def test_fields_of_another_version_or_shape_are_kept_as_read() -> None:
    stored = {
        **SOURCE_JSON,
        "image": {"width": 3, "height": 2, "depth": 8},
        "capture": {"area": "region"},
        "window_title": 7,
        "recorded_with": {"phone": "Pixel 8"},
    }
    read = ExhibitMetadata.from_json(stored)
    assert read.image is None and read.capture is None and read.window_title is None
    assert read.other == {
        "image": {"width": 3, "height": 2, "depth": 8},
        "capture": {"area": "region"},
        "window_title": 7,
        "recorded_with": {"phone": "Pixel 8"},
    }
    assert read.to_json() == stored


def test_a_record_with_every_field_prints_every_field_under_its_label() -> None:
    full = _capture_details().described(SOURCE)
    full = ExhibitMetadata.from_json(
        {
            **full.to_json(),
            "source_file_name": "offered.jpg",
            "came_from": "AirDropped from my phone",
            "source_file_read": False,
            "description": "What was seen",
            "no_image_reason": "Must not be copied",
            "incident_flag": "urgent-safeguarding",
            "posted_at_understood": "2026-11-21T20:15:00+00:00",
            "posted_at_approximate": False,
        }
    )
    unset = [name for name, value in full.__dict__.items() if value is None]
    assert unset == [] and full.other == {}
    exhibit = Exhibit(
        ref="ZL/1",
        incident_id="INC-2026-0001",
        kind=ExhibitKind.SCREENSHOT,
        media_type="image/png",
        size=1484,
        sha256="0" * 64,
        created_utc=datetime(2026, 11, 21, 21, 40, 5, tzinfo=UTC),
        metadata=full.to_json(),
    )
    rows = metadata_rows(exhibit)
    labels = [label for label, _ in rows]
    assert set(labels) <= set(METADATA_LABELS.values()), set(labels) - set(METADATA_LABELS.values())
    assert ("How it reached this computer", "AirDropped from my phone") in rows
    # The time on the post: as typed, and what it was understood as, beside it.
    assert ("Time shown on the post", "2026-11-21T20:15") in rows
    assert (
        "Time on the post, understood as",
        "Sat 21 Nov 2026 20:15 GMT (about 1 hour before the capture)",
    ) in rows
