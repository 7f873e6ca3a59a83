"""The Qt models over a real store: row counts, sorting, filtering, roles, blurred pictures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon, QPixmap

from harmonize_evidence.domain.clock import FixedClock
from harmonize_evidence.domain.model import Category, Exhibit, Incident, Status
from harmonize_evidence.services.store import unlock_key
from harmonize_evidence.ui.incident_models import IncidentFilterProxy, IncidentTableModel
from harmonize_evidence.ui.models import (
    CAPTION_ROLE,
    CATEGORY_ROLE,
    EXHIBIT_ROLE,
    INCIDENT_ROLE,
    PLATFORMS_ROLE,
    REVEALED_ROLE,
    STATUS_ROLE,
    URGENT_ROLE,
    CustodyTableModel,
    ExhibitListModel,
    metadata_rows,
)
from harmonize_evidence.ui.session import Session
from harmonize_evidence.ui.thumbnails import ThumbnailCache
from tests.conftest import PASSPHRASE
from tests.ui.conftest import SeededStore
from tests.ui.helpers import png_file

M = IncidentTableModel


@pytest.fixture
def session(qtbot, seeded: SeededStore, clock: FixedClock) -> Iterator[Session]:
    opened = Session(seeded.location, clock)
    opened.open(unlock_key(seeded.location, lambda: PASSPHRASE))
    yield opened
    opened.lock()


@pytest.fixture
def incidents(session: Session) -> tuple[IncidentTableModel, IncidentFilterProxy]:
    model = IncidentTableModel(session.clock.zone)
    model.set_rows(session.store.incidents())
    proxy = IncidentFilterProxy()
    proxy.setSourceModel(model)
    return model, proxy


def column(proxy: IncidentFilterProxy, number: int) -> list[str]:
    return [proxy.index(row, number).data() for row in range(proxy.rowCount())]


def test_incidents_model_has_a_row_per_incident_newest_first(
    incidents: tuple[IncidentTableModel, IncidentFilterProxy], seeded: SeededStore
) -> None:
    model, proxy = incidents
    assert model.rowCount() == 3
    assert model.columnCount() == len(M.HEADERS) == 8
    assert column(proxy, M.COLUMN_ID) == [seeded.photo, seeded.fake_account, seeded.closed]
    first = model.index(0, M.COLUMN_TITLE)
    assert first.data() == "Comments under a class photo"
    assert isinstance(first.data(INCIDENT_ROLE), Incident)
    assert Status(first.data(STATUS_ROLE)) is Status.OPEN
    assert Category(first.data(CATEGORY_ROLE)) is Category.STAFF_CYBERBULLYING
    assert first.data(PLATFORMS_ROLE) == ["TikTok"]
    assert first.data(URGENT_ROLE) is False
    assert model.index(0, M.COLUMN_ITEMS).data() == "3"
    assert model.index(0, M.COLUMN_CREATED).data() == "21 Nov 2026, 20:00"
    assert model.index(2, M.COLUMN_STATUS).data() == "Closed"
    assert model.headerData(M.COLUMN_TITLE, Qt.Orientation.Horizontal) == "Title"


def test_sorting_by_a_column_reorders_whole_rows(
    incidents: tuple[IncidentTableModel, IncidentFilterProxy],
) -> None:
    _model, proxy = incidents
    proxy.sort(M.COLUMN_TITLE, Qt.SortOrder.AscendingOrder)
    assert column(proxy, M.COLUMN_TITLE) == [
        "Comments under a class photo",
        "Fake account in my name",
        "Group chat about a supply teacher",
    ]
    proxy.sort(M.COLUMN_ITEMS, Qt.SortOrder.DescendingOrder)
    assert column(proxy, M.COLUMN_ITEMS)[0] == "3"
    assert proxy.index(0, M.COLUMN_TITLE).data() == "Comments under a class photo"
    proxy.sort(M.COLUMN_CREATED, Qt.SortOrder.AscendingOrder)
    assert column(proxy, M.COLUMN_TITLE)[0] == "Group chat about a supply teacher"


def test_a_new_incident_goes_in_its_sorted_place(
    incidents: tuple[IncidentTableModel, IncidentFilterProxy], session: Session
) -> None:
    model, proxy = incidents
    newest = session.store.new_incident("Threatening voicemail")  # the fixed clock: 21 Nov 21:40
    model.upsert(newest)
    assert model.rowCount() == 4
    assert proxy.index(0, M.COLUMN_TITLE).data() == "Threatening voicemail"


def test_filters_by_status_category_and_platform(
    incidents: tuple[IncidentTableModel, IncidentFilterProxy], seeded: SeededStore
) -> None:
    _model, proxy = incidents
    proxy.set_status(Status.CLOSED)
    assert column(proxy, M.COLUMN_ID) == [seeded.closed]
    proxy.set_status(Status.OPEN)
    assert proxy.rowCount() == 2
    proxy.set_category(Category.OTHER)
    assert column(proxy, M.COLUMN_ID) == [seeded.fake_account]
    proxy.set_category(None)
    proxy.set_platform("TikTok")
    assert column(proxy, M.COLUMN_ID) == [seeded.photo]
    proxy.set_status(None)
    proxy.set_platform("Instagram")
    assert column(proxy, M.COLUMN_ID) == [seeded.closed]
    proxy.set_platform(None)
    assert proxy.rowCount() == 3


def test_each_incident_says_its_category_and_last_activity(
    session: Session, seeded: SeededStore
) -> None:
    # The closed incident was opened on 19 Nov; its newest entry is an account written today.
    session.store.add_note(seeded.closed, "Spoke to the parents again.")  # 21 Nov 21:40
    model = IncidentTableModel(session.clock.zone)
    model.set_rows(session.store.incidents())
    row = model.row_of(seeded.closed)
    assert row is not None
    assert model.index(row, M.COLUMN_CATEGORY).data() == "Cyberbullying of a member of staff"
    assert model.index(row, M.COLUMN_CREATED).data() == "19 Nov 2026, 20:00"
    assert model.index(row, M.COLUMN_ACTIVITY).data() == "21 Nov 2026, 21:40"
    photo = model.row_of(seeded.photo)
    assert photo is not None
    assert model.index(photo, M.COLUMN_ACTIVITY).data() == "21 Nov 2026, 20:00"
    assert model.headerData(M.COLUMN_ACTIVITY, Qt.Orientation.Horizontal) == "Last activity"
    model.sort(M.COLUMN_ACTIVITY, Qt.SortOrder.DescendingOrder)  # most recently active first
    assert [incident.id for incident in model.incidents] == [
        seeded.closed,
        seeded.photo,
        seeded.fake_account,
    ]


def test_a_row_tooltip_holds_the_whole_title_and_what_the_row_cuts_short(
    session: Session,
) -> None:
    title = "Comments under the Year 9 class photo on Instagram, and the replies that followed"
    incident = session.store.new_incident(title, category=Category.PUPIL_CYBERBULLYING)
    model = IncidentTableModel(session.clock.zone)
    model.set_rows([session.store.incident(incident.id)])
    for number in (M.COLUMN_ID, M.COLUMN_TITLE, M.COLUMN_CATEGORY, M.COLUMN_ACTIVITY):
        tooltip = model.index(0, number).data(Qt.ItemDataRole.ToolTipRole)
        assert title in tooltip
        assert "Cyberbullying of a pupil" in tooltip
        assert "Last activity: 21 Nov 2026, 21:40" in tooltip


def test_the_urgent_filter_shows_only_incidents_flagged_urgent(
    session: Session, seeded: SeededStore
) -> None:
    session.store.flag_urgent(seeded.fake_account, "It may show a pupil.")
    model = IncidentTableModel(session.clock.zone)
    model.set_rows(session.store.incidents())
    proxy = IncidentFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_urgent(True)
    assert column(proxy, M.COLUMN_ID) == [seeded.fake_account]
    proxy.set_urgent(False)
    assert proxy.rowCount() == 3


def test_search_matches_titles_people_and_notes(
    incidents: tuple[IncidentTableModel, IncidentFilterProxy], seeded: SeededStore
) -> None:
    _model, proxy = incidents
    proxy.set_search("PHOTO")
    assert column(proxy, M.COLUMN_ID) == [seeded.photo]
    proxy.set_search("supply teacher")
    assert column(proxy, M.COLUMN_ID) == [seeded.closed]
    proxy.set_search("pupil b")
    assert column(proxy, M.COLUMN_ID) == [seeded.photo]
    proxy.set_search("monday")
    assert proxy.rowCount() == 0
    proxy.set_note_index({seeded.fake_account: "the account first appeared on monday"})
    assert column(proxy, M.COLUMN_ID) == [seeded.fake_account]
    proxy.set_search("")
    assert proxy.rowCount() == 3


def test_user_text_is_never_shown_as_markup(session: Session) -> None:
    incident = session.store.new_incident("<b>bold</b><img src='/etc/hosts'>")
    model = IncidentTableModel(session.clock.zone)
    model.set_rows([incident])
    assert model.index(0, M.COLUMN_TITLE).data() == "<b>bold</b><img src='/etc/hosts'>"
    tooltip = model.index(0, M.COLUMN_TITLE).data(Qt.ItemDataRole.ToolTipRole)
    assert "<b>" not in tooltip and "&lt;b&gt;bold&lt;/b&gt;&lt;img" in tooltip


def test_exhibits_model_blurs_pictures_until_revealed(
    qtbot, session: Session, seeded: SeededStore
) -> None:
    thumbnails = ThumbnailCache(session)
    model = ExhibitListModel(thumbnails, session.clock.zone)
    model.set_rows(session.store.exhibits(seeded.photo))
    assert model.rowCount() == 3
    index = model.index(0)
    exhibit = index.data(EXHIBIT_ROLE)
    assert isinstance(exhibit, Exhibit) and exhibit.ref == "ZL/1"
    assert index.data(REVEALED_ROLE) is False
    assert index.data(Qt.ItemDataRole.AccessibleTextRole).endswith(", blurred")

    assert isinstance(index.data(Qt.ItemDataRole.DecorationRole), QIcon)  # being made
    qtbot.waitUntil(lambda: isinstance(index.data(Qt.ItemDataRole.DecorationRole), QPixmap))
    blurred = index.data(Qt.ItemDataRole.DecorationRole).toImage()
    model.set_revealed(0, True)
    assert index.data(REVEALED_ROLE) is True
    assert index.data(Qt.ItemDataRole.AccessibleTextRole).endswith(", shown")
    clear = index.data(Qt.ItemDataRole.DecorationRole).toImage()
    assert clear.size() == blurred.size()
    # The white band across the picture is sharp when shown and smeared when blurred.
    band_row = round(clear.height() / 3) + 1
    assert clear.pixelColor(clear.width() // 2, band_row).lightness() > 240
    assert blurred.pixelColor(blurred.width() // 2, band_row).lightness() < 240
    assert thumbnails.blobs_read == 1  # only the row that was asked for
    model.blur_all()
    assert index.data(REVEALED_ROLE) is False


def test_a_thumbnail_caption_says_kind_time_and_where_it_came_from(
    qtbot, session: Session, seeded: SeededStore, tmp_path: Path
) -> None:
    exhibits = session.store.exhibits(seeded.photo)
    path = png_file(tmp_path / "IMG_2043 from my phone.png")
    exhibits.append(session.store.add_file(seeded.photo, path, url=None, note=""))
    model = ExhibitListModel(ThumbnailCache(session), session.clock.zone)
    model.set_rows(exhibits)
    # Added on Sat 21 Nov 2026 at 20:00 UTC (seeded) and 21:40 (the clock), GMT.
    assert model.index(0).data() == "ZL/1 · Image · Sat 21 Nov 20:00 · tiktok.com"
    assert model.index(0).data(CAPTION_ROLE) == ("ZL/1 · Image", "Sat 21 Nov 20:00", "tiktok.com")
    assert model.index(3).data() == "ZL/4 · Image · Sat 21 Nov 21:40 · IMG_2043 from my phone.png"
    assert model.index(0).data(Qt.ItemDataRole.AccessibleTextRole) == (
        "Exhibit ZL/1, Image, Sat 21 Nov 20:00, tiktok.com, blurred"
    )


def test_clearing_the_thumbnails_holds_no_pixmaps(
    qtbot, session: Session, seeded: SeededStore
) -> None:
    thumbnails = ThumbnailCache(session)
    model = ExhibitListModel(thumbnails, session.clock.zone)
    model.set_rows(session.store.exhibits(seeded.photo))
    for row in range(3):
        model.index(row).data(Qt.ItemDataRole.DecorationRole)
    qtbot.waitUntil(lambda: thumbnails.held >= 3 and thumbnails.pending == 0)
    session.lock()
    assert thumbnails.held == 0 and thumbnails.pending == 0


def test_custody_model_reads_like_a_timeline(session: Session, seeded: SeededStore) -> None:
    model = CustodyTableModel(session.clock.zone)
    model.set_rows(session.store.log(seeded.photo))
    C = CustodyTableModel
    assert model.rowCount() == 4
    actions = [model.index(row, C.COLUMN_ACTION).data() for row in range(4)]
    assert actions == ["Incident opened", "File added", "File added", "File added"]
    assert model.index(1, C.COLUMN_SUBJECT).data() == "ZL/1"
    assert model.index(0, C.COLUMN_ACTOR).data() == "Zoë Lane (ZL)"
    assert len(model.index(0, C.COLUMN_HASH).data()) == 12


def test_metadata_panel_rows_name_the_source_and_the_hash(
    session: Session, seeded: SeededStore
) -> None:
    exhibit = session.store.exhibits(seeded.photo)[0]
    rows = dict(metadata_rows(exhibit, session.clock.zone))
    assert rows["Exhibit"] == "ZL/1"
    assert rows["SHA-256"] == exhibit.sha256
    assert rows["Address (URL)"] == "https://www.tiktok.com/@someone/video/1"
    assert rows["Platform"] == "TikTok"
    assert rows["Image size"] == "320 × 200 pixels"
    assert rows["Recorded by"].startswith("Zoë Lane (computer account ")


def test_search_is_blind_to_accents_and_case(
    incidents: tuple[IncidentTableModel, IncidentFilterProxy], seeded: SeededStore
) -> None:
    _model, proxy = incidents
    proxy.set_search("Zoë")  # the reporter of every seeded incident: Zoë Lane
    typed_with_accent = column(proxy, M.COLUMN_ID)
    proxy.set_search("zoe")
    assert typed_with_accent and column(proxy, M.COLUMN_ID) == typed_with_accent
    proxy.set_note_index({seeded.fake_account: "Łukasz posted it first"})
    proxy.set_search("lukasz")
    assert column(proxy, M.COLUMN_ID) == [seeded.fake_account]


@settings(max_examples=100, deadline=None)
@given(
    made=st.lists(
        st.tuples(
            st.integers(2024, 2027),
            st.integers(1, 40),
            st.integers(0, 5),
            st.none() | st.integers(0, 8),
        ),
        unique_by=lambda made: made[:2],
        max_size=30,
    ),
    by_activity=st.booleans(),
    shuffled=st.booleans(),
    seed=st.randoms(use_true_random=False),
)
def test_the_list_opens_in_its_order_whatever_order_the_incidents_come_in(
    qapp, made: list[tuple[int, int, int, int | None]], by_activity: bool, shuffled: bool, seed: Any
) -> None:
    # The store lists incidents in the list's order (newest first, or latest activity first) and
    # the model keeps that order without sorting again; in any other order (or with times tied,
    # or a time earlier than a smaller number's) it sorts.
    start = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    incidents = [
        Incident(
            id=f"INC-{year}-{number:04d}",
            title="t",
            category=Category.OTHER,
            platforms=(),
            people="",
            reported_by="Zoë Lane",
            created_utc=start + timedelta(minutes=minutes),
            status=Status.OPEN,
            last_activity_utc=None if later is None else start + timedelta(minutes=later),
        )
        for year, number, minutes, later in made
    ]

    def first(incident: Incident) -> datetime:
        if by_activity:
            return incident.last_activity_utc or incident.created_utc
        return incident.created_utc

    expected = sorted(incidents, key=lambda i: (first(i), _id_order_of(i.id)), reverse=True)
    given_order = list(expected)
    if shuffled:
        seed.shuffle(given_order)
    model = IncidentTableModel(ZoneInfo("Europe/London"))
    if by_activity:
        model.sort(IncidentTableModel.COLUMN_ACTIVITY, Qt.SortOrder.DescendingOrder)
    model.set_rows(given_order)
    assert [model.incident_at(row).id for row in range(model.rowCount())] == [
        i.id for i in expected
    ]


def _id_order_of(incident_id: str) -> tuple[int, int]:
    _, year, number = incident_id.split("-")
    return int(year), int(number)


def test_a_lead_s_step_says_when_it_happened_and_what_it_corrects() -> None:
    # The custody log showed a takedown asked on 28 Nov only by when it was recorded (1 Dec),
    # and a correction as if it were a step like another.
    from zoneinfo import ZoneInfo

    from harmonize_evidence.domain.chain import CustodyEntry

    def entry(seq: int, details: dict[str, object]) -> CustodyEntry:
        return CustodyEntry(
            "INC-2026-0001", seq, "2026-12-01T12:47:34.000000Z", "Priya Shah (PS)",
            "takedown_requested", details, None, "0" * 64, f"{seq:064x}", b"", b"",
        )  # fmt: skip

    model = CustodyTableModel(ZoneInfo("Europe/London"))
    model.set_rows(
        [
            entry(1, {"at_utc": "2026-12-01T12:47:34.000000Z"}),  # now: nothing to add
            entry(2, {"at_utc": "2026-11-28T10:00:00.000000Z"}),
            entry(3, {"at_utc": "2026-11-28T10:00:00.000000Z", "corrects": 2}),
        ]
    )
    actions = [model.index(row, CustodyTableModel.COLUMN_ACTION).data() for row in range(3)]
    assert actions == [
        "Takedown requested",
        "Takedown requested (happened Sat 28 Nov 2026 10:00)",
        "Takedown requested (happened Sat 28 Nov 2026 10:00; corrects entry 2)",
    ]
