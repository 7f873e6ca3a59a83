"""Whatever the store accepts prints in the report, and the bundle still verifies.

A screen capture (from a real grab on Xvfb) exports with every capture detail under a label a
reader understands. Property tests generate what members of staff type (titles, names, notes,
web addresses, file names, descriptions) and what an exhibit's metadata may hold (any Unicode,
very long, markup-like, right-to-left, empty where the store allows it), give it to the real
store API, drop whatever the store refuses, and export and verify what it keeps.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import tempfile
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pypdf
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from harmonize_evidence.capture import CaptureDetails, CaptureTarget, Rect, ScreenCapture
from harmonize_evidence.capture.geometry import Area, Layout, Monitor
from harmonize_evidence.capture.png import DEFAULT_SETTINGS
from harmonize_evidence.capture.windows import WindowTitle
from harmonize_evidence.domain.clock import FixedClock
from harmonize_evidence.domain.errors import BadInput
from harmonize_evidence.domain.model import Action, Category, ExhibitKind, Producer, Role
from harmonize_evidence.domain.text import NAME_MAX, NOTE_MAX, PEOPLE_MAX, TITLE_MAX
from harmonize_evidence.export.report import METADATA_LABELS, metadata_rows
from harmonize_evidence.export.report_index import INDEX_KEY, ReportIndex
from harmonize_evidence.services.bundle_check import verify_bundle
from harmonize_evidence.services.capturing import capture_into, record_without_image, store_capture
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.exporting import export_bundle
from harmonize_evidence.services.store import StoreLocation, create_store
from harmonize_evidence.vault.keys import PassphraseCost
from tests.conftest import PASSPHRASE, XDisplay, fill_root

LOW_COST = PassphraseCost(memory_kib=8, iterations=1, lanes=1)
WHEN = datetime(2026, 11, 21, 21, 40, 5, tzinfo=UTC)

MARKUP = (
    "<b>",
    "</b>",
    "<i>unclosed",
    '<img src="/etc/passwd"/>',
    "<para>x</para>",
    "<br/>",
    "<font name='Courier'>",
    "<a href='javascript:alert(1)'>link</a>",
    "&amp;",
    "&",
    "&#x41;",
    "<",
    ">",
    "]]>",
    "<![CDATA[",
)
SCRIPTS = ("محمد الأحمد", "لا بأس", "مُحَمَّد", "ۀ", "שלום", "Łukasz Żółć", "Zoë", "张伟", "ﬆ")
ODD = ("😀", "👍🏽", "🇬🇧", "👨\u200d👩\u200d👧", "\u200d", "\ufe0f", "e\u0301", "\u00a0", "\u2028")
ODD += ("\U00100000", "\ue000", "\U0010fffd")  # private use: never a glyph of the font
LINE_BREAKS = ("\t", "\n", "\r\n", "\r")
# What no one can type into a checked field, but a window title or another program's metadata
# may hold: control characters and text-direction overrides.
HIDDEN = ("\u202e", "\u2066", "\x00", "\x1b[31m", "\x7f", "\x85")
_BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


_UNBROKEN = "https://cdn.example/a1_b2.c3-D4/" * 6  # a word with nowhere to break a line


def _pieces(*, lines: bool, hidden: bool) -> st.SearchStrategy[str]:
    letters = st.characters(
        exclude_categories=("Cs",) if hidden else ("Cs", "Cc"),
        exclude_characters="" if hidden else _BIDI_CONTROLS,
    )
    special = MARKUP + SCRIPTS + ODD + (LINE_BREAKS if lines else ()) + (HIDDEN if hidden else ())
    return st.one_of(
        st.text(letters, max_size=25),
        st.sampled_from(special),
        st.integers(40, len(_UNBROKEN)).map(lambda length: _UNBROKEN[:length]),
    )


def user_text(
    longest: int, *, repeat: int = 20, lines: bool = False, hidden: bool = False
) -> st.SearchStrategy[str]:
    """Any Unicode, markup-like, right-to-left, emoji; up to ``longest``; sometimes empty.

    ``lines`` adds line breaks and tabs (notes and descriptions); ``hidden`` adds control and
    text-direction characters, which the store refuses in what people type but keeps in what
    the screen reports (a window's title) and in metadata.
    """
    once = st.lists(_pieces(lines=lines, hidden=hidden), max_size=8).map("".join)
    return st.one_of(
        once, st.builds(lambda text, times: text * times, once, st.integers(1, repeat))
    ).map(lambda text: text[:longest])


def urls() -> st.SearchStrategy[str | None]:
    path = st.lists(_pieces(lines=False, hidden=False), max_size=5).map("".join)
    return st.one_of(
        st.none(),
        st.builds(
            lambda host, tail, times: f"https://{host}/{tail * times}",
            st.sampled_from(
                ("www.instagram.com", "tiktok.com", "example.org", "xn--mnchen-3ya.de")
            ),
            path,
            st.integers(1, 40),
        ),
        user_text(200),
    )


def json_values() -> st.SearchStrategy[Any]:
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**53) + 1, 2**53 - 1),
        st.floats(allow_nan=False, allow_infinity=False),
        user_text(2000, lines=True, hidden=True),
    )
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(user_text(200, lines=True, hidden=True), inner, max_size=4),
        ),
        max_leaves=12,
    )


KNOWN_KEYS = (
    "url",
    "platform",
    "note",
    "posted_at",
    "utc",
    "local_time",
    "time_zone",
    "utc_offset",
    "display_name",
    "os_user",
    "machine",
    "tool",
    "window_title",
    "window_title_source",
    "image",
    "capture",
    "source_file_name",
    "description",
    "no_image_reason",
    "incident_flag",
)


def metadata() -> st.SearchStrategy[dict[str, Any]]:
    """Exhibit metadata: the fields the program writes, with any values, and unknown fields."""
    keys = st.one_of(
        st.sampled_from(KNOWN_KEYS),
        user_text(300, lines=True, hidden=True),
        st.just("capture.device_pixel_ratio" * 4),
    )
    return st.dictionaries(keys, json_values(), max_size=8)


def _exported_and_verified(store: EvidenceStore, incident_id: str) -> Path:
    out = Path(tempfile.mkdtemp(prefix="bundle-", dir=store.directory.parent))
    result = export_bundle(store, incident_id, out)
    check = verify_bundle(result.bundle)
    assert check.ok, check.problems
    assert check.incident_id == incident_id
    return result.bundle


def _report_text(bundle: Path, tmp_path: Path) -> str:
    pdf = tmp_path / "report.pdf"
    with zipfile.ZipFile(bundle) as archive:
        pdf.write_bytes(archive.read("report.pdf"))
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.fail("pdftotext is not installed (.ci/run installs poppler-utils)")
    return subprocess.run(
        [pdftotext, str(pdf), "-"], capture_output=True, text=True, timeout=60, check=True
    ).stdout


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 160)).save(out, "PNG")
    return out.getvalue()


# -- a real capture ------------------------------------------------------------------------------


@pytest.fixture
def captured(store: EvidenceStore, xvfb: XDisplay) -> str:
    """An incident holding a region grabbed from a real X display with `capture`'s code path."""
    incident = store.new_incident("Comments under a photo")
    fill_root(xvfb.name, (40, 90, 160))  # an empty Xvfb is black, and a black grab is refused
    try:
        capture_into(
            store,
            incident.id,
            CaptureTarget.of_region(Rect(100, 80, 640, 360)),
            url="https://www.instagram.com/p/Cxyz/",
            note="Seen at 21:40 after a parent's email",
            posted_at="2026-11-21T20:15",
            display=xvfb.name,
        )
    finally:
        fill_root(xvfb.name, (0, 0, 0))  # leave the shared display as other tests expect it
    return incident.id


def test_an_incident_with_a_screen_capture_exports_and_verifies(
    store: EvidenceStore, captured: str, tmp_path: Path
) -> None:
    bundle = _exported_and_verified(store, captured)
    text = _report_text(bundle, tmp_path)
    for label in (
        "Area captured",
        "Area on the screen",
        "Monitor",
        "Monitors at the time",
        "Device pixel ratio",
        "Display server",
        "Image encoding",
        "Title read from",
    ):
        assert label in text, label
    assert "640 × 360 pixels" in text
    assert "capture." not in text and "device_pixel_ratio" not in text


def test_every_field_of_a_capture_has_a_label_written_for_readers(
    store: EvidenceStore, captured: str
) -> None:
    (exhibit,) = store.exhibits(captured)
    labels = [label for label, _ in metadata_rows(exhibit)]
    assert set(labels) <= set(METADATA_LABELS.values()), set(labels) - set(METADATA_LABELS.values())
    assert "Device pixel ratio" in labels


def test_the_windows_show_a_capture_in_words_with_its_time_once(
    store: EvidenceStore, captured: str
) -> None:
    (exhibit,) = store.exhibits(captured)
    rows = metadata_rows(exhibit, file_rows=False, zone=store.clock.zone)
    labels = [label for label, _ in rows]
    assert set(labels) <= set(METADATA_LABELS.values()), set(labels) - set(METADATA_LABELS.values())
    assert "Recorded (UTC)" not in labels and "Recorded (local time)" not in labels
    assert dict(rows)["Recorded at"] == "Sat 21 Nov 2026 21:40:05 GMT (21:40:05 UTC)"
    assert not any("device_pixel_ratio" in value or "area:" in value for _label, value in rows)


def test_a_long_unknown_metadata_field_wraps_in_its_label_column(
    store: EvidenceStore, tmp_path: Path
) -> None:
    incident = store.new_incident("Metadata from another version")
    data = b"an attachment\n"
    field = "capture.device_pixel_ratio_source_as_reported_by_another_program_version"
    store.store_exhibit(
        incident.id,
        kind=ExhibitKind.DOCUMENT,
        media_type="text/plain",
        chunks=[data],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        metadata={field: "<b>unchanged</b>", "capture": "not a mapping"},
        action=Action.EVIDENCE_IMPORTED,
        now=WHEN,
    )
    text = " ".join(_report_text(_exported_and_verified(store, incident.id), tmp_path).split())
    assert "device pixel ratio source as reported by another program version" in text
    assert "<b>unchanged</b>" in text
    assert "not a mapping" in text


def test_a_metadata_field_and_value_longer_than_a_page_run_on_to_the_next_page(
    store: EvidenceStore, tmp_path: Path
) -> None:
    incident = store.new_incident("Metadata written by another program")
    data = b"an attachment\n"
    field = " ".join(f"field{number}" for number in range(1500))
    store.store_exhibit(
        incident.id,
        kind=ExhibitKind.DOCUMENT,
        media_type="text/plain",
        chunks=[data],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        metadata={field: "short", "other": " ".join(["value"] * 3000) + " END"},
        action=Action.EVIDENCE_IMPORTED,
        now=WHEN,
    )
    text = " ".join(_report_text(_exported_and_verified(store, incident.id), tmp_path).split())
    assert "field1499" in text
    assert "value END" in text


# -- property tests ------------------------------------------------------------------------------


TYPED = st.fixed_dictionaries(
    {
        "title": user_text(TITLE_MAX),
        "people": user_text(PEOPLE_MAX),
        "platforms": st.lists(user_text(NAME_MAX), max_size=3),
        "reported_by": user_text(NAME_MAX),
        "note": user_text(NOTE_MAX, lines=True),
        "url": urls(),
        "posted_at": st.sampled_from(
            (None, "", "2026-11-21T20:15", "2026-11-21T20:15+01:00", "<b>")
        ),
        "file_name": user_text(120),
        "description": user_text(NOTE_MAX, lines=True),
        "reason": st.one_of(st.none(), user_text(NOTE_MAX, lines=True)),
        "account": user_text(NOTE_MAX, lines=True),
    }
)


# A title of many lines pushes the end of the cover (the fingerprints, the chain head) onto the
# second page; the verifier read only the first and refused the bundle (found by this test).
LONG_TITLE = {
    "title": "0\u2028" * 30,
    "people": "",
    "platforms": [],
    "reported_by": "",
    "note": "",
    "url": None,
    "posted_at": None,
    "file_name": "",
    "description": "",
    "reason": None,
    "account": "",
}


@settings(max_examples=20)
@given(typed=TYPED)
@example(typed=LONG_TITLE)
def test_anything_staff_type_that_the_store_keeps_exports_and_verifies(
    store: EvidenceStore, typed: dict[str, Any]
) -> None:
    try:
        incident = store.new_incident(
            typed["title"],
            category=Category.PUPIL_CYBERBULLYING,
            platforms=typed["platforms"],
            people=typed["people"],
            reported_by=typed["reported_by"],
        )
    except BadInput:
        assume(False)
        raise
    url, note, posted_at = typed["url"], typed["note"], typed["posted_at"]
    folder = Path(tempfile.mkdtemp(dir=store.directory.parent))
    try:
        path = folder / typed["file_name"]
        path.write_bytes(_png(40, 30))
    except (OSError, ValueError):
        path = folder / "screenshot.png"
        path.write_bytes(_png(40, 30))
    kept = 0
    for attempt in (
        lambda: store.add_file(incident.id, path, url=url, note=note, posted_at=posted_at),
        lambda: record_without_image(
            store,
            incident.id,
            description=typed["description"],
            url=url,
            reason=typed["reason"],
            source_file_name=typed["file_name"],
        ),
        lambda: store.add_note(incident.id, typed["account"]),
    ):
        try:
            attempt()
            kept += 1
        except BadInput:
            pass
    assume(kept)
    _exported_and_verified(store, incident.id)


def test_a_cover_that_runs_onto_a_second_page_is_read_whole_by_the_verifier(
    store: EvidenceStore, tmp_path: Path
) -> None:
    incident = store.new_incident(LONG_TITLE["title"])
    bundle = _exported_and_verified(store, incident.id)
    with zipfile.ZipFile(bundle) as archive:
        report = archive.read("report.pdf")
    info = pypdf.PdfReader(io.BytesIO(report)).trailer["/Info"].get_object()
    index = ReportIndex.from_json(str(info["/" + INDEX_KEY]))
    assert index.cover_pages == (1, 2)
    pages = _report_pages(bundle, tmp_path)
    assert "Custody chain head" not in pages[0] and "Custody chain head" in pages[1]


def _report_pages(bundle: Path, tmp_path: Path) -> list[str]:
    """Each page's text, whitespace as one space (pdftotext ends each page with a form feed)."""
    return [" ".join(page.split()) for page in _report_text(bundle, tmp_path).split("\f")[:-1]]


@settings(max_examples=10)
@given(
    typed=st.fixed_dictionaries(
        {
            "url": urls(),
            "note": user_text(NOTE_MAX, lines=True),
            "posted_at": st.sampled_from((None, "2026-11-21T20:15", "21:10", "2 hours ago")),
            "account": user_text(NOTE_MAX, lines=True),
        }
    )
)
def test_whatever_staff_type_the_account_leads_and_every_exhibit_page_gives_its_sha256(
    store: EvidenceStore, typed: dict[str, Any]
) -> None:
    incident = store.new_incident("Posts under a photo")
    folder = Path(tempfile.mkdtemp(dir=store.directory.parent))
    shot = folder / "screenshot.png"
    shot.write_bytes(_png(1600, 900))
    try:
        exhibit = store.add_file(
            incident.id, shot, url=typed["url"], note=typed["note"], posted_at=typed["posted_at"]
        )
        store.add_note(incident.id, typed["account"])
    except BadInput:
        assume(False)
        raise
    bundle = _exported_and_verified(store, incident.id)
    pages = _report_pages(bundle, folder)
    accounts = next(n for n, page in enumerate(pages) if "Written accounts and notes" in page)
    heading = f"Exhibit {exhibit.ref}: Image"
    first = next(n for n, page in enumerate(pages) if heading in page)
    after = next(n for n, page in enumerate(pages) if "Custody log" in page)
    assert accounts < first < after
    for page in pages[first:after]:  # the one exhibit's pages: its image, its table
        assert str(exhibit.sha256) in page
    assert str(exhibit.sha256) not in pages[after]
    assert "Recorded at Sat 21 Nov 2026 21:40:05 GMT (21:40:05 UTC)" in " ".join(pages)
    text = " ".join(pages)
    assert ".000000" not in text and "Recorded (UTC)" not in text


@settings(max_examples=20)
@given(fields=st.lists(metadata(), min_size=1, max_size=3))
def test_any_metadata_the_store_accepts_prints_and_the_bundle_verifies(
    store: EvidenceStore, fields: list[dict[str, Any]]
) -> None:
    incident = store.new_incident("Exhibits with any metadata")
    for number, meta in enumerate(fields):
        data = f"exhibit {number}\n".encode()
        try:
            store.store_exhibit(
                incident.id,
                kind=ExhibitKind.DOCUMENT,
                media_type="text/plain",
                chunks=[data],
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                metadata=meta,
                action=Action.EVIDENCE_IMPORTED,
                now=WHEN,
            )
        except BadInput:
            assume(False)
    _exported_and_verified(store, incident.id)


def monitors() -> st.SearchStrategy[tuple[Monitor, ...]]:
    one = st.builds(
        lambda left, top, width, height, name, primary: (left, top, width, height, name, primary),
        st.integers(-4000, 4000),
        st.integers(-4000, 4000),
        st.integers(1, 8000),
        st.integers(1, 8000),
        user_text(NAME_MAX, lines=True, hidden=True),
        st.booleans(),
    )
    return st.lists(one, min_size=1, max_size=4).map(
        lambda items: tuple(
            Monitor(number, Rect(left, top, width, height), name, primary)
            for number, (left, top, width, height, name, primary) in enumerate(items, start=1)
        )
    )


CAPTURED = st.fixed_dictionaries(
    {
        "screens": monitors(),
        "area": st.sampled_from(Area),
        "window_title": user_text(2000, lines=True, hidden=True),
        "title_source": user_text(300, lines=True, hidden=True),
        "ratio": st.decimals(min_value=0, max_value=8, places=3, allow_nan=False),
        "ratio_source": user_text(300, lines=True, hidden=True),
        "display_server": user_text(100, lines=True, hidden=True),
        "note": user_text(NOTE_MAX, lines=True),
        "url": urls(),
    }
)


@settings(max_examples=20)
@given(captured=CAPTURED)
def test_any_capture_the_store_accepts_prints_and_the_bundle_verifies(
    store: EvidenceStore, captured: dict[str, Any]
) -> None:
    """Capture metadata exactly as the capture layer shapes it, with what X11 may report in it."""
    incident = store.new_incident("Screens of every shape")
    screens = captured["screens"]
    monitor = screens[0]
    details = CaptureDetails(
        area=captured["area"],
        geometry=monitor.rect,
        monitor=None if captured["area"] == Area.FULL else monitor,
        layout=Layout(virtual=monitor.rect, monitors=screens),
        width=32,
        height=24,
        device_pixel_ratio=captured["ratio"],
        device_pixel_ratio_source=captured["ratio_source"],
        display_server=captured["display_server"],
        window_title=WindowTitle(captured["window_title"], captured["title_source"]),
        encoding=DEFAULT_SETTINGS.describe(),
    )
    capture = ScreenCapture(_png(32, 24), details, WHEN - timedelta(seconds=3))
    try:
        store_capture(store, incident.id, capture, url=captured["url"], note=captured["note"])
    except BadInput:
        assume(False)
    _exported_and_verified(store, incident.id)


# The producer's name and school also name the store's certificates, which can carry less than
# the store keeps (64 characters; validators refuse emoji, private use characters and scripts of
# both directions mixed): whatever the store accepts must still give a bundle that verifies.
NAMES = st.one_of(
    st.text(
        st.characters(exclude_categories=("Cs", "Cc"), exclude_characters=_BIDI_CONTROLS),
        min_size=1,
        max_size=120,
    ),
    st.sampled_from(
        (
            "محمد الأحمد",
            "مدرسة النور Academy",
            "שרה לוי",
            "<b>Zoë</b> Lane",
            "O'Brien & <img src=x>",
            "Oak Hill 😀 Academy",
            "St Mary's Church of England Voluntary Aided Primary School and Nursery",
        )
    ),
    st.sampled_from(("Łukasz Żółć", "Zoë Lane", "St Anne's <para>", "Ms A" + "a" * 30)),
)


@settings(max_examples=15)
@given(name=NAMES, school=NAMES, initials=st.from_regex(r"[A-Z]{1,4}", fullmatch=True))
def test_any_producer_the_store_accepts_prints_and_the_bundle_verifies(
    tmp_path: Path, name: str, school: str, initials: str
) -> None:
    location = StoreLocation(Path(tempfile.mkdtemp(dir=tmp_path)) / "store")
    try:
        store, _ = create_store(
            location,
            Producer(name, initials, school, Role.STAFF),
            PASSPHRASE,
            FixedClock(WHEN),
            passphrase_cost=LOW_COST,
        )
    except BadInput:
        assume(False)
        raise
    with store:
        incident = store.new_incident("Posts about a member of staff")
        store.add_note(incident.id, f"Written by {name} at {school}")
        record_without_image(store, incident.id, description=f"Seen by {name}")
        _exported_and_verified(store, incident.id)


def test_an_incident_flag_prints_in_words_not_as_its_code() -> None:
    from datetime import UTC, datetime

    from harmonize_evidence.domain.metadata_rows import metadata_rows
    from harmonize_evidence.domain.model import URGENT_SAFEGUARDING, Exhibit, ExhibitKind

    exhibit = Exhibit(
        ref="ZL/1",
        incident_id="INC-2026-0001",
        kind=ExhibitKind.RECORD_ONLY,
        media_type="text/plain",
        size=0,
        sha256=None,
        created_utc=datetime(2026, 11, 21, 21, 40, tzinfo=UTC),
        metadata={"description": "Not copied", "incident_flag": URGENT_SAFEGUARDING},
    )
    rows = dict(metadata_rows(exhibit))
    flagged = [value for label, value in rows.items() if "flag" in label.lower()]
    assert flagged == ["Urgent: a safeguarding concern for the lead at once"]
    # A record without a file names no type of file ("Record only (no image), text/plain").
    assert rows["Type"] == "Record only (no image)" and rows["Size"] == "no file"
