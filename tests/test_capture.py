"""Screen capture into the store, on real X displays (Xvfb) showing known content.

The content is drawn by a real X client (a Qt window on the xcb platform, see screen_painter.py):
every 8x8 block has a colour computed from its position, so a stored capture can be compared
pixel for pixel with what was on the screen, and any offset shows.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from harmonize_evidence.capture import (
    CaptureTarget,
    Rect,
    capture_screen,
    grab_screen,
    screen_layout,
)
from harmonize_evidence.capture.geometry import layout_from_monitors, parse_region, resolve
from harmonize_evidence.capture.png import PNG_SIGNATURE, EncoderSettings, PngFilter, encode_png
from harmonize_evidence.capture.screen import (
    BLACK_SCREEN,
    Frame,
    Screen,
    is_all_black,
    screen_for_this_thread,
)
from harmonize_evidence.capture.windows import WindowStack
from harmonize_evidence.capture.x11 import window_title_at
from harmonize_evidence.domain.clock import FixedClock, format_utc
from harmonize_evidence.domain.errors import BadInput, EnvironmentProblem, InvalidUrl
from harmonize_evidence.domain.model import Action, ExhibitKind
from harmonize_evidence.services.capturing import (
    capture_into,
    record_without_image,
    store_capture,
)
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.store import open_store
from tests.conftest import (
    CLI_PRODUCER,
    PASSPHRASE,
    Cli,
    MadeStore,
    StoreTemplates,
    XDisplay,
    fill_root,
    private_env,
    start_xvfb,
    stop_xvfb,
)
from tests.painted import PAINTER, TITLE, PaintedScreen, paint_known_content
from tests.screen_painter import _pattern_image, pattern_colour


@pytest.fixture(scope="module")
def screen() -> Iterator[PaintedScreen]:
    """A 1920x1080 display showing the known pattern in a window titled TITLE."""
    display = start_xvfb(((1920, 1080),))
    virtual = Rect(0, 0, 1920, 1080)
    painter = paint_known_content(display, virtual)
    yield PaintedScreen(display, painter, virtual)
    painter.communicate(timeout=10)
    stop_xvfb(display)


def set_randr_monitors(display: XDisplay, monitors: list[tuple[str, Rect]]) -> None:
    """Define RandR 1.5 monitors (what ``xrandr --setmonitor`` does), in the order given.

    The first monitor takes over the screen's output, which removes the automatic monitor.
    python-xlib's own SetMonitor request cannot pack its arguments, so it is spelled out here.
    """
    from Xlib import display as xdisplay
    from Xlib.ext import randr
    from Xlib.protocol import rq

    class SetMonitor(rq.Request):
        _request = rq.Struct(
            rq.Card8("opcode"),
            rq.Opcode(43),
            rq.RequestLength(),
            rq.Window("window"),
            rq.Card32("name"),
            rq.Bool("primary"),
            rq.Bool("automatic"),
            rq.LengthOf("outputs", 2),
            rq.Int16("x"),
            rq.Int16("y"),
            rq.Card16("width_in_pixels"),
            rq.Card16("height_in_pixels"),
            rq.Card32("width_in_millimeters"),
            rq.Card32("height_in_millimeters"),
            rq.List("outputs", rq.Card32Obj),
        )

    connection = xdisplay.Display(display.name)
    root = connection.screen().root
    output = randr.get_screen_resources(root).outputs[0]
    for index, (name, rect) in enumerate(monitors):
        SetMonitor(
            display=connection.display,
            opcode=connection.display.get_extension_major(randr.extname),
            window=root,
            name=connection.intern_atom(name),
            primary=0,
            automatic=0,
            x=rect.left,
            y=rect.top,
            width_in_pixels=rect.width,
            height_in_pixels=rect.height,
            width_in_millimeters=rect.width // 4,
            height_in_millimeters=rect.height // 4,
            outputs=[output] if index == 0 else [],
        )
    connection.sync()
    connection.close()


@pytest.fixture(scope="module")
def two_monitors() -> Iterator[PaintedScreen]:
    """Two RandR monitors side by side: 800x600 at (0,0) and 640x480 at (800,0).

    The server lists the right-hand monitor first; the user still calls the left one "1".
    """
    display = start_xvfb(((1440, 600),))
    set_randr_monitors(
        display, [("LEFT", Rect(0, 0, 800, 600)), ("RIGHT", Rect(800, 0, 640, 480))][::-1]
    )
    virtual = Rect(0, 0, 1440, 600)
    painter = paint_known_content(display, virtual)
    yield PaintedScreen(display, painter, virtual)
    painter.communicate(timeout=10)
    stop_xvfb(display)


@pytest.fixture(scope="module")
def shared_cli(tmp_path_factory: pytest.TempPathFactory, store_templates: StoreTemplates) -> Cli:
    """One initialised store for this module's command-line tests (each opens its own incident).

    The store is a copy of the session's template; the environment is private in the same way
    as conftest's ``cli_env``.
    """
    from harmonize_evidence.services.clock import SystemClock

    root = tmp_path_factory.mktemp("capture-cli")
    cli = Cli(root / "store", private_env(root / "home"), warm=True)
    store_templates.copy(cli.store_dir, CLI_PRODUCER, SystemClock())
    return cli


def expected_pixels(rect: Rect) -> bytes:
    """RGB bytes of what the painter drew over ``rect``."""
    return _pattern_image(rect.left, rect.top, rect.width, rect.height)


def extracted_image(cli: Cli, incident: str, exhibit: str, folder: Path) -> Image.Image:
    out = folder / f"{exhibit.replace('/', '-')}.png"
    result = cli("--json", "extract", incident, exhibit, "--out", str(out))
    assert result.code == 0, result.stderr + result.stdout
    image = Image.open(out)
    image.load()
    return image


def new_incident(cli: Cli) -> str:
    result = cli("--json", "incident", "new", "--title", "Posts about Ms Lane")
    assert result.code == 0, result.stderr + result.stdout
    return str(result.json["id"])


def on(display: PaintedScreen) -> dict[str, str]:
    return {"DISPLAY": display.name}


# -- captures compared pixel for pixel --------------------------------------------------------


def test_full_screen_capture_stores_exactly_what_is_on_the_screen(
    shared_cli: Cli, screen: PaintedScreen, tmp_path: Path
) -> None:
    incident = new_incident(shared_cli)
    result = shared_cli(
        "--json",
        "capture",
        incident,
        "--full",
        "--url",
        "https://x.com/a/status/1",
        env=on(screen),
    )
    assert result.code == 0, result.stderr + result.stdout
    captured = result.json
    assert (captured["width"], captured["height"]) == (1920, 1080)
    image = extracted_image(shared_cli, incident, captured["exhibit"], tmp_path)
    assert image.format == "PNG"
    assert image.mode == "RGB"
    assert image.size == (1920, 1080)
    assert image.tobytes() == expected_pixels(screen.virtual)


def test_monitor_capture_is_that_monitor_at_native_size(
    shared_cli: Cli, screen: PaintedScreen, tmp_path: Path
) -> None:
    incident = new_incident(shared_cli)
    result = shared_cli("--json", "capture", incident, "--monitor", "1", env=on(screen))
    assert result.code == 0, result.stderr + result.stdout
    assert result.json["monitor"] == 1
    image = extracted_image(shared_cli, incident, result.json["exhibit"], tmp_path)
    assert image.size == (1920, 1080)
    assert image.tobytes() == expected_pixels(screen.virtual)


def test_region_capture_keeps_its_offset_on_the_screen(
    shared_cli: Cli, screen: PaintedScreen, tmp_path: Path
) -> None:
    incident = new_incident(shared_cli)
    region = Rect(333, 217, 401, 123)
    result = shared_cli("--json", "capture", incident, "--region", str(region), env=on(screen))
    assert result.code == 0, result.stderr + result.stdout
    assert (result.json["width"], result.json["height"]) == (401, 123)
    assert result.json["geometry"] == region.as_dict()
    image = extracted_image(shared_cli, incident, result.json["exhibit"], tmp_path)
    assert image.size == (401, 123)
    assert image.getpixel((0, 0)) == pattern_colour(333, 217)
    assert image.getpixel((400, 122)) == pattern_colour(733, 339)
    assert image.tobytes() == expected_pixels(region)


def test_second_monitor_is_numbered_left_to_right_from_the_virtual_origin(
    shared_cli: Cli, two_monitors: PaintedScreen, tmp_path: Path
) -> None:
    incident = new_incident(shared_cli)
    result = shared_cli("--json", "capture", incident, "--monitor", "2", env=on(two_monitors))
    assert result.code == 0, result.stderr + result.stdout
    assert result.json["geometry"] == {"left": 800, "top": 0, "width": 640, "height": 480}
    image = extracted_image(shared_cli, incident, result.json["exhibit"], tmp_path)
    assert image.size == (640, 480)
    assert image.getpixel((0, 0)) == pattern_colour(800, 0)
    assert image.tobytes() == expected_pixels(Rect(800, 0, 640, 480))

    shown = shared_cli("--json", "incident", "show", incident).json
    capture = shown["items"][0]["metadata"]["capture"]
    assert capture["virtual_screen"] == {"left": 0, "top": 0, "width": 1440, "height": 600}
    assert [
        (m["number"], m["left"], m["top"], m["width"], m["height"]) for m in capture["monitors"]
    ] == [(1, 0, 0, 800, 600), (2, 800, 0, 640, 480)]
    assert capture["monitor"] == 2

    missing = shared_cli("--json", "capture", incident, "--monitor", "3", env=on(two_monitors))
    assert missing.code == 2
    assert "monitors 1 to 2" in missing.json["error"]


def test_xinerama_screens_are_the_monitors_where_randr_sees_one() -> None:
    display = start_xvfb(((800, 600), (640, 480)), xinerama=True)
    try:
        layout = Screen(display.name).layout
    finally:
        stop_xvfb(display)
    assert [(m.number, m.rect.width, m.rect.height) for m in layout.monitors] == [
        (1, 800, 600),
        (2, 640, 480),
    ]


def test_full_capture_of_two_monitors_spans_the_virtual_screen(
    store: EvidenceStore, two_monitors: PaintedScreen
) -> None:
    layout = screen_layout(two_monitors.name, refresh=True)
    assert [m.number for m in layout.monitors] == [1, 2]
    incident = store.new_incident("Two screens")
    captured = capture_into(store, incident.id, CaptureTarget.full(), display=two_monitors.name)
    assert (captured.width, captured.height) == (1440, 600)
    assert captured.details.monitor is None
    image = Image.open(io.BytesIO(store.exhibit_bytes(incident.id, captured.exhibit.ref)))
    for x, y in [(0, 0), (799, 599), (800, 0), (1439, 479), (1000, 300)]:
        assert image.getpixel((x, y)) == pattern_colour(x, y)


# -- the grab is the evidence: the screen changing afterwards changes nothing -------------------


def on_screen_now(display: str, rect: Rect) -> bytes:
    """RGB bytes of what ``rect`` shows on the display right now."""
    frame = screen_for_this_thread(display).grab(rect)
    size = (frame.width, frame.height)
    return Image.frombuffer("RGB", size, bytes(frame.pixels), "raw", "BGRX", 0, 1).tobytes()


@contextlib.contextmanager
def window_over(display: str, rect: Rect, title: str) -> Iterator[None]:
    """Another window with other content over ``rect`` (a reply, a notification, a video).

    Once it closes, waits until the known pattern shows there again, for the next test.
    """
    painter = subprocess.Popen(
        [
            sys.executable,
            str(PAINTER),
            "--display",
            display,
            "--geometry",
            str(rect),
            "--content",
            "busy",
            "--title",
            title,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert painter.stdout is not None
        assert painter.stdout.readline().strip() == "ready"
        yield
    finally:
        painter.communicate(timeout=10)
        deadline = time.monotonic() + 20
        while on_screen_now(display, rect) != expected_pixels(rect):
            assert time.monotonic() < deadline, "the known content did not come back"
            time.sleep(0.05)


def test_a_capture_stores_the_grabbed_pixels_even_after_the_screen_changed(
    store: EvidenceStore, screen: PaintedScreen
) -> None:
    grab = grab_screen(store.clock, display=screen.name)
    region = Rect(333, 217, 401, 123)
    incident = store.new_incident("A reply that was posted after the grab")
    with window_over(screen.name, Rect(300, 200, 700, 500), "A reply posted later"):
        assert on_screen_now(screen.name, region) != expected_pixels(region)  # it did change
        assert window_title_at(screen.name, *region.centre).title == "A reply posted later"
        stored = [
            (rect, store_capture(store, incident.id, grab.capture(target)))
            for rect, target in (
                (region, CaptureTarget.of_region(region)),
                (screen.virtual, CaptureTarget.of_monitor(1)),
                (screen.virtual, CaptureTarget.full()),
            )
        ]
    for rect, captured in stored:
        image = Image.open(io.BytesIO(store.exhibit_bytes(incident.id, captured.exhibit.ref)))
        assert image.size == (rect.width, rect.height)
        assert image.tobytes() == expected_pixels(rect)
        metadata = captured.exhibit.metadata
        assert metadata["capture"]["geometry"] == rect.as_dict()
        assert metadata["window_title"] == TITLE  # the window there at the grab
        assert metadata["utc"] == format_utc(grab.grabbed_at)
    assert store.verify(incident.id).ok


def test_window_titles_are_those_of_the_windows_showing_at_the_grab(
    screen: PaintedScreen, clock: FixedClock
) -> None:
    notification = Rect(1200, 100, 400, 300)
    with window_over(screen.name, notification, "Notification: new message"):
        grab = grab_screen(clock, display=screen.name)
    assert window_title_at(screen.name, 1300, 200).title == TITLE  # it has gone now
    stack = grab.windows
    assert stack.problem is None
    assert [(w.title.title, w.rect) for w in stack.windows] == [
        ("Notification: new message", notification),
        (TITLE, screen.virtual),
    ]
    assert stack.title_at(1300, 200).title == "Notification: new message"
    assert "_NET_WM_NAME" in stack.title_at(1300, 200).source
    for x, y in [(1199, 200), (1600, 200), (1300, 99), (1300, 400), (0, 0)]:
        assert stack.title_at(x, y).title == TITLE, (x, y)
    assert stack.title_at(1920, 0).title == "unknown"
    under_notification = grab.capture(CaptureTarget.of_region(Rect(1250, 150, 100, 100)))
    assert under_notification.details.window_title.title == "Notification: new message"
    beside_it = grab.capture(CaptureTarget.of_region(Rect(100, 150, 100, 100)))
    assert beside_it.details.window_title.title == TITLE


def test_windows_hidden_behind_others_are_not_read(
    screen: PaintedScreen, clock: FixedClock
) -> None:
    with window_over(screen.name, screen.virtual, "A video, full screen"):
        grab = grab_screen(clock, display=screen.name)
    assert [w.title.title for w in grab.windows.windows] == ["A video, full screen"]
    assert grab.capture(CaptureTarget.full()).details.window_title.title == ("A video, full screen")


def test_a_window_stack_that_could_not_be_read_says_why_for_every_point() -> None:
    stack = WindowStack(problem="the X server could not be asked")
    title = stack.title_at(10, 10)
    assert (title.title, title.source) == ("unknown", "the X server could not be asked")
    assert WindowStack().title_at(10, 10).source == "no window covers that point"


def test_a_rectangle_minus_another_leaves_exactly_the_uncovered_pixels() -> None:
    base = Rect(2, 3, 9, 7)

    def pixels(rect: Rect) -> set[tuple[int, int]]:
        return {(x, y) for x in range(rect.left, rect.right) for y in range(rect.top, rect.bottom)}

    for cut in [
        Rect(4, 5, 3, 2),  # inside: four parts
        Rect(0, 0, 20, 20),  # all of it
        Rect(0, 0, 5, 5),  # a corner
        Rect(8, -5, 2, 30),  # a column through it
        Rect(20, 20, 3, 3),  # beside it
        Rect(11, 3, 4, 4),  # touching its right edge only
    ]:
        parts = base.minus(cut)
        covered = [pixels(part) for part in parts]
        assert sum(len(part) for part in covered) == len(set().union(*covered))  # disjoint
        assert set().union(*covered) == pixels(base) - pixels(cut), cut
        assert all(part.width > 0 and part.height > 0 for part in parts)


# -- nothing on disk ---------------------------------------------------------------------------


def test_capture_leaves_no_png_anywhere_on_disk(
    shared_cli: Cli, screen: PaintedScreen, tmp_path: Path
) -> None:
    incident = new_incident(shared_cli)
    work = tmp_path / "work"
    temp = tmp_path / "tmp"
    work.mkdir()
    temp.mkdir()
    env = {**shared_cli.env, "HARMONIZE_EVIDENCE_PASSPHRASE": PASSPHRASE}
    env.update(DISPLAY=screen.name, TMPDIR=str(temp))
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "harmonize_evidence",
            "--store",
            str(shared_cli.store_dir),
            "--json",
            "capture",
            incident,
            "--region",
            "100,100,640,480",
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr + completed.stdout
    ihdr = b"IHDR" + (640).to_bytes(4, "big") + (480).to_bytes(4, "big")
    scanned = 0
    for folder in (work, temp, shared_cli.store_dir, Path(env["HOME"])):
        for path in folder.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                assert PNG_SIGNATURE not in data, path
                assert ihdr not in data, path
                scanned += 1
    assert scanned >= 2  # at least the database and its key file were looked at
    assert not list(work.iterdir())
    assert not list(temp.iterdir())


def test_capture_with_a_wrong_passphrase_grabs_first_then_keeps_nothing(
    shared_cli: Cli, screen: PaintedScreen, tmp_path: Path
) -> None:
    # The command line grabs before the slow unlock (posts get deleted); a failed unlock must
    # then drop the grab: exit 3, nothing stored, no picture left anywhere.
    incident = new_incident(shared_cli)
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**on(screen), "TMPDIR": str(temp)}
    result = shared_cli(
        "--json", "capture", incident, "--full", passphrase="not the passphrase", env=env
    )
    assert result.code == 3, result.stdout + result.stderr
    assert "passphrase is not right" in result.json["error"]
    assert not list(temp.iterdir())
    assert shared_cli("--json", "incident", "show", incident).json["items"] == []


# -- metadata ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "local", "offset"),
    [
        # The clocks go forward at 01:00 UTC on 29 March 2026 (GMT -> BST) ...
        (datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC), "2026-03-29T00:59:59+00:00", "+00:00"),
        (datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC), "2026-03-29T02:00:00+01:00", "+01:00"),
        # ... and back at 01:00 UTC on 25 October 2026 (BST -> GMT).
        (datetime(2026, 10, 25, 0, 59, 59, tzinfo=UTC), "2026-10-25T01:59:59+01:00", "+01:00"),
        (datetime(2026, 10, 25, 1, 0, 0, tzinfo=UTC), "2026-10-25T01:00:00+00:00", "+00:00"),
    ],
)
def test_capture_time_is_kept_in_utc_and_uk_local_time_across_bst_changes(
    made_store: MadeStore, screen: PaintedScreen, instant: datetime, local: str, offset: str
) -> None:
    clock = FixedClock(instant, "Europe/London")
    with open_store(made_store.location, lambda: PASSPHRASE, clock) as store:
        incident = store.new_incident("Clock change")
        captured = capture_into(
            store, incident.id, CaptureTarget.of_region(Rect(8, 8, 16, 16)), display=screen.name
        )
        metadata = captured.exhibit.metadata
        entry = store.log(incident.id)[-1]
    assert metadata["utc"] == instant.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert metadata["local_time"] == local
    assert metadata["utc_offset"] == offset
    assert metadata["time_zone"] == "Europe/London"
    assert entry.utc == metadata["utc"]


def test_capture_metadata_has_every_field_a_court_expects(
    store: EvidenceStore, screen: PaintedScreen
) -> None:
    incident = store.new_incident("Comments under a photo")
    captured = capture_into(
        store,
        incident.id,
        CaptureTarget.of_region(Rect(600, 400, 300, 200)),
        url="https://www.instagram.com/p/Cxyz/",
        note="Seen at 21:40 after a parent's email",
        posted_at="2026-11-21T20:15",
        display=screen.name,
    )
    metadata = store.exhibit(incident.id, captured.exhibit.ref).metadata
    assert metadata["url"] == "https://www.instagram.com/p/Cxyz/"
    assert metadata["platform"] == "Instagram"
    assert metadata["note"] == "Seen at 21:40 after a parent's email"
    assert metadata["posted_at"] == "2026-11-21T20:15"
    assert metadata["utc"] == "2026-11-21T21:40:05.000000Z"
    assert metadata["local_time"] == "2026-11-21T21:40:05+00:00"
    assert (metadata["time_zone"], metadata["utc_offset"]) == ("Europe/London", "+00:00")
    assert metadata["display_name"] == "Zoë Lane"
    assert metadata["os_user"]
    assert metadata["machine"]
    assert metadata["tool"].startswith("Harmonize Evidence ")
    assert metadata["window_title"] == TITLE
    assert "_NET_WM_NAME" in metadata["window_title_source"]
    assert metadata["image"] == {"width": 300, "height": 200}
    capture = metadata["capture"]
    assert capture["area"] == "region"
    assert capture["geometry"] == {"left": 600, "top": 400, "width": 300, "height": 200}
    assert capture["monitor"] == 1
    assert capture["monitors"] == [
        {
            "number": 1,
            "left": 0,
            "top": 0,
            "width": 1920,
            "height": 1080,
            "name": capture["monitors"][0]["name"],
            "primary": capture["monitors"][0]["primary"],
        }
    ]
    assert capture["virtual_screen"] == {"left": 0, "top": 0, "width": 1920, "height": 1080}
    assert capture["device_pixel_ratio"] == "1"
    assert capture["display_server"] == "X11"
    assert capture["encoding"]["format"].startswith("PNG")

    entry = store.log(incident.id)[-1]
    assert entry.action == Action.EVIDENCE_CAPTURED
    assert entry.evidence_sha256 == captured.exhibit.sha256
    assert store.verify(incident.id).ok


def test_window_title_is_unknown_where_no_window_says_one(clock: FixedClock) -> None:
    bare = start_xvfb(((320, 240),))
    fill_root(bare.name, (40, 90, 160))  # a desktop background and no window
    try:
        title = window_title_at(bare.name, 10, 10)
        capture = capture_screen(CaptureTarget.full(), clock=clock, display=bare.name)
    finally:
        stop_xvfb(bare)
    assert title.title == "unknown"
    assert capture.details.window_title.title == "unknown"
    assert (capture.details.width, capture.details.height) == (320, 240)


def test_capture_reconnects_when_the_x_server_was_restarted(clock: FixedClock) -> None:
    first = start_xvfb(((320, 240),))
    name = first.name
    fill_root(name, (40, 90, 160))
    before = capture_screen(CaptureTarget.full(), clock=clock, display=name)
    stop_xvfb(first)
    again = subprocess.Popen(
        ["Xvfb", name, "-noreset", "-nolisten", "tcp", "-screen", "0", "400x300x24"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        from Xlib import display as xdisplay
        from Xlib.error import DisplayError

        deadline = time.monotonic() + 10
        while True:
            try:
                xdisplay.Display(name).close()
                break
            except DisplayError:
                assert time.monotonic() < deadline, "the second X server did not start"
                time.sleep(0.05)
        fill_root(name, (40, 90, 160))
        # A region that only the new, larger screen has: checked against the renewed grab.
        corner = capture_screen(
            CaptureTarget.of_region(Rect(330, 250, 60, 40)), clock=clock, display=name
        )
        after = capture_screen(CaptureTarget.full(), clock=clock, display=name)
    finally:
        again.terminate()
        again.wait(timeout=10)
    assert (before.details.width, before.details.height) == (320, 240)
    assert (corner.details.width, corner.details.height) == (60, 40)
    assert corner.details.layout.virtual == Rect(0, 0, 400, 300)
    assert (after.details.width, after.details.height) == (400, 300)


# -- record-only evidence ----------------------------------------------------------------------


def test_record_stores_a_description_only_and_flags_the_incident(
    shared_cli: Cli, tmp_path: Path
) -> None:
    incident = new_incident(shared_cli)
    result = shared_cli(
        "--json",
        "record",
        incident,
        "--url",
        "https://www.snapchat.com/add/someone",
        "--description",
        "A nude image said to be of a Year 9 pupil, shared in a group chat.",
        "--posted-at",
        "2026-11-21T19:02",
    )
    assert result.code == 0, result.stderr + result.stdout
    exhibit = result.json["exhibit"]

    shown = shared_cli("--json", "incident", "show", incident).json
    assert shown["incident"]["urgent"] is True
    item = shown["items"][0]
    assert item["exhibit"] == exhibit
    assert item["kind"] == "record-only"
    assert item["sha256"] is None
    assert item["size"] == 0
    assert item["metadata"]["description"].startswith("A nude image")
    assert "safeguarding" in item["metadata"]["no_image_reason"]
    assert item["metadata"]["platform"] == "Snapchat"

    entries = shared_cli("--json", "log", incident).json["entries"]
    actions = [entry["action"] for entry in entries]
    # Content that could show a child files the incident as a safeguarding concern.
    assert actions[-3:] == ["flagged_urgent", "evidence_recorded", "category_changed"]
    recorded = entries[-2]
    assert recorded["evidence_sha256"] is None
    assert "safeguarding" in recorded["details"]["no_image_reason"]
    assert recorded["details"]["incident_flag"] == "urgent-safeguarding"
    assert entries[-3]["utc"] <= recorded["utc"]
    assert entries[-1]["details"]["to"] == "safeguarding-concern"
    assert shown["incident"]["category"] == "safeguarding-concern"

    refused = shared_cli("--json", "extract", incident, exhibit, "--out", str(tmp_path))
    assert refused.code == 2
    assert shared_cli("--json", "verify", incident).json["ok"] is True


def test_capture_with_a_no_image_reason_grabs_nothing(shared_cli: Cli) -> None:
    incident = new_incident(shared_cli)
    no_screen = {"DISPLAY": "", "WAYLAND_DISPLAY": ""}
    result = shared_cli(
        "--json",
        "capture",
        incident,
        "--no-image-reason",
        "Indecent image of a child",
        "--note",
        "Video call screenshot described by the pupil",
        env=no_screen,
    )
    assert result.code == 0, result.stderr + result.stdout
    shown = shared_cli("--json", "incident", "show", incident).json
    assert shown["incident"]["urgent"] is True
    assert shown["items"][0]["metadata"]["no_image_reason"] == "Indecent image of a child"
    assert shown["items"][0]["sha256"] is None


def test_add_with_a_no_image_reason_never_reads_the_file(shared_cli: Cli, tmp_path: Path) -> None:
    incident = new_incident(shared_cli)
    image = tmp_path / "sent-to-me.png"
    Image.new("RGB", (4, 4), (200, 0, 0)).save(image)
    image.chmod(0)  # unreadable: the record-only path must not even open it
    result = shared_cli(
        "--json",
        "add",
        incident,
        str(image),
        "--no-image-reason",
        "Sexual image of a pupil",
        "--note",
        "Forwarded to me by a parent; not opened.",
    )
    image.chmod(0o600)
    assert result.code == 0, result.stderr + result.stdout
    item = shared_cli("--json", "incident", "show", incident).json["items"][0]
    assert item["kind"] == "record-only"
    assert item["metadata"]["source_file_name"] == "sent-to-me.png"
    assert item["metadata"]["source_file_read"] is False


def test_record_only_service_refuses_an_empty_description(store: EvidenceStore) -> None:
    incident = store.new_incident("Nothing described")
    with pytest.raises(BadInput):
        record_without_image(store, incident.id, description="  ")
    assert store.exhibits(incident.id) == []
    assert store.incident(incident.id).urgent is False


def test_record_only_exhibit_is_kind_record_only(store: EvidenceStore) -> None:
    incident = store.new_incident("Described")
    exhibit = record_without_image(store, incident.id, description="Seen, not copied")
    assert exhibit.kind is ExhibitKind.RECORD_ONLY
    assert not exhibit.has_bytes
    assert store.incident(incident.id).urgent is True
    assert store.verify(incident.id).ok


# -- bad input and no screen -------------------------------------------------------------------


BAD_REQUESTS = [
    ["--region", "10,10,0,50"],
    ["--region=10,10,-5,50"],
    ["--region", "1900,1000,100,100"],
    ["--region=-1,0,10,10"],
    ["--region", "ten,0,10,10"],
    ["--monitor", "0"],
    ["--monitor", "2"],
    ["--url", "javascript:alert(1)"],
    ["--url", " JaVaScRiPt:alert(1)"],
]


def test_bad_capture_requests_exit_2_and_store_nothing(
    shared_cli: Cli, screen: PaintedScreen
) -> None:
    incident = new_incident(shared_cli)
    for arguments in BAD_REQUESTS:
        result = shared_cli("--json", "capture", incident, *arguments, env=on(screen))
        assert result.code == 2, (arguments, result.stderr + result.stdout)
        assert result.json["code"] == 2, arguments
        assert "Traceback" not in result.stderr, arguments
    shown = shared_cli("--json", "incident", "show", incident).json
    assert shown["items"] == []
    assert [e["action"] for e in shared_cli("--json", "log", incident).json["entries"]] == [
        "incident_created"
    ]


def test_capture_without_a_display_exits_5_with_a_sentence(shared_cli: Cli) -> None:
    incident = new_incident(shared_cli)
    env = {k: v for k, v in shared_cli.env.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    headless = Cli(shared_cli.store_dir, env, warm=True)
    result = headless("capture", incident)
    assert result.code == 5
    assert "no screen is available to capture" in result.stderr.lower()
    assert "Traceback" not in result.stderr


def test_a_display_that_cannot_be_opened_is_no_screen(shared_cli: Cli) -> None:
    incident = new_incident(shared_cli)
    result = shared_cli("--json", "capture", incident, env={"DISPLAY": ":987"})
    assert result.code == 5
    assert "no screen is available to capture" in result.json["error"].lower()


def test_wayland_without_x11_says_so() -> None:
    code = (
        "from harmonize_evidence.capture.screen import Screen\n"
        "from harmonize_evidence.domain.errors import EnvironmentProblem\n"
        "try:\n    Screen()\nexcept EnvironmentProblem as e:\n    print(e.exit_code, e.message)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    env.update(WAYLAND_DISPLAY="wayland-0", XDG_SESSION_TYPE="wayland")
    output = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert output.startswith("5 ")
    assert "Wayland" in output


def test_a_black_grab_is_told_from_a_screen_with_one_lit_pixel() -> None:
    width, height = 1021 * 3 + 7, 5
    black = bytearray(width * height * 4)
    frame = Frame(black, width, height, Rect(0, 0, width, height))
    assert is_all_black(frame)
    padded = bytearray(black)
    padded[3::4] = b"\xff" * (width * height)  # the padding byte does not count
    assert is_all_black(Frame(padded, width, height, Rect(0, 0, width, height)))
    # One dim pixel away from the sparse sample's points: only the full pass can find it.
    for channel in range(3):
        lit = bytearray(black)
        lit[(2 * width + 5) * 4 + channel] = 1
        assert not is_all_black(Frame(lit, width, height, Rect(0, 0, width, height))), channel


def test_a_black_screen_is_refused_and_the_cli_stores_nothing(
    shared_cli: Cli, clock: FixedClock
) -> None:
    """An empty Xvfb is all black, as an X11 program's grab of a GNOME Wayland desktop is."""
    dark = start_xvfb(((640, 480),))
    try:
        with pytest.raises(EnvironmentProblem) as raised:
            grab_screen(clock, display=dark.name)
        assert raised.value.exit_code == 5 and raised.value.message == BLACK_SCREEN
        incident = new_incident(shared_cli)
        env = {"DISPLAY": dark.name}
        result = shared_cli("--json", "capture", incident, "--full", env=env)
        assert result.code == 5, result.stdout + result.stderr
        assert result.json == {"error": BLACK_SCREEN, "code": 5}
        plain = shared_cli("capture", incident, "--full", env=env)
        assert plain.code == 5 and BLACK_SCREEN in plain.stderr
        assert len(plain.stderr.strip().splitlines()) == 1 and "Traceback" not in plain.stderr
        assert shared_cli("--json", "incident", "show", incident).json["items"] == []
        # A monitor or region that is not there says so, not that the screen is black.
        for wrong, said in (
            (("--monitor", "3"), "There is no monitor 3"),
            (("--region", "0,0,0,0"), "has no area"),
            (("--region", "600,400,100,100"), "is not wholly on the screen"),
        ):
            refused = shared_cli("capture", incident, *wrong, env=env)
            assert refused.code == 2 and said in refused.stderr, refused.stderr
        assert shared_cli("--json", "incident", "show", incident).json["items"] == []
        # The same display with a desktop background on it captures.
        fill_root(dark.name, (40, 90, 160))
        captured = shared_cli("capture", incident, "--full", env=env)
        assert captured.code == 0, captured.stderr
        assert len(shared_cli("--json", "incident", "show", incident).json["items"]) == 1
    finally:
        stop_xvfb(dark)


def test_region_rules() -> None:
    layout = layout_from_monitors(
        {"left": 0, "top": 0, "width": 1440, "height": 600},
        [
            {"left": 800, "top": 0, "width": 640, "height": 480},
            {"left": 0, "top": 0, "width": 800, "height": 600},
        ],
    )
    assert [m.rect.left for m in layout.monitors] == [0, 800]
    assert resolve(CaptureTarget.of_region(parse_region(" 0, 0, 1440, 600 ")), layout)[0] == Rect(
        0, 0, 1440, 600
    )
    _, monitor = resolve(CaptureTarget.of_region(Rect(900, 10, 20, 20)), layout)
    assert monitor is not None and monitor.number == 2
    for bad in [
        Rect(0, 0, 0, 1),
        Rect(0, 0, 1, -1),
        Rect(1430, 0, 11, 10),
        Rect(0, 595, 10, 6),
        Rect(-1, 0, 10, 10),
    ]:
        with pytest.raises(BadInput):
            resolve(CaptureTarget.of_region(bad), layout)
    with pytest.raises(BadInput):
        parse_region("1,2,3")
    with pytest.raises(BadInput, match="no monitor 3"):
        resolve(CaptureTarget.of_monitor(3), layout)


def test_bad_url_is_refused_before_the_screen_is_grabbed(store: EvidenceStore) -> None:
    incident = store.new_incident("Bad link")
    with pytest.raises(InvalidUrl):
        # No display is needed: the URL is refused first.
        capture_into(
            store, incident.id, CaptureTarget.full(), url="data:text/html,hi", display=":987"
        )
    with pytest.raises(EnvironmentProblem):
        capture_into(store, incident.id, CaptureTarget.full(), display=":987")
    assert store.exhibits(incident.id) == []


# -- the encoder -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(1, 1), (3, 2), (17, 33), (640, 97)])
@pytest.mark.parametrize(
    "settings",
    [
        EncoderSettings(),
        EncoderSettings(stripes=1),
        EncoderSettings(stripes=3),
        EncoderSettings(row_filter=PngFilter.NONE),
        EncoderSettings(deflate="zlib", stripes=2),
    ],
)
def test_encoded_png_is_standard_and_lossless(
    size: tuple[int, int], settings: EncoderSettings
) -> None:
    width, height = size
    frame = os.urandom(width * height * 4)  # random padding bytes too: they must be ignored
    png = encode_png(frame, width, height, settings)
    image = Image.open(io.BytesIO(png))
    image.load()
    assert (image.format, image.mode, image.size) == ("PNG", "RGB", size)
    expected = Image.frombuffer("RGB", size, frame, "raw", "BGRX", 0, 1).tobytes()
    assert image.tobytes() == expected
    # One zlib stream in the IDAT, with the right Adler-32 (zlib checks it).
    idat_length = int.from_bytes(png[33:37], "big")
    assert png[37:41] == b"IDAT"
    raw = zlib.decompress(png[41 : 41 + idat_length])
    assert len(raw) == height * (1 + width * 3)


def test_encoder_keeps_the_grab_of_a_real_screen(screen: PaintedScreen) -> None:
    grabbed = screen_for_this_thread(screen.name).grab(Rect(5, 7, 777, 333))
    png = encode_png(grabbed.pixels, grabbed.width, grabbed.height)
    image = Image.open(io.BytesIO(png))
    assert image.tobytes() == expected_pixels(Rect(5, 7, 777, 333))
    assert json.dumps(EncoderSettings().describe())
