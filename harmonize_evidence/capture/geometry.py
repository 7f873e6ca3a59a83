"""Screen geometry: rectangles, the monitor layout, and what a capture asks for.

Everything here is plain values and arithmetic (no display is touched), so the rules for numbering
monitors and validating regions are tested on their own.

Coordinates are *virtual-screen* coordinates: the space that holds every monitor, in device
pixels, with the origin where the operating system puts it (on X11 the top-left of the root
window, so never negative; on Windows it can be). Monitors are numbered from 1 the way a person
reads them: left to right, then top to bottom.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from harmonize_evidence.domain.errors import BadInput

_REGION_RE = re.compile(r"^\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(-?\d+)\s*$")
MAX_SIDE = 65535  # PNG allows more, but no screen is this large; a typo is more likely


@dataclass(frozen=True)
class Rect:
    """A rectangle in virtual-screen pixels."""

    left: int
    top: int
    width: int
    height: int

    @property
    def right(self) -> int:
        """One past the last column."""
        return self.left + self.width

    @property
    def bottom(self) -> int:
        """One past the last row."""
        return self.top + self.height

    @property
    def centre(self) -> tuple[int, int]:
        """The pixel at the middle of the rectangle."""
        return self.left + self.width // 2, self.top + self.height // 2

    def contains(self, other: Rect) -> bool:
        """Whether ``other`` lies wholly inside this rectangle."""
        return (
            self.left <= other.left
            and self.top <= other.top
            and other.right <= self.right
            and other.bottom <= self.bottom
        )

    def contains_point(self, x: int, y: int) -> bool:
        """Whether pixel (x, y) lies inside this rectangle."""
        return self.left <= x < self.right and self.top <= y < self.bottom

    def intersects(self, other: Rect) -> bool:
        """Whether the two rectangles share at least one pixel."""
        return (
            self.left < other.right
            and other.left < self.right
            and self.top < other.bottom
            and other.top < self.bottom
        )

    def minus(self, other: Rect) -> tuple[Rect, ...]:
        """The parts of this rectangle that ``other`` does not cover (at most four)."""
        if not self.intersects(other):
            return (self,)
        parts = []
        if self.top < other.top:  # the band above ``other``, full width
            parts.append(Rect(self.left, self.top, self.width, other.top - self.top))
        if other.bottom < self.bottom:  # the band below it, full width
            parts.append(Rect(self.left, other.bottom, self.width, self.bottom - other.bottom))
        top, bottom = max(self.top, other.top), min(self.bottom, other.bottom)
        if self.left < other.left:  # left of it, between the bands
            parts.append(Rect(self.left, top, other.left - self.left, bottom - top))
        if other.right < self.right:  # right of it, between the bands
            parts.append(Rect(other.right, top, self.right - other.right, bottom - top))
        return tuple(parts)

    def as_dict(self) -> dict[str, int]:
        """JSON form: ``{"left", "top", "width", "height"}``."""
        return {"left": self.left, "top": self.top, "width": self.width, "height": self.height}

    def __str__(self) -> str:
        return f"{self.left},{self.top},{self.width},{self.height}"


@dataclass(frozen=True)
class Monitor:
    """One monitor of the layout, numbered as the user reads them (1 is the leftmost)."""

    number: int
    rect: Rect
    name: str = ""
    primary: bool = False

    def as_dict(self) -> dict[str, Any]:
        """JSON form, for the capture metadata."""
        return {
            "number": self.number,
            **self.rect.as_dict(),
            "name": self.name,
            "primary": self.primary,
        }


@dataclass(frozen=True)
class Layout:
    """All monitors and the virtual screen that holds them."""

    virtual: Rect
    monitors: tuple[Monitor, ...]

    def monitor(self, number: int) -> Monitor:
        """Monitor ``number`` (from 1), or :class:`BadInput` naming the ones there are."""
        for monitor in self.monitors:
            if monitor.number == number:
                return monitor
        count = len(self.monitors)
        there = "one monitor (number 1)" if count == 1 else f"monitors 1 to {count}"
        raise BadInput(f"There is no monitor {number}; this computer has {there}.")

    def monitor_at(self, rect: Rect) -> Monitor | None:
        """The monitor that holds the centre of ``rect``, if any."""
        x, y = rect.centre
        for monitor in self.monitors:
            if monitor.rect.contains_point(x, y):
                return monitor
        return None

    def as_dict(self) -> dict[str, Any]:
        """JSON form, for the capture metadata."""
        return {
            "virtual_screen": self.virtual.as_dict(),
            "monitors": [monitor.as_dict() for monitor in self.monitors],
        }


def layout_from_monitors(
    virtual: Mapping[str, Any], monitors: Iterable[Mapping[str, Any]]
) -> Layout:
    """Build a :class:`Layout` from mss-style dicts (``left``, ``top``, ``width``, ``height``).

    The monitors are numbered left to right, then top to bottom, whatever order the system
    listed them in.
    """

    def rect(item: Mapping[str, Any]) -> Rect:
        return Rect(int(item["left"]), int(item["top"]), int(item["width"]), int(item["height"]))

    listed = sorted(monitors, key=lambda m: (int(m["left"]), int(m["top"])))
    numbered = tuple(
        Monitor(
            number=index,
            rect=rect(item),
            name=str(item.get("name") or item.get("output") or ""),
            primary=bool(item.get("is_primary", False)),
        )
        for index, item in enumerate(listed, start=1)
    )
    return Layout(rect(virtual), numbered)


class Area(StrEnum):
    """What part of the screen a capture takes."""

    FULL = "full-screen"
    MONITOR = "monitor"
    REGION = "region"


@dataclass(frozen=True)
class CaptureTarget:
    """What the user asked to capture: the whole screen, one monitor, or a region."""

    area: Area = Area.FULL
    monitor: int | None = None
    """The monitor number (from 1), for :attr:`Area.MONITOR`."""
    region: Rect | None = None
    """The rectangle in virtual-screen pixels, for :attr:`Area.REGION`."""

    @classmethod
    def full(cls) -> CaptureTarget:
        """Every monitor: the whole virtual screen."""
        return cls(Area.FULL)

    @classmethod
    def of_monitor(cls, number: int) -> CaptureTarget:
        """One monitor, numbered from 1."""
        return cls(Area.MONITOR, monitor=number)

    @classmethod
    def of_region(cls, region: Rect) -> CaptureTarget:
        """A rectangle of the virtual screen."""
        return cls(Area.REGION, region=region)


def parse_region(text: str) -> Rect:
    """Read ``X,Y,W,H`` (virtual-screen pixels) as typed on the command line."""
    match = _REGION_RE.match(text)
    if match is None:
        raise BadInput(
            f"'{text}' is not a region; write it as X,Y,WIDTH,HEIGHT in pixels, e.g. 0,0,800,600."
        )
    left, top, width, height = (int(group) for group in match.groups())
    return Rect(left, top, width, height)


def resolve(target: CaptureTarget, layout: Layout) -> tuple[Rect, Monitor | None]:
    """The rectangle to grab for ``target``, and the monitor it lies on (if one).

    Raises :class:`BadInput` for a monitor that does not exist or a region that is empty or not
    wholly on the screen.
    """
    if target.area is Area.FULL:
        only = layout.monitors[0] if len(layout.monitors) == 1 else None
        return layout.virtual, only
    if target.area is Area.MONITOR:
        if target.monitor is None:
            raise BadInput("Say which monitor to capture, numbered from 1.")
        monitor = layout.monitor(target.monitor)
        return monitor.rect, monitor
    region = target.region
    if region is None:
        raise BadInput("Say which region to capture, as X,Y,WIDTH,HEIGHT.")
    if region.width <= 0 or region.height <= 0:
        raise BadInput(
            f"The region {region} has no area; its width and height must be at least 1 pixel."
        )
    if region.width > MAX_SIDE or region.height > MAX_SIDE or not layout.virtual.contains(region):
        screen = layout.virtual
        raise BadInput(
            f"The region {region} is not wholly on the screen, which spans "
            f"{screen.width}x{screen.height} pixels from ({screen.left},{screen.top})."
        )
    return region, layout.monitor_at(region)
