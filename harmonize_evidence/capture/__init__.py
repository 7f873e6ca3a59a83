"""Screen capture: grab with mss, describe what was grabbed, encode PNG in memory.

This layer knows screens, not the store. A capture is made in two steps, on one code path for the
command line and the GUI:

1. :func:`grab_screen` grabs the whole virtual screen once and keeps it raw: the pixels, the
   monitor layout, the clock's time of the grab, the device pixel ratio and a snapshot of the
   windows showing with their titles (:class:`~harmonize_evidence.capture.windows.WindowStack`).
2. :meth:`ScreenGrab.capture` makes the :class:`ScreenCapture` of any part of it (everything, one
   monitor, a region) by cropping those pixels in memory and encoding them as PNG.

So the stored exhibit is exactly the pixels that were grabbed, however long the user took to
choose the part they want over the frozen picture, and the window title under a region is the
one that window had at the grab, not whatever is on the screen afterwards (the GUI's own overlay,
a new notification). :mod:`harmonize_evidence.services.capturing` hashes and stores the capture.

Nothing here writes a file. The pixels go from the grab to the PNG bytes in memory, and from
there into the encrypted store. A grab of a 4K screen holds ~33 MB: drop it once its capture is
made (or the user cancelled).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from harmonize_evidence.capture.geometry import (
    Area,
    CaptureTarget,
    Layout,
    Monitor,
    Rect,
    parse_region,
    resolve,
)
from harmonize_evidence.capture.png import DEFAULT_SETTINGS, EncoderSettings, encode_png
from harmonize_evidence.capture.screen import (
    BLACK_SCREEN,
    Frame,
    Screen,
    display_server,
    forget_screen,
    is_all_black,
    screen_for_this_thread,
)
from harmonize_evidence.capture.windows import WindowStack, WindowTitle
from harmonize_evidence.domain.clock import Clock
from harmonize_evidence.domain.errors import BadInput, EnvironmentProblem
from harmonize_evidence.domain.metadata import (
    CaptureFacts,
    ExhibitMetadata,
    ImageSize,
    MonitorFacts,
    ScreenRect,
)

log = logging.getLogger(__name__)

__all__ = [
    "Area",
    "CaptureDetails",
    "CaptureTarget",
    "Layout",
    "Monitor",
    "Rect",
    "Screen",
    "ScreenCapture",
    "ScreenGrab",
    "capture_screen",
    "check_target",
    "grab_screen",
    "parse_region",
    "screen_layout",
]


def screen_layout(display: str | None = None, *, refresh: bool = False) -> Layout:
    """The monitors, numbered as the user reads them (for a capture overlay to draw over).

    Args:
        display: The X11 display (default: ``DISPLAY``); this thread keeps its connection open.
        refresh: Re-read the monitors, e.g. after one was plugged in.
    """
    screen = screen_for_this_thread(display)
    return screen.refresh() if refresh else screen.layout


@dataclass(frozen=True)
class CaptureDetails:
    """What a court needs to know about a screen capture, beyond who, when and where from."""

    area: Area
    geometry: Rect
    """The grabbed rectangle, in virtual-screen pixels."""
    monitor: Monitor | None
    """The monitor asked for, or the one holding the region's centre (None: several)."""
    layout: Layout
    """Every monitor at the time of the capture."""
    width: int
    """Width of the stored image in pixels."""
    height: int
    """Height of the stored image in pixels."""
    device_pixel_ratio: Decimal
    device_pixel_ratio_source: str
    display_server: str
    window_title: WindowTitle
    encoding: dict[str, object]
    """How the PNG was made (:meth:`~.png.EncoderSettings.describe`): names and text values."""

    def capture_facts(self) -> CaptureFacts:
        """How the capture was made, as the exhibit's metadata records it."""
        return CaptureFacts(
            area=self.area.value,
            geometry=_screen_rect(self.geometry),
            monitor=self.monitor.number if self.monitor else None,
            virtual_screen=_screen_rect(self.layout.virtual),
            monitors=tuple(
                MonitorFacts(m.number, _screen_rect(m.rect), m.name, m.primary)
                for m in self.layout.monitors
            ),
            device_pixel_ratio=str(self.device_pixel_ratio),
            device_pixel_ratio_source=self.device_pixel_ratio_source,
            display_server=self.display_server,
            encoding=tuple((key, str(value)) for key, value in self.encoding.items()),
        )

    def described(self, source: ExhibitMetadata) -> ExhibitMetadata:
        """``source`` (where it came from, when, who) with what this capture shows added."""
        return replace(
            source,
            window_title=self.window_title.title,
            window_title_source=self.window_title.source,
            image=ImageSize(self.width, self.height),
            capture=self.capture_facts(),
        )


def _screen_rect(rect: Rect) -> ScreenRect:
    return ScreenRect(rect.left, rect.top, rect.width, rect.height)


@dataclass(frozen=True)
class ScreenCapture:
    """A capture ready to store: the PNG bytes and what they show."""

    png: bytes
    details: CaptureDetails
    grabbed_at: datetime
    """The clock's time read just before the screen was grabbed: the capture time."""
    seconds: dict[str, float] = field(default_factory=dict, compare=False)
    """Time spent in each step (``grab``, ``describe``, ``crop``, ``encode``), for the log and
    the benchmark."""


def _scaled(points: int, pixels: int, span: int) -> int:
    """``points`` of a ``span``-point layout in a grab ``pixels`` wide, rounded to a pixel."""
    return (2 * points * pixels + span) // (2 * span)


@dataclass(frozen=True, eq=False)
class ScreenGrab:
    """The whole virtual screen at one instant, kept raw so that any part of it can be stored.

    Made by :func:`grab_screen`. Showing it (the GUI's frozen overlay) reads :attr:`pixels`;
    storing part of it goes through :meth:`capture`, which crops these very pixels, so what is
    stored is what was grabbed and shown, never a second look at the screen.
    """

    frame: Frame
    """The raw pixels of the whole virtual screen (``layout.virtual``)."""
    layout: Layout
    """Every monitor at the time of the grab."""
    grabbed_at: datetime
    """The clock's time read just before the pixels were grabbed."""
    device_pixel_ratio: Decimal
    device_pixel_ratio_source: str
    display_server: str
    windows: WindowStack
    """The windows showing right after the grab, to name the one under any part of it."""
    seconds: dict[str, float] = field(default_factory=dict, compare=False)
    """Time spent grabbing and describing (``grab``, ``describe``)."""

    @property
    def pixels(self) -> memoryview:
        """The frame, read-only: blue, green, red, padding (4 bytes a pixel), rows top down."""
        return memoryview(self.frame.pixels).toreadonly()

    def _pixel_box(self, rect: Rect) -> tuple[int, int, int, int]:
        """``rect`` (virtual-screen coordinates) as (left, top, width, height) in the frame."""
        frame, origin = self.frame, self.frame.rect
        left = _scaled(rect.left - origin.left, frame.width, origin.width)
        right = _scaled(rect.right - origin.left, frame.width, origin.width)
        top = _scaled(rect.top - origin.top, frame.height, origin.height)
        bottom = _scaled(rect.bottom - origin.top, frame.height, origin.height)
        left, top = min(max(0, left), frame.width - 1), min(max(0, top), frame.height - 1)
        right = min(max(left + 1, right), frame.width)
        bottom = min(max(top + 1, bottom), frame.height)
        return left, top, right - left, bottom - top

    def crop(self, rect: Rect) -> tuple[bytes | memoryview, int, int]:
        """The pixels of ``rect`` (virtual-screen coordinates) as (BGRX bytes, width, height).

        The whole frame, or a band of whole rows, is a view of the grab (no copy); any other
        rectangle is copied row by row.
        """
        left, top, width, height = self._pixel_box(rect)
        stride = self.frame.width * 4
        view = self.pixels
        if left == 0 and width == self.frame.width:
            return view[top * stride : (top + height) * stride], width, height
        start, row = top * stride + left * 4, width * 4
        rows = (
            view[offset : offset + row] for offset in range(start, start + height * stride, stride)
        )
        return b"".join(rows), width, height

    def capture(
        self, target: CaptureTarget, settings: EncoderSettings = DEFAULT_SETTINGS
    ) -> ScreenCapture:
        """The PNG capture of ``target``, cut from this grab.

        Args:
            target: The whole screen, one monitor, or a region (virtual-screen pixels).
            settings: Encoder choices; the default is the measured best.

        Raises:
            BadInput: The monitor does not exist, or the region is empty or off the screen.
        """
        rect, monitor = resolve(target, self.layout)
        started = time.perf_counter()
        pixels, width, height = self.crop(rect)
        cropped = time.perf_counter()
        png = encode_png(pixels, width, height, settings)
        encoded = time.perf_counter()
        details = CaptureDetails(
            area=target.area,
            geometry=rect,
            monitor=monitor,
            layout=self.layout,
            width=width,
            height=height,
            device_pixel_ratio=self.device_pixel_ratio,
            device_pixel_ratio_source=self.device_pixel_ratio_source,
            display_server=self.display_server,
            window_title=self.windows.title_at(*rect.centre),
            encoding=settings.describe(),
        )
        seconds = {**self.seconds, "crop": cropped - started, "encode": encoded - cropped}
        return ScreenCapture(png, details, self.grabbed_at, seconds)


def grab_screen(
    clock: Clock,
    *,
    display: str | None = None,
    device_pixel_ratio: Decimal | None = None,
    on_grabbed: Callable[[], None] | None = None,
) -> ScreenGrab:
    """Grab the whole virtual screen once, with what is needed to describe any part of it later.

    Args:
        clock: Stamps the grab (read just before the pixels are taken).
        display: The X11 display (default: ``DISPLAY``); this thread keeps its connection open.
        device_pixel_ratio: The ratio the caller knows (the GUI's screen), else the platform's.
        on_grabbed: Called with no arguments right after the pixels are grabbed, before the
            windows are read (the GUI can give feedback at once).

    Raises:
        EnvironmentProblem: There is no screen to capture, or the grab is all black (the
            session hides the screen from programs: see :func:`~.screen.is_all_black`).
    """
    screen = screen_for_this_thread(display)
    grabbed_at = clock.now()
    started = time.perf_counter()
    try:
        frame = screen.grab(screen.layout.virtual)
    except Exception as exc:  # a connection kept open can outlive its X server (a new login)
        log.info("grab failed on the kept connection (%r); reconnecting once", exc)
        forget_screen(display)
        screen = screen_for_this_thread(display)
        grabbed_at = clock.now()
        started = time.perf_counter()
        frame = screen.grab(screen.layout.virtual)
    grabbed = time.perf_counter()
    if is_all_black(frame):
        log.info("the grab of %s is all black; display server %s", frame.rect, display_server())
        raise EnvironmentProblem(BLACK_SCREEN)
    if on_grabbed is not None:
        on_grabbed()
    windows = screen.window_stack()
    if device_pixel_ratio is not None:
        ratio, ratio_source = device_pixel_ratio, "reported by the program's screen"
    else:
        ratio, ratio_source = screen.device_pixel_ratio(frame)
    described = time.perf_counter()
    return ScreenGrab(
        frame=frame,
        layout=screen.layout,
        grabbed_at=grabbed_at,
        device_pixel_ratio=ratio,
        device_pixel_ratio_source=ratio_source,
        display_server=display_server(),
        windows=windows,
        seconds={"grab": grabbed - started, "describe": described - grabbed},
    )


def check_target(target: CaptureTarget, display: str | None = None) -> None:
    """Refuse, before anything is grabbed, a monitor that is not there or a region that is
    empty or not on the screen (:class:`BadInput`). A target that the monitors known to this
    thread's connection do not hold is checked again after reconnecting, so a monitor plugged in
    (or a new X server) since is found; the capture checks it once more against its grab.

    Raises:
        BadInput: The target is not on this screen.
        EnvironmentProblem: There is no screen to capture.
    """
    screen = screen_for_this_thread(display)
    try:
        resolve(target, screen.layout)
    except BadInput:
        resolve(target, screen.refresh())


def capture_screen(
    target: CaptureTarget,
    *,
    clock: Clock,
    display: str | None = None,
    device_pixel_ratio: Decimal | None = None,
    settings: EncoderSettings = DEFAULT_SETTINGS,
    on_grabbed: Callable[[], None] | None = None,
) -> ScreenCapture:
    """Grab the screen and make the capture of ``target`` at once (both steps, in memory).

    Args:
        target: The whole screen, one monitor, or a region.
        clock: Stamps the grab.
        display: The X11 display (default: ``DISPLAY``); this thread keeps its connection open.
        device_pixel_ratio: The ratio the caller knows (the GUI's screen), else the platform's.
        settings: Encoder choices; the default is the measured best.
        on_grabbed: Called with no arguments right after the pixels are grabbed.

    Raises:
        BadInput: The monitor does not exist, or the region is empty or off the screen (said
            before the grab, so not as a black screen's refusal).
        EnvironmentProblem: There is no screen to capture.
    """
    check_target(target, display)
    grab = grab_screen(
        clock, display=display, device_pixel_ratio=device_pixel_ratio, on_grabbed=on_grabbed
    )
    return grab.capture(target, settings)
