"""The windows showing on the screen at one instant, and the title under a point.

Platform-neutral values shared by the readers of each window system (:mod:`.x11`, :mod:`.win32`).
A reader goes through the windows topmost first and keeps those that show: a window wholly
hidden behind the ones already kept is left out, since no point can land on it.
:class:`UncoveredScreen` tracks what is still visible for that. Nothing here touches a display.
"""

from __future__ import annotations

from dataclasses import dataclass

from harmonize_evidence.capture.geometry import Rect

UNKNOWN = "unknown"
MAX_UNCOVERED_PARTS = 256
"""Past this many uncovered parts, stop tracking what is hidden and keep every window."""


@dataclass(frozen=True)
class WindowTitle:
    """A window's title and where it was read from (or why it could not be)."""

    title: str
    source: str


@dataclass(frozen=True)
class StackedWindow:
    """A window that showed on the screen when the stack was read."""

    rect: Rect
    """Its area in virtual-screen pixels (on X11 without border or frame; on Windows its visible
    frame, without the invisible resize borders)."""
    title: WindowTitle


@dataclass(frozen=True)
class WindowStack:
    """The windows showing at one instant, topmost first, to look titles up afterwards."""

    windows: tuple[StackedWindow, ...] = ()
    problem: str | None = None
    """Why the windows could not be read; every title is then ``unknown`` with this reason."""

    def title_at(self, x: int, y: int) -> WindowTitle:
        """The title of the topmost window that held pixel (x, y), or ``unknown`` and why."""
        if self.problem is not None:
            return WindowTitle(UNKNOWN, self.problem)
        for window in self.windows:
            if window.rect.contains_point(x, y):
                return window.title
        return WindowTitle(UNKNOWN, "no window covers that point")


class UncoveredScreen:
    """The parts of the screen that the windows read so far (topmost first) leave visible."""

    def __init__(self, screen: Rect) -> None:
        self._parts = [screen]

    @property
    def all_covered(self) -> bool:
        """Whether the windows read so far cover the whole screen (all below are hidden)."""
        return not self._parts

    def shows(self, rect: Rect) -> bool:
        """Whether a window at ``rect``, below those read so far, would show anywhere."""
        return any(rect.intersects(part) for part in self._parts)

    def cover(self, rect: Rect) -> None:
        """Take ``rect`` (a window just kept) off the visible parts.

        With many parts (a desktop of many small overlapping windows) tracking stops, so the
        windows below are kept whenever they meet a part still listed: more windows, never fewer.
        """
        if len(self._parts) <= MAX_UNCOVERED_PARTS:
            self._parts = [piece for part in self._parts for piece in part.minus(rect)]
