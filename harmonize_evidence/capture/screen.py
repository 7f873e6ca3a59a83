"""Grabbing the screen with mss, and what the platform says about it.

mss instances cannot be shared between threads and cost ~7 ms (27 ms at 4K) to open, while a
grab from an open one takes ~1.5 ms; so each thread keeps its own :class:`Screen` open
(:func:`screen_for_this_thread`). Only ``grab()`` is used: mss's ``shot()`` and ``save()`` write
PNG files into the working directory, and evidence must never touch the disk unencrypted.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from dataclasses import dataclass
from decimal import Decimal

import mss

from harmonize_evidence.capture import win32, x11
from harmonize_evidence.capture.geometry import Layout, Rect, layout_from_monitors
from harmonize_evidence.capture.windows import WindowStack, WindowTitle
from harmonize_evidence.domain.errors import EnvironmentProblem

log = logging.getLogger(__name__)

NO_SCREEN = (
    "No screen is available to capture; run this in a desktop session (on Linux, DISPLAY "
    "must name the X display)."
)
WAYLAND = (
    "No screen is available to capture: this Wayland session does not let programs grab the "
    "screen; log in with an X11 (Xorg) session to capture, or import a screenshot with 'add'."
)

BLACK_SCREEN = (
    "The screen came back completely black, so nothing was captured: this session does not let "
    "programs see the screen (as on Wayland, or while the screen is locked); log in with an X11 "
    "(Xorg) session, or take the screenshot with the system's own tool and import it with 'add'."
)
# Pixels apart in the first look at a grab: a prime, so the sample crosses rows and columns.
_SAMPLE_STEP = 1021

_local = threading.local()


@dataclass(frozen=True)
class Frame:
    """Grabbed pixels: 4 bytes a pixel (blue, green, red, padding), rows top to bottom."""

    pixels: bytes | bytearray
    width: int
    height: int
    rect: Rect
    """Where on the virtual screen they were grabbed (in the layout's pixels)."""


def is_all_black(frame: Frame) -> bool:
    """True when every pixel of ``frame`` is black (the padding byte is not looked at).

    A whole-screen grab that is all black did not see the screen: a GNOME or KDE Wayland
    session gives X11 programs a black picture instead of the desktop, and so does a locked or
    blanked screen. A desktop is never all black (a panel, a clock, a window), so such a grab is
    refused rather than kept as an exhibit that shows nothing. A sparse sample decides at once
    for a real desktop; only a (nearly) black grab is read in full (about 20 ms at 4K).
    """
    pixels = frame.pixels
    for channel in range(3):
        sample = pixels[channel :: 4 * _SAMPLE_STEP]
        if sample.count(0) != len(sample):
            return False
    for channel in range(3):
        plane = pixels[channel::4]
        if plane.count(0) != len(plane):
            return False
    return True


def display_server() -> str:
    """The kind of display this program runs on: ``X11``, ``Wayland``, ``Windows`` or ``macOS``."""
    if sys.platform == "win32":
        return "Windows"
    if sys.platform == "darwin":
        return "macOS"
    if os.environ.get("XDG_SESSION_TYPE", "").lower() == "wayland" or (
        os.environ.get("WAYLAND_DISPLAY") and not os.environ.get("DISPLAY")
    ):
        return "Wayland"
    return "X11"


def _check_display(display: str | None) -> None:
    """Refuse early, with the right sentence, when there is no display to grab."""
    if sys.platform in ("win32", "darwin") or display:
        return
    if os.environ.get("DISPLAY"):
        return
    raise EnvironmentProblem(WAYLAND if os.environ.get("WAYLAND_DISPLAY") else NO_SCREEN)


def _screen_error(exc: Exception) -> EnvironmentProblem:
    return EnvironmentProblem(WAYLAND if display_server() == "Wayland" else NO_SCREEN)


class Screen:
    """An open connection to the screen for the thread that made it.

    Args:
        display: The X11 display to use (``:0``); ``None`` means the ``DISPLAY`` variable.
            Ignored on Windows and macOS.
    """

    def __init__(self, display: str | None = None) -> None:
        _check_display(display)
        self.display = display if display else os.environ.get("DISPLAY")
        try:
            self._mss = self._open()
            self._layout = self._read_layout()
        except mss.ScreenShotError as exc:
            log.info("mss cannot open the display %s: %s", self.display, exc)
            raise _screen_error(exc) from exc

    def _open(self) -> mss.MSS:
        if sys.platform.startswith("linux") and self.display:
            return mss.MSS(display=self.display)
        return mss.MSS()

    def _read_layout(self) -> Layout:
        monitors = self._mss.monitors
        listed = monitors[1:] or monitors[:1]
        if len(listed) == 1 and display_server() == "X11":
            listed = x11.xinerama_screens(self.display) or listed
        return layout_from_monitors(monitors[0], listed)

    @property
    def layout(self) -> Layout:
        """The monitors as they were when this connection opened (see :meth:`refresh`)."""
        return self._layout

    def refresh(self) -> Layout:
        """Reconnect, to see monitors plugged in or rearranged since the connection opened."""
        self._mss.close()
        try:
            self._mss = self._open()
            self._layout = self._read_layout()
        except mss.ScreenShotError as exc:
            raise _screen_error(exc) from exc
        return self._layout

    def grab(self, rect: Rect) -> Frame:
        """Grab the pixels of ``rect`` (virtual-screen coordinates) at native resolution."""
        try:
            shot = self._mss.grab(rect.as_dict())
        except mss.ScreenShotError as exc:
            log.info("mss cannot grab %s: %s", rect, exc)
            raise _screen_error(exc) from exc
        width, height = shot.size
        return Frame(shot.raw, width, height, rect)

    def device_pixel_ratio(self, frame: Frame) -> tuple[Decimal, str]:
        """The frame's device pixel ratio and where that figure comes from.

        When the grab holds more pixels than the layout's points (macOS Retina), the ratio is
        measured from the grab itself; on X11 it is the desktop's ``Xft.dpi`` scale.
        """
        if frame.width != frame.rect.width and frame.rect.width:
            ratio = (Decimal(frame.width) / Decimal(frame.rect.width)).quantize(Decimal("0.001"))
            return ratio.normalize(), "grab size over layout size"
        if display_server() == "X11":
            scale = x11.desktop_scale(self.display)
            return scale.ratio, scale.source
        return Decimal(1), f"{display_server()} (grabbed in device pixels)"

    def window_stack(self) -> WindowStack:
        """The windows showing now and their titles, where the platform lets us read them."""
        server = display_server()
        if server == "X11":
            return x11.window_stack(self.display)
        if server == "Windows":
            return win32.window_stack(self._layout.virtual)
        return WindowStack(problem=f"window titles are not read on {server}")

    def window_title_at(self, x: int, y: int) -> WindowTitle:
        """The title of the window at (x, y) now, where the platform lets us read it."""
        return self.window_stack().title_at(x, y)

    def close(self) -> None:
        """Close the connection."""
        self._mss.close()


def forget_screen(display: str | None = None) -> None:
    """Forget this thread's connection to ``display`` (e.g. after its X server restarted)."""
    key = display if display else os.environ.get("DISPLAY")
    screens: dict[str | None, Screen] = _local.__dict__.setdefault("screens", {})
    screen = screens.pop(key, None)
    if screen is not None:
        try:
            screen.close()
        except Exception as exc:  # a dead connection may not close cleanly; it is gone anyway
            log.info("closing the old screen connection: %s", exc)
    x11.forget_session(key)


def screen_for_this_thread(display: str | None = None) -> Screen:
    """This thread's open :class:`Screen` for ``display`` (opened on first use, then kept)."""
    key = display if display else os.environ.get("DISPLAY")
    screens: dict[str | None, Screen] = _local.__dict__.setdefault("screens", {})
    screen = screens.get(key)
    if screen is None:
        screen = Screen(display)
        screens[key] = screen
    return screen
