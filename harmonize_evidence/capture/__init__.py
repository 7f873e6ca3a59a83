"""Screen capture: grab with mss, describe what was grabbed, encode PNG in memory.

This layer knows screens, not the store: :func:`capture_screen` returns the PNG bytes and the
capture details, and :mod:`harmonize_evidence.services.capturing` hashes and stores them. The
command line and the GUI's capture overlay both go through that service.

Nothing here writes a file. The pixels go from the grab to the PNG bytes in memory, and from
there into the encrypted store.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

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
    Screen,
    display_server,
    forget_screen,
    screen_for_this_thread,
)
from harmonize_evidence.capture.x11 import WindowTitle

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
    "capture_screen",
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

    def as_metadata(self) -> dict[str, Any]:
        """The JSON fields of the exhibit's metadata (no floats: the chain hashes them)."""
        return {
            "window_title": self.window_title.title,
            "window_title_source": self.window_title.source,
            "image": {"width": self.width, "height": self.height},
            "capture": {
                "area": self.area.value,
                "geometry": self.geometry.as_dict(),
                "monitor": self.monitor.number if self.monitor else None,
                **self.layout.as_dict(),
                "device_pixel_ratio": str(self.device_pixel_ratio),
                "device_pixel_ratio_source": self.device_pixel_ratio_source,
                "display_server": self.display_server,
                "encoding": dict(self.encoding),
            },
        }


@dataclass(frozen=True)
class ScreenCapture:
    """A capture ready to store: the PNG bytes and what they show."""

    png: bytes
    details: CaptureDetails
    seconds: dict[str, float] = field(default_factory=dict, compare=False)
    """Time spent in each step (``grab``, ``describe``, ``encode``), for the log and benchmark."""


def capture_screen(
    target: CaptureTarget,
    *,
    display: str | None = None,
    device_pixel_ratio: Decimal | None = None,
    settings: EncoderSettings = DEFAULT_SETTINGS,
    on_grabbed: Callable[[], None] | None = None,
) -> ScreenCapture:
    """Grab ``target`` and encode it as PNG, in memory.

    Args:
        target: The whole screen, one monitor, or a region.
        display: The X11 display (default: ``DISPLAY``); this thread keeps its connection open.
        device_pixel_ratio: The ratio the caller knows (the GUI's screen), else the platform's.
        settings: Encoder choices; the default is the measured best.
        on_grabbed: Called with no arguments right after the pixels are grabbed (the GUI can
            give feedback before encoding ends).

    Raises:
        BadInput: The monitor does not exist, or the region is empty or off the screen.
        EnvironmentProblem: There is no screen to capture.
    """
    screen = screen_for_this_thread(display)
    rect, monitor = resolve(target, screen.layout)
    started = time.perf_counter()
    try:
        frame = screen.grab(rect)
    except Exception as exc:  # a connection kept open can outlive its X server (a new login)
        log.info("grab failed on the kept connection (%r); reconnecting once", exc)
        forget_screen(display)
        screen = screen_for_this_thread(display)
        rect, monitor = resolve(target, screen.layout)
        started = time.perf_counter()
        frame = screen.grab(rect)
    grabbed = time.perf_counter()
    if on_grabbed is not None:
        on_grabbed()
    title = screen.window_title_at(*rect.centre)
    if device_pixel_ratio is not None:
        ratio, ratio_source = device_pixel_ratio, "reported by the program's screen"
    else:
        ratio, ratio_source = screen.device_pixel_ratio(frame)
    described = time.perf_counter()
    png = encode_png(frame.pixels, frame.width, frame.height, settings)
    encoded = time.perf_counter()
    details = CaptureDetails(
        area=target.area,
        geometry=rect,
        monitor=monitor,
        layout=screen.layout,
        width=frame.width,
        height=frame.height,
        device_pixel_ratio=ratio,
        device_pixel_ratio_source=ratio_source,
        display_server=display_server(),
        window_title=title,
        encoding=settings.describe(),
    )
    seconds = {
        "grab": grabbed - started,
        "describe": described - grabbed,
        "encode": encoded - described,
    }
    return ScreenCapture(png, details, seconds)
